"""Write a simulated network into a dataset folder's ``network/`` subfolder, atomically.

Files (all byte-identical for the same inputs and seed):

* ``network/registry.parquet`` - devices (SYNTHETIC identifiers, ``synthetic`` column);
* ``network/keys.csv`` - SYNTHETIC session keys: a ``#`` comment line saying so, then a
  header with first column ``synthetic`` (``true``) and the
  :class:`toyama_lab.lorawan.KeyStore` columns, readable by ``KeyStore.load``;
* ``network/gateway_log.parquet`` - receptions in ``RECEPTION_SCHEMA``;
* ``network/transmissions.parquet`` - the truth per uplink;
* ``network/network.json`` - parameters (every :class:`~toyama_lab.network.RadioConfig`
  field), the software that made it (version; SHA-256 of the ``network``, ``radio`` and
  ``lorawan`` sources) and loss-reason counts.

:func:`write_network_blocks` writes the same files from the blocks of
:func:`toyama_lab.network.simulate_network_blocks`, holding one block in memory: rows are
staged in part files of exactly one Parquet row group (``PARQUET_OPTIONS["row_group_size"]``
rows) and the parts are then streamed into one file (``polars.LazyFrame.sink_parquet``).
The bytes depend only on the rows, never on the blocks: a table of at most one row group
is the very file :func:`write_network` writes; a larger one is always assembled from the
same canonical parts (``write_network`` writes such a table in one go, with a different
but equally valid row-group layout).

The subfolder is built as ``DIR.network.tmp-...`` beside the dataset folder ``DIR``
(:func:`toyama_lab.store.subfolder_stage`) and renamed into place, so a crash
never leaves half a folder, nor anything unlisted inside ``DIR``; an existing
``network/`` is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

__all__ = ["FILES", "SUBFOLDER", "write_keys_csv", "write_network", "write_network_blocks"]

#: Name of the subfolder in a dataset folder.
SUBFOLDER = "network"
#: Files written, by role.
FILES = {
    "registry": "registry.parquet",
    "keys": "keys.csv",
    "gateway_log": "gateway_log.parquet",
    "transmissions": "transmissions.parquet",
    "params": "network.json",
}
#: First line of ``keys.csv`` (a comment, skipped by ``KeyStore.load``).
KEYS_COMMENT = "# SYNTHETIC LoRaWAN session keys made by toyama-lab; not for any real device"
_KEY_COLUMNS = ("synthetic", "dev_addr", "nwk_s_key", "app_s_key", "dev_eui", "app_key")


def write_keys_csv(keys, path: str | os.PathLike[str]) -> Path:
    """Write SYNTHETIC keys as CSV with a leading ``synthetic`` column (mode 0600).

    The first line is the comment :data:`KEYS_COMMENT`.
    ``toyama_lab.lorawan.KeyStore.load`` reads the file (it skips the comment and ignores
    the extra column).
    Rows are sorted by DevAddr so the bytes do not depend on insertion order.
    """
    buf = io.StringIO()
    buf.write(KEYS_COMMENT + "\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_KEY_COLUMNS)
    for k in sorted(keys, key=lambda k: k.dev_addr):
        w.writerow(
            [
                "true",
                f"{k.dev_addr:08X}",
                k.nwk_s_key.hex().upper(),
                k.app_s_key.hex().upper(),
                "" if k.dev_eui is None else k.dev_eui.hex().upper(),
                "" if k.app_key is None else k.app_key.hex().upper(),
            ]
        )
    from toyama_lab.store import write_text

    p = Path(path)
    write_text(p, buf.getvalue(), mode=0o600)
    return p


def _meta(params, n_devices, n_tx, n_rx, counts) -> str:
    from toyama_lab import __version__
    from toyama_lab._fingerprint import NETWORK_PARTS, source_fingerprint

    meta = {
        "software": {
            "toyama-lab": __version__,
            "toyama-lab-network-source-sha256": source_fingerprint(NETWORK_PARTS),
        },
        "synthetic": True,
        "note": "SYNTHETIC devices and keys: never use them on a real network.",
        "params": params,
        "n_devices": n_devices,
        "n_transmissions": n_tx,
        "n_receptions": n_rx,
        "loss_reasons": counts,
    }
    return json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _network_folder(out_dir) -> Path:
    """``out_dir/network``, checking that ``out_dir`` is an existing folder."""
    root = Path(out_dir)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{str(root)!r} is not a folder; give an existing dataset folder (e.g. one made by "
            "`toyama-lab generate`)."
        )
    return root / SUBFOLDER


class _StagedTable:
    """Rows appended block by block, staged in parts of exactly one row group each."""

    def __init__(self, folder: Path, name: str) -> None:
        from toyama_lab.store import PARQUET_OPTIONS

        self.folder, self.name = folder, name
        self.size = int(PARQUET_OPTIONS["row_group_size"])
        self.buf: list = []
        self.n_buf = 0
        self.parts: list[Path] = []
        self.rows = 0

    def _flush(self, frame) -> None:
        from toyama_lab.store import write_parquet

        p = self.folder / f".{self.name}.part-{len(self.parts):06d}.parquet"
        write_parquet(frame, p)
        self.parts.append(p)

    def add(self, frame) -> None:
        import polars as pl

        self.rows += frame.height
        while frame.height:
            take = frame.slice(0, self.size - self.n_buf)
            frame = frame.slice(take.height)
            self.buf.append(take)
            self.n_buf += take.height
            if self.n_buf == self.size:
                self._flush(pl.concat(self.buf))
                self.buf, self.n_buf = [], 0

    def close(self, path: Path, schema) -> None:
        import polars as pl

        from toyama_lab.store import PARQUET_OPTIONS, write_parquet

        rest = pl.concat(self.buf) if self.buf else pl.DataFrame(schema=schema)
        if not self.parts:
            write_parquet(rest, path)
            return
        if rest.height:
            self._flush(rest)
        opts = {k: v for k, v in PARQUET_OPTIONS.items() if k != "use_pyarrow"}
        pl.concat([pl.scan_parquet(p) for p in self.parts]).sink_parquet(path, **opts)
        for p in self.parts:
            p.unlink()


def write_network_blocks(
    blocks, out_dir: str | os.PathLike[str], *, overwrite: bool = False, on_complete=None
):
    """Write the blocks of :func:`toyama_lab.network.simulate_network_blocks` atomically.

    Parameters
    ----------
    blocks : iterable of toyama_lab.network.NetworkResult
        In order; registry, keys and params are taken from the first.
    out_dir : path-like
        A dataset folder; ``network/`` is created inside it.
    overwrite : bool
        Replace an existing ``network/`` subfolder.
    on_complete : callable, optional
        Called with the finished temporary folder just before it is renamed into place
        (e.g. to record its files in the dataset's manifest first).

    Returns
    -------
    dict of str to pathlib.Path
        As :func:`write_network`; for a window whose tables fit in one row group
        (:data:`toyama_lab.store.PARQUET_OPTIONS`) the files are byte-identical to
        those :func:`write_network` writes for :func:`toyama_lab.network.simulate_network`.

    Raises
    ------
    FileExistsError, FileNotFoundError
        As :func:`write_network`.
    ValueError
        If ``blocks`` is empty.
    """
    from toyama_lab.lorawan.ingest import RECEPTION_SCHEMA
    from toyama_lab.network.log import TRANSMISSION_SCHEMA
    from toyama_lab.network.road import LOSS_REASONS
    from toyama_lab.store import atomic_folder, subfolder_stage, write_parquet, write_text

    final = _network_folder(out_dir)
    with atomic_folder(final, overwrite=overwrite, stage=subfolder_stage(final)) as tmp:
        log = _StagedTable(tmp, "gateway_log")
        txs = _StagedTable(tmp, "transmissions")
        counts = dict.fromkeys(LOSS_REASONS, 0)
        head = None  # (params, number of devices) of the first block
        for res in blocks:
            if head is None:
                head = (res.params, res.registry.height)
                write_parquet(res.registry, tmp / FILES["registry"])
                write_keys_csv(res.keys, tmp / FILES["keys"])
            log.add(res.gateway_log)
            txs.add(res.transmissions)
            for r, c in res.loss_counts().iter_rows():
                counts[r] += int(c)
            del res  # hold one block at a time
        if head is None:
            raise ValueError("no blocks to write; give at least one block of days.")
        log.close(tmp / FILES["gateway_log"], RECEPTION_SCHEMA)
        txs.close(tmp / FILES["transmissions"], TRANSMISSION_SCHEMA)
        text = _meta(head[0], head[1], txs.rows, log.rows, counts)
        write_text(tmp / FILES["params"], text)
        if on_complete is not None:
            on_complete(tmp)
    return {k: final / v for k, v in FILES.items()}


def write_network(result, out_dir: str | os.PathLike[str], *, overwrite: bool = False):
    """Write ``result`` to ``out_dir/network/`` atomically.

    Parameters
    ----------
    result : toyama_lab.network.NetworkResult
    out_dir : path-like
        A dataset folder (or any folder); ``network/`` is created inside it.
    overwrite : bool
        Replace an existing ``network/`` subfolder.

    Returns
    -------
    dict of str to pathlib.Path
        Path of each file (keys of :data:`FILES`).

    Raises
    ------
    FileExistsError
        If ``out_dir/network`` exists and ``overwrite`` is false.
    FileNotFoundError
        If ``out_dir`` is not an existing folder.
    """
    from toyama_lab.store import atomic_folder, subfolder_stage, write_parquet, write_text

    final = _network_folder(out_dir)
    with atomic_folder(final, overwrite=overwrite, stage=subfolder_stage(final)) as tmp:
        write_parquet(result.registry, tmp / FILES["registry"])
        write_keys_csv(result.keys, tmp / FILES["keys"])
        write_parquet(result.gateway_log, tmp / FILES["gateway_log"])
        write_parquet(result.transmissions, tmp / FILES["transmissions"])
        counts = {r: int(c) for r, c in result.loss_counts().iter_rows()}
        text = _meta(
            result.params,
            result.registry.height,
            result.transmissions.height,
            result.gateway_log.height,
            counts,
        )
        write_text(tmp / FILES["params"], text)
    return {k: final / v for k, v in FILES.items()}
