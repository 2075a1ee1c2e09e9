"""The broker policy (`dendo-central broker-config`): what it writes, and what a real Mosquitto
running it lets through. With box EB-01's password an attacker tries to read other boxes'
bundles, join the collectors' group, forge receipts and signal phases and take a collector's
session, while box EB-02's real Publisher delivers to a real collector: the assertions are on
what arrives where, since Mosquitto grants every SUBSCRIBE whatever the ACL says."""

from __future__ import annotations

import re
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.broker_policy import (
    ACL,
    CONF,
    MESSAGE_LIMIT,
    PASSWD,
    BrokerOptions,
    PolicyError,
    check_password,
    generate,
)
from central.cli import build_parser
from central.config import CollectorBrokerConfig, TlsConfig, load_central_config
from central.health import HealthMonitor
from central.store import open_store
from central.users import CameraHealth
from common.config.city import load_config
from common.manifest import MAX_SIZE
from common.topics import (
    CENTRAL_SUBSCRIPTION,
    receipt_topic,
    signal_topic,
    status_topic,
    violation_topic,
)
from tests.fixtures.broker import HOST, Helpers, wait_until
from tests.fixtures.broker_policy import (
    SECOND,
    PolicyBroker,
    box_publisher,
    cases,
    central_config,
    city_with_two_controllers,
    forged_receipt,
    rows,
    start_collector,
)
from tests.paths import REPO, SHIPPED_CAMERAS
from tests.servers.central_collector import BOX, CAMERA, BundleMaker

CENTRAL_YAML = REPO / "configs" / "central.yaml"
FIRST = "hung-vuong-le-loi"  # the shipped controller intersection: MT-17 (EB-05) follows it
NOT_AUTHORIZED = "Not authorized"
ACCEPTED = ("Success", "No matching subscribers")  # PUBACK reasons of a publish allowed


# --- what the command writes (no broker) -------------------------------------------------------


@pytest.fixture
def written(tmp_path: Path) -> Iterator[Path]:
    out = tmp_path / "policy"
    city, central = load_config(SHIPPED_CAMERAS), load_central_config(CENTRAL_YAML)
    generate(city, central, out, BrokerOptions())
    yield out


def passwd(out: Path) -> dict[str, str]:
    return dict(line.split(":", 1) for line in (out / PASSWD).read_text().splitlines())


def env_password(out: Path, stem: str) -> str:
    lines = (out / "secrets" / f"{stem}.env").read_text().splitlines()
    return next(x.split("=", 1)[1] for x in lines if "PASSWORD=" in x)


def test_every_principal_has_a_user_and_each_box_one_password_in_a_0600_env_file(written: Path):
    users = passwd(written)
    assert len(users) == 48 + 2 + 1 + 1, sorted(users)
    assert {f"edge-MT-{i:02d}" for i in range(1, 49)} <= users.keys()
    assert {"dendo-central-1", "dendo-central-2", "dendo-central-health"} <= users.keys()
    assert f"signal-{FIRST}" in users
    envs = sorted(p.name for p in (written / "secrets").iterdir())
    assert envs == sorted([f"EB-{i:02d}.env" for i in range(1, 13)]
                          + ["central.env", f"signal-{FIRST}.env"])  # fmt: skip
    for path in [*(written / "secrets").iterdir(), written / PASSWD, written / ACL]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    eb01, eb02 = env_password(written, "EB-01"), env_password(written, "EB-02")
    assert "DENDO_MQTT_PASSWORD=" in (written / "secrets" / "EB-01.env").read_text()
    assert check_password(eb01, users["edge-MT-04"]) and not check_password(
        eb02, users["edge-MT-04"]
    )
    assert check_password(eb02, users["edge-MT-05"])
    central = env_password(written, "central")
    assert all(
        check_password(central, users[u]) for u in ("dendo-central-1", "dendo-central-health")
    )


def test_rerun_keeps_the_passwords_and_rotate_renews_all_or_only_those_named(tmp_path: Path):
    city, central, out = load_config(SHIPPED_CAMERAS), load_central_config(CENTRAL_YAML), tmp_path
    first = generate(city, central, out, BrokerOptions())
    before = {s.stem: env_password(out, s.stem) for s in first.secrets}
    again = generate(city, central, out, BrokerOptions())
    assert (again.new, len(again.kept)) == ([], 14)
    assert {s: env_password(out, s) for s in before} == before
    one = generate(city, central, out, BrokerOptions(), rotate=["EB-01"])
    assert one.new == ["EB-01"] and env_password(out, "EB-01") != before["EB-01"]
    assert env_password(out, "EB-02") == before["EB-02"]
    assert check_password(env_password(out, "EB-01"), passwd(out)["edge-MT-01"])
    every = generate(city, central, out, BrokerOptions(), rotate=[])
    assert len(every.new) == 14 and env_password(out, "central") != before["central"]
    with pytest.raises(PolicyError, match="EB-99"):
        generate(city, central, out, BrokerOptions(), rotate=["EB-99"])


def test_the_acl_grants_each_user_its_own_topics_and_nothing_wide(written: Path):
    text = (written / ACL).read_text()
    rules: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("user "):
            user = line.split()[1]
            rules[user] = []
        elif line and not line.startswith("#"):
            rules[user].append(line)
    assert rules["edge-MT-01"] == ["topic read dendo/v1/MT-01/receipt",
        "topic write dendo/v1/MT-01/violation", "topic write dendo/v1/MT-01/status",
        "topic write dendo/v1/MT-01/heartbeat"]  # fmt: skip
    assert f"topic read dendo/v1/signals/{FIRST}" in rules["edge-MT-17"]
    assert rules["dendo-central-2"] == ["topic read dendo/v1/+/violation",
                                        "topic write dendo/v1/+/receipt"]  # fmt: skip
    assert rules["dendo-central-health"] == ["topic read dendo/v1/+/status",
                                             "topic read dendo/v1/+/heartbeat"]  # fmt: skip
    assert rules[f"signal-{FIRST}"] == [f"topic write dendo/v1/signals/{FIRST}"]
    grants = [r.split()[-1] for rs in rules.values() for r in rs]
    assert not [g for g in grants if "#" in g or g.startswith("$")], "a wide or $SYS grant"
    assert len(rules) == len(passwd(written)), "a user without rules, or rules without a user"


def test_mosquitto_conf_is_tls_only_binds_sessions_to_users_and_fits_a_bundle(written: Path):
    conf = (written / CONF).read_text()
    settings = [line for line in conf.splitlines() if line and not line.startswith("#")]
    for line in ("allow_anonymous false", "persistence true",
                 "set_tcp_nodelay true", "per_listener_settings false",
                 "password_file /etc/mosquitto/dendo/passwd", "acl_file /etc/mosquitto/dendo/acl",
                 "listener 8883 0.0.0.0", "tls_version tlsv1.2"):  # fmt: skip
        assert line in settings, line
    listeners = [i for i, line in enumerate(settings) if line.startswith(("listener", "port "))]
    assert len(listeners) == 1 and settings[listeners[0] + 1].startswith("certfile ")
    # a listener option in Mosquitto 2.0: only inside the listener's block does it bind ids
    assert settings[listeners[0] :][:6][-1] == "use_username_as_clientid true"
    limit = int(next(x for x in settings if x.startswith("message_size_limit")).split()[1])
    assert MAX_SIZE < limit == MESSAGE_LIMIT <= MAX_SIZE + (2 << 20)
    lines = conf.splitlines()
    unexplained = [x for prev, x in zip(["", *lines], lines, strict=False)
                   if x and not x.startswith("#") and not prev]  # fmt: skip
    assert unexplained == [], "each group of settings comes after a comment saying why"


def test_a_user_template_that_would_share_a_session_is_refused(tmp_path: Path):
    city, central = load_config(SHIPPED_CAMERAS), load_central_config(CENTRAL_YAML)
    by_box = city.model_copy(update={"edge": city.edge.model_copy(update={
        "broker": city.edge.broker.model_copy(update={"username": "edge-{box}"})})})  # fmt: skip
    with pytest.raises(PolicyError, match=r"\{camera\}"):
        generate(by_box, central, tmp_path, BrokerOptions())
    one = central.model_copy(update={"broker": central.broker.model_copy(
        update={"username": "dendo-central"})})  # fmt: skip
    with pytest.raises(PolicyError, match=r"\{client_id\}"):
        generate(city, one, tmp_path, BrokerOptions())


def test_the_command_prints_a_summary_and_refuses_a_bad_config(tmp_path: Path, capsys):
    out = tmp_path / "p"
    argv = ["--out", str(out), "--cameras", str(SHIPPED_CAMERAS), "--central", str(CENTRAL_YAML)]
    args = build_parser().parse_args(["broker-config", *argv])
    assert args.func(args) == 0
    said = capsys.readouterr().out
    assert "52 users: 48 edge camera workers, 2 collectors, 1 health reader" in said, said
    assert "next steps" in said and "14 new" in said
    assert args.func(args) == 0 and "14 kept, 0 new" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("broker: {port: 0}\n")
    args = build_parser().parse_args(["broker-config", "--out", str(out), "--central", str(bad)])
    assert args.func(args) == 1 and "broker.port" in capsys.readouterr().err


