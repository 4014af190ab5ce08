"""Write a simulated network into a dataset folder's ``network/`` subfolder, atomically.

Files (all byte-identical for the same inputs and seed):

* ``network/registry.parquet`` - devices (SYNTHETIC identifiers, ``synthetic`` column);
* ``network/keys.csv`` - SYNTHETIC session keys: a ``#`` comment line saying so, then a
  header with first column ``synthetic`` (``true``) and the
  :class:`toyama_lab.lorawan.KeyStore` columns, readable by ``KeyStore.load``;
* ``network/gateway_log.parquet`` - receptions in ``RECEPTION_SCHEMA``;
* ``network/transmissions.parquet`` - the truth per uplink;
* ``network/network.json`` - parameters and loss-reason counts.

The subfolder is built as ``network.tmp-XXXX`` beside it and renamed into place, so a
crash never leaves half a folder; an existing ``network/`` is replaced only with
``overwrite=True``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["FILES", "SUBFOLDER", "write_keys_csv", "write_network"]

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
    p = Path(path)
    p.write_text(buf.getvalue(), encoding="utf-8")
    os.chmod(p, 0o600)
    return p


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
    from toyama_lab.datasets.store import write_parquet

    root = Path(out_dir)
    if not root.is_dir():
        raise FileNotFoundError(
            f"{str(root)!r} is not a folder; give an existing dataset folder (e.g. one made by "
            "`toyama-lab generate`)."
        )
    final = root / SUBFOLDER
    if final.exists() and not overwrite:
        raise FileExistsError(f"{str(final)!r} exists already; pass overwrite=True to replace it.")
    tmp = Path(tempfile.mkdtemp(prefix=f"{SUBFOLDER}.tmp-", dir=root))
    try:
        write_parquet(result.registry, tmp / FILES["registry"])
        write_keys_csv(result.keys, tmp / FILES["keys"])
        write_parquet(result.gateway_log, tmp / FILES["gateway_log"])
        write_parquet(result.transmissions, tmp / FILES["transmissions"])
        counts = {r: int(c) for r, c in result.loss_counts().iter_rows()}
        meta = {
            "synthetic": True,
            "note": "SYNTHETIC devices and keys: never use them on a real network.",
            "params": result.params,
            "n_devices": result.registry.height,
            "n_transmissions": result.transmissions.height,
            "n_receptions": result.gateway_log.height,
            "loss_reasons": counts,
        }
        text = json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        (tmp / FILES["params"]).write_text(text, encoding="utf-8")
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{SUBFOLDER}.old-", dir=root))
            old.rmdir()
            os.rename(final, old)
            os.rename(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {k: final / v for k, v in FILES.items()}
