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

The shipped posterior. ``--posterior default`` reads ``DEFAULT_FILE``
(``experiments/calibration/posterior_default.json``, in the package), a posterior
exported from a calibration folder (``analysis.calibrate.export_posterior``) as one small
JSON file (kind ``SHIPPED_KIND``): the final generation's particles and weights, the
parameters and their priors, the model fingerprint and the targets' hash of the
calibration that made it, the command that made it (``make posterior``), and the
identities of its calibration patterns (so that ``backbone validate --posterior`` can
refuse to judge a pattern the posterior was fitted to). Any other path ending in
``.json`` is read the same way. A posterior made by other model code than this one is
still read; ``Posterior.stale()`` says so in one line, and the test suite refuses to
ship it.

Usage::

    from backbone.experiments.posterior import load_posterior
    post = load_posterior("results/calib")          # or "default", or a .json file
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
SHIPPED_KIND = "backbone-posterior"
SHIPPED_FORMAT = 1
DEFAULT = "default"   # --posterior default: the shipped posterior
DEFAULT_FILE = Path(__file__).resolve().parent / "calibration" / "posterior_default.json"
REFIT = "make posterior"   # the command that regenerates DEFAULT_FILE (the Makefile's target)


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
    ``particles`` (n x len(names)), normalized ``weights``; ``folder``: the calibration
    folder or the exported ``.json`` file it was read from; ``sha256``: the hash that
    identifies it (the posterior table's, or the file's); ``patterns``: the identities
    of the calibration patterns it was fitted to (``analysis.patterns.identity``, with
    their titles), empty when the folder predates them; ``info``: the manifest or the
    exported file's provenance (command, targets' hash, credible intervals ...)."""

    folder: Path
    names: tuple[str, ...]
    particles: np.ndarray
    weights: np.ndarray
    generation: int
    fingerprint: str
    sha256: str = ""
    patterns: tuple[Mapping[str, Any], ...] = ()
    info: Mapping[str, Any] | None = None

    @property
    def shipped(self) -> bool:
        return self.folder.resolve() == DEFAULT_FILE.resolve()

    def stale(self) -> str | None:
        """One line when the posterior was fitted to other model code than this one,
        else None."""
        from .executors import model_fingerprint

        here = model_fingerprint()
        if self.fingerprint == here:
            return None
        fix = f"refit it: {REFIT}" if self.shipped else "calibrate again"
        return (f"warning: posterior {self.folder} was fitted to other model code (fingerprint {self.fingerprint}, "
                f"here {here}): its draws may no longer reproduce its targets; {fix}")

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
        where = "default (shipped)" if self.shipped else str(self.folder)
        return (f"intervals include parameter uncertainty (posterior {where}, {self.n} particles; "
                f"calibrated: {', '.join(self.names)})")


def load_posterior(folder: str | Path) -> Posterior:
    """Read and check a calibration folder, an exported posterior (``.json``) or, for
    ``"default"``, the shipped posterior (one-line ``PosteriorError`` otherwise)."""
    if str(folder) == DEFAULT:
        if not DEFAULT_FILE.is_file():
            raise PosteriorError(f"--posterior default: the shipped posterior {DEFAULT_FILE} is missing: "
                                 f"make it with: {REFIT}")
        return load_exported(DEFAULT_FILE)
    if str(folder).lower().endswith(".json"):
        return load_exported(folder)
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
    _check_particles(where, names, x, w, last)
    pats = manifest.get("calibration_patterns")
    return Posterior(folder, tuple(names), x, w / w.sum(), last, str(manifest.get("model_fingerprint", "")),
                     manifest["posterior_sha256"], tuple(pats) if isinstance(pats, list) else (), manifest)


def _check_particles(where: str, names, x: np.ndarray, w: np.ndarray, last: int) -> None:
    for j, name in enumerate(names):
        lo, hi = SCHEMA[name].lo, SCHEMA[name].hi
        if (x[:, j] < lo).any() or (x[:, j] > hi).any():
            raise PosteriorError(f"{where}: {name} has particles outside its range [{lo:g}, {hi:g}]")


def load_exported(path: str | Path) -> Posterior:
    """Read and check an exported posterior (``.json``, see the module docstring)."""
    path = Path(path)
    where = f"--posterior {DEFAULT if path.resolve() == DEFAULT_FILE.resolve() else path}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PosteriorError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PosteriorError(f"{where}: unreadable ({type(exc).__name__}): the file is corrupted") from None
    if not isinstance(data, dict) or data.get("kind") != SHIPPED_KIND:
        raise PosteriorError(f"{where}: not an exported Backbone posterior (kind != '{SHIPPED_KIND}')")
    if data.get("format") != SHIPPED_FORMAT:
        raise PosteriorError(f"{where}: posterior format {data.get('format')!r} is not supported "
                             f"(expected {SHIPPED_FORMAT})")
    names = data.get("parameters")
    if not isinstance(names, list) or not names or any(not isinstance(n, str) or n not in SCHEMA for n in names):
        raise PosteriorError(f"{where}: its parameters are not parameters of this model")
    try:
        x = np.asarray(data.get("particles"), dtype=float)
        w = np.asarray(data.get("weights"), dtype=float)
    except (TypeError, ValueError):
        raise PosteriorError(f"{where}: particles and weights must be numbers") from None
    ok = (x.ndim == 2 and x.shape[1] == len(names) and w.ndim == 1 and len(w) == len(x) and len(w)
          and np.isfinite(w).all() and (w >= 0).all() and w.sum() > 0 and np.isfinite(x).all())
    if not ok:
        raise PosteriorError(f"{where}: no valid particles (expected particles n x {len(names)} and n weights >= 0)")
    generation = data.get("generation", 0)
    _check_particles(where, names, x, w, generation)
    pats = data.get("calibration_patterns")
    return Posterior(path, tuple(names), x, w / w.sum(), int(generation) if isinstance(generation, int) else 0,
                     str(data.get("model_fingerprint", "")), file_sha256(path),
                     tuple(pats) if isinstance(pats, list) else (), data)


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
    return {"folder": str(post.folder.resolve()), "posterior_sha256": post.sha256,
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
           "draws_table", "load_exported", "KIND", "FORMAT", "MANIFEST", "POSTERIOR", "SHIPPED_KIND", "SHIPPED_FORMAT",
           "DEFAULT", "DEFAULT_FILE", "REFIT"]