# --- through a real Mosquitto ------------------------------------------------------------------


def test_box_a_reads_forges_and_takes_over_nothing_while_every_bundle_of_box_b_arrives(
    policy_broker: PolicyBroker, mqtt_helpers: Helpers, tmp_path: Path, monkeypatch
):
    broker, a = policy_broker, policy_broker.password("EB-01")
    monkeypatch.setenv("DENDO_CENTRAL_MQTT_PASSWORD", broker.password("central"))
    b = box_publisher(broker, tmp_path, BOX, CAMERA, monkeypatch)
    maker, sent = BundleMaker(), []
    for _ in range(10):
        vid, data, _ = maker.make()
        b.submit(vid, data)
        sent.append((vid, data))
    # No collector yet. A's forger "confirms" every bundle of B, and retains forged state.
    forger = broker.probe("edge-MT-04", a)
    refused = [forger.publish(receipt_topic(CAMERA), forged_receipt(v, d)) for v, d in sent]
    phase = b'{"schema": "dendo.signal/2", "intersection": "hung-vuong-le-loi", "state": "green"}'
    refused.append(forger.publish(signal_topic(FIRST), phase, retain=True))
    refused.append(forger.publish(status_topic(CAMERA), b"offline", retain=True))
    time.sleep(1.0)
    assert (b.outbox.depth(), b.acked, b.bad_receipts) == (10, 0, 0), "a forged receipt arrived"
    wrong = broker.probe("dendo-central-1", a)  # the collector's user with A's password
    assert wrong.connack == NOT_AUTHORIZED and not wrong.connected
    collector = start_collector(central_config(broker, tmp_path), mqtt_helpers)
    refused.append(forger.publish(violation_topic(CAMERA), b"PK junk"))  # as camera MT-07
    # A's spies: everything, B's topics, $SYS, and a seat in the collectors' shared group.
    spy = broker.probe("edge-MT-01", a)
    granted = spy.subscribe("#", "dendo/v1/+/violation", f"dendo/v1/{CAMERA}/#", "$SYS/#")
    assert granted == ["Granted QoS 1"] * 4, "Mosquitto 2.0 grants every SUBSCRIBE (see README)"
    joiner = broker.probe("edge-MT-02", a)
    joiner.subscribe(CENTRAL_SUBSCRIPTION)
    # A's impostor: the collector's client id, asking for its persistent session back.
    impostor = broker.probe("edge-MT-03", a, client_id="dendo-central-1", clean_start=False,
                            session_expiry_s=3600)  # fmt: skip
    for _ in range(10):
        vid, data, _ = maker.make()
        b.submit(vid, data)
        sent.append((vid, data))
    state = lambda: f"outbox {b.outbox.depth()}, {b.counters()}, {len(cases(tmp_path))} cases"  # noqa: E731
    wait_until(lambda: b.outbox.depth() == 0, 60, state)
    forger.stop()  # its user tries the collector's client id once more, the queue drained
    again = broker.probe("edge-MT-04", a, client_id="dendo-central-1", clean_start=False)
    time.sleep(0.5)
    assert cases(tmp_path) == {vid for vid, _ in sent}, "a bundle of B did not become a case"
    assert (b.acked, b.bad_receipts) == (20, 0), b.counters()
    for probe in (spy, joiner, impostor, again, wrong):
        topics = sorted({t for t, _, _ in probe.received()})
        assert topics == [], f"box A's credentials received messages on {topics}"
    assert impostor.connected and again.connected, "A may use its own camera's session"
    log = collector.stderr.read_text()
    assert log.count("connected to") == 1 and "connection lost" not in log, log[-2000:]
    watcher = broker.probe("edge-MT-17", broker.password("EB-05"))  # follows FIRST
    watcher.subscribe(signal_topic(FIRST))
    time.sleep(0.3)
    assert watcher.received() == [], "a forged retained phase reached a camera"
    health = broker.probe("dendo-central-health", broker.password("central"))
    health.subscribe(status_topic(CAMERA))
    wait_until(lambda: health.received(), 5, "no retained status for the health reader")
    assert health.received() == [(status_topic(CAMERA), b"online", True)], "forged status"
    assert rows(tmp_path, "quarantine", "id") == set(), "a forged bundle reached the centre"
    assert set(refused) == {NOT_AUTHORIZED}, refused  # and MQTT 5 says so to the forger


