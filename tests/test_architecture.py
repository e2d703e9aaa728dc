"""The rules docs/architecture.md states, checked on the source so they keep holding."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted(p for folder in ("api", "jobs") for p in (ROOT / folder).rglob("*.py"))
# The only modules that may know which database they are on.
# The only modules that may know which database they are on: each backend's folder, and
# the one place that picks a backend.
DIALECT_FOLDERS = {"api/store/sqlite", "api/store/postgres"}
DIALECT_MODULES = {"api/store/dialects.py", "api/store/store.py"}


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_every_module_is_small():
    assert [_name(p) for p in MODULES if len(p.read_text().splitlines()) > 300] == []


def test_every_module_of_the_page_is_small_and_the_page_loads_one():
    static = ROOT / "static"
    sizes = {p.name: len(p.read_text().splitlines()) for p in static.glob("*.js")}
    assert "editor.js" in sizes and [name for name, lines in sizes.items() if lines > 200] == []
    page = (ROOT / "api" / "resources" / "templates" / "page.html").read_text()
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
        if not (_name(path.parent) in DIALECT_FOLDERS or _name(path) in DIALECT_MODULES)
        and patterns.search(path.read_text())
    ]
    assert found == []


def test_sql_lives_only_in_the_store():
    statement = re.compile(r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    outside = [
        _name(p) for p in MODULES if "store" not in p.parts and statement.search(p.read_text())
    ]
    assert outside == []


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_ours(name: str) -> bool:
    return name.split(".")[0] in ("api", "jobs")


def _imports(path: Path) -> set[str]:
    """The modules of ours that `path` imports, anywhere in it (also inside functions).

    `from package import name` counts as importing `package.name` when that is a module.
    """
    known = {_module(p) for p in MODULES}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if _is_ours(alias.name)}
        elif isinstance(node, ast.ImportFrom) and node.module and _is_ours(node.module):
            assert node.level == 0, f"{_name(path)}: a relative import"
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in known else node.module)
    return found


GRAPH = {_module(p): _imports(p) for p in MODULES}


def _importers(rule) -> list[str]:
    return sorted(f"{m} imports {i}" for m, imports in GRAPH.items() for i in imports if rule(m, i))


def test_text_imports_nothing_of_ours():
    assert _importers(lambda m, i: m.startswith("api.text") and not i.startswith("api.text")) == []


def test_http_does_not_import_resources():
    assert (
        _importers(lambda m, i: m.startswith("api.http") and i.startswith("api.resources.reads"))
        == []
    )


def test_only_the_store_imports_its_submodules():
    outside = _importers(lambda m, i: not m.startswith("api.store") and i.startswith("api.store."))
    assert outside == []


def test_the_store_imports_no_layer_above_it():
    above = ("api.http", "api.resources.reads", "api.app", "jobs")
    assert _importers(lambda m, i: m.startswith("api.store") and i.startswith(above)) == []


def test_there_is_no_import_cycle():
    cycles, state = [], {}

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(GRAPH.get(module, ())):
            if state.get(imported) == "open":
                cycles.append(" -> ".join([*path[path.index(imported) :], imported]))
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []
