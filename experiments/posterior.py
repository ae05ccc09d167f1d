"""A calibrated posterior as a source of parameter draws: replication r of any batch of
runs draws parameter set number r from the posterior of a ``backbone calibrate`` results
folder, the same draw in every arm (so common random numbers survive), and applies it on
top of the arm's own parameters for the calibrated names only.

The draw: the final generation's particles are resampled with their importance weights;
replication r takes ``rng.choice(n, p=weights)`` with ``rng =
numpy.random.default_rng([seed, r, 0x9057])``, where ``seed`` is the batch's root seed.
It depends only on (folder, seed, r): a run is reproducible from its folder.

A folder is read only if its ``manifest.json`` says it is a Backbone calibration of this
format and the posterior table's SHA-256 matches the manifest; anything else (a foreign
or corrupted folder) is a one-line ``PosteriorError``.

Usage::

    from backbone.experiments.posterior import load_posterior
    post = load_posterior("results/calib")
    post.overrides(3, seed=0)      # {"turnover_rate": 0.017, ...} for replication 3
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from backbone.simulation import SCHEMA
from backbone.simulation.params import coerce

KIND = "backbone-calibration"
FORMAT = 1
MANIFEST = "manifest.json"
POSTERIOR = "posterior.parquet"
DRAW_TAG = 0x9057


class PosteriorError(ValueError):
    """A results folder that is not a readable Backbone calibration (one-line message)."""


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a calibration folder, checked for kind and format."""
    folder = Path(folder)
    where = f"--posterior {folder}"
    if not folder.is_dir():
        raise PosteriorError(f"{where}: not a folder")
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PosteriorError(f"{where}: no {MANIFEST}: not a calibration folder (made by backbone calibrate)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PosteriorError(f"{where}: {MANIFEST} is unreadable ({type(exc).__name__}): "
                             "the folder is corrupted") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != KIND:
        raise PosteriorError(f"{where}: {MANIFEST} is not a Backbone calibration manifest (kind != '{KIND}')")
    if manifest.get("format") != FORMAT:
        raise PosteriorError(f"{where}: calibration format {manifest.get('format')!r} is not supported "
                             f"(expected {FORMAT})")
    return manifest


@dataclass(frozen=True)
class Posterior:
    """The final generation of a calibration: ``names`` (the calibrated parameters),
    ``particles`` (n x len(names)), normalized ``weights``."""

    folder: Path
    names: tuple[str, ...]
    particles: np.ndarray
    weights: np.ndarray
    generation: int
    fingerprint: str

    @property
    def n(self) -> int:
        return len(self.weights)

    def index(self, replication: int, seed: int = 0) -> int:
        rng = np.random.default_rng([int(seed), int(replication), DRAW_TAG])
        return int(rng.choice(self.n, p=self.weights))

    def overrides(self, replication: int, seed: int = 0, skip: Iterable[str] = ()) -> dict[str, Any]:
        """Parameter overrides of replication ``replication`` (names in ``skip`` are left
        to the arm)."""
        row = self.particles[self.index(replication, seed)]
        skip = set(skip)
        return {name: coerce(SCHEMA[name], float(v)) for name, v in zip(self.names, row) if name not in skip}

    def note(self) -> str:
        return (f"intervals include parameter uncertainty (posterior {self.folder}, {self.n} particles; "
                f"calibrated: {', '.join(self.names)})")


