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

    _labels(client, check, post, get, root, child)

    for token, status in (("wrong", 403), (child["delete_token"], 204), ("any", 410)):
        resp = client.delete(
            f"/api/prompts/{child['id']}", headers={"X-Delete-Token": token}, status=status
        )
        check(p, "delete", resp)
    resp = client.delete(f"/api/prompts/{UNKNOWN}", headers={"X-Delete-Token": "x"}, status=404)
    check(p, "delete", resp)
    get(p, f"/api/prompts/{child['id']}", 410)
    get("/api/labels/{name}", "/api/labels/docs", 410)
    get("/api/labels/{name}/raw", "/api/labels/docs/raw", 410)

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


def _labels(client, check, post, get, root, child):
    """Every label route's answers, success and refusal (the child is removed later: 410)."""
    n, raw, moves = "/api/labels/{name}", "/api/labels/{name}/raw", "/api/labels/{name}/moves"
    made = post("/api/labels", {"name": "docs", "id": root["id"]}, 201)
    post("/api/labels", {"name": "docs", "id": child["id"]}, 409)
    post("/api/labels", {"name": "Docs!", "id": child["id"]}, 400)
    post("/api/labels", {"name": "other", "id": UNKNOWN}, 422)
    resp = client.post("/api/labels", b"x", status=415, content_type="text/plain")
    check("/api/labels", "post", resp)
    etag = get(n, "/api/labels/docs", 200).headers["ETag"]
    get(n, "/api/labels/docs", 304, headers={"If-None-Match": etag})
    get(n, "/api/labels/nothing-here", 404)
    get(n, "/api/labels/BAD", 400)
    tag = get(raw, "/api/labels/docs/raw", 200).headers["ETag"]
    get(raw, "/api/labels/docs/raw", 304, headers={"If-None-Match": tag})
    get(raw, "/api/labels/nothing-here/raw", 404)
    get(moves, "/api/labels/docs/moves", 200)
    get(moves, "/api/labels/docs/moves?limit=0", 400)
    get(moves, "/api/labels/nothing-here/moves", 404)
    get("/api/prompts/{prompt_id}/labels", f"/api/prompts/{child['id']}/labels", 200)
    get("/api/prompts/{prompt_id}/labels", f"/api/prompts/{UNKNOWN}/labels", 404)
    get(
        "/api/prompts/{prompt_id}",
        f"/api/prompts/{child['id']}",
        304,
        headers={"If-None-Match": "*"},
    )
    owner = {"Authorization": f"Bearer {made['label_token']}"}

    def put(name, body, status, **headers):
        resp = client.put_json(f"/api/labels/{name}", body, status=status, headers=headers)
        check(n, "put", resp)
        return resp

    put("docs", {"id": root["id"]}, 401)
    put("docs", {"id": root["id"]}, 403, Authorization="Bearer wrong")
    put("nothing-here", {"id": root["id"]}, 404, **owner)
    put("docs", {"id": "nope"}, 400, **owner)
    put("docs", {"id": root["id"], "model": "x"}, 400, **owner)
    put("docs", {"id": UNKNOWN}, 422, **owner)
    put("docs", {"id": root["id"]}, 412, **owner, **{"If-Match": '"stale"'})
    put("docs", {"id": child["id"]}, 409, **owner)  # the child lacks the root's slot
    put("docs", {"id": child["id"], "force": True}, 200, **owner)
    resp = client.put(
        "/api/labels/docs", b"x", status=415, headers=owner, content_type="text/plain"
    )
    check(n, "put", resp)
    put("docs", {"id": root["id"], "note": "back"}, 200, **owner)
    put("docs", {"id": child["id"], "force": True}, 200, **owner)
    temp = post("/api/labels", {"name": "temp", "id": root["id"]}, 201)

    def delete(name, status, **headers):
        check(n, "delete", client.delete(f"/api/labels/{name}", status=status, headers=headers))

    delete("temp", 401)
    delete("temp", 403, Authorization="Bearer wrong")
    delete("temp", 412, Authorization=f"Bearer {temp['label_token']}", **{"If-Match": '"x"'})
    delete("temp", 204, Authorization=f"Bearer {temp['label_token']}")
    delete("temp", 404, Authorization=f"Bearer {temp['label_token']}")
    delete("BAD", 400, Authorization="Bearer x")
    put("BAD", {"id": root["id"]}, 400, **owner)
    put("docs", {"id": child["id"], "note": "x" * 201}, 400, **owner)
    client.head("/api/labels/docs", status=200)


def test_every_operation_declares_its_headers_and_its_unknown_query_400(
    client, document, admin_headers, save
):
    """What the conventions add is true of the real answers, route by route."""
    check, _ = _checker(document)
    saved = save("{{ a }} [[b]]")
    client.post_json("/api/labels", {"name": "conv", "id": saved["id"]}, status=201)
    concrete = {"prompt_id": saved["id"], "name": "conv"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["operationId"] and operation["tags"], (path, method)
            for status, answer in operation["responses"].items():
                assert "X-Request-ID" in answer["headers"], (path, method, status)
            if method != "get":
                continue
            url = path.format(**concrete) + "?no_such_parameter=1"
            resp = client.get(url, headers=admin_headers, status=400)
            check(path, "get", resp)
            assert "no_such_parameter" in resp.json["description"]
            assert resp.headers["X-Request-ID"]
    for path in ("/api/prompts/{prompt_id}", "/api/prompts/{prompt_id}/raw", "/api/labels/{name}"):
        resp = client.get(path.format(**concrete))
        declared = document["paths"][path]["get"]["responses"]["200"]["headers"]
        assert {"ETag", "Cache-Control"} <= set(declared) and resp.headers["ETag"]
        again = client.get(path.format(**concrete), headers={"If-None-Match": resp.headers["ETag"]})
        assert again.status_int == 304
        check(path, "get", again)
