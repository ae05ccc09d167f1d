"""Write docs/img/app.png: the trainer's app at 1280x720 (a projector), a few years into
a run with a lesson, as the README shows it.

Starts ``backbone app`` on a free port, drives it with Playwright in Debian's Chromium
(``/usr/bin/chromium``; ``apt-get install chromium``), and saves the screenshot::

    python docs/make_screenshot.py                  # docs/img/app.png
    python docs/make_screenshot.py --out /tmp/a.png --width 1920 --height 1080 --months 60
"""

from __future__ import annotations

import argparse
from pathlib import Path

from backbone.app.driver import free_port, launch, pick_lesson, play_until, start_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(ROOT / "docs" / "img" / "app.png"))
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=720)
    ap.add_argument("--months", type=int, default=60, help="how far to run before the screenshot")
    ap.add_argument("--lesson", default="A turnover wave", help="a lesson's title ('' for none)")
    ap.add_argument("--full-page", action="store_true", help="the whole page, not just the first screen")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    port = free_port()
    with open("/dev/null", "w") as log:
        server = start_app(port, log, ROOT)
    try:
        with sync_playwright() as p:
            browser = launch(p, CHROMIUM)
            page = browser.new_page(viewport={"width": args.width, "height": args.height})
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".bb-month-now").wait_for(timeout=120_000)
            if args.lesson:
                pick_lesson(page, args.lesson)
            if args.months:
                play_until(page, args.months)
            if args.full_page:  # the page scrolls inside Solara's content box: make it tall
                height = page.evaluate("() => Math.max(...[...document.querySelectorAll('.v-main *')]"
                                       ".map(e => e.getBoundingClientRect().bottom))")
                page.set_viewport_size({"width": args.width, "height": int(height) + 40})
                page.wait_for_timeout(500)
            page.screenshot(path=args.out)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
