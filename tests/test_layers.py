"""Layers point one way: the lower packages never import the higher ones, not even late.

Parsed with :mod:`ast` (every ``import`` statement, at module level or inside a function),
so a late import that would only run in some code path is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import toyama_lab

PACKAGE = Path(toyama_lab.__file__).parent

#: Modules below ``toyama_lab.datasets`` (folders or files of the package).
BELOW_DATASETS = ("network", "radio", "lorawan", "synth", "city", "store.py", "_atomic.py")
#: What each lower layer never imports.
FORBIDDEN = {part: ("toyama_lab.datasets",) for part in BELOW_DATASETS}
FORBIDDEN["store.py"] = ("toyama_lab.datasets", "toyama_lab.network")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in a file (``from a import b`` gives ``a.b``).

    Parameters
    ----------
    path : pathlib.Path
        A Python source file of the package.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _sources(part: str) -> list[Path]:
    target = PACKAGE / part
    return sorted(target.rglob("*.py")) if target.is_dir() else [target]


def _violations(part: str) -> list[str]:
    bad = []
    for path in _sources(part):
        for line, module in imported_modules(path):
            if any(module == f or module.startswith(f"{f}.") for f in FORBIDDEN[part]):
                bad.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("part", BELOW_DATASETS)
def test_lower_layers_never_import_the_higher_ones(part):
    assert _sources(part) and all(p.is_file() for p in _sources(part))
    assert _violations(part) == []


def test_the_check_sees_late_and_from_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text(
        "import os\n"
        "def f():\n"
        "    from toyama_lab import datasets\n"
        "    import toyama_lab.datasets.cache as c\n"
        "from . import sibling\n"
    )
    assert imported_modules(src) == [
        (1, "os"),
        (3, "toyama_lab"),
        (3, "toyama_lab.datasets"),
        (4, "toyama_lab.datasets.cache"),
    ]
