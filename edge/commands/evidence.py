"""`dendo-edge keygen` and `dendo-edge verify`: make a box's signing key, check a bundle by hand.

`verify` runs exactly the check the central service runs (open_bundle), so an operator or an
appeal can confirm a bundle offline with only the box's public key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from common.bundle import BundleError, VerifiedBundle, open_bundle
from common.signing import KeyFileError, generate_keypair, key_id, load_public_key

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write <name>.key.pem (0600) and <name>.pub.pem into --out and print the key id."""
    try:
        private_path, public_path = generate_keypair(args.out, args.name)
    except (FileExistsError, ValueError, OSError) as exc:
        print(f"keygen: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"key_id {key_id(load_public_key(public_path))}")
    print(f"private {private_path}  (keep on the edge box only)")
    print(f"public  {public_path}  (give to the central service)")
    return EXIT_OK


def summary(bundle: VerifiedBundle) -> list[str]:
    """Readable lines about a verified bundle, for an operator at a terminal."""
    m = bundle.manifest
    if m.plate:
        plate = f"{m.plate.text} (norm {m.plate.norm}, conf {m.plate.confidence:.2f})"
    else:
        plate = f"unread: {m.plate_reason}"
    lines = [
        f"violation  {m.violation_id}",
        f"camera     {m.camera_id}  {m.site.name}  ({m.site.location.lat}, {m.site.location.lon})",
        f"sequence   {m.sequence}  prev {m.prev_sha256 or '-'}",
        f"crossed    {m.crossed_at}  red since {m.red_since}  ({m.seconds_into_red:.3f} s in red)",
        f"signal     {m.signal.state} from {m.signal.source}",
        f"vehicle    {m.vehicle.vehicle_class} track {m.vehicle.track_id}, frame {m.cross_frame}",
        f"plate      {plate}",
        f"edge       {m.edge.box} key {m.edge.key_id}  {m.software.name} {m.software.version}",
        f"manifest   sha256 {bundle.manifest_sha256}",
    ]
    lines += [f"file       {f.name:18} {f.role:12} {f.size:>9} B  {f.sha256[:16]}" for f in m.files]
    return lines


def cmd_verify(args: argparse.Namespace) -> int:
    """Print the summary and OK, or REJECTED with the reason code (exit 1)."""
    keys: dict[str, Any] = {}
    try:
        for path in args.pubkey:
            key = load_public_key(path)
            keys[key_id(key)] = key
        data = Path(args.bundle).read_bytes()
    except (KeyFileError, OSError) as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        bundle = open_bundle(data, keys)
    except BundleError as exc:
        print(f"REJECTED {exc.reason}: {exc.detail}")
        return EXIT_REJECTED
    print("\n".join(summary(bundle)))
    print("OK")
    return EXIT_OK


def add_cli(subparsers: Any) -> None:
    """Register `keygen` and `verify` on the `dendo-edge` subparsers (each sets func)."""
    keygen = subparsers.add_parser("keygen", help="create this edge box's Ed25519 signing key")
    keygen.add_argument("--out", required=True, type=Path, help="folder for the PEM files")
    keygen.add_argument("--name", default="edge", help="file name stem (default: edge)")
    keygen.set_defaults(func=cmd_keygen)

    verify = subparsers.add_parser("verify", help="verify an evidence bundle against a key")
    verify.add_argument("bundle", type=Path, metavar="BUNDLE.zip")
    verify.add_argument(
        "--pubkey",
        required=True,
        action="append",
        type=Path,
        metavar="KEY.pem",
        help="the edge box's public key (repeat for several boxes)",
    )
    verify.set_defaults(func=cmd_verify)
