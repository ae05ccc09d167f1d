"""Keep numba's on-disk cache honest.

numba's ``cache=True`` keys a compiled function on its own source file only: when a
kernel that ``step_month`` calls changes (after an upgrade, say) but ``engine.py`` does
not, numba would load the old compiled code and the run would silently use the old
rules. So the first import in a process compares a hash of every ``simulation`` source
file with the one stamped beside the cache, and when they differ it removes the
package's own cache files (``*.nbi``, ``*.nbc`` under ``simulation/**/__pycache__``)
before anything is compiled. Nothing outside the package's cache is touched.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
STAMP = PACKAGE / "__pycache__" / "backbone-kernels.sha256"


def source_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def ensure_fresh() -> bool:
    """Clear the package's numba cache if the sources changed since it was written.
    Returns True if it cleared anything. Never raises: a read-only install just keeps
    numba's own behaviour."""
    try:
        current = source_hash()
        if STAMP.exists() and STAMP.read_text().strip() == current:
            return False
        cleared = False
        for pattern in ("*.nbi", "*.nbc"):
            for f in PACKAGE.rglob(f"__pycache__/{pattern}"):
                f.unlink(missing_ok=True)
                cleared = True
        STAMP.parent.mkdir(exist_ok=True)
        tmp = STAMP.with_suffix(".tmp")
        tmp.write_text(current + "\n")
        tmp.replace(STAMP)
        return cleared
    except OSError:
        return False
