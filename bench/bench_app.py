"""How long a month of both twins takes in the trainer's app, rendered.

The requirement: a month of both twins, rendered, in under 100 ms on this machine.
Measured in three ways, each over the first ``--months`` months of the default scenario
(10,000 beneficiaries, 8 partners), after one warm-up run:

1. model       ``Twins.step()``: both PartnershipModels one month, the feed sentences.
2. page        a click on Step in the Solara page, rendered in-process with
               ``solara.render`` (the model month, every view rebuilt, the widget tree
               reconciled): all the server's work for one month.
3. browser     (with --browser, needs /usr/bin/chromium) the app served by ``backbone
               app``; Playwright clicks Step and waits until the page shows the next
               month: the server's work plus the websocket round trip and the
               browser's redraw, as the room sees it.

4. room        (with --room N) N sessions of the page at once, as a room of N
               trainees would hold on one server: each in its own thread plays
               ``--months`` months at the "normal" speed (a Step, then a pause to 0.35 s a
               month, as Play does) after ``--rebuilds`` rebuilds (a Reset after a Step,
               as a slider, seed or Reset does), then closes. The server-side time of a
               month (the click on Step until the page is re-rendered), median and p95
               over every month of every session, and the process's RSS before the
               sessions open, at its peak while they play, and after they close
               (``gc.collect()``), with the ``PartnershipModel``s still alive. The
               sessions are ``solara.render`` contexts in this process: the server's
               work for each month (the model, every view rebuilt, the widget tree
               reconciled) without the websocket's transfer or a browser's redraw.
5. room-server (with --room-server N) the same rooms on a real ``backbone app``
               server, each session over Solara's websocket as a page's front end
               speaks it (``WsSession``: the app run, clicks, the widget updates back;
               no browser drawing them), closed with the close beacon a tab sends. A
               month: the click until the page's scorecard shows it. The server's RSS
               before, at its peak, and 8 s after the last session closed.

Usage::

    .venv/bin/python bench/bench_app.py               # 1 and 2
    .venv/bin/python bench/bench_app.py --browser     # 1, 2 and 3
    .venv/bin/python bench/bench_app.py --scenario large_network   # 60 partners, 75,000 people
    .venv/bin/python bench/bench_app.py --room 5 10 20 30 --months 36   # 4 only, one room after another
    .venv/bin/python bench/bench_app.py --room-server 5 10 20 30 --months 36   # 5 only, on one server
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def report(name: str, seconds: list[float]) -> dict:
    ms = [1000 * s for s in seconds]
    print(f"{name:<8} per month: median {statistics.median(ms):7.2f} ms   mean {statistics.mean(ms):7.2f} ms"
          f"   max {max(ms):7.2f} ms   ({len(ms)} months)")
    return {"median_ms": statistics.median(ms), "mean_ms": statistics.mean(ms), "max_ms": max(ms), "months": len(ms)}


def bench_model(months: int, scenario: str) -> list[float]:
    from backbone.app import Twins, scenario_base, twin_params

    params = twin_params(scenario_base(scenario))
    Twins(params, seed=1).step(3)  # warm-up: compiled kernels loaded
    twins = Twins(params, seed=1)
    out = []
    for _ in range(months):
        t = time.perf_counter()
        twins.step()
        out.append(time.perf_counter() - t)
    return out


def bench_page(months: int, scenario: str) -> list[float]:
    import ipyvuetify as v
    import solara

    from backbone.app.page import Page

    def step_button(rc):
        return next(b.widget for b in rc.find(v.Btn) if "Step" in b.widget.children)

    from backbone.app.page import Layout

    box, rc = solara.render(Layout(children=[Page()]), handle_error=False)  # warm-up render
    for _ in range(3):
        step_button(rc).click()
    rc.close()
    box, rc = solara.render(Layout(children=[Page()]), handle_error=False)
    if scenario != "baseline":
        from backbone.app.page import scenario_title

        rc.find(v.Select, label="Scenario").widget.v_model = scenario_title(scenario)   # the picker shows titles
    button = step_button(rc)
    out = []
    for _ in range(months):
        t = time.perf_counter()
        button.click()
        out.append(time.perf_counter() - t)
    rc.close()
    return out


# In the page: click Step, wait until the month, the chart of both twins and each twin's
# own chart all show month m (every line has m + 1 points), then for the next frame to be
# painted; return the milliseconds from the click.
STEP_AND_WAIT = """
async (m) => {
  const done = () => {
    const month = document.querySelector('.bb-month-now');
    if (!month || !month.innerText.includes(`Month ${m} of`)) return false;
    for (const sel of ['.bb-chart-both', '.bb-chart-with', '.bb-chart-without']) {
      const line = document.querySelector(sel + ' polyline');
      if (!line || line.getAttribute('points').trim().split(' ').length !== m + 1) return false;
    }
    return true;
  };
  const button = [...document.querySelectorAll('button')].find(b => b.innerText.trim().toUpperCase() === 'STEP');
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const obs = new MutationObserver(() => { if (done()) { obs.disconnect(); resolve(); } });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
    setTimeout(() => { obs.disconnect(); reject(new Error(`month ${m} not shown after 10 s`)); }, 10000);
    button.click();
  });
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  return performance.now() - t0;
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_browser(months: int) -> list[float]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "backbone.cli.main", "app", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("Month 0 of").wait_for(timeout=120_000)
            for m in range(1, 4):  # warm-up
                page.evaluate(STEP_AND_WAIT, m)
            out = [page.evaluate(STEP_AND_WAIT, m) / 1000 for m in range(4, 4 + months)]
            browser.close()
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)


