"""Tests for ``toyama-lab generate``: success, summary, and every error path.

Exit status: 2 for a bad option value (click usage error), 1 when the output
cannot be written or generation is interrupted; nothing half-written either way.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshots import file_snapshot

from toyama_lab.cli import main
from toyama_lab.datasets import build

SCRIPT = Path(sys.executable).with_name("toyama-lab")
TINY = ["--scenario", "normal-week", "--size", "tiny", "--start", "2025-10-06", "--days", "1"]


def run(args: list[str]):
    return CliRunner().invoke(main, ["generate", *args], catch_exceptions=False)


def decode_network(dataset: Path, decoded: Path) -> Path:
    """Decode a dataset's gateway log with its keys through ``toyama-lab decode DATASET``."""
    dec = CliRunner().invoke(main, ["decode", str(dataset), "--out", str(decoded)])
    assert dec.exit_code == 0, dec.output
    return decoded


def leftovers(folder: Path) -> list[str]:
    """Names in ``folder``, without the (empty) lock files kept beside dataset folders."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def test_generate_writes_dataset_and_prints_summary(tmp_path):
    out = tmp_path / "ds"
    result = run([*TINY, "--seed", "1", "--out", str(out), "--workers", "2"])
    assert result.exit_code == 0, result.output
    for kind in ("pedestrian", "bicycle_park", "counter", "rain", "river"):
        assert f"timeseries  {kind}" in result.output
        assert (out / "timeseries" / f"{kind}.zarr" / "zarr.json").is_file()
    assert "total" in result.output and "readings" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["seed"] == 1
    assert manifest["created_by"] == (
        "toyama-lab generate --scenario normal-week --size tiny --seed 1 "
        "--start 2025-10-06 --days 1"
    )
    assert leftovers(tmp_path) == ["ds"]
    again = run([*TINY, "--seed", "1", "--out", str(out), "--overwrite", "--quiet"])
    assert again.exit_code == 0
    assert again.output.strip() == str(out)
    assert json.loads((out / "manifest.json").read_text()) == manifest


def test_same_dataset_again_is_kept_and_summarised(tmp_path, monkeypatch):
    out = tmp_path / "ds"
    assert run([*TINY, "--out", str(out), "--quiet"]).exit_code == 0
    before = (out / "manifest.json").stat().st_mtime_ns

    def must_not_run(*args, **kwargs):
        raise AssertionError("regenerated an up-to-date dataset")

    monkeypatch.setattr("toyama_lab.datasets.generate", must_not_run)
    again = CliRunner().invoke(main, ["generate", *TINY, "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert "already up to date" in again.output
    assert "timeseries  pedestrian" in again.output
    assert (out / "manifest.json").stat().st_mtime_ns == before
    monkeypatch.undo()
    other_seed = run([*TINY, "--seed", "9", "--out", str(out)])
    assert other_seed.exit_code == 1
    assert "holds another dataset" in other_seed.output and "--overwrite" in other_seed.output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--scenario", "typhoon"], "'normal-week', 'school-term', 'heavy-rain', 'earthquake'"),
        (["--scenario", "normal-week", "--size", "huge"], "'tiny', 'class', 'city'"),
        (["--scenario", "normal-week", "--seed", "-1"], "x>=0"),
        (["--scenario", "normal-week", "--days", "0"], "1<=x<="),
        (["--scenario", "normal-week", "--days", "-2"], "1<=x<="),
        (["--scenario", "normal-week", "--start", "2025-13-01"], "YYYY-MM-DD"),
        (["--scenario", "normal-week", "--start", "6/10/2025"], "YYYY-MM-DD"),
        (["--scenario", "normal-week", "--workers", "0"], "x>=1"),
        (["--size", "tiny"], "Missing option '--scenario'"),
    ],
)
def test_bad_options_are_usage_errors(tmp_path, args, fragment):
    out = tmp_path / "ds"
    result = run([*args, "--out", str(out)])
    assert result.exit_code == 2
    assert fragment in result.output
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "args",
    [
        ["--start", "1999-12-30"],
        ["--start", "0001-01-01"],
        ["--start", "9999-12-31", "--days", "2"],
        ["--start", "2099-12-31", "--days", "2"],
    ],
)
def test_period_outside_calendar_is_a_usage_error(tmp_path, args):
    """Issue 9.6: exit 2 with the allowed years, never a traceback."""
    result = run(["--scenario", "normal-week", *args, "--out", str(tmp_path / "d")])
    assert result.exit_code == 2, result.output
    assert "outside 2000-01-01 .. 2099-12-31" in result.output
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_a_folder_that_is_not_a_dataset_is_never_replaced(tmp_path, overwrite):
    """Issue 9.1: --overwrite replaces only a folder this tool made; the user's is listed."""
    out = tmp_path / "ds"
    (out / "photos").mkdir(parents=True)
    (out / "keep.txt").write_text("mine")
    out.chmod(0o750)
    result = run([*TINY, "--out", str(out), *overwrite])
    assert result.exit_code == 1
    assert "not a toyama-lab dataset" in result.output
    assert "keep.txt, photos/ (2 entries)" in result.output
    assert "not replaced, even with --overwrite" in result.output
    assert leftovers(out) == ["keep.txt", "photos"]
    assert (out / "keep.txt").read_text() == "mine"
    assert out.stat().st_mode & 0o777 == 0o750  # never chmod the user's folder
    assert leftovers(tmp_path) == ["ds"]


