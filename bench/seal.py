"""Seals signed and verified per second on one core, per curve.

    .venv/bin/python bench/seal.py [--seconds 1.0] [--repeat 3] [--curves secp256r1,...]

Rates are per CPU second of the benchmark process (time.process_time), pinned to one CPU:
on a machine shared with other jobs, wall-clock rates would measure the neighbours.

Columns:
  sign/s        seal_ttd: build the TTD VDS and sign it (key file signer, or the pure-Python
                path for brainpoolP224r1/P320r1)
  verify/s      the seal path: decode the VDS + ECDSA verify with the signer key (parsed once,
                cached as a verifier keeps it)
  full/s        verifier.seal.verify_seal: decode, profile, trust-store lookup, signature,
                signer validation (chain, CRL, validity, document type), document validity

After the VDS rows, the same TTD as an ICAO IDB barcode on P-256 (``--idb``, on by default):
``idb`` (RDB1B, the same content), ``idb-zipped`` (RDB1D) and ``idb-face`` (with a small
JPEG 2000 face image, message 0x80): bytes is then the barcode text's length, verify/s the
Base32 (+ inflate) decode + IDB parse + ECDSA.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from legalize.pki import ecdsa  # noqa: E402
from legalize.pki.curves import CURVE_NAMES  # noqa: E402
from legalize.pki.signer import Signer  # noqa: E402
from legalize.pki.trust import TrustStore  # noqa: E402
from legalize.seal import idb, vds  # noqa: E402
from legalize.seal.profiles import TtdSeal, seal_ttd, seal_ttd_idb  # noqa: E402
from tests.vectors.build import AT, VALID_AT, build_pki, sample_ttd  # noqa: E402
from verifier.seal import verify_seal  # noqa: E402


def best_rate(run: Callable[[], object], seconds: float, repeat: int) -> float:
    """Best of ``repeat`` runs: on a shared machine the fastest run is the least disturbed."""
    return max(rate(run, seconds) for _ in range(repeat))


def rate(run: Callable[[], object], seconds: float) -> float:
    """Operations per CPU second of this process (process_time), so that other work on a
    shared machine does not count against us; the run lasts ``seconds`` of CPU time."""
    run()  # warm caches
    count = 0
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(10):
            run()
        count += 10
        now = time.process_time()
        if now >= deadline:
            return count / (now - start)


def pin_one_core() -> str:
    """Run on a single CPU so the figures are per core (Linux); say which."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--curves", default=",".join(CURVE_NAMES))
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    parser.add_argument(
        "--no-idb", dest="idb", action="store_false", help="skip the IDB rows (P-256)"
    )
    args = parser.parse_args(argv)
    curves = [c.strip() for c in args.curves.split(",") if c.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        pki = build_pki(Path(tmp))
        store = TrustStore.load(pki.trust_dir)
        data = sample_ttd()
        print(f"one core ({pin_one_core()}); load average {os.getloadavg()[0]:.2f}")
        print(f"{'curve':<16} {'bytes':>5} {'sign/s':>9} {'verify/s':>9} {'full/s':>9}")
        for curve in curves:
            signer = pki.signers[curve]
            seal = seal_ttd(data, signer, AT)
            key = ecdsa.public_key(ecdsa.spki_of_certificate(signer.certificate))

            def verify_only(seal: bytes = seal, key: ecdsa.PublicKey = key) -> None:
                decoded = vds.decode(seal)
                if not key.verify(decoded.signed_bytes, decoded.signature):
                    raise AssertionError("signature does not verify")

            def full(seal: bytes = seal) -> None:
                if verify_seal(seal, store, VALID_AT).verdict.value != "VALID":
                    raise AssertionError("seal does not verify")

            signs = best_rate(
                lambda signer=signer: seal_ttd(data, signer, AT), args.seconds, args.repeat
            )
            verifies = best_rate(verify_only, args.seconds, args.repeat)
            fulls = best_rate(full, args.seconds, args.repeat)
            print(f"{curve:<16} {len(seal):>5} {signs:>9.0f} {verifies:>9.0f} {fulls:>9.0f}")
        if args.idb:
            idb_rows(pki.signers["secp256r1"], store, args.seconds, args.repeat)
    return 0


def sample_face() -> bytes:
    """The face image an ``idb-face`` TTD carries, made from the example holder photo."""
    from legalize.imaging.photo import face_image_jp2, photo_for_print

    return face_image_jp2(photo_for_print((ROOT / "examples" / "holder.jpg").read_bytes()))


def idb_rows(signer: Signer, store: TrustStore, seconds: float, repeat: int) -> None:
    data = sample_ttd()
    key = ecdsa.public_key(ecdsa.spki_of_certificate(signer.certificate))
    variants = {
        "idb": (data, False),
        "idb-zipped": (data, True),
        "idb-face": (replace(data, face_image=sample_face()), False),
    }
    for name, (content, zipped) in variants.items():
        text = seal_ttd_idb(content, signer, AT, zipped=zipped)

        def verify_only(text: str = text) -> None:
            decoded = idb.decode(text)
            ok = ecdsa.verify_with_key(
                key, decoded.signed_bytes, decoded.signature or b"", decoded.hash_name
            )
            if not ok:
                raise AssertionError("signature does not verify")

        def full(text: str = text) -> None:
            if verify_seal(text, store, VALID_AT).verdict.value != "VALID":
                raise AssertionError("seal does not verify")

        def sign(content: TtdSeal = content, zipped: bool = zipped) -> None:
            seal_ttd_idb(content, signer, AT, zipped=zipped)

        signs = best_rate(sign, seconds, repeat)
        verifies = best_rate(verify_only, seconds, repeat)
        fulls = best_rate(full, seconds, repeat)
        print(f"{name:<16} {len(text):>5} {signs:>9.0f} {verifies:>9.0f} {fulls:>9.0f}")


if __name__ == "__main__":
    sys.exit(main())
