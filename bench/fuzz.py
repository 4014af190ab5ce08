"""Fuzz benchmark: throw random and mutated frames at ``parse`` and ``decode``.

Every input is one of: a valid frame (all MTypes, built with the package's
encoders for a key store of devices), a structure-aware mutation of one
(bit flips, truncation, extension, random FOptsLen, random MHDR, byte
replacement, byte deletion), or random bytes. Each input goes through
:func:`toyama_lab.lorawan.parse` and :func:`toyama_lab.lorawan.decode`.

Contract checked (a breach is a *violation*; the script exits 1 if any):

- only :class:`~toyama_lab.lorawan.errors.FrameError` subclasses are raised;
- ``decode`` never returns a data frame whose MIC does not verify (re-checked
  independently with :func:`~toyama_lab.lorawan.crypto.compute_mic`);
- a valid frame decodes to the payload that was encoded.

It prints the count of each outcome, frames per second for parse + decode,
the slowest single call (a hang would show here), and a baseline measured in
the same run: one bare AES-CMAC (``cryptography``) over each data frame, the
least work a MIC check can cost, with the ratio decode / baseline.

Usage::

    python bench/fuzz.py              # 1,000,000 inputs
    python bench/fuzz.py --n 100000 --seed 3
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.cmac import CMAC

from toyama_lab.lorawan import (
    FrameError,
    KeyStore,
    SessionKeys,
    compute_mic,
    decode,
    encode_downlink,
    encode_join_accept,
    encode_join_request,
    encode_mac_command,
    encode_proprietary,
    encode_uplink,
    parse,
)
from toyama_lab.lorawan._mutate import MUTATIONS, mutate_once

MAC = [
    encode_mac_command("LinkCheckReq"),
    encode_mac_command("LinkADRAns", power_ack=True, data_rate_ack=False, channel_mask_ack=True),
    encode_mac_command("DevStatusAns", battery=99, margin=-4),
    encode_mac_command("DeviceTimeReq"),
]


def build_pool(rng: random.Random, n_devices: int, n_frames: int):
    """Key store and a pool of valid frames ``(phy, payload or None)``."""
    keys = [
        SessionKeys(
            0x26000000 + i,
            rng.randbytes(16),
            rng.randbytes(16),
            dev_eui=(0x0004A30B00000000 + i).to_bytes(8, "big"),
            app_key=rng.randbytes(16),
        )
        for i in range(n_devices)
    ]
    store = KeyStore(keys)
    pool = []
    for _ in range(n_frames):
        k = rng.choice(keys)
        kind = rng.random()
        if kind < 0.05:
            pool.append(
                (
                    encode_join_request(
                        k.app_key, rng.randbytes(8), k.dev_eui, rng.getrandbits(16)
                    ),
                    None,
                )
            )
        elif kind < 0.08:
            pool.append((encode_proprietary(rng.randbytes(rng.randint(0, 30))), None))
        elif kind < 0.10:
            # join-accepts cannot be looked up in a store (no identity in clear): structure only
            pool.append(
                (encode_join_accept(k.app_key, rng.getrandbits(24), 0x13, k.dev_addr), None)
            )
        else:
            fport = rng.choice([None, 0, rng.randint(1, 223), rng.randint(1, 223)])
            payload = (
                b""
                if fport is None
                else (MAC[0] if fport == 0 else rng.randbytes(rng.randint(0, 51)))
            )
            fopts = b"" if fport == 0 else b"".join(rng.sample(MAC, rng.randint(0, 2)))
            enc = encode_uplink if kind < 0.8 else encode_downlink
            phy = enc(
                k.dev_addr,
                rng.getrandbits(16),
                fport,
                payload,
                k,
                fopts=fopts,
                confirmed=rng.random() < 0.3,
            )
            pool.append((phy, payload))
    return store, pool


def mutate(rng: random.Random, phy: bytes) -> bytes:
    buf = bytearray(phy)
    for _ in range(rng.randint(1, 3)):
        op = MUTATIONS[rng.randrange(len(MUTATIONS))]
        mutate_once(buf, op, rng.randint, lambda lo, hi: rng.randbytes(rng.randint(lo, hi)))
    return bytes(buf)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="number of inputs (default 1e6)")
    ap.add_argument("--seed", type=int, default=0, help="random seed")
    ap.add_argument("--devices", type=int, default=200, help="devices in the key store")
    ap.add_argument("--pool", type=int, default=5000, help="valid frames to mutate")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be >= 1")
    rng = random.Random(args.seed)
    store, pool = build_pool(rng, args.devices, args.pool)

    parse_out: Counter[str] = Counter()
    decode_out: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    violations: list[str] = []
    slowest = 0.0
    t_total = 0.0
    for _ in range(args.n):
        r = rng.random()
        expected = None
        if r < 0.2:
            phy, expected = rng.choice(pool)
            kinds["valid"] += 1
        elif r < 0.85:
            phy = mutate(rng, rng.choice(pool)[0])
            kinds["mutated"] += 1
        else:
            phy = rng.randbytes(rng.randint(0, 64))
            kinds["random"] += 1
        t0 = time.perf_counter()
        try:
            parse(phy)
            parse_out["ok"] += 1
        except FrameError as exc:
            parse_out[type(exc).__name__] += 1
        except Exception as exc:
            parse_out["VIOLATION"] += 1
            violations.append(f"parse {phy.hex()}: {type(exc).__name__}: {exc}")
        try:
            frame = decode(phy, store)
        except FrameError as exc:
            decode_out[type(exc).__name__] += 1
            if expected is not None:
                violations.append(f"valid frame rejected {phy.hex()}: {exc}")
        except Exception as exc:
            decode_out["VIOLATION"] += 1
            violations.append(f"decode {phy.hex()}: {type(exc).__name__}: {exc}")
        else:
            dt = time.perf_counter() - t0
            decode_out[f"ok:{frame.mtype.name}"] += 1
            if frame.mtype.is_data:
                k = store.get(frame.dev_addr)
                d = 0 if frame.is_uplink else 1
                if compute_mic(k.nwk_s_key, frame.dev_addr, frame.fcnt32, d, phy[:-4]) != frame.mic:
                    violations.append(f"decode returned a frame whose MIC fails: {phy.hex()}")
                if expected is not None and frame.payload != expected:
                    violations.append(f"payload mismatch {phy.hex()}")
            t_total += dt
            slowest = max(slowest, dt)
            continue
        dt = time.perf_counter() - t0
        t_total += dt
        slowest = max(slowest, dt)

    # baseline in the same run: one bare AES-CMAC over each pool data frame
    key = bytes(16)
    frames = [p for p, _ in pool]
    reps = max(1, min(args.n, 200_000) // len(frames))
    t0 = time.perf_counter()
    for _ in range(reps):
        for p in frames:
            c = CMAC(algorithms.AES(key))
            c.update(p)
            c.finalize()
    t_base = (time.perf_counter() - t0) / (reps * len(frames))

    rate = args.n / t_total
    print(f"inputs: {args.n:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})")
    print("parse outcomes:")
    for k, v in parse_out.most_common():
        print(f"  {k:<28} {v:>10,}")
    print("decode outcomes:")
    for k, v in decode_out.most_common():
        print(f"  {k:<28} {v:>10,}")
    print(
        f"parse+decode: {rate:,.0f} frames/s ({t_total:.1f} s), slowest call {slowest * 1e3:.2f} ms"
    )
    print(
        f"baseline (bare AES-CMAC per frame, cryptography): {1 / t_base:,.0f} frames/s; "
        f"parse+decode / baseline time ratio {(t_total / args.n) / t_base:.1f}"
    )
    print(f"violations: {len(violations)}")
    for v in violations[:20]:
        print("  " + v)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
