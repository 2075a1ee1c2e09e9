"""`dendo-central broker-config`: the Mosquitto policy (users, passwords, ACL, mosquitto.conf).

The broker is a relay every box shares, so what one box's password opens must stop at that
box: each camera worker, collector, the health reader and each signal controller is its own
user, bound to one client id, allowed only its own topics. The policy is derived from the
camera and central configs, so a new camera or controller is one re-run away; re-runs keep the
passwords already handed out unless `--rotate` asks for new ones.

Mosquitto 2.0's `acl_file` never refuses a SUBSCRIBE (every filter is granted, `$share/...`
included); it checks each message against the reader's `read` rules as it delivers it, on the
message's own topic. So the read rules are on plain topics, the collectors' shared
subscription works through them, and a forbidden subscription is silent: nothing arrives.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from central.config import CentralConfig
from central.health import HEALTH_CLIENT_ID
from common.config.city import CityConfig
from common.manifest import MAX_SIZE
from common.strict import IDENT_RE
from common.topics import PREFIX, heartbeat_topic, receipt_topic, signal_topic, status_topic
from common.topics import violation_topic as bundle_topic

CONF, PASSWD, ACL, SECRETS = "mosquitto.conf", "passwd", "acl", "secrets"
COLLECTOR_ID = "dendo-central-{n}"  # the collector instances' client ids (`serve --client-id`)
SIGNAL_USER = "signal-{intersection}"
SIGNAL_USER_ENV, SIGNAL_PASSWORD_ENV = "DENDO_SIGNAL_MQTT_USER", "DENDO_SIGNAL_MQTT_PASSWORD"
CENTRAL = "central"  # the env file of the central server's users
# PBKDF2 rounds: the broker pays them on every CONNECT (~60 at once after a restart). The
# passwords are 256-bit random tokens, so stretching adds nothing against guessing them.
ITERATIONS = 10_000
MESSAGE_LIMIT = MAX_SIZE + (1 << 20)  # a bundle and 1 MiB of headroom (why: in _CONF)
PACKET_LIMIT = MESSAGE_LIMIT + (64 << 10)  # topic, properties and header on top of the payload


class PolicyError(ValueError):
    """The configs cannot give a safe policy (a shared user, a bad name); says which and why."""


@dataclass(frozen=True)
class Principal:
    """One broker user and what it may do; `secret` is the env file with its password."""

    user: str
    kind: str  # edge | collector | health | signal
    secret: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    note: str


@dataclass
class Secret:
    """One password, the variable that carries it and the users that log in with it."""

    stem: str  # secrets/<stem>.env
    var: str
    what: str
    users: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)  # more lines for the env file


def _user(name: str | None, what: str) -> str:
    if name is None or not IDENT_RE.fullmatch(name):
        raise PolicyError(f"{what}: broker user name {name!r} is not a plain identifier")
    return name


def principals(city: CityConfig, central: CentralConfig, collectors: int) -> list[Principal]:
    """Every user of the broker with its rules, from the two configs."""
    edge_name, central_name = city.edge.broker.username, central.broker.username
    if not edge_name or "{camera}" not in edge_name:
        raise PolicyError(
            f"edge.broker.username is {edge_name!r}: it must contain {{camera}} (edge-{{camera}})"
            "; the broker binds each user to one client id, so camera workers sharing a user"
            " would take each other's sessions"
        )
    if not central_name or "{client_id}" not in central_name:
        raise PolicyError(
            f"central broker.username is {central_name!r}: it must contain {{client_id}}, one"
            " broker user per collector and one for the health reader"
        )
    out: list[Principal] = []
    for cam in city.cameras:
        user = _user(city.edge.broker.for_camera(cam.box, cam.id).username, f"camera {cam.id}")
        ctl = cam.signal.controller
        own = (receipt_topic(cam.id),) + ((signal_topic(ctl.intersection),) if ctl else ())
        sends = (bundle_topic(cam.id), status_topic(cam.id), heartbeat_topic(cam.id))
        note = f"camera {cam.id} of edge box {cam.box}"
        out.append(Principal(user, "edge", cam.box, own, sends, note))
    for n in range(1, collectors + 1):
        user = _user(central.broker.for_client(COLLECTOR_ID.format(n=n)).username, "collector")
        rw = (f"{PREFIX}/+/violation",), (f"{PREFIX}/+/receipt",)
        out.append(Principal(user, "collector", CENTRAL, *rw, f"collector {n}: bundles, receipts"))
    user = _user(central.broker.for_client(HEALTH_CLIENT_ID).username, "health reader")
    health = (f"{PREFIX}/+/status", f"{PREFIX}/+/heartbeat")
    out.append(Principal(user, "health", CENTRAL, health, (), "camera health (web --health)"))
    for x in sorted({c.intersection for c in city.signal_controllers}):
        user, note = _user(SIGNAL_USER.format(intersection=x), x), f"signal controller of {x}"
        out.append(Principal(user, "signal", f"signal-{x}", (), (signal_topic(x),), note))
    seen: dict[str, Principal] = {}
    for p in out:
        if p.user in seen:
            raise PolicyError(f"broker user {p.user} is both {seen[p.user].note} and {p.note}")
        seen[p.user] = p
    return out


def secret_list(found: list[Principal], city: CityConfig, central: CentralConfig) -> list[Secret]:
    """One password per edge box (its cameras share it: one env file per box), one per signal
    controller, and one for the central server: its clients run there as one Unix user from one
    env file, so separate passwords would sit side by side anyway; the separate users still
    give each its own session and rights."""
    out: dict[str, Secret] = {}
    for p in found:
        if p.secret in out:
            pass
        elif p.kind == "edge":
            out[p.secret] = Secret(p.secret, city.edge.broker.password_env, f"edge box {p.secret}")
        elif p.kind == "signal":
            extra = {SIGNAL_USER_ENV: p.user}
            out[p.secret] = Secret(p.secret, SIGNAL_PASSWORD_ENV, f"the {p.note}", extra=extra)
        else:
            out[p.secret] = Secret(p.secret, central.broker.password_env, "the central server")
        out[p.secret].users.append(p.user)
    return list(out.values())


# --- the files ---------------------------------------------------------------------------------


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """Mosquitto 2's `$7$` format: PBKDF2-HMAC-SHA512, 12-byte salt, 64-byte key, base64."""
    salt = os.urandom(12) if salt is None else salt
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


