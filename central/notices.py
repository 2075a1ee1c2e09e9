"""The printable violation notice sent to a vehicle's owner, as HTML and as an A4 PDF.

Everything the notice shows is gathered first into a plain `NoticeData` (from the case, its
signed manifest, the evidence files and the registry), so what was printed can be checked and
re-rendered; the HTML embeds the evidence images as data: URIs and is self-contained, and the
PDF is the same HTML through WeasyPrint. Evidence bytes are checked against their stored
sha256 before they go on paper: a notice must never carry a frame that is not the original.
The offender's box and the plate picture are drawn on copies (central.notice_images).

The wording follows Decree 168/2024/NĐ-CP and what a notice is: it tells the owner what the
camera recorded and where to answer, before any fine decision. So the fine is shown as the
decree's range and a proposed amount until a decided amount is recorded, the licence points are
cited from the clause that deducts them (not as an additional penalty), and nothing on it says
what will be enforced; the identity number is the owner's "căn cước" (or a company's tax code).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.config import CentralConfig
from central.db import (
    CONFIRMED,
    ESCALATED,
    FINED,
    NOTICE_ISSUED,
    PAID,
    Bundle,
    Case,
    EvidenceFile,
    Owner,
)
from central.fines import Fine, FinesTable, default_table, format_vnd
from central.notice_images import (
    Box,
    NoticePicture,
    frame_boxes,
    frame_pictures,
    plate_box_at_cross,
    plate_picture,
    road_user_boxes,
)
from central.registry import owner_for
from common.manifest import parse_utc_ms

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_DEADLINE_DAYS = 20
# States in which a case has (or is about to get) a notice; CONFIRMED renders as a draft.
NOTICE_STATES = (CONFIRMED, NOTICE_ISSUED, FINED, PAID, ESCALATED)
# Evidence shown on the notice, in print order; the three frames are required.
IMAGE_ROLES: dict[str, str] = {
    "frame_before": "Trước vạch dừng",
    "frame_cross": "Thời điểm vượt vạch dừng",
    "frame_after": "Sau vạch dừng",
    "plate_crop": "Biển kiểm soát",
    "signal_crop": "Đèn lúc vượt vạch",
}
REQUIRED_ROLES = ("frame_before", "frame_cross", "frame_after")
SIGNAL_STATES = {"red": "đỏ", "amber": "vàng", "green": "xanh", "unknown": "không xác định"}
_DIRECTIONS = {"north": "Bắc", "south": "Nam", "east": "Đông", "west": "Tây"}


class NoticeError(ValueError):
    """A notice cannot be made for this case; the message says what is missing."""


@dataclass(frozen=True)
class IssuingUnit:
    """Who issues the notice and where the owner answers it (set per deployment)."""

    authority: str = "CÔNG AN TỈNH TIỀN GIANG"
    name: str = "PHÒNG CẢNH SÁT GIAO THÔNG"
    full_name: str = "Phòng Cảnh sát giao thông Công an tỉnh Tiền Giang"  # as used in a sentence
    place: str = "Mỹ Tho"
    address: str = "Trụ sở Phòng Cảnh sát giao thông Công an tỉnh Tiền Giang, TP Mỹ Tho"
    phone: str = ""
    hours: str = "Giờ hành chính, từ thứ Hai đến thứ Sáu"
    online: str = "Cổng Dịch vụ công quốc gia (dichvucong.gov.vn)"
    signer_title: str = "TRƯỞNG PHÒNG"


@dataclass
class NoticeData:
    """Everything one notice shows, resolved: render it as often as needed."""

    notice_number: str | None  # None: the case is confirmed, the notice not yet issued
    issued_on: date
    deadline: date
    deadline_days: int
    owner_name: str
    owner_address: str
    owner_id_number: str | None
    plate: str  # canonical display, e.g. "63A-123.45"
    vehicle_class: str
    vehicle_label: str  # Vietnamese, e.g. "Xe ô tô con"
    camera_id: str
    site_name: str
    lat: float
    lon: float
    crossed_at: datetime  # local time, Asia/Ho_Chi_Minh
    red_since: datetime | None
    seconds_into_red: float | None
    signal_state: str  # red, amber, green, unknown
    violation: str
    fine: Fine
    amount_vnd: int | None = None  # the fine recorded, once the officer decided it
    case_id: int | None = None
    violation_id: str = ""
    bundle_sha256: str = ""
    images: dict[str, bytes] = field(default_factory=dict)  # by role, see IMAGE_ROLES
    unit: IssuingUnit = field(default_factory=IssuingUnit)
    demo: bool = False  # confirmed automatically by the demo: say so on the page
    boxes: dict[str, Box] = field(default_factory=dict)  # the offender's box per frame role
    # What is drawn per frame role: the offender with their rider (road_user_boxes). `boxes`
    # alone locates the plate.
    marks: dict[str, Box] = field(default_factory=dict)
    plate_typed: bool = False  # the officer typed or corrected the plate: no camera crop
    plate_at_cross: Box | None = None  # the plate's own box on frame_cross, when known
    red_since_lower_bound: bool = False  # red was on as the recording began: "at least"


def issuing_unit(config: CentralConfig) -> IssuingUnit:
    """The unit named on notices, from the central config's `issuing_unit:` section."""
    u = config.issuing_unit
    return IssuingUnit(
        authority=u.authority,
        name=u.name,
        full_name=u.full_name,
        place=u.place,
        address=u.address,
        phone=u.phone,
        hours=u.hours,
        online=u.online,
        signer_title=u.signer_title,
    )


