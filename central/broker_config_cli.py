"""`dendo-central broker-config`: the command around central.broker_policy, and what it says.

The policy itself (who may read and write what, the files) is in central.broker_policy; this
is the command line: its options, the summary it prints for the IT team running it, and the
next steps it names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from central.broker_policy import (
    ACL,
    CENTRAL,
    CONF,
    PASSWD,
    SECRETS,
    BrokerOptions,
    PolicyError,
    Written,
    generate,
)
from central.config import CentralConfig, load_central_config
from common.config.city import load_config
from common.config.yaml_file import ConfigError


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 0.0.0.0:8883)")
    return host.strip("[]"), int(port)


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 to 64 collectors")
    return int(text)


def summary(w: Written, out: Path, opts: BrokerOptions, central: CentralConfig) -> str:
    """What was written and what to do with it, for the IT team running the command."""
    n = {k: sum(p.kind == k for p in w.principals) for k in ("edge", "collector", "health")}
    listen = ", ".join(f"{h}:{p}" for h, p in opts.listen)
    lines = [
        f"broker policy written to {out}:",
        f"  {CONF:<15}TLS on {listen}; names its files in {opts.install_dir}",
        f"  {PASSWD:<15}{len(w.principals)} users: {n['edge']} edge camera workers,"
        f" {n['collector']} collectors, {n['health']} health reader,"
        f" {len(w.principals) - sum(n.values())} signal controller(s)",
        f"  {ACL:<15}every user its own topics, nothing else",
        f"  {SECRETS + '/':<15}{len(w.secrets)} env files (0600): one per box, {CENTRAL}.env,"
        " one per signal controller",
        f"passwords: {len(w.kept)} kept, {len(w.new)} new"
        + (f" ({', '.join(w.new)})" if w.new and w.kept else ""),
    ]
    if w.stale:
        lines.append(f"warning: {', '.join(w.stale)} in {out / SECRETS} belong to nobody now")
    if central.broker.client_id not in {p.user for p in w.principals}:
        lines.append(f"warning: central.yaml's client_id {central.broker.client_id} has no user")
    return "\n".join([*lines,
        "next steps (README, 'Deployment: the broker'):",
        f"  1. broker: {CONF}, {PASSWD}, {ACL} into {opts.install_dir} (root:mosquitto, 0640),"
        " deploy/mosquitto.service.d/dendo.conf; daemon-reload; restart mosquitto",
        "  2. each edge box: secrets/<box>.env as /etc/dendo/mqtt.env (owner dendo, 0600)",
        f"  3. central server: secrets/{CENTRAL}.env as /etc/dendo/central-mqtt.env (dendo, 0600)",
        "  4. each signal controller's gateway: its secrets/signal-<intersection>.env",
        "  after --rotate: install the renewed env files, then `systemctl reload mosquitto`",
    ])  # fmt: skip


def _cmd(args: argparse.Namespace) -> int:
    opts = BrokerOptions(
        listen=tuple(args.listen or BrokerOptions.listen),
        tls_cert=args.tls_cert.absolute(),
        tls_key=args.tls_key.absolute(),
        tls_ca=args.tls_ca.absolute() if args.tls_ca else None,
        install_dir=args.install_dir.absolute(),
        persistence_dir=args.persistence_dir.absolute(),
        max_queued_mb=args.max_queued_mb,
    )
    try:
        city, central = load_config(args.cameras), load_central_config(args.central)
        done = generate(city, central, args.out, opts, collectors=args.collectors,
                        rotate=args.rotate)  # fmt: skip
    except (ConfigError, PolicyError) as exc:
        print(f"dendo-central broker-config: {exc}", file=sys.stderr)
        return 1
    print(summary(done, args.out, opts, central))
    return 0


def add_cli(subparsers: argparse._SubParsersAction) -> None:
    """`broker-config` for dendo-central."""
    d = BrokerOptions()
    p = subparsers.add_parser("broker-config", help="write the Mosquitto policy: users, "
                              "passwords, ACL, mosquitto.conf (see the README)")  # fmt: skip
    add = p.add_argument
    add("--cameras", type=Path, default=Path("configs/cameras.yaml"))
    add("--central", type=Path, default=Path("configs/central.yaml"))
    add("--out", type=Path, required=True, help="the directory to write into")
    add("--listen", type=_listen, action="append", metavar="HOST:PORT",
        help="a TLS listener, repeatable (default 0.0.0.0:8883)")  # fmt: skip
    add("--tls-cert", type=Path, default=d.tls_cert, help="the broker's certificate")
    add("--tls-key", type=Path, default=d.tls_key, help="its private key")
    add("--tls-ca", type=Path, help="a CA for client certificates (optional)")
    add("--install-dir", type=Path, default=d.install_dir,
        help="where passwd and acl will be on the broker (mosquitto.conf names them)")  # fmt: skip
    add("--persistence-dir", type=Path, default=d.persistence_dir)
    add("--collectors", type=_count, default=2, help="collector users dendo-central-1..N")
    add("--max-queued-mb", type=int, default=d.max_queued_mb,
        help="queue cap per offline session (MiB)")  # fmt: skip
    add("--rotate", nargs="*", metavar="NAME",
        help="new passwords: all, or these (EB-01 central signal-<intersection>)")  # fmt: skip
    p.set_defaults(func=_cmd)
