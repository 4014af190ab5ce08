"""Fingerprints of the package's own source code, to tell data made by other code.

A cached dataset records the SHA-256 of the sources that decided its content, so that
during development (same version number, changed code) it is recognised as stale. Each
part of a dataset records the fingerprint of what it depends on: the time series and
events (:data:`DATASET_PARTS`) and the simulated network (:data:`NETWORK_PARTS`).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["DATASET_PARTS", "NETWORK_PARTS", "source_fingerprint"]

#: Modules (folders or files of ``toyama_lab``) whose code decides a dataset's time
#: series, events, city and manifest layout (``store.py``: Parquet settings, manifest).
DATASET_PARTS = ("city", "synth", "datasets", "geo.py", "privacy.py", "_atomic.py", "store.py")
#: Modules whose code decides a dataset's ``network/``: the road, the radio model and the
#: LoRaWAN frames and keys, and the local projection of device positions (its readings are
#: covered by :data:`DATASET_PARTS`; its Parquet settings by ``store.py``, there too).
NETWORK_PARTS = ("network", "radio", "lorawan", "geo.py")

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def source_fingerprint(parts: tuple[str, ...] = DATASET_PARTS) -> str:
    """SHA-256 over the Python sources of ``parts`` of the installed ``toyama_lab``.

    Parameters
    ----------
    parts : tuple of str
        Sub-packages (folders: every ``*.py`` below them) and modules (``name.py``),
        relative to the package folder.

    Returns
    -------
    str
        64 hexadecimal digits over each file's relative path and bytes, in sorted order.
        Cached for the life of the process.

    Examples
    --------
    >>> len(source_fingerprint(NETWORK_PARTS))
    64
    >>> source_fingerprint(("radio",)) == source_fingerprint(("lorawan",))
    False
    """
    files: list[Path] = []
    for part in parts:
        target = _PACKAGE / part
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        if path.is_file():
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