def id_label(id_number: str) -> str:
    """How the owner's number is named: a person's 12-digit number is their căn cước's (the
    Law on Identification, 2023); a 10- or 13-digit one is a company's tax code."""
    if re.fullmatch(r"\d{12}", id_number):
        return "Số căn cước"
    if re.fullmatch(r"\d{10}(-?\d{3})?", id_number):
        return "Mã số thuế"
    return "Số căn cước / mã số thuế"


def to_local(moment: datetime) -> datetime:
    """A stored time in Vietnam's local time; SQLite hands back naive datetimes that are UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(LOCAL_TZ)


def template_env() -> Environment:
    """The Jinja environment for notices and reports, with the Vietnamese number filters."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["vnd"] = format_vnd
    env.filters["dmy"] = lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}"
    env.filters["decimal"] = lambda x, n=1: f"{x:.{n}f}".replace(".", ",")
    return env


def site_vi(name: str) -> str:
    """ "Ấp Bắc – Nguyễn Trãi, approach from the west" -> "…, hướng từ phía Tây"."""
    return re.sub(
        r"approach from the (north|south|east|west)",
        lambda m: f"hướng từ phía {_DIRECTIONS[m.group(1)]}",
        name,
    )


def _vehicle_class(case: Case, owner: Owner, fines: FinesTable) -> str:
    """The registry's class when it agrees with what the camera saw; a plate registered to a
    different kind of vehicle is a misread or a false plate, never a notice."""
    seen = case.vehicle_class
    registered = owner.vehicle_class
    if not registered or registered == seen:
        return seen
    if fines.fine_for(registered).group != fines.fine_for(seen).group:
        raise NoticeError(
            f"case {case.id}: the camera saw a {seen} but {owner.plate_text} is registered as a "
            f"{registered}: check the plate before a notice goes out"
        )
    return registered


def _read_evidence(root: Path, row: EvidenceFile) -> bytes:
    path = (root / row.path).resolve()
    if not path.is_relative_to(root.resolve()):
        raise NoticeError(f"evidence file {row.name}: path {row.path!r} leaves the evidence store")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NoticeError(f"evidence file {row.name} ({row.role}) is missing: {exc}") from None
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise NoticeError(
            f"evidence file {row.name} ({row.role}) does not match its sha256: not the original"
        )
    return data


def _evidence(session: Session, violation_id: str, root: Path) -> dict[str, bytes]:
    rows = session.scalars(
        select(EvidenceFile).where(
            EvidenceFile.violation_id == violation_id, EvidenceFile.role.in_(IMAGE_ROLES)
        )
    ).all()
    images = {row.role: _read_evidence(root, row) for row in rows}
    missing = [role for role in REQUIRED_ROLES if role not in images]
    if missing:
        raise NoticeError(f"violation {violation_id}: no evidence {', '.join(missing)}")
    return images


