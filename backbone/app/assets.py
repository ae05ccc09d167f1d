"""Solara's browser assets, kept on this machine so the app works without the CDN.

Solara's server gives the browser its JavaScript and CSS (the Vuetify app, RequireJS)
through its own proxy: a file is served from a local cache folder
(``solara.server.settings.assets.proxy_cache_dir``) or, when missing, fetched from a
public CDN and cached. A training room's network, or a locked-down machine, may not
reach that CDN; the page then stays blank.

The files are those of npm packages at exact versions (the CDN serves npm packages'
files), named in Solara's page template. ``ensure_assets`` finds which of them are not
cached yet and fetches each package once with npm's own client (``npm pack``), unpacking
it into the cache: after that the app needs no network at all. Without npm, it says so
and Solara falls back to its CDN.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

_SPEC = re.compile(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+)/")


def _template() -> Path:
    import solara.server

    return Path(solara.server.__file__).parent / "templates" / "solara.html.j2"


def required_packages() -> list[str]:
    """npm packages (``name@version``) the page template loads through the proxy, for
    the installed Vue version, plus Font Awesome when Solara loads it."""
    import ipyvue
    from solara.server.settings import assets

    specs = sorted(set(_SPEC.findall(_template().read_text())))
    vue3 = ipyvue.__version__.startswith("3")
    unused = "@widgetti/solara-vuetify-app@" if vue3 else "@widgetti/solara-vuetify3-app@"
    specs = [s for s in specs if not s.startswith(unused)]
    if assets.fontawesome_enabled:
        fa = assets.fontawesome_path.strip("/").split("/")[0]
        if "@" in fa:
            specs.append(fa)
    return specs


def cache_dir() -> Path:
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def missing_packages(root: Path | None = None) -> list[str]:
    """Required packages with no folder in the cache yet."""
    root = root or cache_dir()
    return [spec for spec in required_packages() if not (root / spec).is_dir()]


def fetch_package(spec: str, root: Path, timeout: float = 300) -> None:
    """``npm pack spec`` into a temporary folder, then unpack its files into
    ``root/spec`` (as the CDN serves them). Raises RuntimeError with npm's message."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp], cwd=tmp,
                              capture_output=True, text=True, timeout=timeout)
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            last = (done.stderr.strip().splitlines() or ["no tarball"])[-1]
            raise RuntimeError(f"npm pack {spec} failed: {last}")
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(tarballs[0]) as tar:
            tar.extractall(unpacked, filter="data")
        dest = root / spec
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging = dest.parent / f".{dest.name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.move(str(unpacked / "package"), staging)
        try:
            staging.rename(dest)  # complete or absent: a half-copied folder is never seen
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not dest.is_dir():  # else another process got there first
                raise


def ensure_assets(log=print) -> bool:
    """Fetch every missing package into Solara's cache; True when all are there."""
    root = cache_dir()
    ok = True
    for spec in missing_packages(root):
        try:
            log(f"fetching the browser files of {spec} (once) ...")
            fetch_package(spec, root)
        except (RuntimeError, OSError, subprocess.SubprocessError, tarfile.TarError) as exc:
            log(f"could not fetch {spec}: {exc}; the browser will load it from Solara's CDN")
            ok = False
    return ok


__all__ = ["required_packages", "missing_packages", "fetch_package", "ensure_assets", "cache_dir"]
