"""The served OpenAPI document against real answers: every route, success and refusal."""

from __future__ import annotations

from types import SimpleNamespace

import jsonschema_rs
import pytest

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").json


def _checker(document):
    """Check a response against what the document says of its route, method and status."""
    seen = set()

    def check(template: str, method: str, resp) -> None:
        operation = document["paths"][template][method]
        answer = operation["responses"].get(str(resp.status_int))
        assert answer is not None, f"{method.upper()} {template} answered {resp.status_int}"
        seen.add((template, method))
        content = answer.get("content", {})
        if not content:
            assert not resp.body, f"{method.upper()} {template}: a body where none is documented"
            return
        media = resp.content_type
        assert media in content, f"{method.upper()} {template}: {media} is not documented"
        if media == "application/json":
            schema = {**content[media]["schema"], "components": document["components"]}
            errors = [e.message for e in jsonschema_rs.validator_for(schema).iter_errors(resp.json)]
            assert not errors, f"{method.upper()} {template} {resp.status_int}: {errors}"

    return check, seen


def test_every_answer_of_every_route_matches_the_served_schemas(
    client, document, admin_headers, make_config
):
    check, seen = _checker(document)
    p = "/api/prompts/{prompt_id}"

    def post(path, body, status, template=None, **kw):
        resp = client.post_json(path, body, status=status, **kw)
        check(template or path, "post", resp)
        return resp.json

    def get(template, url, status, **kw):
        resp = client.get(url, status=status, **kw)
        check(template, "get", resp)
        return resp

    root = post("/api/prompts", {"text": "Summarise {{ doc }} in [[summary]]"}, 201)
    post("/api/prompts", {"text": "Summarise {{ doc }} in [[summary]]"}, 200)
    child = post("/api/prompts", {"text": "Edited {{ doc }}", "parent_id": root["id"]}, 201)
    post("/api/prompts", {"text": "x", "inputs": {"a": 1}}, 400)
    post("/api/prompts", {"text": " "}, 422)
    post("/api/prompts", {"text": "x", "parent_id": UNKNOWN}, 422)
    post("/api/prompts", {"text": "x" * 300_000}, 413)
    resp = client.post("/api/prompts", b"text", status=415, content_type="text/plain")
    check("/api/prompts", "post", resp)
    post("/api/save-prompt", {"syntax": "[[answer]]"}, 201)
    post("/api/save-prompt", {"syntax": "[[answer]]"}, 200)
    post("/api/save-prompt", {"syntax": "x", "outputs": "y"}, 400)

    get("/api/prompts", "/api/prompts", 200, headers=admin_headers)
    get("/api/prompts", "/api/prompts?cursor=%%%", 400, headers=admin_headers)
    get("/api/prompts", "/api/prompts", 401)
    get(p, f"/api/prompts/{child['id']}", 200)
    get(p, f"/api/prompts/{UNKNOWN}", 404)
    get(p + "/raw", f"/api/prompts/{child['id']}/raw", 200)
    get(p + "/raw", f"/api/prompts/{UNKNOWN}/raw", 404)
    get(p + "/history", f"/api/prompts/{child['id']}/history?limit=1", 200)
    get(p + "/history", f"/api/prompts/{child['id']}/history?limit=0", 400)
    get(p + "/history", f"/api/prompts/{UNKNOWN}/history", 404)
    get(p + "/diff", f"/api/prompts/{child['id']}/diff", 200)
    get(p + "/diff", f"/api/prompts/{root['id']}/diff", 200)
    get(p + "/diff", f"/api/prompts/{child['id']}/diff?against=nope", 400)
    get(p + "/diff", f"/api/prompts/{child['id']}/diff?against={UNKNOWN}", 422)
    get(p + "/children", f"/api/prompts/{root['id']}/children", 200, headers=admin_headers)
    get(p + "/children", f"/api/prompts/{UNKNOWN}/children", 404, headers=admin_headers)
    get(p + "/children", f"/api/prompts/{root['id']}/children", 401)
    get("/api/stats", "/api/stats", 200, headers=admin_headers)
    get("/api/stats", "/api/stats", 401)
    get("/healthz", "/healthz", 200)
    get("/metrics", "/metrics", 200, headers=admin_headers)
    get("/metrics", "/metrics", 401)
    get("/api/openapi.json", "/api/openapi.json", 200)

    for token, status in (("wrong", 403), (child["delete_token"], 204), ("any", 410)):
        resp = client.delete(
            f"/api/prompts/{child['id']}", headers={"X-Delete-Token": token}, status=status
        )
        check(p, "delete", resp)
    resp = client.delete(f"/api/prompts/{UNKNOWN}", headers={"X-Delete-Token": "x"}, status=404)
    check(p, "delete", resp)
    get(p, f"/api/prompts/{child['id']}", 410)

    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert seen == documented  # a new route needs its answers checked here too


def test_a_wrong_body_fails_the_check(client, document, save):
    """The check itself can fail: a body that breaks its schema is caught."""
    check, _ = _checker(document)
    saved = save("{{ a }}")
    real = client.get(f"/api/prompts/{saved['id']}")
    broken = SimpleNamespace(
        status_int=200,
        content_type=real.content_type,
        body=real.body,
        json=dict(real.json, template="not an object"),
    )
    with pytest.raises(AssertionError, match="not of type"):
        check("/api/prompts/{prompt_id}", "get", broken)
    with pytest.raises(AssertionError, match="answered 418"):
        check("/api/prompts/{prompt_id}", "get", SimpleNamespace(status_int=418))
