"""gunicorn settings for prompt-store (dokku sets PORT and WEB_CONCURRENCY)."""

import os

# dokku passes PORT; without it, listen on loopback only for local use.
bind = f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Heartbeat files on tmpfs: a slow disk must not make gunicorn kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
timeout = 30
# dokku waits 30 s before killing an old container; finish requests well before.
graceful_timeout = 20
keepalive = 5
# No runtime control socket: nothing should reconfigure the server from outside.
control_socket_disable = True
# The app is imported in each worker, after the fork: no database handle is
# ever shared between processes.
preload_app = False
accesslog = "-"
errorlog = "-"
# Addresses of clients are taken by the app itself from STRUCKDOWN_TRUSTED_PROXIES.
forwarded_allow_ips = "127.0.0.1"
