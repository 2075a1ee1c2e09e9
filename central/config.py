"""The central service's settings (`configs/central.yaml`), validated on load.

Unknown keys are refused and every error names the file, the field and its line, as for the
camera config: a typo in a deployment file must stop the service at start, not misroute
evidence. Relative paths (camera config, key files, TLS files, evidence directory) are relative
to the config file, so the shipped `configs/` works from any working directory. Secrets stay
out of the file: the MQTT password comes from the environment variable `broker.password_env`,
and `${NAME}` in the database URL is filled from the environment when the database is opened.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints, ValidationError, field_validator

from common.config.box import BrokerConfig, TlsConfig
from common.config.yaml_file import ConfigError, line_of, message, read_yaml
from common.strict import IDENT, BoxIdent, StrictModel

__all__ = [
    "CentralConfig",
    "CollectorBrokerConfig",
    "ConfigError",
    "EdgeKeyConfig",
    "IngestConfig",
    "IssuingUnitConfig",
    "TlsConfig",
]

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class CollectorBrokerConfig(BrokerConfig):
    """The MQTT broker as the collector sees it: a fixed client id per collector instance."""

    password_env: str = Field("DENDO_CENTRAL_MQTT_PASSWORD", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    client_id: str = Field("dendo-central-1", pattern=f"^{IDENT}$")
    # How long the broker keeps this instance's queue while it is down (a week: a weekend
    # outage of the central server loses nothing; the edge outboxes hold copies anyway).
    session_expiry_s: int = Field(7 * 24 * 3600, ge=60, le=0xFFFFFFFF)
    # Unacknowledged bundles the broker may hand this instance at once (MQTT 5 Receive Maximum).
    receive_maximum: int = Field(64, ge=1, le=1000)

    def for_client(self, client_id: str) -> CollectorBrokerConfig:
        """These settings for one central client (a collector instance, the health monitor):
        `{client_id}` in the user name filled in, since the generated broker policy binds each
        client id to the user of the same name."""
        name = self.username.replace("{client_id}", client_id) if self.username else None
        return self.model_copy(update={"username": name, "client_id": client_id})


class EdgeKeyConfig(StrictModel):
    """An edge box's public key named in the config (registered in the database at start)."""

    box: BoxIdent
    pem_file: Path


class IngestConfig(StrictModel):
    """How bundles are checked and batched, and how much one camera may put in quarantine."""

    # crossed_at further ahead of the centre's clock than this gets a clock warning
    future_tolerance_s: float = Field(600, gt=0)
    # crossed_at older than this gets a clock warning (edge outboxes may hold bundles for days)
    max_age_days: float = Field(365, gt=0)
    batch_max: int = Field(32, ge=1, le=500)  # messages committed in one transaction
    workers: int = Field(2, ge=1, le=32)  # threads checking signatures and decoding JPEGs
    # Quarantine quota per camera and clock hour: beyond it a refused message is counted and
    # its receipt sent, but its bytes are not kept (the cameras page raises an alert).
    quarantine_mb_per_hour: float = Field(50.0, gt=0)
    quarantine_count_per_hour: int = Field(200, ge=1)


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class IssuingUnitConfig(StrictModel):
    """Who issues the notices and where owners answer them: printed on every notice, so each
    deployment sets its own (the defaults are central.notices.IssuingUnit's)."""

    authority: _Text = "CÔNG AN TỈNH TIỀN GIANG"  # the notice's heading, upper case
    name: _Text = "PHÒNG CẢNH SÁT GIAO THÔNG"
    full_name: _Text = "Phòng Cảnh sát giao thông Công an tỉnh Tiền Giang"  # within a sentence
    place: _Text = "Mỹ Tho"  # the dateline: "Mỹ Tho, ngày ..."
    address: _Text = "Trụ sở Phòng Cảnh sát giao thông Công an tỉnh Tiền Giang, TP Mỹ Tho"
    phone: str = Field("", max_length=60, pattern=r"^[0-9+() .,;/-]*$")
    hours: _Text = "Giờ hành chính, từ thứ Hai đến thứ Sáu"
    online: _Text = "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)"
    signer_title: _Text = "TRƯỞNG PHÒNG"


class CentralConfig(StrictModel):
    database_url: str = Field("sqlite:////var/lib/dendo/central.db", min_length=1)
    evidence_dir: Path = Path("/var/lib/dendo/evidence")
    cameras: Path | None = None  # the city camera config: which box each camera belongs to
    city_code: str = Field("MT", pattern=r"^[A-Z]{2,4}$")  # notice numbers: MT-2026-000123
    notice_deadline_days: int = Field(20, ge=1, le=365)
    # A case open in an officer's review is theirs for this long (central/case_claims.py).
    review_claim_minutes: float = Field(5, gt=0, le=120)
    duplicate_window_minutes: float = Field(5, gt=0, le=24 * 60)
    broker: CollectorBrokerConfig = CollectorBrokerConfig()
    ingest: IngestConfig = IngestConfig()
    keys: list[EdgeKeyConfig] = Field(default_factory=list)
    # The centre's Ed25519 key that signs every receipt (`dendo-central receipt-keygen`); its
    # public half goes into every edge box's `edge.receipt_keys`.
    receipt_key_file: Path = Path("/etc/dendo/central-receipts.key.pem")
    issuing_unit: IssuingUnitConfig = IssuingUnitConfig()

    @field_validator("database_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^(sqlite|postgresql(\+psycopg)?)://", v):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        return v

    def resolved_database_url(self, env: Mapping[str, str] | None = None) -> str:
        """database_url with `${NAME}` filled from the environment (ConfigError when unset)."""
        env = os.environ if env is None else env
        missing = [n for n in _VAR.findall(self.database_url) if n not in env]
        if missing:
            raise ConfigError([f"database_url: environment variable ${missing[0]} is not set"])
        return _VAR.sub(lambda m: env[m.group(1)], self.database_url)

    def with_base(self, base: Path) -> CentralConfig:
        """Relative paths made relative to `base` (the config file's directory)."""

        def fix(p: Path | None) -> Path | None:
            return p if p is None or p.is_absolute() else base / p

        tls = self.broker.tls
        if tls is not None:
            tls = tls.model_copy(
                update={f: fix(getattr(tls, f)) for f in ("ca_file", "cert_file", "key_file")}
            )
        return self.model_copy(
            update={
                "evidence_dir": fix(self.evidence_dir),
                "cameras": fix(self.cameras),
                "broker": self.broker.model_copy(update={"tls": tls}),
                "keys": [k.model_copy(update={"pem_file": fix(k.pem_file)}) for k in self.keys],
                "receipt_key_file": fix(self.receipt_key_file),
            }
        )


def load_central_config(path: str | os.PathLike[str]) -> CentralConfig:
    """Read and validate the central config; ConfigError naming the field (and line) otherwise."""
    path = Path(path)
    data, root = read_yaml(path)
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of settings, got {type(data).__name__}"])
    try:
        config = CentralConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            line = line_of(root, loc)
            where = ".".join(str(p) for p in loc) or "(top level)"
            problems.append(
                f"{path}: {where}: {message(err, loc)}" + (f" (line {line})" if line else "")
            )
        raise ConfigError(problems) from None
    return config.with_base(path.resolve().parent)
