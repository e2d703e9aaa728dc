"""A client generated from the served OpenAPI document, by openapi-python-client, drives the API.

The generated code is what a team gets from our document without writing a line: named
functions (operationIds), typed bodies, a 304 that is an answer and not an error. It
talks to the app in process through httpx's WSGI transport.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

PACKAGE = "generated_prompt_store"
BASE = "http://prompt-store"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from api.resources.openapi import DOCUMENT

    work = tmp_path_factory.mktemp("generated")
    (work / "openapi.json").write_text(json.dumps(DOCUMENT))
    (work / "config.yaml").write_text(f"package_name_override: {PACKAGE}\n")
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(work / "openapi.json"),
            "--output-path",
            str(work / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(work / "config.yaml"),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every schema and answer understood
    sys.path.insert(0, str(work))
    try:
        # Module names given in parts: the generated package has its own `api` folder.
        yield lambda *parts: importlib.import_module(".".join((PACKAGE, *parts)))
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _connected(client, app, headers=None):
    """The generated client, talking to the app in process."""
    transport = httpx.WSGITransport(app=app)
    client.set_httpx_client(httpx.Client(base_url=BASE, transport=transport, headers=headers))
    return client


@pytest.fixture
def api(generated, app):
    return _connected(generated("client").Client(base_url=BASE), app)


def test_a_generated_client_saves_loads_revalidates_and_moves_a_label(generated, api, app):
    models = generated("models")
    save = generated("api", "prompts", "save_prompt")
    get_prompt = generated("api", "prompts", "get_prompt")
    create_label = generated("api", "labels", "create_label")
    move_label = generated("api", "labels", "move_label")
    get_label = generated("api", "labels", "get_label")

    saved = save.sync_detailed(client=api, body=models.SaveRequest(text="Hi {{ name }}"))
    assert (
        saved.status_code == 201 and saved.headers["location"] == f"/api/prompts/{saved.parsed.id}"
    )
    child = save.sync(
        client=api, body=models.SaveRequest(text="Hi {{ name }}!", parent_id=saved.parsed.id)
    )
    assert isinstance(child, models.Saved) and child.parent_id == saved.parsed.id

    loaded = get_prompt.sync_detailed(saved.parsed.id, client=api)
    assert loaded.status_code == 200 and loaded.parsed.text == "Hi {{ name }}"
    again = get_prompt.sync_detailed(
        saved.parsed.id, client=api, if_none_match=loaded.headers["etag"]
    )
    assert again.status_code == 304 and again.parsed is None  # an answer, not UnexpectedStatus

    created = create_label.sync(
        client=api, body=models.CreateLabel(name="greeter/production", id=saved.parsed.id)
    )
    assert isinstance(created, models.LabelCreated) and created.label_token
    token = created.label_token
    auth = generated("client").AuthenticatedClient(base_url=BASE, token=token)
    auth = _connected(auth, app, {"Authorization": f"Bearer {token}"})
    moved = move_label.sync_detailed(
        "greeter/production", client=auth, body=models.MoveLabel(id=child.id)
    )
    assert moved.status_code == 200, moved.content
    state = get_label.sync("greeter/production", client=api)
    assert isinstance(state, models.LabelState) and state.id == child.id
    missing = get_prompt.sync_detailed("00000000-0000-4000-8000-000000000000", client=api)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.Error)


def test_a_generated_client_pages_history_and_moves_by_the_same_cursor(generated, api, app):
    models = generated("models")
    save = generated("api", "prompts", "save_prompt")
    get_history = generated("api", "prompts", "get_history")
    get_moves = generated("api", "labels", "get_label_moves")
    parent, ids = None, []
    for n in range(5):
        parent = save.sync(client=api, body=models.SaveRequest(text=f"v{n}", parent_id=parent)).id
        ids.append(parent)

    first = get_history.sync(ids[-1], client=api, limit=3)
    assert isinstance(first, models.History) and first.next_cursor
    second = get_history.sync(ids[-1], client=api, limit=3, cursor=first.next_cursor)
    assert isinstance(second, models.History) and second.id == ids[-1]
    shown = [entry.id for page in (first, second) for entry in page.ancestors]
    assert shown == ids[-2::-1] and second.next_cursor is None
    assert second.template_changes is not None  # still the version asked about, not the cursor's

    token = (
        generated("api", "labels", "create_label")
        .sync(client=api, body=models.CreateLabel(name="pager", id=ids[0]))
        .label_token
    )
    auth = generated("client").AuthenticatedClient(base_url=BASE, token=token)
    auth = _connected(auth, app, {"Authorization": f"Bearer {token}"})
    for prompt_id in ids[1:]:
        body = models.MoveLabel(id=prompt_id, force=True)
        generated("api", "labels", "move_label").sync("pager", client=auth, body=body)
    pages = [get_moves.sync("pager", client=api, limit=3)]
    while pages[-1].next_cursor:
        pages.append(get_moves.sync("pager", client=api, limit=3, cursor=pages[-1].next_cursor))
    moved_to = [move.id for page in pages for move in page.moves]
    assert len(pages) == 2 and moved_to == ids[::-1]

    refused = get_history.sync_detailed(ids[-1], client=api, cursor="not a cursor")
    assert refused.status_code == 400 and isinstance(refused.parsed, models.Error)
