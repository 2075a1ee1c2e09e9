"""The cameras list puts problems first and the camera page shows one camera whole.

The health comes in through central.health.apply_message (what the MQTT reader calls), so the
state changes are recorded where heartbeats are ingested. The list: a camera offline for N
hours comes first and says since when (local date and time) and for how long, in Vietnamese;
a 37-bundle outbox backlog stands out (above OUTBOX_BACKLOG, 10: 10 does not); a stream whose
heartbeats arrive while its frame count stands still is stalled; any column sorts. The camera
page: the online/offline history, the outbox and what was dropped, the recent cases; in
Chromium over a real vn_a bundle, the stop line and direction from its manifest and the signal
head from the camera config drawn where they belong over the crossing frame, at 1366x768 and
390x844 with no sideways scroll. Screenshots under out/screenshots/."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from central.health import apply_message
from central.notices import LOCAL_TZ
from common.topics import Heartbeat, heartbeat_topic, status_topic
from edge.commands.main import main as dendo_edge
from tests.fixtures.browser import (
    PASSWORDS,
    USERS,
    DemoBundles,
    WebEnv,
    WebServer,
    make_web_env,
    screenshot,
    start_web_server,
    stop_web_server,
)

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}


def _beat(camera: str, at: datetime, frames: int, **fields: Any) -> bytes:
    values: dict[str, Any] = {"outbox_depth": 0, "outbox_bytes": 0, "outbox_evicted": 0}
    values.update(fields)
    return Heartbeat(camera_id=camera, at=at, frames_in=frames, frames_processed=frames,
                     connected=True, **values).to_bytes()  # fmt: skip


def hear(env: WebEnv, camera: str, *, at: datetime, online: bool | None = None,
         frames: int | None = None, **fields: Any) -> None:  # fmt: skip
    """One status and/or heartbeat of `camera`, received at `at`."""
    with env.store.sessions.begin() as s:
        if online is not None:
            apply_message(s, status_topic(camera), b"online" if online else b"offline", at)
        if frames is not None:
            apply_message(s, heartbeat_topic(camera), _beat(camera, at, frames, **fields), at)


def seed(env: WebEnv, now: datetime, offline_hours: float) -> None:
    """MT-03 offline for `offline_hours`, MT-30 stalled, MT-20 with a 37-bundle backlog,
    MT-10 with 10 waiting (the threshold), MT-01 healthy."""
    hear(env, "MT-03", at=now - timedelta(days=2), online=True, frames=10)
    hear(env, "MT-03", at=now - timedelta(hours=offline_hours), online=False)
    for i, camera in enumerate(("MT-01", "MT-10", "MT-20", "MT-30")):
        hear(env, camera, at=now - timedelta(hours=1), online=True)
        for k, ago in enumerate((75, 40, 5)):
            frames = 500 if camera == "MT-30" else 1000 + 300 * k + i
            outbox = {"MT-10": 10, "MT-20": 37}.get(camera, 0)
            hear(env, camera, at=now - timedelta(seconds=ago), frames=frames,
                 outbox_depth=outbox, outbox_bytes=outbox * 280_000)  # fmt: skip


def order(html: str) -> list[str]:
    return re.findall(r'<tr class="cam-[^"]*" data-camera="([^"]+)"', html)


def row_of(html: str, camera: str) -> str:
    return html.split(f'data-camera="{camera}"', 1)[1].split("</tr>", 1)[0]


@pytest.mark.parametrize(
    ("hours", "said"),
    [(0.75, "đã 45 phút"), (3, "đã 3 giờ"), (5.5, "đã 5 giờ 30 phút"), (26, "đã 1 ngày 2 giờ")],
)
def test_an_offline_camera_comes_first_and_says_since_when(
    web_env_empty: WebEnv, hours: float, said: str
) -> None:
    now = datetime.now(UTC)
    seed(web_env_empty, now, hours)
    html = web_env_empty.client("operator").get("/cameras").text
    assert order(html)[:4] == ["MT-03", "MT-30", "MT-20", "MT-01"], (
        f"offline, stalled, backlog, then the healthy ones: {order(html)[:6]}"
    )
    went = (now - timedelta(hours=hours)).astimezone(LOCAL_TZ)
    since = f"từ {went:%H:%M %d/%m/%Y} ({said})"
    assert since in row_of(html, "MT-03"), f"{since!r} not in the offline row"
    assert "Mất kết nối" in row_of(html, "MT-03")
    assert "3 camera cần chú ý" in html


def test_a_backlog_above_ten_bundles_stands_out_and_ten_does_not(web_env_empty: WebEnv) -> None:
    seed(web_env_empty, datetime.now(UTC), 2)
    html = web_env_empty.client("operator").get("/cameras").text
    backlog = row_of(html, "MT-20")
    assert 'class="num backlog"' in backlog and '<strong class="backlog-n"' in backlog, backlog
    assert "Tồn 37 gói chưa gửi được" in backlog
    at_threshold = row_of(html, "MT-10")
    assert "backlog" not in at_threshold and ">10<" in at_threshold, at_threshold
    assert "cam-problem" not in html.split('data-camera="MT-10"', 1)[0].rsplit("<tr", 1)[1]


def test_a_stream_whose_frames_stand_still_is_stalled(web_env_empty: WebEnv) -> None:
    seed(web_env_empty, datetime.now(UTC), 2)
    operator = web_env_empty.client("operator")
    html = operator.get("/cameras").text
    stalled = row_of(html, "MT-30")
    assert "Luồng hình đứng" in stalled and "Trực tuyến" in stalled, stalled
    assert "cam-stalled" in html.split('data-camera="MT-30"', 1)[0].rsplit("<tr", 1)[1]
    page = operator.get("/cameras/MT-30").text
    assert "không nhận được khung hình mới từ camera" in page, "the page says what a stall means"
    assert "Luồng hình đứng" in page.split('id="history-table"', 1)[1], "the stall is history"
    hear(web_env_empty, "MT-30", at=datetime.now(UTC), frames=530)
    assert "Luồng hình đứng" not in row_of(operator.get("/cameras").text, "MT-30")


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("sort=outbox&desc=1", ["MT-20", "MT-10"]),
        ("sort=camera", ["MT-01", "MT-02", "MT-03"]),
        ("sort=camera&desc=1", ["MT-48", "MT-47"]),
        ("only=problems", ["MT-03", "MT-30", "MT-20"]),
    ],
)
def test_the_list_sorts_by_any_column_and_filters_the_problems(
    web_env_empty: WebEnv, query: str, first: list[str]
) -> None:
    seed(web_env_empty, datetime.now(UTC), 2)
    html = web_env_empty.client("officer").get(f"/cameras?{query}").text
    assert order(html)[: len(first)] == first, f"{query}: {order(html)[:5]}"
    if query == "only=problems":
        assert len(order(html)) == 3, "only the three with problems"


def test_the_camera_page_shows_history_outbox_drops_and_recent_cases(web_env: WebEnv) -> None:
    now = datetime.now(UTC)
    hear(web_env, "DEMO-01", at=now - timedelta(days=3), online=True, frames=100)
    hear(web_env, "DEMO-01", at=now - timedelta(days=2), online=False)
    hear(web_env, "DEMO-01", at=now - timedelta(days=1), online=True)
    hear(web_env, "DEMO-01", at=now - timedelta(seconds=3), frames=900, outbox_depth=37,
         outbox_bytes=37 * 300_000, outbox_evicted=2, frames_dropped=15, frames_shed=4,
         bundles_failed=1)  # fmt: skip
    html = web_env.client("operator").get("/cameras/DEMO-01").text
    history = html.split('id="history-table"', 1)[1].split("</table>", 1)[0]
    states = re.findall(r'<tr class="h-(\w+)">', history)
    assert states == ["online", "offline", "online"], f"newest first: {states}"
    assert "đang tiếp diễn" in history and "1 ngày" in history, history
    assert "37 gói (10,6 MB)" in html.split('id="cam-outbox"', 1)[1][:80]
    assert ">2<" in html.split('id="cam-evicted"', 1)[1][:12], "bundles dropped from the outbox"
    assert "bỏ 15 · giảm tải 4" in html
    cases = html.split('id="cam-cases"', 1)[1]
    links = re.findall(r'href="/cases/(\d+)"', cases)
    assert sorted(int(i) for i in links) == sorted(web_env.case_ids), links
    assert 'id="cam-frame"' in html, "the latest bundle's crossing frame is shown"


def test_a_camera_without_bundles_says_no_frame_yet_and_unknown_ones_are_404(
    web_env_empty: WebEnv,
) -> None:
    operator = web_env_empty.client("operator")
    page = operator.get("/cameras/MT-05")
    assert page.status_code == 200
    assert "Chưa có khung hình" in page.text and 'id="cam-frame"' not in page.text
    assert "Chưa ghi nhận thay đổi trạng thái nào" in page.text
    assert operator.get("/cameras/XX-99").status_code == 404
    assert operator.get("/cameras/..%2F..").status_code == 404


# --- in Chromium, over a real vn_a bundle --------------------------------------------------


@pytest.fixture(scope="module")
def vn_a(media_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoBundles, Path]:
    """vn_a's first red-light runner replayed (one signed bundle) and its camera config."""
    tmp = tmp_path_factory.mktemp("vn_a_camera")
    truth = json.loads((media_dir / "vn_a.json").read_text())
    cal = truth["calibration"]
    camera = {
        "id": "MT-07", "name": "Ấp Bắc – Nguyễn Trãi, approach from the west",
        "location": {"lat": 10.36, "lon": 106.356}, "box": "EB-02",
        "source": str(media_dir / "vn_a.mp4"), "frame_size": [truth["width"], truth["height"]],
        "stop_line": cal["stop_line"], "direction": cal["direction"],
        "signal": {"source": "vision", "heads": cal["signal_heads"]},
    }  # fmt: skip
    config = tmp / "cameras.yaml"
    config.write_text(yaml.safe_dump({"cameras": [camera]}, allow_unicode=True))
    out = tmp / "out"
    argv = ["replay", str(media_dir / "vn_a.mp4"), "--config", str(config), "--camera", "MT-07",
            "--out", str(out), "--end", "2.6", "--start-time", "2026-11-20T08:00:00Z",
            "--quiet"]  # fmt: skip
    assert dendo_edge(argv) == 0
    zips = sorted(out.glob("*.zip"))
    assert len(zips) == 1, f"expected vn_a's first runner alone, got {[z.name for z in zips]}"
    return DemoBundles([zips[0].read_bytes()], out / "replay.pub.pem", {"violations": []}), config


