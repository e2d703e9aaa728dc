"""Export, check and import hold a constant amount of memory whatever the table's size
(issue 25): peak RSS of the job's process at 2,500 and at 5,500 prompts of 8 KB, in one
test, on both databases. A job that held every text (a client-side cursor on PostgreSQL)
would grow by the 24 MB added; what they do hold is a batch or two (an import's two
batches of 1,000 lines, a server-side cursor's 200 rows), as much at either size."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from bench.servers import ROOT

SIZE = 8192
ADDED = 3000 * SIZE


def _rows(first: int, last: int):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(first, last):
        text = f"prompt {n} {uuid.uuid4()} {{{{ name }}}}\n" + "words of a prompt " * 460
        created = (start + timedelta(microseconds=n)).isoformat(timespec="microseconds")
        yield str(uuid.uuid4()), None, text[:SIZE], created


# The job reports its own high-water mark (VmHWM: this process image's, since exec; a
# forked child's rusage would count the parent's pages it started with).
REPORT = """
import atexit, re, runpy, sys
def report():
    status = open("/proc/self/status").read()
    print("PEAK", re.search(r"VmHWM:\\s+(\\d+)", status).group(1), file=sys.stderr)
atexit.register(report)
sys.argv = ["prompt-store", *sys.argv[1:]]
runpy.run_module("jobs", run_name="__main__")
"""


def _peak_rss_kib(config, *args: str) -> int:
    """Run `prompt-store ARGS` to its end; return its peak resident memory."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if config.database_url:
        env["DATABASE_URL"] = config.database_url
    else:
        args = ("--db", str(config.db_path), *args)
    done = subprocess.run(
        [sys.executable, "-c", REPORT, *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return int(done.stderr.rsplit("PEAK ", 1)[1])


@pytest.mark.parametrize("job", ["export", "check", "import"])
def test_a_job_holds_the_same_memory_at_twice_the_prompts(
    store, config, make_config, tmp_path, job
):
    peaks = []
    for first, last in ((0, 2500), (2500, 5500)):
        store.prompts.insert_many(_rows(first, last))
        dump = tmp_path / f"to-{last}.jsonl"
        exported = _peak_rss_kib(config, "export", "-o", str(dump))
        if job == "export":
            peaks.append(exported)
        elif job == "check":
            peaks.append(_peak_rss_kib(config, "check"))
        else:
            into = make_config(fresh=True)  # an empty database of the same kind
            peaks.append(_peak_rss_kib(into, "import", str(dump)))
    grown = (peaks[1] - peaks[0]) * 1024
    print(f"{job}: peak RSS {peaks[0]} KiB at 2,500 prompts, {peaks[1]} KiB at 5,500")
    assert grown < ADDED / 4, peaks
