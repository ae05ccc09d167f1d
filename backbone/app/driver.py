"""Driving the trainer's app from a headless browser, as a trainer would: start it, pick a
lesson, play until a month. The browser tests (tests/test_app_browser.py) and the README's
screenshot (docs/make_screenshot.py) both use these, so they click the same things. The
``page`` arguments are Playwright pages; this module imports nothing of Playwright."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, log, cwd: Path, timeout: float = 240.0) -> subprocess.Popen:
    """``backbone app`` on ``port`` as a subprocess (output to the open file ``log``), once
    it answers; RuntimeError if it exits or does not answer within ``timeout`` seconds (the
    first start fetches the browser files and loads the compiled kernels)."""
    server = subprocess.Popen([sys.executable, "-m", "backbone.cli.main", "app", "--port", str(port)],
                              cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"backbone app exited with {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            if time.time() > deadline:
                server.kill()
                raise RuntimeError(f"backbone app did not answer in {timeout:.0f} s") from None
            time.sleep(0.5)


def month(page) -> int:
    """The month the board shows."""
    return int(re.search(r"Month (\d+)", page.locator(".bb-month-now").inner_text()).group(1))


def pick_lesson(page, title: str) -> None:
    """Choose a lesson in the sidebar's Lesson menu and wait for its line."""
    page.locator(".v-select", has_text="Lesson").locator(".v-field").click()
    page.locator(".v-list-item", has_text=title).click()
    page.locator(".bb-watch", has_text=title).wait_for(timeout=30_000)


def play_until(page, at_least: int, timeout_ms: int = 180_000) -> int:
    """Play fast until month ``at_least`` or later, pause, and return the month."""
    page.get_by_role("button", name="fast").click()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "m => { const t = document.querySelector('.bb-month-now'); "
        "return t && parseInt(t.innerText.match(/Month (\\d+)/)[1]) >= m; }", arg=at_least, timeout=timeout_ms)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    page.wait_for_timeout(500)
    return month(page)


def launch(playwright, executable: str):
    """A headless Chromium (``executable``, e.g. Debian's /usr/bin/chromium) that makes no
    network calls of its own."""
    return playwright.chromium.launch(executable_path=executable, headless=True,
                                      args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
