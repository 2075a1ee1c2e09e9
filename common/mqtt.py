"""One way to make an MQTT 5 client from the broker settings, for the edge and the centre.

User name and password (from the environment), TLS with the configured CA and an optional
client certificate, and paho's reconnect backoff are set the same way everywhere, so a
deployment change (a new CA, a password variable) is made once.
"""

from __future__ import annotations

import logging
import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from common.config.box import BrokerConfig

log = logging.getLogger("common.mqtt")


_CREDENTIALS = {"Bad user name or password", "Not authorized"}


def refusal_hint(rc: object, broker: BrokerConfig) -> str:
    """What to check when the broker refuses a CONNECT: for a refused login, the user it was
    and where its password comes from (the reason code alone does not say who)."""
    if str(rc) not in _CREDENTIALS:
        return ""
    user = broker.username or "(none: anonymous)"
    return (
        f" for broker user {user}: check ${broker.password_env} (the env file"
        " `dendo-central broker-config` wrote) against the broker's password file"
    )


def new_client(
    broker: BrokerConfig, client_id: str, *, where: str, manual_ack: bool = False
) -> mqtt.Client:
    """A paho client (MQTT 5) with auth, TLS and backoff set; `where` names it in errors."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
        manual_ack=manual_ack,
    )
    if broker.username:
        if (password := broker.password()) is None:
            log.error("%s: user %s but $%s is not set", where, broker.username, broker.password_env)
        client.username_pw_set(broker.username, password)
    if broker.tls is not None:
        tls = broker.tls
        client.tls_set(
            ca_certs=str(tls.ca_file),
            certfile=str(tls.cert_file) if tls.cert_file else None,
            keyfile=str(tls.key_file) if tls.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
            tls_version=ssl.PROTOCOL_TLS_CLIENT,
        )
    low = max(1, round(broker.reconnect_min_s))  # paho counts whole seconds
    client.reconnect_delay_set(low, max(low, round(broker.reconnect_max_s)))
    return client
