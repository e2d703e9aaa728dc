"""Shared fixtures: a temp database file per test, the app, a WebTest client, a CLI runner."""

from __future__ import annotations

import os

import pytest
import webtest
from click.testing import CliRunner

from api import store
from api.app import create_app
from api.config import Config

ADMIN_TOKEN = "test-admin-token-0123456789"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """No test reads the developer's settings or touches ~/.struckdown."""
    for name in list(os.environ):
        if name.startswith("STRUCKDOWN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    yield
    store.close()


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "data" / "prompts.db"


@pytest.fixture
def config(db_path):
    """A config on a temp file (not :memory:, which vanishes with its connection)."""
    return Config(db_path=db_path, save_rate_limit=None, admin_token=ADMIN_TOKEN)


@pytest.fixture
def app(config):
    return create_app(config)


@pytest.fixture
def client(app):
    return webtest.TestApp(app)


@pytest.fixture
def admin_headers():
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def save(client):
    """Save through the API and return the response body."""

    def save(text, parent_id=None, status=201):
        body = {"text": text} if parent_id is None else {"text": text, "parent_id": parent_id}
        return client.post_json("/api/prompts", body, status=status).json

    return save
