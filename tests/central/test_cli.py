"""`dendo-central` as an officer uses it, on a real database holding a real ingested bundle.

Runs on SQLite and on PostgreSQL: ingest → triage → confirm with a corrected plate → notice
(PDF written) → fine → pay → the week's report counts it; refusals exit 1 with the reason.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import yaml

from central.cli import main as central
from central.ingest import Ingestor
from central.store import open_store
from common.signing import key_id
from tests.servers.central_collector import KEY, BundleMaker


@pytest.fixture
def config(store_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "central.yaml"
    path.write_text(
        yaml.safe_dump({"database_url": store_url, "evidence_dir": str(tmp_path / "evidence")})
    )
    store = open_store(store_url, tmp_path / "evidence")
    public = KEY.public_key()
    ingestor = Ingestor(store, lambda _cam, kid: public if kid == key_id(public) else None)
    _vid, data, _manifest = BundleMaker().make()
    receipt = ingestor.ingest(data, "dendo/v1/MT-07/violation")
    assert receipt is not None and receipt.status == "stored", receipt
    ingestor.close()
    store.close()
    (tmp_path / "owners.csv").write_text(
        "plate,owner_name,address,id_number,vehicle_class\n"
        '63A-123.46,Nguyễn Văn An,"12 Ấp Bắc, Phường 5, TP Mỹ Tho",082085001234,car\n',
        encoding="utf-8",
    )
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = central(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_officer_carries_a_case_from_review_to_payment(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    c = ["--config", str(config)]
    assert run(capsys, "registry", "import", str(tmp_path / "owners.csv"), *c)[0] == 0
    code, out, _ = run(capsys, "cases", "triage", *c)
    assert code == 0 and "1 to review" in out, out
    code, out, _ = run(capsys, "cases", "list", "--state", "review", *c)
    assert "63A-123.45" in out and "1 of 1" in out, out
    # the edge read 63A-123.45 (0.93 sure); the officer sees 63A-123.46 and corrects it,
    # which a confident read allows only with a reason
    fix = ["cases", "confirm", "1", "--plate", "63A-123.46", "--as", "lan", *c]
    code, out, err = run(capsys, *fix)
    assert code == 1 and "say why" in err, f"a confident read changed without a reason: {err}"
    code, out, err = run(capsys, *fix, "--reason", "the last digit is 6 on the crop")
    assert code == 0 and "63A-123.46" in out, err
    pdf = tmp_path / "notice.pdf"
    code, out, err = run(capsys, "cases", "notice", "1", "--out", str(pdf), "--as", "lan", *c)
    assert code == 0 and "MT-" in out and "-000001" in out, err
    assert pdf.read_bytes().startswith(b"%PDF"), "the notice PDF was not written"
    assert "frozen as MT-" in out and "sha256" in out, f"the notice was not frozen: {out}"
    with pytest.raises(SystemExit) as refused:
        run(capsys, "cases", "fine", "1", "--as", "lan", *c)
    assert refused.value.code == 2, "a fine decision without its signer was taken"
    signer = ["--signer", "Trung tá Lê Văn Hòa, Trưởng phòng"]
    code, out, err = run(capsys, "cases", "fine", "1", "--as", "lan", *signer, *c)
    assert code == 0 and "19,000,000 VND" in out and "QĐ" in out, (out, err)
    code, _, err = run(capsys, "cases", "pay", "1", "5000", "KB-1", "--as", "minh", *c)
    assert code == 1 and "differs from the fine" in err, err
    code, out, err = run(capsys, "cases", "pay", "1", "19000000", "KB-1", "--as", "minh", *c)
    assert code == 0, err
    code, out, _ = run(capsys, "cases", "show", "1", *c)
    for line in (
        "review → confirmed",
        "by lan",
        "notice_issued → fined",
        "→ paid",
        "by minh",
        "plate corrected from 63A-123.45",
    ):
        assert line in out, f"{line!r} missing from the case history:\n{out}"
    week = date.today().isocalendar()
    code, out, _ = run(capsys, "report", "--week", f"{week.year}-W{week.week:02d}", *c)
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    total = next(r for r in rows if "TỔNG" in r)
    header = rows[0]
    paid = total[header.index("Đã nộp phạt")]
    assert code == 0 and paid == "1", f"the week's report does not count the payment: {total}"


def test_refusals_exit_1_with_the_reason(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    c = ["--config", str(config)]
    code, _, err = run(capsys, "cases", "confirm", "1", "--as", "lan", *c)
    assert code == 1 and "is detected: it cannot become confirmed" in err, err
    code, _, err = run(capsys, "cases", "show", "99", *c)
    assert code == 1 and "no case 99" in err, err
    code, _, err = run(capsys, "cases", "escalate", "--as", "lan", *c)
    assert code == 1 and "--overdue" in err, err
    code, _, err = run(capsys, "report", "--week", "2026-47", *c)
    assert code == 1 and "2026-47" in err, err