def check_password(password: str, hashed: str) -> bool:
    """Whether `password` matches a `$7$` hash, as the broker decides it."""
    _, seven, rounds, salt, key = hashed.split("$")
    again = hashlib.pbkdf2_hmac("sha512", password.encode(), base64.b64decode(salt), int(rounds))
    return seven == "7" and hmac.compare_digest(again, base64.b64decode(key))


def acl_text(found: list[Principal]) -> str:
    """One `user` block per principal; nothing is allowed that is not listed (no `#`, no $SYS)."""
    lines = [
        "# dendo broker ACL, written by `dendo-central broker-config` (do not edit: re-run it).",
        "# Mosquitto grants every SUBSCRIBE and checks each message against the reader's `read`",
        "# rules as it delivers it, on the message's own topic: the collectors' subscription",
        f"# $share/central/{PREFIX}/+/violation is served by `read {PREFIX}/+/violation`, and",
        "# any other member of that group receives nothing. A PUBLISH (and a will) is checked",
        "# against `write`; MQTT 5 clients get PUBACK 'Not authorized' for a refused one.",
        "# No rules before the first `user` line: anonymous clients (refused anyway) get none.",
    ]
    for p in found:
        lines += ["", f"# {p.note}", f"user {p.user}"]
        lines += [f"topic read {t}" for t in p.reads] + [f"topic write {t}" for t in p.writes]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class BrokerOptions:
    """Where the broker listens, its certificate, and where its files will be installed."""

    listen: tuple[tuple[str, int], ...] = (("0.0.0.0", 8883),)
    tls_cert: Path = Path("/etc/mosquitto/certs/server.crt")
    tls_key: Path = Path("/etc/mosquitto/certs/server.key")
    tls_ca: Path | None = None
    install_dir: Path = Path("/etc/mosquitto/dendo")
    persistence_dir: Path = Path("/var/lib/mosquitto")
    max_queued_mb: int = 1024


_CONF = """\
# Mosquitto 2 configuration for dendo, written by `dendo-central broker-config`. Do not edit:
# change configs/cameras.yaml or central.yaml and run the command again.

# One security policy for every listener: none can come without the password file and ACL.
per_listener_settings false
# Every client logs in as its own user; the passwords are in the generated secrets/*.env.
allow_anonymous false
password_file {passwd}
# What each user may read and write: its own topics, nothing else.
acl_file {acl}
# A retained message (camera status, signal phase) is served only while its publisher may
# still write that topic: taking a controller's rights away also withdraws its last phase.
check_retain_source true

# Bundles are at most {max_size} bytes (common.manifest.MAX_SIZE); 1 MiB more lets a slightly
# bigger one (a box on another version) reach the centre, which quarantines it and answers
# with a receipt. Beyond, the broker drops the PUBLISH with a PUBACK paho takes for a protocol
# error: the client reconnects and sends it again, that camera's delivery stalls.
message_size_limit {message_limit}
max_packet_size {packet_limit}
# QoS 1 messages in flight per client: the edge's and the collector's window (64 each).
max_inflight_messages 64
# Queues of offline sessions (a collector down over a weekend) live in memory, so they are
# capped; what is dropped is still in the edge outboxes and sent again: time, not evidence.
max_queued_messages 20000
max_queued_bytes {queued_bytes}
# Sessions of clients that set no expiry (MQTT 3) end after two weeks; the collectors ask for
# a week, the edges for a day.
persistent_client_expiration 14d

# Sessions, queues and retained messages survive a restart: saved at shutdown and every 5
# minutes (a crash loses at most that much, which the edges send again).
persistence true
persistence_location {persistence}/
autosave_interval 300
# Big bundles, small receipts: Nagle would hold back the tail of every forwarded bundle.
set_tcp_nodelay true

# To the journal (journalctl -u mosquitto), every connection and subscription with its user:
# a $share/central/... subscription from a user that is not a collector is an intruder (it
# gets nothing, but still takes its turn in the group: see the README).
log_dest stderr
log_type error
log_type warning
log_type notice
log_type information
log_type subscribe
connection_messages true
"""

