"""toyama_lab.datasets.build: generate, its manifest and README, children's fixes in blocks."""

from __future__ import annotations

import json

import pytest
from cases import KINDS, START

from toyama_lab import __version__
from toyama_lab.datasets import (
    DatasetError,
    generate,
    resolve_params,
)


def test_manifest_and_readme(tiny_dataset):
    m = tiny_dataset.manifest
    assert m["parameters"] == {
        "scenario": "normal-week", "size": "tiny", "seed": 4, "start": START, "days": 1,
    }  # fmt: skip
    assert m["software"]["toyama-lab"] == __version__
    assert m["created_by"].startswith("toyama-lab generate --scenario normal-week")
    on_disk = sorted(
        p.relative_to(tiny_dataset.path).as_posix()
        for p in tiny_dataset.path.rglob("*")
        if p.is_file()
    )
    assert sorted(m["files"]) == [f for f in on_disk if f != "manifest.json"]
    assert not any(k in json.dumps(m) for k in ("created_at", "timestamp", "hostname"))
    tiny_dataset.verify()
    readme = (tiny_dataset.path / "README.md").read_text(encoding="utf-8")
    from toyama_lab.synth import VARIABLES

    for kind in KINDS:
        for v in VARIABLES[kind]:
            assert (
                f"| `{v.name}` | {v.dtype} | {v.units} | {v.long_name_ja} | {v.long_name_en} |"
                in readme
            )
    for name in tiny_dataset.event_names:
        assert f"`events/{name}.parquet`" in readme
    assert m["created_by"] in readme


def test_generate_requires_out(tmp_path):
    with pytest.raises(DatasetError, match="out"):
        generate("normal-week", "tiny", 0)


def test_children_fixes_in_blocks_equal_one_call():
    from toyama_lab.city import build_city
    from toyama_lab.datasets.build import children_fixes
    from toyama_lab.synth.children import simulate_tracks

    city = build_city(2, "tiny")
    params = resolve_params("school-term", "tiny", 2, "2025-06-05", 4)  # Thu..Sun
    whole = simulate_tracks(city, params.start, params.days, seed=2)
    assert whole.height > 0
    for block_days in (1, 3):
        assert children_fixes(city, params, block_days=block_days).equals(whole)
