"""What the MQTT client factory says when the broker refuses a login."""

from __future__ import annotations

import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from common.config.box import BrokerConfig
from common.mqtt import refusal_hint


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("Bad user name or password", "for broker user edge-MT-07: check $DENDO_MQTT_PASSWORD"),
        ("Not authorized", "for broker user edge-MT-07: check $DENDO_MQTT_PASSWORD"),
        ("Server unavailable", ""),
    ],
)
def test_a_refused_login_names_the_user_and_where_its_password_comes_from(
    reason: str, says: str
) -> None:
    broker = BrokerConfig(username="edge-{camera}").for_camera("EB-02", "MT-07")
    rc = ReasonCode(PacketTypes.CONNACK, reason)
    hint = refusal_hint(rc, broker)
    assert (says in hint) if says else hint == "", f"{reason}: {hint!r}"
