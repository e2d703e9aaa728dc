"""Many writers through several gunicorn workers: no 5xx, no lock errors, nothing lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bench.servers import Gunicorn

from .conftest import Client, assert_all_present, read_all

WRITERS, SAVES = 8, 200


def test_concurrent_writers_lose_nothing(tmp_path, tally):
    db = tmp_path / "prompts.db"
    with Gunicorn(db, workers=4, GUNICORN_THREADS="4") as server:

        def writer(n: int) -> list[tuple[int, dict, str]]:
            client, out = Client(server.port, tally), []
            for i in range(SAVES):
                text = f"writer {n} save {i}\n" + "Summarise {{ document }}. " * (i % 50)
                status, _, body = client.save(text)
                out.append((status, body, text))
            client.close()
            return out

        with ThreadPoolExecutor(WRITERS) as pool:
            results = [r for batch in pool.map(writer, range(WRITERS)) for r in batch]

        def read_back(item) -> bool:
            _, body, text = item
            client = Client(server.port, tally)
            status, _, raw = client.request("GET", f"/api/prompts/{body['id']}/raw")
            client.close()
            return status == 200 and raw.decode() == text

        with ThreadPoolExecutor(WRITERS) as pool:
            exact = list(pool.map(read_back, results))
    log = server.log.read_text()
    statuses = [status for status, _, _ in results]
    assert [s for s in statuses if s >= 500] == []
    assert statuses.count(201) == WRITERS * SAVES
    assert "database is locked" not in log and "Traceback" not in log
    assert all(exact)
    acknowledged = {body["id"]: text for _, body, text in results}
    assert len(read_all(db)) == statuses.count(201)
    assert_all_present(db, acknowledged, tally)
