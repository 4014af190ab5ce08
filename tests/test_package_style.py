"""One ``__init__`` style for the analysis packages (the pvlib style).

The package imports its public submodules and nothing else, so that users call
``toyama_lab.<package>.<module>.<function>(...)`` and every function has one import path.
"""

from __future__ import annotations

import importlib
import pkgutil
import types

import pytest

#: The analysis packages that follow the style (``network`` and ``datasets`` are left out
#: while they are restructured).
PACKAGES = ("mobility", "childsafety", "disaster", "gyosei", "quality", "radio")


def _submodules(pkg: types.ModuleType) -> set[str]:
    return {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_")}


@pytest.mark.parametrize("name", PACKAGES)
def test_init_imports_every_public_submodule_and_nothing_else(name):
    pkg = importlib.import_module(f"toyama_lab.{name}")
    subs = _submodules(pkg)
    assert sorted(pkg.__all__) == sorted(subs)
    public = {k for k, v in vars(pkg).items() if not k.startswith("_")}
    assert public == subs, f"toyama_lab.{name} exposes {sorted(public - subs)} beside submodules"
    for sub in subs:
        mod = getattr(pkg, sub)
        assert isinstance(mod, types.ModuleType) and mod.__name__ == f"toyama_lab.{name}.{sub}"


@pytest.mark.parametrize("name", PACKAGES)
def test_no_figure_module_outside_viz(name):
    pkg = importlib.import_module(f"toyama_lab.{name}")
    assert "figures" not in _submodules(pkg), "figure builders live in toyama_lab.viz"