def notice_data_for(
    session: Session,
    case: Case,
    evidence_root: Path,
    deadline_days: int = DEFAULT_DEADLINE_DAYS,
    fines: FinesTable | None = None,
    *,
    unit: IssuingUnit | None = None,
    today: date | None = None,
) -> NoticeData:
    """Gather a case's notice. The case's own issue date and deadline win when it has them
    (they are what escalation checks); otherwise `today` + `deadline_days` (a draft)."""
    fines = fines or default_table()
    if case.state not in NOTICE_STATES:
        raise NoticeError(f"case {case.id} is {case.state}: only a confirmed case gets a notice")
    bundle = session.get(Bundle, case.violation_id)
    if bundle is None:
        raise NoticeError(f"case {case.id}: evidence bundle {case.violation_id} is not stored")
    owner = session.get(Owner, case.owner_plate) if case.owner_plate else None
    owner = owner or (owner_for(session, case.plate_norm) if case.plate_norm else None)
    if owner is None:
        raise NoticeError(
            f"case {case.id}: plate {case.plate_text or '(unread)'} is not in the vehicle registry"
        )
    vehicle_class = _vehicle_class(case, owner, fines)
    fine = fines.fine_for(vehicle_class)
    manifest: dict[str, Any] = bundle.manifest
    site = manifest.get("site") or {}
    location = site.get("location") or {}
    red_since = manifest.get("red_since")
    decision = manifest.get("decision") or {}
    signal_at_cross = decision.get("signal_at_cross") if isinstance(decision, dict) else None
    lower_bound = isinstance(signal_at_cross, dict) and bool(
        signal_at_cross.get("began_before_stream")
    )
    issued = to_local(case.notice_issued_at).date() if case.notice_issued_at else None
    issued = issued or today or datetime.now(LOCAL_TZ).date()
    if case.deadline_at is not None:
        deadline = to_local(case.deadline_at).date()
    else:
        deadline = issued + timedelta(days=deadline_days)
    return NoticeData(
        demo=bool(case.demo),
        notice_number=case.notice_number,
        issued_on=issued,
        deadline=deadline,
        deadline_days=(deadline - issued).days,
        owner_name=owner.name,
        owner_address=owner.address,
        owner_id_number=owner.id_number,
        plate=owner.plate_text,
        vehicle_class=vehicle_class,
        vehicle_label=fine.vehicle_label,
        camera_id=case.camera_id,
        site_name=str(site.get("name") or case.camera_id),
        lat=float(location.get("lat", 0.0)),
        lon=float(location.get("lon", 0.0)),
        crossed_at=to_local(case.crossed_at),
        red_since=to_local(parse_utc_ms(red_since)) if red_since else None,
        seconds_into_red=case.seconds_into_red,
        signal_state=case.signal_state,
        violation=fines.violation,
        fine=fine,
        amount_vnd=case.fine_vnd,
        case_id=case.id,
        violation_id=case.violation_id,
        bundle_sha256=bundle.sha256,
        images=_evidence(session, case.violation_id, Path(evidence_root)),
        unit=unit or IssuingUnit(),
        boxes=frame_boxes(manifest),
        marks=road_user_boxes(manifest),
        plate_typed=bool(case.plate_corrected),
        plate_at_cross=plate_box_at_cross(manifest),
        red_since_lower_bound=lower_bound,
    )


def data_uri(data: bytes) -> str:
    """An image as a data: URI, its type read from its first bytes."""
    if data.startswith(b"\x89PNG"):
        kind = "image/png"
    elif data.startswith(b"\xff\xd8"):
        kind = "image/jpeg"
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = "image/webp"
    else:
        raise NoticeError("an evidence image is neither JPEG, PNG nor WebP")
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _css(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def render_notice_html(data: NoticeData) -> str:
    """The notice as one self-contained HTML page (CSS and images inline)."""
    frames = frame_pictures(data.images, data.marks, IMAGE_ROLES)
    crops = [plate_picture(data.images, data.boxes, data.plate_typed, data.plate_at_cross)]
    if "signal_crop" in data.images:
        crops.append(
            NoticePicture("signal_crop", IMAGE_ROLES["signal_crop"], data.images["signal_crop"])
        )

    def shown(pictures: list[NoticePicture | None]) -> list[dict[str, Any]]:
        return [
            {"role": p.role, "label": p.label, "src": data_uri(p.data), "marked": p.marked}
            for p in pictures
            if p is not None
        ]

    return (
        template_env()
        .get_template("notice.html")
        .render(
            d=data,
            css=_css("notice.css"),
            site=site_vi(data.site_name),
            signal=SIGNAL_STATES.get(data.signal_state, data.signal_state),
            frames=shown(list(frames)),
            crops=shown(crops),
            marked=any(f.marked for f in frames),
            id_label=id_label(data.owner_id_number or ""),
        )
    )


def html_to_pdf(html: str) -> bytes:
    """The A4 PDF of exactly this HTML (WeasyPrint, DejaVu Sans for the diacritics)."""
    from weasyprint import HTML  # heavy import: only where PDFs are made

    pdf = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert pdf is not None
    return pdf


def render_notice_pdf(data: NoticeData) -> bytes:
    """The notice as an A4 PDF."""
    return html_to_pdf(render_notice_html(data))