@pytest.fixture
def vn_a_env(tmp_path: Path, vn_a: tuple[DemoBundles, Path]) -> Any:
    env = make_web_env(tmp_path, vn_a[0])
    server = start_web_server(env, cameras=vn_a[1])
    yield env, server
    stop_web_server(server)
    env.close()


def _signed_in(browser: Any, server: WebServer, size: tuple[int, int]) -> Any:
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server.url}/login")
    page.fill("input[name=username]", USERS["operator"])
    page.fill("input[name=password]", PASSWORDS["operator"])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _rect(page: Any, selector: str) -> dict[str, float]:
    rect = page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return {x: r.x, y: r.y, w: r.width, h: r.height}; }"
    )
    return {k: float(v) for k, v in rect.items()}


def _no_sideways_scroll(page: Any, where: str) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    view = page.evaluate("window.innerWidth")
    assert wide <= view, f"{where} scrolls sideways: {wide} px wide in a {view} px viewport"


@pytest.mark.parametrize("size", list(SIZES))
def test_the_camera_page_draws_the_calibration_over_a_real_frame(
    browser: Any, vn_a_env: Any, vn_a: tuple[DemoBundles, Path], size: str
) -> None:
    env, server = vn_a_env
    now = datetime.now(UTC)
    hear(env, "MT-07", at=now - timedelta(days=4), online=True, frames=100)
    hear(env, "MT-07", at=now - timedelta(hours=30), online=False)
    hear(env, "MT-07", at=now - timedelta(hours=29), online=True)
    hear(env, "MT-07", at=now - timedelta(hours=5), online=False)
    hear(env, "MT-20", at=now - timedelta(seconds=4), online=True, frames=50, outbox_depth=37)
    page = _signed_in(browser, server, SIZES[size])
    page.goto(f"{server.url}/cameras/MT-07")
    page.wait_for_function("document.querySelector('#cam-frame').naturalWidth > 0")
    manifest = json.loads(_member(vn_a[0].bundles[0], "manifest.json"))
    image = _rect(page, "#cam-frame")
    natural = page.locator("#cam-frame").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    scale = image["w"] / natural[0]
    (x1, y1), (x2, y2) = manifest["geometry"]["stop_line"]
    line = _rect(page, ".cam-overlay polyline.mk-stop")
    assert abs(line["x"] - (image["x"] + x1 * scale)) < 3, (line, image, scale)
    assert (
        abs(line["w"] - (x2 - x1) * scale) < 3
        and abs(line["y"] - (image["y"] + min(y1, y2) * scale)) < 3
    )
    assert page.locator(".cam-overlay .mk-dir polygon").count() == 1, "the direction arrow"
    hx, hy, hw, hh = yaml.safe_load(vn_a[1].read_text())["cameras"][0]["signal"]["heads"][0]["roi"]
    head = _rect(page, ".cam-overlay rect.mk-head")
    assert abs(head["x"] - (image["x"] + hx * scale)) < 3 and abs(head["w"] - hw * scale) < 3, head
    assert abs(head["y"] - (image["y"] + hy * scale)) < 3 and abs(head["h"] - hh * scale) < 3
    assert page.locator("#calibration-moved").count() == 0, "config and bundle agree on vn_a"
    served = page.request.get(server.url + page.locator("#cam-frame").get_attribute("src")).body()
    assert served == _member(vn_a[0].bundles[0], "frame_cross.jpg"), "the signed JPEG as signed"
    assert page.locator("#history-table tbody tr").count() == 4
    assert "đã 5 giờ" in page.inner_text("#cam-since")
    _no_sideways_scroll(page, f"the camera page at {size}")
    screenshot(page, f"camera-page-{size}")
    page.goto(f"{server.url}/cameras")
    assert page.locator("table.cameras tbody tr").first.get_attribute("data-camera") == "MT-07"
    assert page.locator("tr[data-camera=MT-20] strong.backlog-n").inner_text() == "37"
    _no_sideways_scroll(page, f"the cameras list at {size}")
    screenshot(page, f"cameras-problems-first-{size}")
    page.context.close()


