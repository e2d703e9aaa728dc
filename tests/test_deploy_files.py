"""The files dokku reads: Procfile, app.json, gunicorn.conf.py, requirements.txt."""

from __future__ import annotations

import json
import re
import runpy
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _gunicorn_settings(monkeypatch, **env):
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_procfile_runs_gunicorn_migrates_on_release_and_has_one_replicator():
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines())
    assert lines["web"] == "gunicorn -c gunicorn.conf.py api.wsgi:app"
    assert lines["release"] == "prompt-store init-db"
    assert lines["replicator"] == "prompt-store replicate"
    formation = json.loads((ROOT / "app.json").read_text())["formation"]
    assert formation["replicator"] == {"quantity": 1, "max_parallel": 1}
    assert set(lines) == {"web", "release", "replicator"}


def test_gunicorn_binds_dokkus_port_or_loopback(monkeypatch):
    assert _gunicorn_settings(monkeypatch, PORT="5000")["bind"] == "0.0.0.0:5000"
    assert _gunicorn_settings(monkeypatch)["bind"] == "127.0.0.1:8000"


def test_gunicorn_settings_fit_dokku(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3")
    assert settings["workers"] == 3
    assert _gunicorn_settings(monkeypatch)["workers"] == 2
    assert settings["worker_class"] == "api.worker.JSONErrorsWorker" and settings["threads"] >= 2
    assert settings["graceful_timeout"] < 30
    assert settings["control_socket_disable"] is True
    assert settings["preload_app"] is False


def test_app_json_checks_health_and_documents_settings():
    app = json.loads((ROOT / "app.json").read_text())
    checks = app["healthchecks"]["web"]
    assert any(c["type"] == "startup" and c["path"] == "/healthz" for c in checks)
    source = "\n".join(p.read_text() for p in (ROOT / "api").glob("*.py"))
    used = set(re.findall(r'"(STRUCKDOWN_[A-Z_]+)"', source))
    assert used - {"STRUCKDOWN_PROMPT_CACHE_DIR"} <= set(app["env"])


def test_app_json_cron_commands_have_no_shell_operators():
    for job in json.loads((ROOT / "app.json").read_text()).get("cron", []):
        assert not re.search(r"[;&|<>`$]", job["command"]), job["command"]


def test_requirements_pin_every_runtime_dependency():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower() for d in declared}
    lines = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    pins = {line.split("==")[0].lower() for line in lines if "==" in line}
    assert names <= pins
    assert "." in lines  # installs the project: the prompt-store command
    assert (ROOT / ".python-version").read_text().strip().startswith("3.")


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```console\n(.+?)\n```", readme)
    assert len(commands) >= 2
    run, test = commands[0], commands[1]
    assert "gunicorn -c gunicorn.conf.py" in run
    assert "pytest" in test
    assert test in (ROOT / ".ci" / "run").read_text()