def rss_mb() -> float:
    """This process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def live_models() -> int:
    import gc

    from backbone.simulation import PartnershipModel

    gc.collect()
    return sum(isinstance(o, PartnershipModel) for o in gc.get_objects())


def bench_room(sessions: int, months: int, rebuilds: int, pace: float) -> dict:
    """``sessions`` page sessions at once, each in a thread: ``rebuilds`` rebuilds, then
    ``months`` months played at ``pace`` seconds a month, then closed."""
    import threading

    import ipyvuetify as v
    import solara

    from backbone.app.page import Layout, Page

    def button(rc, label):
        return next(b for b in rc.find(v.Btn).widgets if label in b.children)

    times: list[float] = []
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(sessions + 1)

    def session() -> None:
        try:
            _, rc = solara.render(Layout(children=[Page()]), handle_error=False)
            for _ in range(rebuilds):
                button(rc, "Step").click()
                button(rc, "Reset").click()
            start.wait()
            step = button(rc, "Step")
            own = []
            for _ in range(months):
                t = time.perf_counter()
                step.click()
                own.append(time.perf_counter() - t)
                time.sleep(max(0.0, pace - own[-1]))
            with lock:
                times.extend(own)
            rc.close()
        except BaseException as exc:  # noqa: BLE001 - reported after the room
            errors.append(exc)
            start.abort()

    models_before = live_models()
    before = rss_mb()
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss_mb())

    threads = [threading.Thread(target=session, name=f"session-{i}") for i in range(sessions)]
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    start.wait()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    done.set()
    watcher.join()
    if errors:
        raise errors[0]
    # solara.render (outside a server) keeps each widget's placeholder comm, and so the
    # widget, for debugging; a server's sessions have real comms, closed with them.
    solara.comm.orphan_comm_stacks.clear()
    models_after = live_models()
    after = rss_mb()
    try:   # what glibc keeps for reuse, handed back: the rest is held by Python
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
        trimmed = rss_mb()
    except (OSError, AttributeError):
        trimmed = float("nan")
    ms = sorted(1000 * t for t in times)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    out = {"sessions": sessions, "months": months, "rebuilds": rebuilds, "pace_ms": 1000 * pace,
           "median_ms": statistics.median(ms), "p95_ms": p95, "max_ms": ms[-1], "wall_s": wall,
           "rss_before_mb": before, "rss_peak_mb": peak[0], "rss_after_mb": after, "rss_trimmed_mb": trimmed,
           "models_alive_after": models_after - models_before, "load": os.getloadavg()[0]}
    print(f"room {sessions:>3} sessions: per month median {out['median_ms']:6.1f} ms  p95 {p95:6.1f} ms  "
          f"max {ms[-1]:6.1f} ms   RSS {before:5.0f} -> peak {peak[0]:5.0f} -> after {after:5.0f} "
          f"(malloc_trim {trimmed:5.0f}) MB   "
          f"models alive after {out['models_alive_after']}   ({wall:.1f} s, load {out['load']:.2f})", flush=True)
    return out


class WsSession:
    """One page session over Solara's websocket, as a browser holds it: the Jupyter
    messages the page's front end sends (open the ``solara.control`` comm, ``run`` the
    app, a widget's ``click`` event) and the widget state the server sends back, with no
    browser drawing it. ``close`` is the close beacon a tab sends when it closes."""

    def __init__(self, port: int, timeout: float = 60.0):
        import uuid

        import requests
        from websockets.sync.client import connect

        self.base, self.timeout, self.uuid = f"http://127.0.0.1:{port}", timeout, uuid.uuid4
        self.cookies = requests.get(self.base + "/", timeout=timeout).cookies
        self.kernel, self.page, self.session = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = connect(f"ws://127.0.0.1:{port}/jupyter/api/kernels/{self.kernel}/channels?session_id={self.page}",
                          additional_headers={"Cookie": cookie}, max_size=None, open_timeout=timeout).__enter__()
        self.widgets: dict[str, dict] = {}
        control = str(uuid.uuid4())
        self.send("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        self.send("comm_msg", {"comm_id": control, "data": {"method": "run", "args": {"path": "/", "appName": None}}})
        self.until(lambda raw: control in raw and '"finished"' in raw)

    def send(self, msg_type: str, content: dict) -> None:
        import json

        header = {"msg_id": str(self.uuid()), "msg_type": msg_type, "session": self.session, "username": "bench",
                  "date": "", "version": "5.3"}
        self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                 "buffers": [], "channel": "shell"}))

    def until(self, done) -> None:
        """Read messages until ``done(raw text)``; keep the state of each widget opened
        (the client's own work kept small: only those messages are parsed)."""
        import json
        import struct

        while True:
            raw = self.ws.recv(timeout=self.timeout)
            if isinstance(raw, bytes):   # a message with binary buffers: its JSON part
                n = struct.unpack("!i", raw[:4])[0]
                offsets = struct.unpack("!" + "I" * n, raw[4: 4 * (n + 1)])
                raw = raw[offsets[0]: offsets[1] if n > 1 else None].decode()
            if "comm_open" in raw:
                m = json.loads(raw)
                c = m.get("content", {})
                if m["header"]["msg_type"] == "comm_open":
                    self.widgets[c["comm_id"]] = dict(c["data"].get("state", {}))
            if done(raw):
                return

    def click(self, label: str, shows: str) -> None:
        """Click the button ``label`` and wait until the page shows ``shows``."""
        button = next(k for k, st in self.widgets.items()
                      if st.get("_model_name") == "BtnModel" and label in (st.get("children") or []))
        self.send("comm_msg", {"comm_id": button, "data": {"method": "custom",
                                                           "content": {"event": "click", "data": {}}}})
        self.until(lambda raw: shows in raw)

    def close(self) -> None:
        import requests

        requests.post(f"{self.base}/_solara/api/close/{self.kernel}?session_id={self.page}", cookies=self.cookies,
                      timeout=self.timeout)
        self.ws.close()


def proc_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_room_server(sizes: list[int], months: int, rebuilds: int, pace: float, settle: float = 8.0) -> list[dict]:
    """Rooms of ``sizes`` sessions on one ``backbone app`` server, over its websocket:
    each session ``rebuilds`` rebuilds (Step then Reset), then ``months`` months played at
    ``pace`` seconds a month (a Step, then a pause, as Play does), then closes. The time
    of a month: the click until the page's scorecard shows the month (the server's work
    and the websocket, no browser). The server's RSS before, at its peak, and ``settle``
    seconds after the last close (Solara collects a closed session after 1 s, the app
    hands the memory back after 3 s)."""
    import threading

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "backbone.cli.main", "app", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    rooms = []
    try:
        deadline = time.time() + 240
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("backbone app did not start") from None
                time.sleep(0.5)
        warm = WsSession(port)
        warm.click("Step", "Balanced scorecard, month 1<")
        warm.close()
        time.sleep(settle)
        for n in sizes:
            times: list[float] = []
            errors: list[BaseException] = []
            lock = threading.Lock()
            start = threading.Barrier(n + 1)

            def session() -> None:
                try:
                    s = WsSession(port)
                    for _ in range(rebuilds):
                        s.click("Step", "Balanced scorecard, month 1<")
                        s.click("Reset", "Balanced scorecard, month 0<")
                    start.wait()
                    own = []
                    for m in range(1, months + 1):
                        t = time.perf_counter()
                        s.click("Step", f"Balanced scorecard, month {m}<")
                        own.append(time.perf_counter() - t)
                        time.sleep(max(0.0, pace - own[-1]))
                    with lock:
                        times.extend(own)
                    s.close()
                except BaseException as exc:  # noqa: BLE001 - reported after the room
                    errors.append(exc)
                    start.abort()

            before = proc_rss_mb(server.pid)
            peak = [before]
            done = threading.Event()

            def watch() -> None:
                while not done.wait(0.2):
                    peak[0] = max(peak[0], proc_rss_mb(server.pid))

            threads = [threading.Thread(target=session) for _ in range(n)]
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            try:
                start.wait()
            except threading.BrokenBarrierError:
                pass
            for th in threads:
                th.join()
            wall = time.perf_counter() - t0
            time.sleep(settle)
            done.set()
            watcher.join()
            if errors:
                raise errors[0]
            after = proc_rss_mb(server.pid)
            ms = sorted(1000 * t for t in times)
            p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
            room = {"sessions": n, "months": months, "rebuilds": rebuilds, "pace_ms": 1000 * pace,
                    "median_ms": statistics.median(ms), "p95_ms": p95, "max_ms": ms[-1], "wall_s": wall,
                    "rss_before_mb": before, "rss_peak_mb": peak[0], "rss_after_mb": after,
                    "load": os.getloadavg()[0]}
            print(f"server room {n:>3} sessions: per month median {room['median_ms']:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"max {ms[-1]:6.1f} ms   server RSS {before:5.0f} -> peak {peak[0]:5.0f} -> {settle:.0f} s after "
                  f"closing {after:5.0f} MB   ({wall:.1f} s, load {room['load']:.2f})", flush=True)
            rooms.append(room)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rooms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--months", type=int, default=60, help="months to time")
    ap.add_argument("--browser", action="store_true", help="also time the served app in Chromium (baseline)")
    ap.add_argument("--scenario", default="baseline", help="scenario for the model and page timings")
    ap.add_argument("--json", metavar="FILE", help="also save the figures (medians, means, maxima in ms)")
    ap.add_argument("--room", type=int, nargs="+", metavar="N",
                    help="only the room: N sessions at once (several N: one room after another, in one process)")
    ap.add_argument("--room-server", type=int, nargs="+", metavar="N",
                    help="only the room, on a `backbone app` server over its websocket (several N: one after another, "
                         "on the same server)")
    ap.add_argument("--rebuilds", type=int, default=5, help="rebuilds of each room session before it plays")
    args = ap.parse_args()
    print(f"scenario {args.scenario}; load average {os.getloadavg()[0]:.2f}")
    out = {"scenario": args.scenario, "load_start": os.getloadavg()[0]}
    if args.room or args.room_server:
        from backbone.app.page import SPEEDS

        if args.room:
            bench_room(1, 3, 1, 0.0)   # warm-up: kernels loaded, the page's modules imported
            out["room"] = [bench_room(n, args.months, args.rebuilds, SPEEDS["normal"]) for n in args.room]
        if args.room_server:
            out["room_server"] = bench_room_server(args.room_server, args.months, args.rebuilds, SPEEDS["normal"])
        out["load_end"] = os.getloadavg()[0]
        if args.json:
            import json

            Path(args.json).write_text(json.dumps(out, indent=1))
        return
    out["model"] = report("model", bench_model(args.months, args.scenario))
    out["page"] = report("page", bench_page(args.months, args.scenario))
    if args.browser:
        out["browser"] = report("browser", bench_browser(min(args.months, 40)))
    out["load_end"] = os.getloadavg()[0]
    print("requirement: a month of both twins, rendered, under 100 ms (the page figure; with --browser, the browser's)")
    if args.json:
        import json

        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
