"""Every page fits a phone and a desk screen (issue 16 part 6): in Chromium against
`dendo-central web` over the every-state store (tests.fixtures.every_state), every HTML page
the app declares (tests.fixtures.page_routes) is opened at 390x844 and 1366x768 and measured:
nothing may stick out past the window (`scrollWidth` against the viewport, and the elements
and text that stick out are named; a wide table of figures may scroll inside its own box if
that box fits), the navigation is folded behind one button on a phone, and the evidence
frames and plate crop of a case are at least 330 px wide there. Full-page screenshots of
every page are saved under out/screenshots/phones/, and what Chromium shows (the scripts' words
too) is read for English (tests.fixtures.english_words)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures.browser import (
    WebEnv,
    WebServer,
    screenshot,
    signed_in_page,
    start_web_server,
    stop_web_server,
)
from tests.fixtures.english_words import english_in_html
from tests.fixtures.every_state import Made
from tests.fixtures.page_routes import declared_page_routes, urls_for

VIEWPORTS = {"phone": (390, 844), "wide": (1366, 768)}
ROUTES = declared_page_routes()
# Frames and crops narrower than this on a phone cannot be read by eye (plates, signal heads).
USABLE_PX = 330
SAMPLES_PER_ROUTE = 4


@pytest.fixture(scope="module")
def server(every_state: tuple[WebEnv, Made]) -> Iterator[WebServer]:
    running = start_web_server(every_state[0])
    yield running
    stop_web_server(running)


@pytest.fixture(scope="module")
def html_pages(every_state: tuple[WebEnv, Made]) -> list[str]:
    """The URL of every HTML page (PDFs, CSV, pictures and clips are not laid out): a case in
    every state (each shows other forms), up to SAMPLES_PER_ROUTE of the other routes' samples
    (a notice or a decision is one template whatever its case)."""
    env, made = every_state
    client = env.client("supervisor")
    pages = []
    for route in ROUTES:
        if route.startswith("/lang/") or route in ("/logout", "/login"):
            continue
        urls = urls_for(route, made)
        for url in urls if route == "/cases/{case_id}" else urls[:SAMPLES_PER_ROUTE]:
            response = client.get(url, follow_redirects=True)
            if response.headers.get("content-type", "").startswith("text/html"):
                pages.append(url)
    return pages


@pytest.fixture(scope="module", params=list(VIEWPORTS))
def signed_in(request: pytest.FixtureRequest, browser: Any, server: WebServer) -> Iterator[Any]:
    """A supervisor's tab (every page is theirs) in a window of the viewport's size."""
    page = signed_in_page(browser, server, "supervisor", VIEWPORTS[request.param])
    page.viewport_name = request.param
    yield page
    page.context.close()


def sticking_out(page: Any) -> tuple[int, int, list[str]]:
    """(document width, window width, the first elements whose right edge is past the window,
    each named by tag, id, class and width)."""
    return tuple(
        page.evaluate(
            """() => {
              const w = document.documentElement.clientWidth;
              const inBox = e => {  // inside a box that scrolls and itself fits the window
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                  if (getComputedStyle(p).overflowX !== 'visible')
                    return p.getBoundingClientRect().right <= w + 1;
                }
                return false;
              };
              const out = Array.from(document.querySelectorAll('body *')).filter(e => {
                const r = e.getBoundingClientRect();
                return r.width > 0 && r.right > w + 1 && getComputedStyle(e).position !== 'fixed'
                  && !inBox(e);
              }).slice(0, 6).map(e => `${e.tagName.toLowerCase()}#${e.id}`
                + `.${e.getAttribute('class')}`
                + ` (${Math.round(e.getBoundingClientRect().right)} px)`);
              // text that does not wrap sticks out of its element's box (a long hash)
              const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let n = walk.nextNode(); n && out.length < 8; n = walk.nextNode()) {
                const range = document.createRange();
                range.selectNodeContents(n);
                const r = range.getBoundingClientRect();
                if (r.right > w + 1 && !inBox(n))
                  out.push(`text in ${n.parentElement.tagName.toLowerCase()}`
                    + `.${n.parentElement.className}: "${n.textContent.trim().slice(0, 40)}"`
                    + ` (${Math.round(r.right)} px)`);
              }
              return [document.documentElement.scrollWidth, w, out];
            }"""
        )
    )


def shot_name(url: str, viewport: str) -> str:
    slug = url.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "home"
    return f"phones/{viewport}-{slug}"


def test_the_every_state_store_has_the_pages_phones_must_show(html_pages: list[str]) -> None:
    for needed in ("/review", "/cases", "/cameras", "/quarantine", "/registry", "/report"):
        assert needed in html_pages, f"{needed} is not among the HTML pages {html_pages}"
    assert sum(p.startswith("/cases/") for p in html_pages) >= 10, html_pages


def test_no_page_scrolls_sideways_or_shows_english(
    signed_in: Any, server: WebServer, html_pages: list[str]
) -> None:
    """Measured as Chromium lays the page out, after its scripts ran: so the words the scripts
    write (the zoom view, the lists' controls) are read for English too."""
    wide: dict[str, str] = {}
    english: dict[str, list[str]] = {}
    for url in html_pages:
        signed_in.goto(f"{server.url}{url}")
        signed_in.wait_for_load_state("networkidle")
        screenshot(signed_in, shot_name(url, signed_in.viewport_name))
        width, view, out = sticking_out(signed_in)
        if width > view or out:
            wide[url] = f"{width} px wide in {view}: {out}"
        if words := english_in_html(signed_in.content()):
            english[url] = words
    assert not wide, f"pages wider than the {signed_in.viewport_name} window: {wide}"
    assert not english, f"English in Chromium's rendering of Vietnamese pages: {english}"


def test_the_navigation_folds_behind_one_button_on_a_phone(
    signed_in: Any, server: WebServer
) -> None:
    signed_in.goto(f"{server.url}/cases")
    nav = signed_in.locator("header.top nav")
    toggle = signed_in.locator("header.top .nav-toggle")
    if signed_in.viewport_name == "wide":
        assert nav.is_visible() and not toggle.is_visible(), "a desk screen shows the links"
        return
    header = signed_in.locator("header.top").bounding_box()
    assert header is not None and header["height"] <= 844 * 0.1, (
        f"the header takes {header} of a 844 px phone screen"
    )
    assert toggle.is_visible() and not nav.is_visible(), "the links are not folded"
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert nav.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    screenshot(signed_in, "phones/phone-navigation-open")
    links = nav.locator("a")
    assert links.count() >= 6, "the folded navigation lost links"
    links.filter(has_text="Hàng chờ duyệt").first.click()
    signed_in.wait_for_load_state()
    assert signed_in.url.endswith("/review"), signed_in.url


def test_frames_and_crops_are_large_enough_to_read(
    signed_in: Any, server: WebServer, every_state: tuple[WebEnv, Made]
) -> None:
    """On a phone each frame and the plate crop take the card's width (one a row, at least
    USABLE_PX); on a desk the three frames sit side by side. Signal crops are tall and narrow
    (a head's three lamps): they are held to a height the lamps can be told apart at."""
    made = every_state[1]
    signed_in.goto(f"{server.url}/cases/{made.cases['review']}")
    signed_in.wait_for_load_state("networkidle")
    phone = signed_in.viewport_name == "phone"
    least = {
        ".frames img": ("width", USABLE_PX if phone else 280),
        ".crop.plate_crop img": ("width", USABLE_PX if phone else 250),
        ".signals img": ("height", 120),
    }
    small = {}
    for selector, (side, px) in least.items():
        pictures = signed_in.locator(f"main {selector}")
        assert pictures.count() >= 1, f"the case page shows no {selector}"
        for i in range(pictures.count()):
            box = pictures.nth(i).bounding_box()
            assert box is not None, f"{selector} #{i} is not laid out"
            if box[side] < px:
                small[f"{selector} #{i}"] = f"{round(box[side])} px {side}, under {px}"
    assert not small, f"{signed_in.viewport_name}: pictures too small to read: {small}"
    if phone:
        tops = [signed_in.locator("main .frames img").nth(i).bounding_box() for i in range(3)]
        assert len({round(b["y"]) for b in tops if b}) == 3, "the frames are not one a row"
    screenshot(signed_in, f"phones/{signed_in.viewport_name}-case-evidence")