def load_posterior(folder: str | Path) -> Posterior:
    """Read and check a calibration folder (one-line ``PosteriorError`` otherwise)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    where = f"--posterior {folder}"
    if manifest.get("status") != "complete":
        raise PosteriorError(f"{where}: the calibration is not complete (status {manifest.get('status')!r}): "
                             "run the same backbone calibrate command again to resume it")
    path = folder / POSTERIOR
    if not path.is_file():
        raise PosteriorError(f"{where}: {POSTERIOR} is missing: the folder is corrupted")
    if file_sha256(path) != manifest.get("posterior_sha256"):
        raise PosteriorError(f"{where}: {POSTERIOR} does not match its manifest (SHA-256): the folder is corrupted")
    names = manifest.get("parameters")
    if not isinstance(names, list) or not names or any(n not in SCHEMA for n in names):
        raise PosteriorError(f"{where}: the manifest's parameters are not parameters of this model")
    import pandas as pd

    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - any reader error means a corrupted file
        raise PosteriorError(f"{where}: {POSTERIOR} is unreadable ({type(exc).__name__})") from None
    missing = [c for c in ("generation", "weight", *names) if c not in table.columns]
    if missing:
        raise PosteriorError(f"{where}: {POSTERIOR} lacks column(s) {', '.join(missing)}")
    last = int(table["generation"].max())
    final = table[table["generation"] == last]
    w = final["weight"].to_numpy(dtype=float)
    x = final[list(names)].to_numpy(dtype=float)
    if not len(w) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0 or not np.isfinite(x).all():
        raise PosteriorError(f"{where}: {POSTERIOR} has no valid particles in generation {last}")
    for j, name in enumerate(names):
        lo, hi = SCHEMA[name].lo, SCHEMA[name].hi
        if (x[:, j] < lo).any() or (x[:, j] > hi).any():
            raise PosteriorError(f"{where}: {name} has particles outside its range [{lo:g}, {hi:g}]")
    return Posterior(folder, tuple(names), x, w / w.sum(), last, str(manifest.get("model_fingerprint", "")))


def arm_contrasts(bases: Iterable[Mapping[str, Any]], names: Iterable[str]) -> set[str]:
    """Calibrated names whose values differ between arms: the contrast a comparison is
    about, left to the arms (a posterior draw would erase it)."""
    bases = list(bases)
    out = set()
    for name in names:
        vals = {json.dumps(b.get(name), default=str) for b in bases}
        if len(vals) > 1:
            out.add(name)
    return out


def replication_draws(post: Posterior | None, bases: Iterable[Mapping[str, Any]], replications: int,
                      seed: int = 0, skip: Iterable[str] = ()) -> dict[int, dict[str, Any]]:
    """Overrides of replications 0..replications-1 for a batch whose arms have parameter
    dicts ``bases``: the calibrated names, except those the arms set differently (the
    contrast, see ``arm_contrasts``) and those in ``skip``. Empty without a posterior."""
    if post is None:
        return {}
    keep = arm_contrasts(bases, post.names) | set(skip)
    return {r: post.overrides(r, seed, skip=keep) for r in range(int(replications))}


STORE_FILE = "posterior.json"


def _store_entry(post: Posterior | None) -> dict[str, Any] | None:
    if post is None:
        return None
    return {"folder": str(post.folder.resolve()), "posterior_sha256": file_sha256(post.folder / POSTERIOR),
            "parameters": list(post.names), "particles": post.n}


def check_store_posterior(out: str | Path, post: Posterior | None) -> None:
    """A sweep's results folder resumes only with the posterior it was started with
    (none, or the same posterior table)."""
    path = Path(out) / STORE_FILE
    had = None
    if path.is_file():
        try:
            had = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            raise PosteriorError(f"{path} is unreadable: the results folder is corrupted") from None
    elif Path(out).is_dir() and (Path(out) / "manifest.json").is_file():
        had = None  # an existing sweep folder without a posterior
    else:
        return      # a new folder
    now = _store_entry(post)
    if (had or {}).get("posterior_sha256") != (now or {}).get("posterior_sha256"):
        was = f"posterior {had['folder']}" if had else "no posterior"
        raise PosteriorError(f"{out} was started with {was}: resume it the same way, or choose a new folder")


def record_store_posterior(out: str | Path, post: Posterior) -> None:
    path = Path(out) / STORE_FILE
    if not path.exists():
        path.write_text(json.dumps(_store_entry(post), indent=2) + "\n", encoding="utf-8")


def draws_table(post: Posterior, replications: int, seed: int = 0):
    """The draw of every replication: columns replication, particle and the names."""
    import pandas as pd

    rows = [{"replication": r, "particle": post.index(r, seed), **post.overrides(r, seed)} for r in range(replications)]
    return pd.DataFrame(rows)


__all__ = ["Posterior", "PosteriorError", "load_posterior", "read_manifest", "file_sha256", "arm_contrasts",
           "replication_draws", "check_store_posterior", "record_store_posterior",
           "draws_table", "KIND", "FORMAT", "MANIFEST", "POSTERIOR"]
