"""The rules docs/architecture.md states, checked on the source so they keep holding."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p for folder in ("api", "jobs") for p in (ROOT / folder).rglob("*.py"))
# The only modules that may know which database they are on.
DIALECT_MODULES = {
    "dialects.py",
    "sqlite.py",
    "postgres.py",
    "sqlite_backups.py",
    "postgres_backups.py",
}


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_module_is_small():
    assert [_name(p) for p in MODULES if len(p.read_text().splitlines()) > 300] == []


def test_every_module_of_the_page_is_small_and_the_page_loads_one():
    static = ROOT / "static"
    sizes = {p.name: len(p.read_text().splitlines()) for p in static.glob("*.js")}
    assert "editor.js" in sizes and [name for name, lines in sizes.items() if lines > 200] == []
    page = (ROOT / "api" / "templates" / "page.html").read_text()
    assert re.findall(r"<script[^>]*>", page) == ['<script type="module" src="/static/editor.js">']
    # Every module is reached from editor.js: none is left behind, unused.
    reached, todo = set(), ["editor.js"]
    while todo:
        name = todo.pop()
        reached.add(name)
        found = re.findall(r'from "\./([\w-]+\.js)"', (static / name).read_text())
        todo += [module for module in found if module not in reached]
    assert reached == set(sizes)


def test_no_star_imports_and_no_private_names_across_modules():
    found = []
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                "",
                "api",
                "jobs",
            ):
                found += [
                    f"{_name(path)}: {alias.name}"
                    for alias in node.names
                    if alias.name == "*" or alias.name.startswith("_")
                ]
    assert found == []


def test_only_the_dialect_modules_know_the_database_kind():
    patterns = re.compile(r"is_postgres|dialect\.name|PRAGMA|isinstance\([^)]*Database")
    found = [
        _name(path)
        for path in MODULES
        if not (path.parent.name == "store" and path.name in DIALECT_MODULES)
        and patterns.search(path.read_text())
    ]
    assert found == []


def test_sql_lives_only_in_the_store():
    statement = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    outside = [
        _name(p) for p in MODULES if "store" not in p.parts and statement.search(p.read_text())
    ]
    assert outside == []
