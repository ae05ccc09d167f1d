"""The trainer's app in a real browser: start `backbone app`, drive it with Playwright
in Debian's Chromium, as a trainer would.

Chromium comes from Debian (``/usr/bin/chromium``): the session fixture installs it with
apt-get when it is missing and we are root, and skips with the reason otherwise (never
``playwright install``, which downloads a browser build of its own). The page must work
without the internet: the browser may talk to the app's server only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from backbone.app.driver import free_port, launch, month, pick_lesson, play_until, start_app

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed once per session when missing and possible."""
    if not Path(CHROMIUM).exists():
        if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
            pytest.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and apt-get): "
                        "apt-get install chromium")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["?"])[-1]
                pytest.skip(f"could not install chromium with {' '.join(cmd)}: {last}")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} still missing after apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`backbone app` on a free port, as a subprocess; its URL once it answers."""
    port = free_port()
    log = tmp_path_factory.mktemp("app") / "server.log"
    with open(log, "w") as out:
        try:
            server = start_app(port, out, ROOT)
        except RuntimeError as exc:
            pytest.fail(f"{exc}: {log.read_text()[-2000:]}")
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def line_points(page, css: str) -> list[int]:
    """Points of each line in the chart ``css``."""
    return page.eval_on_selector_all(f".{css} polyline",
                                     "els => els.map(e => e.getAttribute('points').trim().split(' ').length)")


def test_trainer_moves_a_slider_and_plays_both_twins(chromium, app_url, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 2100})
            errors, outside = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            host = app_url.split("/")[2]
            page.on("request", lambda r: outside.append(r.url) if r.url.split("/")[2] != host
                    and not r.url.startswith("data:") else None)

            page.goto(app_url)
            page.get_by_text("Month 0 of 120").wait_for(timeout=120_000)
            assert "Nothing has happened yet" in page.locator(".bb-feed-with").inner_text()

            # move the "Partners at launch" slider from 8 to 10, with the keyboard
            sliders = page.locator("[role=slider]")
            assert sliders.count() == 6
            partners = sliders.nth(1)
            assert partners.get_attribute("aria-valuenow") == "8"
            partners.focus()
            partners.press("ArrowRight")
            partners.press("ArrowRight")
            page.locator(".bb-lever", has_text="Partners at launch").filter(has_text="10").wait_for()

            page.get_by_role("button", name="fast").click()
            page.get_by_role("button", name="Play").click()
            # a phase change is logged at month 13 at the latest: the feed must grow by then
            page.wait_for_function("() => /Month (1[4-9]|[2-9]\\d|1[0-2]\\d) of/.test("
                                   "document.querySelector('.bb-month-now').innerText)", timeout=90_000)
            page.get_by_role("button", name="Pause").click()
            page.get_by_role("button", name="Play").wait_for()
            page.wait_for_timeout(300)
            m = month(page)
            assert m >= 14

            # both twins advanced, month for month, on their own charts and the shared one
            assert line_points(page, "bb-chart-both") == [m + 1, m + 1]
            assert line_points(page, "bb-chart-with")[0] == m + 1
            assert line_points(page, "bb-chart-without")[0] == m + 1
            for side in ("with", "without"):
                feed = page.locator(f".bb-feed-{side} li")
                assert feed.count() >= 1, side
                assert "Month" in feed.first.inner_text()
                assert "Builder" in page.locator(f".bb-network-{side}").inner_html()  # the 10th partner
            assert f"Balanced scorecard, month {m}" in page.locator("table.bb-score").inner_text()

            page.screenshot(path=str(tmp_path / "app.png"))
            assert (tmp_path / "app.png").stat().st_size > 50_000
            assert errors == [], errors
            assert outside == [], outside  # works without the internet
        finally:
            browser.close()


# What the room must see without scrolling: the outcome chart (and the funding lines
# under it), both twins' key numbers, both feeds.
ABOVE_THE_FOLD = (".bb-chart-both", ".bb-chart-funding", ".bb-keys-with", ".bb-keys-without", ".bb-feed-with",
                  ".bb-feed-without")
# SVG text that must read at 14 px or more: chart ticks, network nodes' names.
LABELS = (".bb-chart-both svg text", ".bb-chart-funding svg text", ".bb-chart-with svg text",
          ".bb-network-with svg text", ".bb-network-without svg text")


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_top_of_the_board_fits_a_projector_without_scrolling(chromium, app_url, tmp_path, size):
    from playwright.sync_api import sync_playwright

    width, height = size
    with sync_playwright() as p:
        browser = launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(app_url)
            page.get_by_text("Month 0 of 120").wait_for(timeout=120_000)
            # month 0: launch values, not zeros
            keys = page.locator("table.bb-keys").inner_text()
            assert "20 (low)" in keys and "100%" in keys, keys
            pick_lesson(page, "A turnover wave")  # the lesson's line makes the header taller
            play_until(page, 40)
            page.screenshot(path=str(tmp_path / f"app-{width}x{height}.png"))
            assert (tmp_path / f"app-{width}x{height}.png").stat().st_size > 30_000

            for css in ABOVE_THE_FOLD:
                boxes = [b for b in (el.bounding_box() for el in page.locator(css).all()) if b]
                assert boxes, css
                for b in boxes:
                    assert b["x"] >= 0 and b["y"] >= 0, (css, b)
                    assert b["x"] + b["width"] <= width + 0.5 and b["y"] + b["height"] <= height + 0.5, (css, b)
            sizes = page.eval_on_selector_all(
                ", ".join(LABELS),
                "els => els.map(e => parseFloat(e.getAttribute('font-size')) * e.ownerSVGElement.getScreenCTM().a)")
            assert len(sizes) > 20 and min(sizes) >= 14, sorted(sizes)[:5]
            sidebar = page.locator(".v-navigation-drawer").bounding_box()
            assert sidebar["width"] <= 0.25 * width, sidebar
            assert "runs on Solara" not in page.locator("body").inner_text()  # no banner over the board
        finally:
            browser.close()


def test_a_lesson_shows_its_ghost_line_and_what_it_cost_in_the_feed(chromium, app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(app_url)
            page.get_by_text("Month 0 of 120").wait_for(timeout=120_000)
            pick_lesson(page, "A turnover wave")
            m = play_until(page, 48)  # the feed tells the cost a year after month 36
            # each twin: its own run without the shock, a faint line from the month before it
            ghosts = page.eval_on_selector_all(".bb-chart-both polyline.bb-ghost",
                                               "els => els.map(e => e.getAttribute('points').trim().split(' ').length)")
            assert ghosts == [m - 34, m - 34], (ghosts, m)
            assert "same run without the lesson" in page.locator(".bb-overview").inner_text()
            for side in ("with", "without"):
                feed = page.locator(f".bb-feed-{side}").inner_text()
                assert re.search(r"Month 47\s*A turnover wave has (cost this partnership [\d,]+ people|made no "
                                 r"difference)|Month 47\s*This partnership has [\d,]+ more", feed), feed
                assert re.search(r"[\d,]+ against [\d,]+ in its same run without it", feed), feed
            assert "change from the lesson" in page.locator("table.bb-keys").inner_text()
        finally:
            browser.close()


def test_the_sidebar_says_how_typical_the_pair_is_and_switches_to_a_typical_seed(chromium, app_url):
    """Issue 24, item 8: this seed's backbone effect among 100 seeds (a percentile,
    computed in the background), and a button to a seed near the median effect."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(app_url)
            page.get_by_text("Month 0 of 120").wait_for(timeout=120_000)
            text = page.locator(".bb-typical-text", has_text="percentile")
            text.wait_for(timeout=180_000)
            words = text.inner_text()
            m = re.search(r"On seed (\d+) .* at the (\d+)(st|nd|rd|th) percentile", words, re.S)
            assert m and m.group(1) == "1", words
            assert "Over 100 seeds of the same settings" in words
            button = page.get_by_role("button", name="Typical seed")
            if button.is_enabled():
                button.click()
                page.locator(".bb-typical-text", has_text="percentile").filter(
                    has_not_text="On seed 1 ").wait_for(timeout=60_000)
                words = page.locator(".bb-typical-text").inner_text()
                pct = int(re.search(r"at the (\d+)(st|nd|rd|th) percentile", words).group(1))
                assert 35 <= pct <= 65, words     # nearest the median of the same 100 seeds
                assert page.get_by_role("button", name="Typical seed").is_disabled()
                page.get_by_text("Month 0 of 120").wait_for()
            # a shock lesson: the same comparison, with the shock applied on every seed
            pick_lesson(page, "A turnover wave")
            page.locator(".bb-typical-text", has_text="the same lesson (a turnover wave)").filter(
                has_text="percentile").wait_for(timeout=240_000)
        finally:
            browser.close()
