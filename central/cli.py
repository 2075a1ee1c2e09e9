"""`dendo-central`: the central service's command line.

`serve` runs the collector; `keys` manages the edge boxes' public keys; `broker-config`
writes the Mosquitto policy (users, passwords, ACL); `cases`, `registry` and `report` are the
officers' commands; `plate-check` validates a plate as an officer types it, with the same
rules as the edge.
"""

from __future__ import annotations

import argparse
import sys

from common import plate_text


def _cmd_plate_check(args: argparse.Namespace) -> int:
    bad = 0
    for text in args.plates:
        try:
            plate = plate_text.parse(text)
        except plate_text.PlateError as exc:
            print(f"{text}: invalid: {exc}")
            bad += 1
            continue
        print(f"{text}: {plate.display}  norm={plate.norm}  {plate.kind}, {plate.province}")
    return 1 if bad else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dendo-central", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("plate-check", help="validate and normalise plate texts")
    check.add_argument("plates", nargs="+")
    check.set_defaults(func=_cmd_plate_check)
    from central.broker_config_cli import add_cli as add_broker_cli
    from central.cli_cases import add_cli as add_case_cli
    from central.collector import add_cli as add_serve_cli
    from central.keys import add_cli as add_keys_cli

    add_serve_cli(sub)
    add_keys_cli(sub)
    add_case_cli(sub)
    add_broker_cli(sub)
    from central.web.cli import add_cli as add_web_cli

    add_web_cli(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