def test_overwrite_of_the_current_folder_and_an_empty_out(tmp_path, monkeypatch):
    """Issue 9.1: `--out .` with notes in it is refused; `--out ""` is a usage error."""
    (tmp_path / "notes.txt").write_text("notes")
    monkeypatch.chdir(tmp_path)
    dot = run([*TINY, "--out", ".", "--overwrite"])
    assert dot.exit_code == 1 and "notes.txt (1 entry)" in dot.output
    assert leftovers(tmp_path) == ["notes.txt"]
    empty = run([*TINY, "--out", "", "--overwrite"])
    assert empty.exit_code == 2 and "is empty" in empty.output
    assert leftovers(tmp_path) == ["notes.txt"]


def test_a_new_folder_gets_the_usual_permissions(tmp_path):
    """Modes come from the umask, not the 0700/0600 of temporary folders and files."""
    out = tmp_path / "ds"
    assert run([*TINY, "--out", str(out), "--quiet"]).exit_code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in out.rglob("*")}
    files = {k: m for k, m in modes.items() if (out / k).is_file()}
    assert set(files.values()) == {0o666 & ~umask}, files


@pytest.mark.parametrize("target", ["file.txt/ds", "file.txt"])
def test_unwritable_output_is_refused_before_generating(tmp_path, monkeypatch, target):
    (tmp_path / "file.txt").write_text("a file, not a folder")

    def must_not_run(*args, **kwargs):
        raise AssertionError("generation started before the output check")

    monkeypatch.setattr("toyama_lab.city.build_city", must_not_run)
    result = run([*TINY, "--out", str(tmp_path / target)])
    assert result.exit_code == 1
    assert "not a folder" in result.output
    assert leftovers(tmp_path) == ["file.txt"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError])
def test_interrupted_generation_leaves_nothing(tmp_path, monkeypatch, exc):
    def interrupted(*args, **kwargs):
        raise exc()

    monkeypatch.setattr(build, "compute_writes", interrupted)
    out = tmp_path / "deep" / "ds"
    result = CliRunner().invoke(main, ["generate", *TINY, "--out", str(out)])
    assert result.exit_code == 1
    assert leftovers(tmp_path) == []


