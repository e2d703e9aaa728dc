"""Labels in /metrics, and label tokens kept out of every log line."""

from __future__ import annotations

import re

from api import logs

BASE = "Reply to {{ message }} as [[reply]]"


def _counts(client, admin_headers) -> dict[str, float]:
    text = client.get("/metrics", headers=admin_headers).text
    found = {}
    for line in text.splitlines():
        if line.startswith("prompt_store_label_"):
            metric, _, value = line.rpartition(" ")
            found[metric] = float(value)
    return found


def test_label_reads_and_moves_are_counted_in_metrics(client, save, admin_headers):
    root = save(BASE)
    child = save("Reply to {{ message }}", root["id"])
    made = client.post_json("/api/labels", {"name": "bot", "id": root["id"]}).json
    owner = {"Authorization": f"Bearer {made['label_token']}"}
    before = _counts(client, admin_headers)
    etag = client.get("/api/labels/bot").headers["ETag"]
    client.get("/api/labels/bot/raw")
    client.get("/api/labels/bot", headers={"If-None-Match": etag}, status=304)
    client.get("/api/labels/nobody", status=404)
    client.put_json("/api/labels/bot", {"id": child["id"]}, headers=owner, status=409)
    client.put_json("/api/labels/bot", {"id": child["id"], "force": True}, headers=owner)
    client.put_json("/api/labels/bot", {"id": root["id"]}, headers={**owner, "If-Match": etag},
                    status=412)  # fmt: skip
    after = _counts(client, admin_headers)

    def grew(metric: str) -> float:
        return after.get(metric, 0) - before.get(metric, 0)

    assert grew('prompt_store_label_reads_total{status="200"}') == 2
    assert grew('prompt_store_label_reads_total{status="304"}') == 1
    assert grew('prompt_store_label_reads_total{status="404"}') == 1
    assert grew('prompt_store_label_moves_total{status="200"}') == 1
    assert grew('prompt_store_label_moves_total{status="409"}') == 1
    assert grew('prompt_store_label_moves_total{status="412"}') == 1
    assert grew("prompt_store_label_forced_moves_total") == 1


def test_a_label_token_is_redacted_wherever_a_line_would_carry_it(client, save, capfd):
    root = save(BASE)
    token = client.post_json("/api/labels", {"name": "bot", "id": root["id"]}).json["label_token"]
    assert token not in logs.redact(f"moved with Bearer {token}, also {token.replace('-', '%2D')}")
    # A token sent where a request id goes, or as a path, never reaches the log.
    client.get("/api/labels/bot", headers={"X-Request-ID": token})
    client.get(f"/api/labels/{token}", status=400)
    client.put_json("/api/labels/bot", {"id": root["id"]},
                    headers={"Authorization": f"Bearer {token}x"}, status=403)  # fmt: skip
    logs.flush()
    out = capfd.readouterr().out
    assert re.search(r'"route":"/api/labels/\{name\}"', out) and token not in out
