"""The benchmark's own parts work (figures come from `python -m bench`, not from tests)."""

from __future__ import annotations

import uuid

import pytest

from api.config import Config
from api.store import Store
from bench import durability, functions, load, scale, scale_jobs
from bench.flatfile import FlatFileStore
from bench.seed import prompt_text, seed


def test_flat_file_store_round_trips_like_the_old_one(tmp_path):
    flat = FlatFileStore(tmp_path / "prompts")
    prompt_id = flat.save_prompt("Hello {{ name }}")
    assert flat.get_prompt(prompt_id) == "Hello {{ name }}"
    assert (tmp_path / "prompts" / f"{prompt_id}.txt").stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError):
        flat.get_prompt("../etc/passwd")


def test_seeded_prompts_are_distinct_and_about_2_kb(tmp_path):
    texts = {prompt_text(n) for n in range(100)}
    assert len(texts) == 100
    assert all(len(t.encode()) == 2048 for t in texts)
    seeded = seed(tmp_path / "p.db", 250, chain_depth=5)
    store = Store(Config(db_path=tmp_path / "p.db"))
    assert store.maintenance.sizes()["count"] == 250 + 6
    assert len(store.prompts.history(seeded["chain_tip"])) == 5
    assert store.prompts.exists(seeded["ids"][0])


def test_function_comparison_reports_every_function(tmp_path):
    rows = functions.compare(calls=20, rounds=1)
    assert [r["name"] for r in rows] == ["store_prompt", "save_prompt", "get_prompt"]
    assert all(r["store_us"] > 0 and r["flat_us"] > 0 and r["speedup"] > 0 for r in rows)


def test_wrk_scripts_fill_in_their_constants():
    lua = load.script("fixed", PATH=f"/api/prompts/{uuid.UUID(int=1)}/history")
    assert '"/api/prompts/00000000-0000-0000-0000-000000000001/history"' in lua
    assert "WRKJSON" in lua and "PATH" not in lua.replace("WRKJSON", "")
    assert "SUFFIX" not in load.script("random_id", SUFFIX="/raw")


def test_durability_commit_cost_is_measured_for_both_settings(tmp_path):
    costs = {mode: durability.commit_cost(tmp_path, mode, 5) for mode in durability.MODES}
    assert set(costs) == {"normal", "full"} and all(c > 0 for c in costs.values())
    for mode in durability.MODES:
        store = Store(Config(db_path=tmp_path / f"commits-{mode}.db"))
        assert store.maintenance.sizes()["count"] == 15  # 3 rounds of 5 saves, all kept


def test_the_label_read_scenario_reads_seeded_labels(tmp_path):
    from bench.seed import seed_labels

    seeded = seed(tmp_path / "p.db", 20, chain_depth=1)
    names = seed_labels(tmp_path / "p.db", seeded["ids"], count=5)
    store = Store(Config(db_path=tmp_path / "p.db"))
    assert [store.labels.read(name)[1].id for name in names] == seeded["ids"][:5]
    assert "names[math.random(#names)]" in load.script("random_label")


def test_the_scale_scenario_times_every_job_and_both_ways_of_importing(tmp_path):
    made = []

    def fresh(name):
        made.append(scale.Target(tmp_path, f"{name}-{len(made)}", None))
        return made[-1]

    large = fresh("large")
    seeded, _ = scale._build(large, 300)
    assert len(seeded["labels"]) == 300
    jobs = dict(scale_jobs.job_durations(large, fresh, tmp_path))
    assert list(jobs) == [
        "stats",
        "check",
        "check --deep",
        "export",
        "import",
        "backup",
        "takedown (purge one)",
    ]
    speed = scale_jobs.import_speedup(large, fresh, tmp_path, lines=100, rounds=2)
    assert speed["lines"] == 100 and speed["per_line_s"] > 0 and speed["batched_s"] > 0
    assert all(target.dropped for target in made[1:])  # what the jobs made is removed
