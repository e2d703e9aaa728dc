"""Every shell example of README.md and docs/*.md runs, against a live server, as shown.

The conventions, visible in the markdown itself:

- A ```` ```sh ```` block is run, by bash, in one session per document (variables and
  functions set in one block, such as `ID`, are there in the next), in a temp directory,
  against a gunicorn of this checkout on an empty database of its own, started with
  `STRUCKDOWN_ADMIN_TOKEN` and the CLI (`prompt-store`) on the PATH pointing at the same
  database, and the application client (`clients/python`) importable. A block that
  fails (`set -euo pipefail`) fails the test.
- A ```` ```output ```` block right after an `sh` block is what that block prints (stdout
  and stderr); `...` stands for anything (ids, times, sizes), as in doctest's ELLIPSIS, and
  runs of whitespace compare equal.
- `localhost:8000` (where the README's command serves) is rewritten to the test server.
- A ```` ```console ```` block is never run: commands for a dokku host, the install and
  test commands themselves, the benchmarks (minutes each), anything that needs another
  machine. Other fences (`text`, `json`, `yaml`, `js`) are not commands.

Sybil parses the documents (its markdown fence lexer; see pyproject.toml); the
evaluator here runs the shell.
"""

from __future__ import annotations

import doctest
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sybil import Document, Region
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from bench.servers import ROOT, Gunicorn

pytestmark = pytest.mark.slow

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ADMIN_TOKEN = "docs-admin-token-0123456789abcdef"
KNOWN_FENCES = {"sh", "output", "console", "text", "json", "yaml", "js"}
FENCES = FencedCodeBlockLexer(r"[\w-]*")
CHECKER = doctest.OutputChecker()
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


class ShellSession:
    """bash, one process per block, with the variables of earlier blocks carried over."""

    def __init__(self, server: Gunicorn, workdir: Path):
        self.address = server.url.removeprefix("http://")
        self.workdir = workdir
        self.state = workdir / ".session-env"
        self.state.write_text("")
        self.env = {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(workdir),
            "LANG": "C.UTF-8",
            "STRUCKDOWN_PROMPT_DB": server.env["STRUCKDOWN_PROMPT_DB"],
            "STRUCKDOWN_ADMIN_TOKEN": ADMIN_TOKEN,
            # The application client, as `pip install ./clients/python` would provide it.
            "PYTHONPATH": str(ROOT / "clients" / "python" / "src"),
        }

    def local(self, text: str) -> str:
        return text.replace("localhost:8000", self.address)

    def run(self, source: str) -> str:
        script = (
            f"set -a; . '{self.state}'\nset -euo pipefail\n{self.local(source)}\n"
            f"{{ export -p; declare -f; }} > '{self.state}'\n"
        )
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        if done.returncode:
            raise AssertionError(f"exit {done.returncode}:\n{done.stdout}")
        return done.stdout


def evaluate(example) -> str | None:
    source, expected = example.parsed
    got = example.namespace["shell"].run(source)
    if expected is None:
        return None
    want = example.namespace["shell"].local(expected)
    if CHECKER.check_output(want, got, OPTIONS):
        return None
    return f"the output differs from the one shown:\n--- shown\n{want}--- printed\n{got}"


def shell_examples(document: Document):
    """One region per `sh` block, holding the `output` block right after it, if any."""
    blocks = list(FENCES(document))
    for block, after in itertools.pairwise([*blocks, None]):
        if block.lexemes["language"] != "sh":
            continue
        expected, end = None, block.end
        if (
            after is not None
            and after.lexemes["language"] == "output"
            and not document.text[block.end : after.start].strip()
        ):
            expected, end = str(after.lexemes["source"]), after.end
        yield Region(block.start, end, (str(block.lexemes["source"]), expected), evaluate)


def examples_of(path: Path) -> tuple[Document, list]:
    document = Document.parse(str(path), shell_examples)
    return document, list(document.examples())


WITH_EXAMPLES = [path for path in DOCUMENTS if examples_of(path)[1]]


@pytest.mark.parametrize("path", WITH_EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shell_example_runs_and_prints_what_is_shown(path, tmp_path):
    document, examples = examples_of(path)
    workdir = tmp_path / "work"
    workdir.mkdir()
    with Gunicorn(
        tmp_path / "prompts.db",
        STRUCKDOWN_ADMIN_TOKEN=ADMIN_TOKEN,
        STRUCKDOWN_SAVE_RATE_LIMIT="20/minute",  # the default, as a newcomer meets it
    ) as server:
        document.namespace["shell"] = ShellSession(server, workdir)
        for example in examples:
            example.evaluate()


def test_every_fence_says_whether_it_runs():
    """An unmarked or `bash` fence would be silently untested: only the known ones."""
    unknown = [
        f"{path.relative_to(ROOT)}:{document.text.count(chr(10), 0, block.start) + 1}"
        f" ```{block.lexemes['language']}"
        for path in DOCUMENTS
        for document in [Document(path.read_text(), str(path))]
        for block in FENCES(document)
        if block.lexemes["language"] not in KNOWN_FENCES
    ]
    assert not unknown, "fences the docs test does not know: " + ", ".join(unknown)


def test_output_blocks_follow_an_example():
    strays = []
    for path in DOCUMENTS:
        text = path.read_text()
        document = Document(text, str(path))
        blocks = list(FENCES(document))
        for before, block in itertools.pairwise([None, *blocks]):
            if block.lexemes["language"] != "output":
                continue
            if (
                before is None
                or before.lexemes["language"] != "sh"
                or text[before.end : block.start].strip()
            ):
                strays.append(f"{path.name}:{text.count(chr(10), 0, block.start) + 1}")
    assert not strays, "output blocks not right after an sh block: " + ", ".join(strays)


def test_the_readme_and_the_api_and_operating_docs_run_examples():
    for name in ("README.md", "docs/api.md", "docs/operating.md"):
        assert len(examples_of(ROOT / name)[1]) >= 4, name
        assert re.search(r"```output\n", (ROOT / name).read_text()), name


def test_samples_that_cannot_run_name_the_schema_version_init_db_makes(tmp_path):
    """The replica-restore line is a `text` sample (it needs S3): its version must be true."""
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "prompt-store"),
            "--db",
            str(tmp_path / "p.db"),
            "init-db",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # "schema migrated from version 0 to N." on a new file, "(version N)" when up to date
    current = re.findall(r"version (?:\d+ to )?(\d+)", done.stdout)[-1]
    shown = {
        f"{path.name}: {number}"
        for path in DOCUMENTS
        for number in re.findall(r"schema (?:at )?version (\d+)", path.read_text())
        if number != current
    }
    assert not shown, f"init-db makes schema version {current}; the docs say: {sorted(shown)}"


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_relative_link_names_a_file_and_heading_that_exist():
    broken = []
    for path in DOCUMENTS:
        text = path.read_text()
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # http(s), mailto
            file, _, anchor = target.partition("#")
            linked = (path.parent / file).resolve() if file else path
            if not linked.exists():
                broken.append(f"{path.name}: {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(), re.MULTILINE)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{path.name}: {target}")
    assert not broken, "links to nothing: " + ", ".join(broken)