def test_a_receipt_forged_by_a_user_allowed_to_send_receipts_keeps_the_bundle_until_a_signed_one(
    policy_broker: PolicyBroker, tmp_path: Path, monkeypatch
):
    """The ACL lets the collectors' users write every receipt topic: a stolen central password
    (or the broker's own admin) gets that far. Only the centre's receipt key makes an edge
    forget a bundle."""
    broker = policy_broker
    edge = box_publisher(broker, tmp_path, BOX, CAMERA, monkeypatch)
    vid, data, _ = BundleMaker().make()
    edge.submit(vid, data)
    sender = broker.probe("dendo-central-2", broker.password("central"))
    unsigned = forged_receipt(vid, data, key=None)
    other_key = Ed25519PrivateKey.from_private_bytes(bytes(range(200, 232)))
    for n, forged in enumerate((unsigned, forged_receipt(vid, data, key=other_key)), start=1):
        assert sender.publish(receipt_topic(CAMERA), forged) in ACCEPTED
        refused = f"forged receipt {n} not refused"
        wait_until(lambda: edge.counters()["receipts_refused"] >= n, 5, refused)  # noqa: B023
    resent = edge.counters()["resent"]
    wait_until(lambda: edge.counters()["resent"] > resent, 5, "the kept bundle was not resent")
    assert (edge.outbox.depth(), edge.acked) == (1, 0), edge.counters()
    assert sender.publish(receipt_topic(CAMERA), forged_receipt(vid, data)) in ACCEPTED
    wait_until(lambda: edge.outbox.depth() == 0, 5, lambda: f"signed receipt: {edge.counters()}")
    assert edge.acked == 1
    edge.stop(flush_timeout_s=0)
    edge.outbox.close()


def test_a_stranger_in_the_shared_group_receives_nothing_but_holds_back_its_turn(
    policy_broker: PolicyBroker,
):
    """Mosquitto 2.0.11 hands a shared group's members their turns in rotation and checks the
    ACL only then: a member who may not read the message swallows it. Nothing leaks, but a
    stolen edge password delays bundles until the edge resends them (the README says so).
    If this starts failing because every message arrives, Mosquitto fixed it: update the docs."""
    broker = policy_broker
    central = broker.probe("dendo-central-2", broker.password("central"))
    central.subscribe(CENTRAL_SUBSCRIPTION)
    stranger = broker.probe("edge-MT-02", broker.password("EB-01"))
    stranger.subscribe(CENTRAL_SUBSCRIPTION)
    edge = broker.probe("edge-MT-07", broker.password("EB-02"))
    for i in range(10):
        edge.publish(violation_topic(CAMERA), b"bundle %d" % i)
    time.sleep(0.5)
    assert stranger.received() == []
    got = len(central.received())
    assert 0 < got < 10, f"the collector got {got} of 10 with a stranger in its group"
    stranger.stop()  # clean start, no session: its seat goes with it (a rotated password
    time.sleep(0.3)  # and a reload disconnect it)
    for i in range(10):
        edge.publish(violation_topic(CAMERA), b"again %d" % i)
    wait_until(lambda: len(central.received()) == got + 10, 5, "messages still held back")


def test_controllers_write_only_their_own_intersection_and_cameras_read_only_theirs(
    policy_broker: PolicyBroker,
):
    broker = policy_broker
    first = broker.probe(f"signal-{FIRST}", broker.password(f"signal-{FIRST}"))
    second = broker.probe(f"signal-{SECOND}", broker.password(f"signal-{SECOND}"))
    assert first.publish(signal_topic(FIRST), b"first: red", retain=True) in ACCEPTED
    assert first.publish(signal_topic(SECOND), b"first forging", retain=True) == NOT_AUTHORIZED
    assert first.publish(violation_topic("MT-17"), b"PK") == NOT_AUTHORIZED
    assert second.publish(signal_topic(SECOND), b"second: green", retain=True) in ACCEPTED
    eb05 = broker.password("EB-05")
    mt17, mt18, mt19 = (broker.probe(f"edge-{c}", eb05) for c in ("MT-17", "MT-18", "MT-19"))
    for probe in (mt17, mt18, mt19):
        probe.subscribe("dendo/v1/signals/#")
    first.subscribe("#")
    wait_until(lambda: mt17.received() and mt18.received(), 5, "retained phases not delivered")
    time.sleep(0.3)
    assert mt17.received() == [(signal_topic(FIRST), b"first: red", True)]
    assert mt18.received() == [(signal_topic(SECOND), b"second: green", True)]
    assert mt19.received() == [] and first.received() == []  # MT-19 reads the lamps itself


