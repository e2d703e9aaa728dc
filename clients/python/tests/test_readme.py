"""Every python block of README.md, run in order against a real server; output compared."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

from prompt_store_client import PromptStore
from prompt_store_client.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```(?:\n\n```output\n(.*?)```)?", re.S)


def test_the_readme_examples_run_and_print_what_they_show(server, tmp_path, monkeypatch):
    owner = PromptStore(server.url)
    owner.create_label(
        "summariser/production", owner.save("Summarise {{ document }} in [[summary]]").id
    )
    monkeypatch.chdir(tmp_path)
    assert (
        main(["pull", "summariser/production", "-o", "prompts.lock.json", "--url", server.url]) == 0
    )
    blocks = BLOCK.findall(README.read_text())
    assert len(blocks) >= 5
    namespace: dict = {}
    for code, expected in blocks:
        code = code.replace("http://localhost:8000", server.url)
        code = code.replace("/tmp/prompt-cache", str(tmp_path / "cache"))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, str(README), "exec"), namespace)
        assert printed.getvalue() == (expected or ""), code
