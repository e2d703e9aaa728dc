"""HTTP load with wrk against gunicorn servers started from the project's own config."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,'
    .. '"socket_errors":%d,"bad_status":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""

# Each script gets the path of an id file (one per line) as its first argument.
RANDOM_ID = r"""
local ids = {}
init = function(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  math.randomseed(os.time() + tonumber(tostring(ids):match("0x(%x+)") or "0", 16))
end
request = function()
  return wrk.format("GET", "/api/prompts/" .. ids[math.random(#ids)] .. SUFFIX)
end
"""

# Label reads: the names file (one per line) is the first argument.
RANDOM_LABEL = r"""
local names = {}
init = function(args)
  for line in io.lines(args[1]) do names[#names + 1] = line end
  math.randomseed(os.time() + tonumber(tostring(names):match("0x(%x+)") or "0", 16))
end
request = function()
  return wrk.format("GET", "/api/labels/" .. names[math.random(#names)])
end
"""

SAVE = r"""
local n, nonce = 0, ""
init = function(args)
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
  nonce = tostring(math.random(1, 2^30)) .. "-" .. tostring(math.random(1, 2^30))
end
local filler = string.rep("Summarise {{ document }} into [[summary]]. ", 48)
request = function()
  n = n + 1
  local body = '{"text": "bench ' .. nonce .. ' ' .. n .. ' ' .. filler .. '"}'
  return wrk.format("POST", "/api/prompts", {["Content-Type"] = "application/json"}, body)
end
"""

FIXED = r"""
init = function(args) end
request = function() return wrk.format("GET", PATH) end
"""


def script(kind: str, **values: str) -> str:
    """Return the Lua source for a scenario, with its constants filled in."""
    body = {"random_id": RANDOM_ID, "random_label": RANDOM_LABEL, "save": SAVE, "fixed": FIXED}[
        kind
    ]
    for name, value in values.items():
        body = body.replace(name, json.dumps(value))
    return body + REPORT


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    url: str, lua: str, args: list[str], seconds: float, connections: int, threads: int
) -> dict:
    """Run wrk once; return req/s, p50/p99 in ms and error counts."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--latency",
            "-s",
            f.name,
            url,
            "--",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    Path(f.name).unlink()
    match = re.search(r"^WRKJSON (.*)$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no report:\n{out}")
    raw = json.loads(match.group(1))
    return {
        "requests": raw["requests"],
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": raw["socket_errors"] + raw["bad_status"],
    }


def server_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master's workers.

    Steal and other tenants change how many requests a second a shared machine
    serves, much less how much CPU each request costs: the steadier figure.
    """
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
