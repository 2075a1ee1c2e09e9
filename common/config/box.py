"""Edge-box settings (`edge:` in `configs/cameras.yaml`): broker, outbox, heartbeat, metrics.

These are the same for every camera on a box, so they sit beside `defaults:` rather than in
each camera. Secrets stay out of the file: the MQTT password is read from the environment
variable named by `broker.password_env` when the client connects.
Imports no computer vision, so the central service can read the same file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import Field

from common.strict import StrictModel


class TlsConfig(StrictModel):
    """TLS to the broker: the CA that signed the broker's certificate; a client cert if asked."""

    ca_file: Path
    cert_file: Path | None = None
    key_file: Path | None = None


class BrokerConfig(StrictModel):
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(1883, ge=1, le=65535)
    tls: TlsConfig | None = None
    # One broker user per camera worker, all with the box's password: `{camera}` becomes the
    # camera id, `{box}` the box id. The broker binds client ids to user names (see
    # `dendo-central broker-config`), so each user is one session nobody else can take.
    username: str | None = None
    password_env: str = Field("DENDO_MQTT_PASSWORD", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    keepalive_s: int = Field(30, ge=5, le=3600)
    reconnect_min_s: float = Field(1.0, gt=0)
    # Back within seconds of the broker's return; an attempt every 10 s of 60 workers is
    # nothing to a broker that is up.
    reconnect_max_s: float = Field(10.0, gt=0)

    def for_camera(self, box: str, camera: str) -> BrokerConfig:
        """These settings as one camera worker of `box` uses them: `{box}` and `{camera}` in
        the user name filled in."""
        if self.username is None:
            return self
        name = self.username.replace("{box}", box).replace("{camera}", camera)
        return self.model_copy(update={"username": name})

    def password(self, env: Mapping[str, str] | None = None) -> str | None:
        """The password from the environment, or None when the variable is unset."""
        return (os.environ if env is None else env).get(self.password_env)


class OutboxConfig(StrictModel):
    dir: Path = Path("/var/lib/dendo/outbox")  # one SQLite file per camera
    quota_mb: float = Field(2048, gt=0)  # oldest bundles are evicted (and counted) beyond this
    resend_after_s: float = Field(30.0, gt=0)  # publish again when no receipt came in this time
    resend_max_s: float = Field(600.0, gt=0)  # ... doubling each time up to this


class EdgeConfig(StrictModel):
    broker: BrokerConfig = BrokerConfig()
    outbox: OutboxConfig = OutboxConfig()
    key_file: Path = Path("/etc/dendo/edge.key.pem")  # the box's Ed25519 signing key
    # The central service's receipt-signing public keys (PEM; more than one while a key is
    # rotated). A bundle leaves the outbox only on a receipt one of them verifies.
    receipt_keys: list[Path] = Field(default_factory=list)
    state_dir: Path = Path("/var/lib/dendo/state")  # per-camera sequence chains
    heartbeat_s: float = Field(30.0, gt=0)
    metrics_port: int | None = Field(9108, ge=1, le=65535)  # Prometheus /metrics; null: off
    # Where /metrics listens: loopback unless the monitoring server must reach it over the
    # network (then this box's address on that network, never 0.0.0.0 on an open one).
    metrics_host: str = Field("127.0.0.1", min_length=1, max_length=253)
    # Video a camera's stream may queue for its pipeline before frames are dropped: rides out
    # a detection (50 ms) or a busy moment; a full queue is an overload, warned about.
    stream_buffer_s: float = Field(0.5, gt=0, le=5)
    # A camera that sheds or drops more than this share of its frames over a minute is
    # overloaded: a warning in the log, a metric, a heartbeat field, the cameras page.
    overload_drop_ratio: float = Field(0.05, gt=0, lt=1)
    restart_min_s: float = Field(1.0, gt=0)  # a dead camera worker is restarted after this...
    restart_max_s: float = Field(60.0, gt=0)  # ...doubling up to this
    stall_timeout_s: float = Field(10.0, gt=0)  # reconnect a stream that gives no frame this long