def _member(bundle: bytes, name: str) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        if name in z.namelist():
            return z.read(name)
        manifest = json.loads(z.read("manifest.json"))
        role = name.rsplit(".", 1)[0]
        return z.read(next(f["name"] for f in manifest["files"] if f["role"] == role))


def test_the_city_list_in_a_browser_puts_problems_first_at_both_sizes(
    browser: Any, web_env_empty: WebEnv
) -> None:
    seed(web_env_empty, datetime.now(UTC), 26)
    server = start_web_server(web_env_empty)
    try:
        for size, viewport in SIZES.items():
            page = _signed_in(browser, server, viewport)
            page.goto(f"{server.url}/cameras")
            rows = page.locator("table.cameras tbody tr")
            assert rows.count() == 48, "every camera of the city is listed"
            first = [rows.nth(i).get_attribute("data-camera") for i in range(4)]
            assert first == ["MT-03", "MT-30", "MT-20", "MT-01"], first
            assert "đã 1 ngày 2 giờ" in rows.first.inner_text()
            assert page.locator("tr[data-camera=MT-20] strong.backlog-n").is_visible()
            _no_sideways_scroll(page, f"the cameras list at {size}")
            screenshot(page, f"cameras-city-{size}")
            page.context.close()
    finally:
        stop_web_server(server)
