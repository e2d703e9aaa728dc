"""The distribution: typed, and importing nothing beyond the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import prompt_store_client

PACKAGE = Path(prompt_store_client.__file__).parent


def test_the_installed_package_is_marked_typed():
    assert (PACKAGE / "py.typed").exists()


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is 3.10+")
def test_the_package_imports_only_the_standard_library_and_itself():
    imported = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    assert imported and imported <= set(sys.stdlib_module_names) | {"__future__"}


def test_every_public_name_is_exported():
    for name in prompt_store_client.__all__:
        assert getattr(prompt_store_client, name) is not None