def test_console_script_errors(tmp_path):
    assert SCRIPT.is_file(), f"console script missing: {SCRIPT}"
    bad = subprocess.run(
        [str(SCRIPT), "generate", "--scenario", "typhoon", "--out", str(tmp_path / "ds")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "'normal-week'" in bad.stderr and "typhoon" in bad.stderr
    (tmp_path / "file.txt").write_text("x")
    unwritable = subprocess.run(
        [str(SCRIPT), "generate", *TINY, "--out", str(tmp_path / "file.txt" / "ds")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unwritable.returncode == 1
    assert "not a folder" in unwritable.stderr
    assert leftovers(tmp_path) == ["file.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child is POSIX")
def test_ctrl_c_in_a_real_run_leaves_nothing(tmp_path):
    import signal
    import time

    cmd = [str(SCRIPT), "generate", "--scenario", "normal-week", "--size", "class"]
    cmd += ["--days", "120", "--out", str(tmp_path / "ds")]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(1200):  # wait until the time series are being written
            if list(tmp_path.glob("ds.tmp-*/timeseries/*.zarr")) or proc.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 1, err
    assert "Aborted" in err
    assert leftovers(tmp_path) == []


def test_network_flag_writes_a_gateway_log_that_decodes(tmp_path):
    """--network adds network/ inside the same atomic build; the decode command reads it."""
    import polars as pl

    from toyama_lab.datasets import open_dataset

    out = tmp_path / "nw"
    result = run([*TINY, "--out", str(out), "--network"])
    assert result.exit_code == 0, result.output
    assert "receptions" in result.output and "transmissions" in result.output
    assert leftovers(tmp_path) == ["nw"]
    ds = open_dataset(out)
    ds.verify()  # the manifest covers the network files too
    net = {"network/receptions.parquet", "network/gateways.parquet", "network/keys.csv"}
    assert net <= set(ds.manifest["files"])

    decoded = decode_network(out, tmp_path / "decoded.parquet")
    frames = pl.read_parquet(decoded)
    truth = pl.read_parquet(out / "network" / "transmissions.parquet")
    ok = frames.filter(pl.col("status") == "ok")
    assert ok.height == truth.filter(pl.col("delivered")).height > 0


def test_network_flag_on_a_kept_dataset_adds_the_network(tmp_path):
    out = tmp_path / "nw"
    assert run([*TINY, "--out", str(out)]).exit_code == 0
    assert not (out / "network").exists()
    again = run([*TINY, "--out", str(out), "--network"])
    assert again.exit_code == 0, again.output
    assert (out / "network" / "receptions.parquet").is_file()


# -- radio options of the network: confirmed uplinks and retransmissions ----------------

#: The earthquake's day on the tiny city: power cuts at gateways and sensors lose frames,
#: so confirmed frames are retransmitted and some are recovered.
QUAKE = ["--scenario", "earthquake", "--size", "tiny", "--start", "2025-11-12", "--days", "1"]
RADIO = ["--network", "--confirmed-share", "1", "--max-retransmissions", "3"]


def network_params(folder: Path) -> dict:
    return json.loads((folder / "network" / "network.json").read_text())["params"]


def test_radio_options_retransmit_and_the_log_still_decodes(tmp_path):
    import polars as pl

    from toyama_lab.datasets import open_dataset

    out = tmp_path / "quake"
    result = run([*QUAKE, "--out", str(out), *RADIO])
    assert result.exit_code == 0, result.output
    assert "network: confirmed share 1, up to 3 retransmissions" in result.output
    params = network_params(out)
    assert (params["confirmed_share"], params["max_retransmissions"]) == (1.0, 3)
    open_dataset(out).verify()
    truth = pl.read_parquet(out / "network" / "transmissions.parquet")
    assert truth["confirmed"].all()
    assert 0 < int(truth["attempt"].max()) <= 3
    delivered = truth.filter(pl.col("delivered"))
    assert delivered.filter(pl.col("attempt") > 0).height > 0  # recovered by a retry

    decoded = decode_network(out, tmp_path / "decoded.parquet")
    ok = pl.read_parquet(decoded).filter(pl.col("status") == "ok")
    got = set(zip(ok["dev_addr"].to_list(), ok["fcnt"].to_list(), strict=True))
    want = set(zip(delivered["dev_addr"].to_list(), delivered["fcnt"].to_list(), strict=True))
    assert got == want and ok.height == len(want)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--confirmed-share", "0.5"], "add --network"),
        (["--max-retransmissions", "2"], "add --network"),
        (["--confirmed-share", "0.5", "--max-retransmissions", "2"], "add --network"),
        (["--network", "--max-retransmissions", "2"], "only confirmed uplinks"),
        (["--network", "--confirmed-share", "0", "--max-retransmissions", "1"], "only confirmed"),
        (["--network", "--confirmed-share", "1.5"], "0.0<=x<=1.0"),
        (["--network", "--confirmed-share", "-0.1"], "0.0<=x<=1.0"),
        (["--network", "--confirmed-share", "nan"], "nan is not a share"),
        (["--confirmed-share", "nan"], "add --network"),
        (["--network", "--confirmed-share", "1", "--max-retransmissions", "8"], "0<=x<=7"),
        (["--network", "--confirmed-share", "1", "--max-retransmissions", "-1"], "0<=x<=7"),
    ],
)
def test_bad_radio_options_are_usage_errors(tmp_path, args, fragment):
    result = run([*TINY, *args, "--out", str(tmp_path / "ds")])
    assert result.exit_code == 2, result.output
    assert fragment in result.output
    assert leftovers(tmp_path) == []


def test_default_radio_options_give_the_same_files(tmp_path):
    plain, zeros = tmp_path / "plain", tmp_path / "zeros"
    assert run([*TINY, "--out", str(plain), "--network", "--quiet"]).exit_code == 0
    explicit = [*TINY, "--out", str(zeros), "--network"]
    result = run([*explicit, "--confirmed-share", "0", "--max-retransmissions", "0"])
    assert result.exit_code == 0, result.output
    assert "network: confirmed share" not in result.output
    assert {k: b for k, (b, _) in file_snapshot(plain).items()} == {
        k: b for k, (b, _) in file_snapshot(zeros).items()
    }
    tx = "network/transmissions.parquet"
    assert (plain / tx).read_bytes() == (zeros / tx).read_bytes()
    from toyama_lab.network import radio_params

    assert network_params(plain) | radio_params(None) == network_params(plain)


def test_kept_dataset_with_other_radio_settings_gets_its_network_again(tmp_path):
    """As load does (one policy): only network/ is simulated again, saying why."""
    out = tmp_path / "nw"
    assert run([*TINY, "--out", str(out), "--network", "--quiet"]).exit_code == 0
    before = file_snapshot(out)

    same = run([*TINY, "--out", str(out), "--network", "--confirmed-share", "0"])
    assert same.exit_code == 0, same.output
    assert "already up to date" in same.output
    assert file_snapshot(out) == before

    other = run([*TINY, "--out", str(out), *RADIO])
    assert other.exit_code == 0, other.output
    assert "rebuilding" in other.output
    assert "confirmed_share=0.0, max_retransmissions=0" in other.output  # recorded
    assert "confirmed_share=1.0, max_retransmissions=3" in other.output  # asked
    assert "network/ simulated again" in other.output
    assert "network: confirmed share 1, up to 3 retransmissions" in other.output
    assert network_params(out)["max_retransmissions"] == 3
    after = file_snapshot(out)
    outside = {k for k in before if not k.startswith("network/") and k != "manifest.json"}
    assert outside and all(after[k] == before[k] for k in outside)  # bytes and mtime
    assert leftovers(tmp_path) == ["nw"]

    kept = run([*TINY, "--out", str(out), *RADIO])
    assert kept.exit_code == 0, kept.output
    assert "already up to date" in kept.output
    assert file_snapshot(out) == after
    back = run([*TINY, "--out", str(out), "--network"])
    assert back.exit_code == 0, back.output
    assert "not the asked confirmed_share=0.0, max_retransmissions=0" in back.output
    tx = "network/transmissions.parquet"
    assert file_snapshot(out)[tx][0] == before[tx][0]  # the default network's bytes again


def test_radio_options_on_a_kept_dataset_without_network(tmp_path):
    out = tmp_path / "nw"
    assert run([*TINY, "--out", str(out), "--quiet"]).exit_code == 0
    result = run([*TINY, "--out", str(out), *RADIO])
    assert result.exit_code == 0, result.output
    assert "already up to date" in result.output
    assert network_params(out)["confirmed_share"] == 1.0
