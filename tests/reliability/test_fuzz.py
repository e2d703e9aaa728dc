"""Fuzzing: schemathesis over every operation of the served OpenAPI document, and
hypothesis properties of the store."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from api.config import Config
from api.resources.openapi import DOCUMENT
from api.store import Store
from bench.servers import Gunicorn

ADMIN = "fuzz-admin-token-4d2c"
EXAMPLES = 150


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("fuzz") / "prompts.db"
    with Gunicorn(db, workers=2, STRUCKDOWN_ADMIN_TOKEN=ADMIN) as server:
        yield server


# The document the server serves (checked to be identical below), loaded at import so
# pytest can list one test per operation.
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_fuzzed_document_is_the_served_one(server):
    status, _, body = server.request("GET", "/api/openapi.json")
    assert status == 200 and json.loads(body) == json.loads(json.dumps(DOCUMENT))


@schema.auth()
class AdminToken:
    """The admin routes get the real token; schemathesis also tries them without it."""

    def get(self, case, context):
        return ADMIN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, server, tally):
    tally["requests"] += 1
    tally["fuzzed"] += 1
    # Default checks: no 5xx, documented status codes, content types and headers,
    # bodies that match the response schemas, schema-invalid input refused. Not
    # "schema-valid input accepted": a well-formed parent_id that names no prompt is
    # valid by the schema and rightly refused (422), as is whitespace-only text.
    response = case.call(base_url=server.url)
    if response.status_code == 414:
        # Past gunicorn's limit_request_line (8190, as nginx's 8k buffers): refused by the
        # server before the app, in JSON all the same; no operation of ours is involved.
        request_line = len(response.request.method) + len(response.request.url) + 10
        assert request_line > 8190 - len(server.url), request_line
        assert json.loads(response.content)["title"] == "URI Too Long"
        return
    case.validate_response(response, excluded_checks=[checks.positive_data_acceptance])


# -- Store properties --------------------------------------------------------------

storable = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1
).filter(str.strip)


@pytest.fixture
def fresh_store(tmp_path_factory):
    """Make a Store on a new database for each example."""
    stores = []

    def make() -> Store:
        if stores:
            stores.pop().close()
        stores.append(Store(Config(db_path=tmp_path_factory.mktemp("prop") / "p.db")))
        return stores[-1]

    yield make
    for store in stores:
        store.close()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=storable)
def test_any_unicode_text_round_trips_exactly(fresh_store, text, tally):
    store = fresh_store()
    prompt_id = store.prompts.save(text)[0].id
    assert store.prompts.get(prompt_id).text == text
    tally["fuzzed"] += 1


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parents=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=40),
    pick=st.integers(min_value=0),
)
def test_history_of_any_node_is_its_path_to_the_root(fresh_store, parents, pick):
    store = fresh_store()
    ids, parent_of = [store.prompts.save("root")[0].id], {}
    for n, p in enumerate(parents, start=1):
        parent = ids[p % len(ids)]  # any earlier node: a random tree
        ids.append(store.prompts.save(f"node {n}", parent)[0].id)
        parent_of[ids[-1]] = parent
    node = ids[pick % len(ids)]
    expected, cur = [], node
    while cur in parent_of:
        cur = parent_of[cur]
        expected.append(cur)
    assert [h.id for h in store.prompts.history(node)] == expected


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    saves=st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "a\n", " a"]), st.integers(min_value=-1, max_value=5)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_idempotent_saves_never_duplicate(fresh_store, saves):
    store = fresh_store()
    ids: list[str] = []
    for text, parent in saves:
        parent_id = ids[parent % len(ids)] if ids and parent >= 0 else None
        prompt_id = store.prompts.save(text, parent_id)[0].id
        if prompt_id not in ids:
            ids.append(prompt_id)
    rows = store.prompts.listing(limit=10_000)
    pairs = [(r.parent_id, r.sha256) for r in rows]
    assert len(pairs) == len(set(pairs)) == len(ids)
    for r in rows:  # no child repeats its parent's text
        if r.parent_id:
            assert store.prompts.get(r.parent_id).sha256 != r.sha256
