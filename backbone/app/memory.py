"""Memory handed back after a session closes.

A closed Solara session is freed by Solara's own garbage collection a second after the
close (``solara.server.kernel_context``), and its models with it (Mesa's agent-id
registry keys them weakly: ``simulation._mesa``). The freed memory stays in the C
allocator's arenas, one per thread that allocated (each session plays in threads of its
own), so the server's RSS would stay at its peak. ``trim_after_close`` runs, a few
seconds after a close (once for a burst of closes), a collection and glibc's
``malloc_trim(0)``, which hands the free pages of every arena back to the system: the
room benchmark (bench/bench_app.py --room) measures what comes back. Elsewhere than
glibc it only collects.
"""

from __future__ import annotations

import ctypes
import gc
import threading
import time

TRIM_DELAY = 3.0   # seconds after a close: after Solara's own collection (1 s), once for a burst of closes

_lock = threading.Lock()
_pending = False


def malloc_trim() -> bool:
    """glibc's ``malloc_trim(0)``; False where there is no glibc."""
    try:
        return bool(ctypes.CDLL("libc.so.6").malloc_trim(0))
    except (OSError, AttributeError):
        return False


def trim_after_close(delay: float = TRIM_DELAY) -> threading.Thread | None:
    """Collect and trim ``delay`` seconds from now, in a background thread; None if one is
    already waiting (it will see this close's garbage too)."""
    global _pending
    with _lock:
        if _pending:
            return None
        _pending = True

    def run() -> None:
        global _pending
        time.sleep(delay)
        with _lock:
            _pending = False
        gc.collect()
        malloc_trim()

    thread = threading.Thread(target=run, daemon=True, name="backbone-trim-after-close")
    thread.current_context = None  # type: ignore[attr-defined]  (Solara: not part of the closing session)
    thread.start()
    return thread


def on_session_start():
    """For ``solara.lab.on_kernel_start``: each session, once closed, schedules a trim."""
    return trim_after_close


__all__ = ["trim_after_close", "malloc_trim", "on_session_start", "TRIM_DELAY"]