_LISTENER = """
# TLS only, no plain listener: passwords and bundles never cross the network in clear.
listener {port} {host}
certfile {cert}
keyfile {key}
tls_version tlsv1.2
# The client id becomes the user name: nobody takes over a collector's persistent session
# (and drains its queue) without its password. A listener option in Mosquitto 2.0: placed
# before the `listener` line it silently does nothing.
use_username_as_clientid true
"""

_CLIENT_CA = """\
# Client certificates (edge.broker.tls.cert_file) are checked against this CA; optional, the
# password is required all the same.
cafile {ca}
"""


def conf_text(opts: BrokerOptions) -> str:
    """mosquitto.conf, every setting with the reason it is there."""
    text = _CONF.format(
        passwd=opts.install_dir / PASSWD,
        acl=opts.install_dir / ACL,
        max_size=MAX_SIZE,
        message_limit=MESSAGE_LIMIT,
        packet_limit=PACKET_LIMIT,
        queued_bytes=opts.max_queued_mb << 20,
        persistence=str(opts.persistence_dir).rstrip("/"),
    )
    for host, port in opts.listen:
        text += _LISTENER.format(port=port, host=host, cert=opts.tls_cert, key=opts.tls_key)
        if opts.tls_ca is not None:
            text += _CLIENT_CA.format(ca=opts.tls_ca)
    return text


_ENV_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.+)$")


def read_env(path: Path, var: str) -> str | None:
    """The value of `var` in an env file written here, or None (no file, no such line)."""
    if not path.exists():
        return None
    found = (_ENV_LINE.match(line.strip()) for line in path.read_text().splitlines())
    return next((m.group(2) for m in found if m and m.group(1) == var), None)


def env_text(secret: Secret, password: str) -> str:
    return "\n".join([
        f"# MQTT password of {secret.what} (dendo-central broker-config). Keep it mode 0600.",
        f"# Broker users that log in with it: {', '.join(secret.users)}.",
        *(f"{k}={v}" for k, v in secret.extra.items()),
        f"{secret.var}={password}",
        "",
    ])  # fmt: skip


def write_private(path: Path, text: str) -> None:
    """Replace `path` atomically, mode 0600 from the first byte (no window for other readers)."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply to a file left by a failed run
    os.replace(tmp, path)


@dataclass
class Written:
    """What a run produced: for the summary and the tests."""

    principals: list[Principal]
    secrets: list[Secret]
    new: list[str]
    kept: list[str]
    stale: list[str]  # env files in secrets/ that belong to no principal any more


def generate(
    city: CityConfig,
    central: CentralConfig,
    out: Path,
    opts: BrokerOptions,
    *,
    collectors: int = 2,
    rotate: Sequence[str] | None = None,
) -> Written:
    """Write the policy into `out`; `rotate`: None keeps passwords, [] renews all, else those."""
    found = principals(city, central, collectors)
    wanted = secret_list(found, city, central)
    stems = {s.stem for s in wanted}
    if rotate and (unknown := sorted(set(rotate) - stems)):
        raise PolicyError(f"--rotate {' '.join(unknown)}: no such password ({sorted(stems)})")
    (out / SECRETS).mkdir(parents=True, exist_ok=True)
    os.chmod(out / SECRETS, 0o700)
    new: list[str] = []
    kept: list[str] = []
    hashes: list[str] = []
    for s in wanted:
        path = out / SECRETS / f"{s.stem}.env"
        renew = rotate is not None and (not rotate or s.stem in rotate)
        old = None if renew else read_env(path, s.var)
        password = old or secrets.token_urlsafe(32)
        (kept if old else new).append(s.stem)
        write_private(path, env_text(s, password))
        hashes += [f"{u}:{hash_password(password)}" for u in s.users]
    write_private(out / PASSWD, "\n".join(hashes) + "\n")
    write_private(out / ACL, acl_text(found))
    write_private(out / CONF, conf_text(opts))
    stale = sorted(p.name for p in (out / SECRETS).glob("*.env") if p.stem not in stems)
    return Written(found, wanted, new, kept, stale)
