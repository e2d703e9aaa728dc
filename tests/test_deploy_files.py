"""The files dokku reads: Procfile, app.json, gunicorn.conf.py, requirements.txt."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import runpy
import sys
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
    assert (
        settings["worker_class"] == "api.http.worker.JSONErrorsWorker" and settings["threads"] >= 2
    )
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


def _imported_distributions(*folders: str) -> set[str]:
    """The installed distributions whose modules the files of `folders` import."""
    providers = importlib.metadata.packages_distributions()
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for top in {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names):
                    if top not in ("api", "jobs", "bench", "tests"):
                        found |= {d.lower() for d in providers.get(top, [top])}
    return found


def _declared(requirements: list[str]) -> set[str]:
    names = {re.split(r"[<>=!~ \[]", r, maxsplit=1)[0].lower() for r in requirements}
    return {name.replace("_", "-") for name in names}


def test_every_module_the_code_imports_is_a_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _declared(project["dependencies"])
    extras = project["optional-dependencies"]
    everything = runtime | {n for extra in extras.values() for n in _declared(extra)}
    normal = {name.replace("_", "-") for name in _imported_distributions("api", "jobs")}
    assert normal <= runtime | _declared(extras["postgres"]), normal - runtime
    used = {n.replace("_", "-") for n in _imported_distributions("api", "jobs", "bench", "tests")}
    assert used <= everything, used - everything
