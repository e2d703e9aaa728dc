"""gunicorn settings for prompt-store (dokku sets PORT and WEB_CONCURRENCY)."""

import os
import shutil
import tempfile
from pathlib import Path

from api.config import Config

# dokku passes PORT; without it, listen on loopback only for local use.
bind = f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gunicorn's threaded worker, whose own refusals of malformed HTTP are JSON too.
worker_class = "api.http.worker.JSONErrorsWorker"
# The longest request line taken, as nginx's default 8k header buffers pass it.
limit_request_line = 8190
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
# Addresses of clients are taken by the app itself from STRUCKDOWN_TRUSTED_PROXIES.
forwarded_allow_ips = "127.0.0.1"

# Logs: the app writes one line per request itself, naming the route, never the path
# (a path holds a prompt id, which is a capability), so gunicorn's access log is off.
# gunicorn's own messages go to stdout through the app's line formatter.
accesslog = None
# ...and not even built: gunicorn would make each request's fields for a logger that drops them.
logger_class = "api.http.worker.NoAccessLog"
_formatter = "TextFormatter" if Config.from_env().log_format == "text" else "LineFormatter"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": f"api.http.logs.{_formatter}"}},
    "handlers": {
        # Each line one write of at most PIPE_BUF bytes, as the workers' lines are.
        "stdout": {"class": "api.http.logs.LineHandler", "formatter": "line"}
    },
    "root": {"level": "WARNING", "handlers": ["stdout"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["stdout"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}

# Metrics: prometheus_client's multiprocess mode keeps each worker's counts in files of
# a directory on tmpfs, summed at each scrape. One new directory per server start, so
# no count survives from an earlier run; removed at exit.
METRICS_PREFIX = "prompt-store-metrics-"


def on_starting(server):
    base = Path(worker_tmp_dir or tempfile.gettempdir())
    for old in base.glob(f"{METRICS_PREFIX}*"):
        if not _alive(old.name.removeprefix(METRICS_PREFIX)):
            shutil.rmtree(old, ignore_errors=True)  # left by a server that was killed
    directory = base / f"{METRICS_PREFIX}{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # the workers inherit it


def when_ready(server):
    """Say where the database is, once, as the server starts to listen."""
    from api.store import Store

    store = Store(Config.from_env())
    server.log.info("prompt-store: the database is %s", store.label)
    store.close()


def worker_exit(server, worker):
    from api.http import logs

    logs.flush()  # the request lines still waiting for their batch


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True
