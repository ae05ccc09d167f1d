"""``backbone app``: the trainer's web app (twin partnerships, live in the browser).

Serves ``backbone.app.page`` with Solara's server on 127.0.0.1 (by default: only this
machine can see it; give ``--host 0.0.0.0`` to show it to a room's network). Before
serving, it makes sure the browser files are cached locally (``backbone.app.assets``)
and loads the compiled kernels; Solara's usage statistics and its banner are switched
off, and a session whose page disconnected is culled after ``CULL_AFTER`` (30 minutes).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import warnings

from .common import HelpFormatter, fail

APP_MODULE = "backbone.app.page"
# How long a session whose page has disconnected without closing is kept for a reconnect
# before it is culled ($SOLARA_KERNEL_CULL_TIMEOUT overrides it). A page that closes
# (a tab, a reload) frees its session at once; an open page is never culled.
CULL_AFTER = "30m"


def check_port(host: str, port: int) -> None:
    """Fail with one line when the port is out of range or already taken."""
    if not 0 <= port <= 65535:
        fail(f"--port = {port} is not allowed: expected [0, 65535] (0: any free port)")
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        fail(f"--host = {host!r} is not allowed: expected an address or name of this machine, e.g. 127.0.0.1")
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError:
            fail(f"--port = {port} is not available on {host}: it is in use; pick another, e.g. --port {port + 1}")


def warm_up() -> None:
    """Load the compiled kernels before the first visitor (the first model in a fresh
    process loads numba's cache: seconds on a cold machine)."""
    from backbone.simulation import PartnershipModel

    model = PartnershipModel(rng=0, n_beneficiaries=10, months=1, max_beneficiary_agents=0)
    model.step()


def run_app(args: argparse.Namespace) -> int:
    check_port(args.host, args.port)
    # No usage statistics leave the machine (Solara sends them by default).
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    # No "This website runs on Solara" banner over the bottom right of the page (it
    # covered part of the board on a projector).
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")
    # A session whose page went away without closing (a laptop lid, a dropped network) is
    # kept for a reconnect, then culled: after CULL_AFTER here (Solara keeps one 24 h).
    os.environ.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_AFTER)
    # Served over plain http on a local address: Solara's note about https cookies, on
    # every page load, is noise here.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    from backbone.app.assets import ensure_assets

    ensure_assets(log=lambda msg: print(f"backbone app: {msg}", file=sys.stderr, flush=True))
    warm_up()
    from solara.__main__ import run as solara_run

    argv = [APP_MODULE, "--host", args.host, "--port", str(args.port), "--production",
            "--open" if args.open else "--no-open", "--log-level", args.log_level]
    print(f"backbone app: serving on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    solara_run.main(argv, prog_name="backbone app", standalone_mode=False)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "app", help="the trainer's web app: twin partnerships, with and without a backbone, live",
        formatter_class=HelpFormatter,
        description=("Serve the trainer's web app: the same partnership with and without a backbone, side by "
                     "side on the same seed, driven by one Play/Pause/Step/Reset; levers, scenarios and "
                     "lessons on the left. Open the address it prints in a browser."),
        epilog=("examples:\n"
                "  backbone app                      # http://127.0.0.1:8765\n"
                "  backbone app --port 9000 --open   # another port, and open a browser\n"
                "  backbone app --host 0.0.0.0       # visible to the room's network"),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    p.add_argument("--open", action="store_true", help="open the app in a browser")
    p.add_argument("--log-level", default="warning", choices=["error", "warning", "info", "debug"],
                   help="server log level")
    p.set_defaults(func=run_app)
