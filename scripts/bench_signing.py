"""The cost of trusting nothing unsigned: signing and verifying a receipt and a signal phase.

Prints JSON: microseconds per operation (median of `--repeat` timed batches) for the centre
signing a receipt, an edge verifying it, a controller signing a phase message, and an edge
checking one through its PhaseGate (signature, sequence, age), with the CPU it ran on.

    python scripts/bench_signing.py [--n 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from common.config.signal import SignalControllerConfig  # noqa: E402
from common.controller import PhaseSigner  # noqa: E402
from common.signing import Ed25519PrivateKey, key_id  # noqa: E402
from common.topics import Receipt, SignalPhase  # noqa: E402
from edge.delivery.phases import PhaseGate  # noqa: E402
from scripts.bench_common import machine  # noqa: E402
from tests.keys import CONTROLLER_KEY, public_pem  # noqa: E402


def per_op_us(fn: Callable[[int], object], n: int, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for i in range(n):
            fn(i)
        runs.append((time.perf_counter() - started) / n * 1e6)
    return round(statistics.median(runs), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    centre = Ed25519PrivateKey.generate()
    keys = {key_id(centre): centre.public_key()}
    receipt = Receipt(
        violation_id="01a2361e-7bc5-7949-b9c3-a7d5d6a4672a", camera_id="MT-07",
        sha256="a" * 64, status="stored", at=datetime.now(UTC),
    )  # fmt: skip
    signed = receipt.signed_with(centre)
    wire = signed.to_bytes()
    signer = PhaseSigner(CONTROLLER_KEY, "ap-bac-nguyen-trai")
    since = datetime.now(UTC)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pem = public_pem(Path(tmp), CONTROLLER_KEY, "controller")
        gate = PhaseGate(SignalControllerConfig(intersection="ap-bac-nguyen-trai",
                                                public_keys=[pem], max_age_s=3600))  # fmt: skip
    phases = [signer.phase(2, "red", since) for _ in range(args.n * args.repeat)]
    fed = iter(phases)
    report = {
        "machine": machine(),
        "n": args.n,
        "receipt_sign_us": per_op_us(
            lambda _: receipt.signed_with(centre).to_bytes(), args.n, args.repeat
        ),
        "receipt_parse_and_verify_us": per_op_us(
            lambda _: Receipt.from_bytes(wire).signer(keys), args.n, args.repeat
        ),
        "receipt_parse_only_us": per_op_us(lambda _: Receipt.from_bytes(wire), args.n, args.repeat),
        "phase_sign_us": per_op_us(lambda _: signer.message(2, "red", since), args.n, args.repeat),
        "phase_gate_admit_us": per_op_us(
            lambda _: gate.admit(SignalPhase.from_bytes(next(fed).to_bytes())),
            args.n,
            args.repeat,
        ),
        "receipt_bytes": len(wire),
        "receipt_bytes_unsigned": len(receipt.to_bytes()),
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
