"""The import graph: core at the bottom, clients on core only, the sandbox standing alone.

Every import statement counts, those inside functions and under TYPE_CHECKING too:
a lower layer that reaches up, even lazily, can no longer be used or tested without
the layer above it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"bench", "cli", "clients", "core", "main", "sandbox", "tests"}
# Which of the project's own packages each layer may import (besides the standard library and its dependencies).
ALLOWED = {
    "core": {"core"},
    "clients": {"core", "clients"},
    "sandbox": {"sandbox"},
}


def imported_packages(path: Path) -> dict[str, int]:
    """The project's packages a module imports, each with the first line that imports it."""
    found: dict[str, int] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in PACKAGES:
                found.setdefault(top, node.lineno)
    return found


def upward_imports(layer: str) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line} imports {package}"
            for path in sorted((ROOT / layer).rglob("*.py"))
            for package, line in imported_packages(path).items() if package not in ALLOWED[layer]]


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_no_layer_imports_a_layer_above_it(layer: str) -> None:
    assert list((ROOT / layer).rglob("*.py")), f"{layer}/ has no modules: the check would pass on nothing"
    assert upward_imports(layer) == []


def test_the_check_sees_imports_inside_functions_and_type_checking_blocks(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("from typing import TYPE_CHECKING\n"
                      "import core.models\n"
                      "if TYPE_CHECKING:\n"
                      "    from cli.output import Printer\n"
                      "def later():\n"
                      "    import clients.http\n"
                      "    from . import sibling\n")
    assert imported_packages(module) == {"core": 2, "cli": 4, "clients": 6}
