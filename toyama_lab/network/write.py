"""Write a simulated network into a dataset folder's ``network/`` subfolder, atomically.

Files (all byte-identical for the same inputs and seed):

* ``network/registry.parquet`` - devices (SYNTHETIC identifiers, ``synthetic`` column);
* ``network/keys.csv`` - SYNTHETIC session keys: a ``#`` comment line saying so, then a
  header with first column ``synthetic`` (``true``) and the
  :class:`toyama_lab.lorawan.KeyStore` columns, readable by ``KeyStore.load``;
* ``network/receptions.parquet`` - what each gateway heard of each frame
  (:func:`toyama_lab.network.log.receptions_schema`: ``tx_id``, ``gateway_id``,
  ``rssi_dbm``, ``snr_db_x10``; zstd level :data:`NETWORK_COMPRESSION_LEVEL`);
* ``network/transmissions.parquet`` - the truth per uplink, with each frame's bytes
  (zstd level :data:`NETWORK_COMPRESSION_LEVEL`, row groups of
  :data:`TRANSMISSIONS_ROW_GROUP_ROWS`);
* ``network/gateways.parquet`` - the gateways' ``tmst`` counters
  (:func:`toyama_lab.network.log.gateway_clocks`);

  :func:`toyama_lab.network.scan.scan_gateway_log` puts these three together as the
  gateway log in ``RECEPTION_SCHEMA``;
* ``network/network.json`` - parameters (every :class:`~toyama_lab.network.RadioConfig`
  field), the software that made it (version; SHA-256 of the ``network``, ``radio`` and
  ``lorawan`` sources) and loss-reason counts.

:func:`write_network_blocks` writes the same files from the blocks of
:func:`toyama_lab.network.simulate_network_blocks`, holding the block being written (and
at most two queued per table) in memory: the
transmission truth is streamed into its file at the same time, by a second sink in a thread
of its own. The bytes depend only on the rows, never on the blocks, and
:func:`write_network` writes its tables through the same path, so a one-shot run and a
run block by block give the same files.

The subfolder is built as ``DIR.network.tmp-...`` beside the dataset folder ``DIR``
(:func:`toyama_lab.store.subfolder_stage`) and renamed into place, so a crash
never leaves half a folder, nor anything unlisted inside ``DIR``; an existing
``network/`` is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
from contextlib import contextmanager
from pathlib import Path

from toyama_lab.lorawan.keys import COLUMNS as KEY_COLUMNS

__all__ = ["FILES", "SUBFOLDER", "write_keys_csv", "write_network", "write_network_blocks"]

#: Name of the subfolder in a dataset folder.
SUBFOLDER = "network"
#: Files written, by role.
FILES = {
    "registry": "registry.parquet",
    "keys": "keys.csv",
    "receptions": "receptions.parquet",
    "transmissions": "transmissions.parquet",
    "gateways": "gateways.parquet",
    "params": "network.json",
}
#: First line of ``keys.csv`` (a comment, skipped by ``KeyStore.load``).
KEYS_COMMENT = "# SYNTHETIC LoRaWAN session keys made by toyama-lab; not for any real device"
_KEY_COLUMNS = ("synthetic", *KEY_COLUMNS)


def write_keys_csv(keys, path: str | os.PathLike[str]) -> Path:
    """Write SYNTHETIC keys as CSV with a leading ``synthetic`` column (mode 0600).

    The columns are those of ``toyama_lab.lorawan.KeyStore.save`` (each device's payload
    ``codec`` last, empty for a device without one).

    The first line is the comment :data:`KEYS_COMMENT`.
    ``toyama_lab.lorawan.KeyStore.load`` reads the file (it skips the comment and ignores
    the extra column).
    Rows are sorted by DevAddr so the bytes do not depend on insertion order.
    """
    buf = io.StringIO()
    buf.write(KEYS_COMMENT + "\n")
    w = csv.DictWriter(buf, fieldnames=_KEY_COLUMNS, lineterminator="\n")
    w.writeheader()
    # the rows of KeyStore.save, by DevAddr (8 upper-case hex digits sort as the numbers)
    for rec in sorted(keys.records(), key=lambda r: r["dev_addr"]):
        w.writerow({"synthetic": "true", **rec})
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


#: zstd level of ``receptions.parquet`` and ``transmissions.parquet`` (the store's other
#: tables keep :data:`toyama_lab.store.PARQUET_OPTIONS`): level 1 writes the receptions
#: about a fifth faster than level 3 for 9 % more bytes, the truth (whose frame bytes are
#: ciphertext that does not compress) a fifth faster for 7 % more (``bench/road.py``,
#: docs/benchmarks.md).
NETWORK_COMPRESSION_LEVEL = 1

#: Rows per row group of ``transmissions.parquet`` at most (2**17): a day of the city's
#: truth (about 200,000 rows) is cut into two groups, so its sink encodes the first
#: while the next block is still on the air, and a reader that wants a few ``tx_id``
#: skips the rest. The receptions keep the store's row groups (2**20 rows).
TRANSMISSIONS_ROW_GROUP_ROWS = 131_072


def parquet_options(table: str) -> dict:
    """Settings of the polars Parquet writer for ``table`` (a key of :data:`FILES`).

    Those of the store (:data:`toyama_lab.store.PARQUET_OPTIONS`, read at call
    time), with :data:`NETWORK_COMPRESSION_LEVEL` for the receptions and the
    transmissions, and row groups of at most :data:`TRANSMISSIONS_ROW_GROUP_ROWS` for
    the transmissions.

    Examples
    --------
    >>> parquet_options("receptions")["compression_level"]
    1
    >>> parquet_options("transmissions")["row_group_size"]
    131072
    >>> parquet_options("registry")["compression_level"]
    3
    """
    from toyama_lab.store import PARQUET_OPTIONS

    opts = {k: v for k, v in PARQUET_OPTIONS.items() if k != "use_pyarrow"}
    if table in ("receptions", "transmissions"):
        opts["compression_level"] = NETWORK_COMPRESSION_LEVEL
    if table == "transmissions":
        opts["row_group_size"] = min(int(opts["row_group_size"]), TRANSMISSIONS_ROW_GROUP_ROWS)
    return opts


def row_groups(frames, size: int):
    """The rows of ``frames`` (in order) re-cut into frames of exactly ``size`` rows.

    The last frame holds the rest (fewer rows); nothing is yielded for no rows. Each
    frame is one contiguous chunk, so the Parquet bytes written from them depend only on
    the rows, never on how the input was cut.

    Examples
    --------
    >>> import polars as pl
    >>> parts = [pl.DataFrame({"a": [1, 2, 3]}), pl.DataFrame({"a": [4, 5]})]
    >>> [f["a"].to_list() for f in row_groups(parts, 2)]
    [[1, 2], [3, 4], [5]]
    """
    import numpy as np
    import polars as pl

    buf: list = []
    n = 0
    for frame in frames:
        while frame.height:
            take = frame.slice(0, size - n)
            frame = frame.slice(take.height)
            buf.append(take)
            n += take.height
            if n == size:
                yield pl.concat(buf).rechunk()
                buf, n = [], 0
        if buf:  # rows held for the next group get buffers of their own, so that they
            # do not keep the whole input frame alive (a slice shares its buffers)
            held = pl.concat(buf).rechunk()
            buf = [held[np.arange(held.height)]]
            del held
        del frame  # (an empty slice still holds the input's buffers) while the next comes
    if buf:
        yield pl.concat(buf).rechunk()


def sink_frames(frames, path: str | os.PathLike[str], schema: dict, options: dict) -> int:
    """Stream ``frames`` into one Parquet file in one pass, atomically; the number of rows.

    The frames (an iterable, consumed once, e.g. a generator that simulates as it goes)
    are cut into row groups of ``options["row_group_size"]`` rows (:func:`row_groups`) and
    fed to polars' streaming Parquet sink as a lazy source
    (:func:`polars.io.plugins.register_io_source`): each row is encoded and compressed
    once, memory holds about one row group, and the bytes depend only on the rows. An
    error raised while producing the frames is raised again as it was.

    Parameters
    ----------
    frames : iterable of polars.DataFrame
        All with the columns of ``schema`` (cast to it).
    path : path-like
        The file, written as a temporary sibling and renamed into place.
    schema : dict
        Column types of the file.
    options : dict
        Keyword arguments of :meth:`polars.LazyFrame.sink_parquet`
        (:func:`parquet_options`).
    """
    import polars as pl
    from polars.io.plugins import register_io_source

    from toyama_lab._atomic import write_atomic
    from toyama_lab.store import FILE_MODE, note_write

    failed: list[BaseException] = []
    rows = [0]

    def source(with_columns, predicate, n_rows, batch_size):
        try:
            sent = False
            for frame in row_groups(frames, int(options["row_group_size"])):
                rows[0] += frame.height
                sent = True
                yield frame.cast(schema)
                del frame
            if not sent:
                yield pl.DataFrame(schema=schema)
        except BaseException as exc:  # raised again below, as it was
            failed.append(exc)
            raise

    lazy = register_io_source(source, schema=pl.Schema(schema))
    try:
        write_atomic(Path(path), lambda p: lazy.sink_parquet(p, **options), mode=FILE_MODE)
    except BaseException:
        if failed:
            raise failed[0] from None
        raise
    note_write()
    return rows[0]


class _ThreadSink:
    """A :func:`sink_frames` run in a thread of its own, fed frame by frame.

    The receptions' sink pulls the simulation block by block; each block's truth is
    handed here (:meth:`put`) and encoded into its own file meanwhile, so both files are
    written in one pass over the blocks, each row encoded once. The hand-over queue holds
    at most :attr:`DEPTH` blocks, so memory stays bounded when the writer lags.

    Parameters
    ----------
    path, schema, options
        As :func:`sink_frames`.
    """

    #: blocks waiting in the hand-over queue at most
    DEPTH = 2
    _END, _ABORT = object(), object()

    def __init__(self, path: Path, schema: dict, options: dict) -> None:
        import queue
        import threading

        self._queue: queue.Queue = queue.Queue(maxsize=self.DEPTH)
        self._rows: int | None = None
        self._error: BaseException | None = None
        args = (self._frames(), path, schema, options)
        self._thread = threading.Thread(target=self._run, args=args, name="sink", daemon=True)
        self._thread.start()

    def _frames(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if item is self._ABORT:
                raise RuntimeError("writing stopped: the other table failed")
            yield item

    def _run(self, *args) -> None:
        try:
            self._rows = sink_frames(*args)
        except BaseException as exc:  # raised in the caller's thread by put/close
            self._error = exc

    def _hand(self, item) -> None:
        import queue

        while True:
            if self._error is not None:
                raise self._error
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def put(self, frame) -> None:
        """Queue ``frame`` for the file (waits while :attr:`DEPTH` frames are queued);
        raises the writer's error if it failed."""
        self._hand(frame)

    def close(self) -> int:
        """End the file and wait for it; the number of rows written."""
        self._hand(self._END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return int(self._rows)

    def abort(self) -> None:
        """Stop the writer (its partial file is removed) and wait for it; never raises."""
        import queue

        while self._thread.is_alive():
            try:
                self._queue.put(self._ABORT, timeout=0.1)
                break
            except queue.Full:
                try:
                    self._queue.get_nowait()  # make room: these frames are dropped
                except queue.Empty:
                    pass
        self._thread.join()


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
    from toyama_lab._gc import frozen_heap
    from toyama_lab.store import atomic_folder, subfolder_stage

    blocks = iter(blocks)
    final = _network_folder(out_dir)
    # full collections skip the city and the imports while the road runs (toyama_lab._gc)
    with frozen_heap(), _closed_at_end(blocks):
        with atomic_folder(final, overwrite=overwrite, stage=subfolder_stage(final)) as tmp:
            _write_blocks(blocks, tmp, on_complete)
    return {k: final / v for k, v in FILES.items()}


@contextmanager
def _closed_at_end(blocks):
    """Close ``blocks`` when the block ends, if it can be closed: a road that stops being
    read (an error while writing) drops its blocks not started and waits for the others
    (:func:`toyama_lab.network.simulate_network_blocks`) now, not when it is collected."""
    try:
        yield
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()


def _write_blocks(blocks, tmp: Path, on_complete) -> None:
    """The body of :func:`write_network_blocks`: every file into the staging folder ``tmp``."""
    from toyama_lab._heap import release_free_heap
    from toyama_lab.network.log import TRANSMISSION_SCHEMA, receptions_schema
    from toyama_lab.network.road import LOSS_REASONS
    from toyama_lab.store import write_parquet, write_text

    first = next(blocks, None)
    if first is None:
        raise ValueError("no blocks to write; give at least one block of days.")
    gateways = _gateways(first)
    write_parquet(first.registry, tmp / FILES["registry"])
    write_keys_csv(first.keys, tmp / FILES["keys"])
    write_parquet(first.clocks, tmp / FILES["gateways"])
    params, n_devices = first.params, first.registry.height
    counts = dict.fromkeys(LOSS_REASONS, 0)
    pending = [first]
    del first
    txs = _ThreadSink(tmp / FILES["transmissions"], TRANSMISSION_SCHEMA,
                      parquet_options("transmissions"))  # fmt: skip

    def receptions():
        # the simulation runs as the receptions' Parquet sink pulls their rows; the
        # truth of each block goes to its own sink, in its own thread, on the way
        for res in itertools.chain([pending.pop()], blocks):
            txs.put(res.transmissions)
            for r, c in res.loss_counts().iter_rows():
                counts[r] += int(c)
            rx = res.receptions
            del res  # hold one block at a time
            release_free_heap()  # what the block's simulation freed
            yield rx
            del rx

    try:
        schema = receptions_schema(gateways)
        opts = parquet_options("receptions")
        n_rx = sink_frames(receptions(), tmp / FILES["receptions"], schema, opts)
        n_tx = txs.close()
    except BaseException:
        txs.abort()
        raise
    text = _meta(params, n_devices, n_tx, n_rx, counts)
    write_text(tmp / FILES["params"], text)
    if on_complete is not None:
        on_complete(tmp)


def _gateways(result) -> list:
    """The gateway ids of a result: the categories of its clocks' ``gateway_id``."""
    return result.clocks.schema["gateway_id"].categories.to_list()


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
    from toyama_lab.network.log import TRANSMISSION_SCHEMA, receptions_schema
    from toyama_lab.store import atomic_folder, subfolder_stage, write_parquet, write_text

    gateways = _gateways(result)
    final = _network_folder(out_dir)
    with atomic_folder(final, overwrite=overwrite, stage=subfolder_stage(final)) as tmp:
        write_parquet(result.registry, tmp / FILES["registry"])
        write_keys_csv(result.keys, tmp / FILES["keys"])
        write_parquet(result.clocks, tmp / FILES["gateways"])
        sink_frames([result.receptions], tmp / FILES["receptions"],
                    receptions_schema(gateways), parquet_options("receptions"))  # fmt: skip
        sink_frames([result.transmissions], tmp / FILES["transmissions"], TRANSMISSION_SCHEMA,
                    parquet_options("transmissions"))  # fmt: skip
        counts = {r: int(c) for r, c in result.loss_counts().iter_rows()}
        text = _meta(
            result.params,
            result.registry.height,
            result.transmissions.height,
            result.receptions.height,
            counts,
        )
        write_text(tmp / FILES["params"], text)
    return {k: final / v for k, v in FILES.items()}
