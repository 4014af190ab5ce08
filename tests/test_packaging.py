"""Packaging: pyproject.toml, environment.yml and requirements.lock stay in step."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge package names that differ from the PyPI name (PyPI name -> conda name).
CONDA_NAMES: dict[str, str] = {}


def _pyproject_requirements() -> dict[str, Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs.extend(extra)
    out = {}
    for text in reqs:
        req = Requirement(text)
        out[canonicalize_name(req.name)] = req
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if not isinstance(dep, str):
            continue
        name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", dep).groups()
        out[canonicalize_name(name)] = spec.replace(" ", "")
    return out


def _lock_pins() -> dict[str, list[tuple[Version, str]]]:
    pins: dict[str, list[tuple[Version, str]]] = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==([^\s;]+)\s*(?:;\s*(.*))?$", line)
        if m:
            name, ver, marker = m.groups()
            pins.setdefault(canonicalize_name(name), []).append((Version(ver), marker or ""))
    return pins


def test_environment_yml_mirrors_pyproject():
    pyproject = _pyproject_requirements()
    conda = _conda_requirements()
    conda.pop("python")
    conda.pop("pip")
    expected = {canonicalize_name(CONDA_NAMES.get(n, n)): r for n, r in pyproject.items()}
    assert sorted(conda) == sorted(expected), (
        "environment.yml and pyproject.toml list different packages"
    )
    for name, req in expected.items():
        assert conda[name] == str(req.specifier).replace(" ", "") or set(
            conda[name].split(",")
        ) == {str(s) for s in req.specifier}, (
            f"{name}: environment.yml says {conda[name]!r}, pyproject {req.specifier}"
        )


def test_lock_pins_every_dependency_within_its_range():
    pins = _lock_pins()
    for name, req in _pyproject_requirements().items():
        assert name in pins, f"{name} is a dependency but requirements.lock does not pin it"
        for version, _marker in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {name}=={version}, outside {req.specifier}"
            )


def test_python_requirement_matches():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert f"python{meta['requires-python']}" in env["dependencies"]


def test_console_script_is_installed_and_answers():
    exe = ROOT / ".venv" / "bin" / "toyama-lab"
    if not exe.exists():
        pytest.skip("not running from the project's .venv")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "toyama-lab" in out.stdout or "Usage" in out.stdout


def test_tracked_notebooks_are_stripped_and_use_python3():
    files = subprocess.run(
        ["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    import json

    for f in files:
        nb = json.loads((ROOT / f).read_text(encoding="utf-8"))
        assert nb["metadata"]["kernelspec"]["name"] == "python3", f
        if "golden" in f:
            continue
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs"), f"{f}: committed with outputs"
                assert cell.get("execution_count") is None, f"{f}: execution counts committed"


def test_docstring_examples_are_collected():
    """The package is a test path with --doctest-modules, minus side-effect modules."""
    import subprocess
    import sys

    opts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]
    ini = opts["ini_options"]
    assert "toyama_lab" in ini["testpaths"] and "--doctest-modules" in ini["addopts"].split()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", "toyama_lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    items = [line for line in out.stdout.splitlines() if line.startswith("toyama_lab/")]
    assert any(i.startswith("toyama_lab/queueing.py::") for i in items), items[:5]
    assert not any("book/__main__.py" in i for i in items)


def test_resample_of_a_dask_cube_is_a_few_chunk_reductions():
    """xarray hands ``resample`` on dask arrays to flox (a dependency for this): a month of
    1-minute readings to 10-minute means is a task or two per chunk, not thousands of
    tasks, one per 10-minute group (what made the monthly report's parking KPI take 17 s)."""
    import dask.array as da
    import numpy as np
    import pandas as pd
    import xarray as xr

    time = pd.date_range("2025-01-01", periods=31 * 1440, freq="1min")
    values = np.random.default_rng(0).random((5, time.size))
    cube = xr.DataArray(da.from_array(values, chunks=(5, 7 * 1440)), dims=("sensor", "time"),
                        coords={"time": time})  # fmt: skip
    means = cube.resample(time="10min").mean()
    assert len(means.data.__dask_graph__()) < 100  # 5 chunks; without flox: 22,325 tasks
    want = values.reshape(5, -1, 10).mean(axis=2)
    np.testing.assert_allclose(means.values, want, rtol=1e-12)