def test_the_health_reader_gets_heartbeats_and_status_but_no_bundles(
    policy_broker: PolicyBroker, tmp_path: Path, monkeypatch
):
    broker = policy_broker
    monkeypatch.setenv("DENDO_CENTRAL_MQTT_PASSWORD", broker.password("central"))
    settings = CollectorBrokerConfig(host=HOST, port=broker.port, username="{client_id}",
                                     tls=TlsConfig(ca_file=broker.ca_file), keepalive_s=5,
                                     reconnect_min_s=1, reconnect_max_s=1)  # fmt: skip
    store = open_store(f"sqlite:///{tmp_path / 'health.db'}", tmp_path / "evidence")
    monitor = HealthMonitor(settings, store.sessions).start()
    publisher = box_publisher(broker, tmp_path, BOX, CAMERA, monkeypatch, heartbeat_s=0.3)
    publisher.submit(*BundleMaker().make()[:2])

    def row() -> CameraHealth | None:
        with store.sessions() as s:
            return s.get(CameraHealth, CAMERA)

    wait_until(lambda: (r := row()) is not None and r.online and r.last_heartbeat, 10,
               "no status and heartbeat stored")  # fmt: skip
    monitor.stop()  # the probe below is the same user, hence the same session
    health = broker.probe("dendo-central-health", broker.password("central"),
                          client_id="anything")  # fmt: skip
    health.subscribe(f"dendo/v1/{CAMERA}/#", CENTRAL_SUBSCRIPTION)
    wait_until(lambda: health.received(), 5, "no heartbeat for the health reader's user")
    time.sleep(1.5)  # the bundle is resent every second: none may reach this user
    kinds = {topic.rsplit("/", 1)[1] for topic, _, _ in health.received()}
    assert kinds <= {"status", "heartbeat"} and "heartbeat" in kinds, kinds
    assert health.publish(receipt_topic(CAMERA), b"{}") == NOT_AUTHORIZED
    publisher.stop(flush_timeout_s=0)
    publisher.outbox.close()
    store.close()


def test_a_bundle_of_the_maximum_size_passes_and_a_bigger_one_does_not(policy_broker):
    broker = policy_broker
    central = broker.probe("dendo-central-1", broker.password("central"))
    central.subscribe(CENTRAL_SUBSCRIPTION)
    edge = broker.probe("edge-MT-07", broker.password("EB-02"))
    assert edge.publish(violation_topic(CAMERA), b"\x00" * MAX_SIZE) == "Success"
    wait_until(lambda: central.received(), 10, "the largest bundle did not arrive")
    edge.send(violation_topic(CAMERA), b"\x01" * (MESSAGE_LIMIT + 1))
    # Mosquitto drops it with PUBACK 0x95, which paho takes for a protocol error: cut off
    wait_until(lambda: edge.disconnects > 0, 10, "an oversized message was accepted")
    edge.stop()  # else paho sends it again on every reconnect
    time.sleep(0.3)
    assert [len(p) for _, p, _ in central.received()] == [MAX_SIZE]


def test_rotating_one_box_and_reloading_shuts_out_only_that_box(policy_broker: PolicyBroker):
    broker = policy_broker
    old_a, b_password = broker.password("EB-01"), broker.password("EB-02")
    a, b = broker.probe("edge-MT-01", old_a), broker.probe("edge-MT-07", b_password)
    broker.generate("--rotate", "EB-01")
    assert broker.password("EB-01") != old_a and broker.password("EB-02") == b_password
    broker.reload()
    wait_until(lambda: not a.client.is_connected(), 5, "the rotated box stayed connected")
    assert b.connected and b.disconnects == 0, "a box whose password did not change was cut off"
    assert broker.probe("edge-MT-02", old_a).connack == NOT_AUTHORIZED
    assert broker.probe("edge-MT-02", broker.password("EB-01")).connected
    assert re.search(r"Reloading config", broker.log_text())


def test_the_test_city_config_is_valid_and_has_two_controllers(tmp_path: Path):
    city = load_config(city_with_two_controllers(tmp_path))
    assert {c.intersection for c in city.signal_controllers} == {FIRST, SECOND}
