"""The results store: one folder per experiment, safe to interrupt at any moment.

Layout::

    DIR/manifest.json             provenance and the resolved spec (JSON)
    DIR/design.parquet            the design points (point + one column per factor)
    DIR/runs/chunk-000012-<sha>.parquet     runs 12*C .. 13*C-1 (C = chunk_size)
    DIR/months/chunk-000012-<sha>.parquet   their monthly series (keep_monthly only)
    DIR/.lock                     held (flock) by the sweep writing the folder

The runs are numbered ``i = point * replications + replication`` and cut into chunks of
``chunk_size`` consecutive runs, fixed when the folder is created. Each chunk file is
written to a temporary name, flushed to disk and renamed into place (atomic on POSIX),
so a chunk file either exists whole or not at all. ``<sha>`` is the first 16 hex digits of
the file's SHA-256; the months file of a chunk is written before its runs file, so the
runs file marks the chunk as done.

Interrupted at any moment (kill -9 included), the next sweep on the folder resumes: it
deletes temporary files and months files whose runs file is missing, and runs the
chunks that have no runs file. Nothing is lost or run twice, and the final table equals
an uninterrupted run's.

Refusals (``StoreError``, one line): a folder written for a different spec (its
resolved spec's hash differs), by another store format or package version, or with
other model code (a hash of the simulation package's sources); a folder
that is not empty and has no manifest; a folder that cannot be created or written; a
folder another sweep is writing. A chunk whose checksum, metadata, columns or run ids do
not match is **refused, never repaired silently**: the message names the file; delete
it and run the sweep again to recompute it. Only Parquet and JSON are read: no pickle.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import tables
from .executors import model_fingerprint

try:  # flock is POSIX; elsewhere concurrent sweeps on one folder are not detected
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

FORMAT = 1
MANIFEST = "manifest.json"
DESIGN = "design.parquet"
LOCK = ".lock"
KINDS = ("runs", "months")
CHUNK_RE = re.compile(r"^chunk-(\d{6,})-([0-9a-f]{16})\.parquet$")
_META = b"backbone"


class StoreError(RuntimeError):
    """A results folder that cannot be used as asked (one-line message)."""


# ---------------------------------------------------------------- provenance
def package_version() -> str:
    try:
        from importlib.metadata import version

        return version("backbone")
    except Exception:  # not installed: running from a checkout
        return "unknown"


def git_commit() -> tuple[str | None, bool | None]:
    """(commit, has uncommitted changes) of the checkout the package runs from, if any."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None, None
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None, None
    if head.returncode != 0:
        return None, None
    return head.stdout.strip(), bool(dirty.stdout.strip()) if dirty.returncode == 0 else None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# ---------------------------------------------------------------- small file helpers
def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file, fsync and rename. On failure (a
    full disk) the temporary file is removed, if it can be, and ``path`` is as it was."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass   # a resumed sweep removes it (ResultsStore._clean)
        raise
    _fsync_dir(path.parent)


def parquet_bytes(table: pa.Table, meta: dict[str, str] | None = None) -> bytes:
    if meta:
        old = table.schema.metadata or {}
        ours = {_META + b"." + k.encode(): v.encode() for k, v in meta.items()}
        table = table.replace_schema_metadata({**old, **ours})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def task_ids(start: int, stop: int, replications: int) -> tuple[np.ndarray, np.ndarray]:
    """(point, replication) of runs ``start .. stop-1``."""
    i = np.arange(start, stop, dtype=np.int64)
    return i // replications, i % replications


def _ours(name: str) -> bool:
    """Files a store leaves in a folder before its manifest exists: the lock, and a
    manifest being written."""
    return name == LOCK or (name.startswith(f".{MANIFEST}.") and name.endswith(".tmp"))


def _first_file_parent(p: Path) -> Path | None:
    for parent in [p, *p.parents]:
        if parent.exists() and not parent.is_dir():
            return parent
    return None


# What a manifest must hold to be read, with the type of each value.
_MANIFEST_KEYS = {"version": (str,), "name": (str,), "source": (str,), "spec_hash": (str,), "spec": (dict,),
                  "design": (dict,), "root_seed": (int,), "replications": (int,), "seeds": (list,),
                  "runs_total": (int,), "chunk_size": (int,), "columns": (dict,), "started": (str,),
                  "sessions": (list,)}
_SPEC_KEYS = {"keep_monthly": (bool,), "factors": (dict,), "base": (dict,), "scenario": (str,)}


def _check_manifest(mpath: Path, m: dict[str, Any]) -> None:
    """Refuse, in one line naming the manifest, one that lacks a key, holds a value of
    the wrong type, or whose spec_hash does not match its own spec (edited by hand)."""
    damaged = f"{mpath} is damaged"
    for where, keys, table in (("", _MANIFEST_KEYS, m), ("spec.", _SPEC_KEYS, m.get("spec"))):
        if not isinstance(table, dict):
            return  # reported above as a wrong type
        for key, types in keys.items():
            if key not in table:
                raise StoreError(f"{damaged}: key '{where}{key}' is missing")
            value = table[key]
            if not isinstance(value, types) or (types == (int,) and isinstance(value, bool)):
                kind = {"int": "a whole number", "str": "text", "dict": "a table", "list": "a list",
                        "bool": "true or false"}[types[0].__name__]
                raise StoreError(f"{damaged}: '{where}{key}' = {str(value)[:40]!r} is not {kind}")
    if m["chunk_size"] < 1 or m["runs_total"] < 0 or m["replications"] < 1:
        raise StoreError(f"{damaged}: chunk_size, runs_total or replications is out of range")
    if len(m["seeds"]) != m["replications"] or not all(
            isinstance(x, int) and not isinstance(x, bool) and 0 <= x < 2**63 for x in m["seeds"]):
        raise StoreError(f"{damaged}: seeds must be {m['replications']} whole numbers in [0, 2^63 - 1]")
    kinds = ("runs", "months") if m["spec"]["keep_monthly"] else ("runs",)
    for kind in kinds:
        cols = m["columns"].get(kind)
        if not isinstance(cols, list) or not all(isinstance(c, list) and len(c) == 2 for c in cols):
            raise StoreError(f"{damaged}: columns.{kind} is missing or not a list of [name, type]")
    from .spec import spec_digest

    try:
        digest = spec_digest(m["spec"])
    except (TypeError, ValueError):
        digest = None
    if digest != m["spec_hash"]:
        raise StoreError(f"{damaged}: its spec_hash does not match its spec (edited by hand?); the chunks "
                         "cannot be trusted to belong to it: use a new folder")


# ---------------------------------------------------------------- the store
class ResultsStore:
    """A results folder. ``ResultsStore.open(folder)`` reads one;
    ``ResultsStore.create_or_resume(folder, spec, chunk_size, session)`` prepares one for
    writing (and holds its lock until ``close``)."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self._lock_fd: int | None = None
        self._done: dict[int, pa.Table] | None = None

    # ------------------------------------------------------------ reading
    @classmethod
    def open(cls, folder: str | Path) -> "ResultsStore":
        p = Path(folder)
        if not p.exists():
            raise StoreError(f"no such results folder: {p}")
        if not p.is_dir():
            raise StoreError(f"{p} is a file, not a results folder")
        return cls(p, cls._read_manifest(p))

    @staticmethod
    def _read_manifest(p: Path) -> dict[str, Any]:
        mpath = p / MANIFEST
        if not mpath.exists():
            raise StoreError(f"{p} is not a results folder: it has no {MANIFEST}")
        try:
            m = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{mpath} cannot be read ({exc.__class__.__name__}): the folder is damaged") from None
        if not isinstance(m, dict) or m.get("format") != FORMAT:
            raise StoreError(f"{p} was written in results format {m.get('format') if isinstance(m, dict) else '?'}; "
                             f"this version of backbone reads format {FORMAT}")
        _check_manifest(mpath, m)
        return m

    @property
    def runs_total(self) -> int:
        return int(self.manifest["runs_total"])

    @property
    def chunk_size(self) -> int:
        return int(self.manifest["chunk_size"])

    @property
    def chunks_total(self) -> int:
        return -(-self.runs_total // self.chunk_size)

    @property
    def keep_monthly(self) -> bool:
        return bool(self.manifest["spec"]["keep_monthly"])

    def chunk_range(self, k: int) -> tuple[int, int]:
        return k * self.chunk_size, min((k + 1) * self.chunk_size, self.runs_total)

    def chunk_files(self, kind: str) -> dict[int, Path]:
        """The chunk files of ``runs`` or ``months`` by chunk index (names checked)."""
        d = self.folder / kind
        out: dict[int, Path] = {}
        if not d.is_dir():
            return out
        for f in sorted(d.iterdir()):
            m = CHUNK_RE.match(f.name)
            if not m:
                continue
            k = int(m.group(1))
            if k >= self.chunks_total:
                raise StoreError(f"{f} does not belong to this experiment ({self.chunks_total} chunks): remove it")
            if k in out:
                raise StoreError(f"{f} and {out[k].name} are two files for chunk {k}: remove the one you do not trust "
                                 "and run the sweep again")
            out[k] = f
        return out

    def verify_file(self, path: Path) -> bytes:
        """The file's bytes, after checking them against the checksum in its name."""
        data = path.read_bytes()
        m = CHUNK_RE.match(path.name)
        if hashlib.sha256(data).hexdigest()[:16] != m.group(2):
            raise self._corrupt(path, "checksum mismatch")
        return data

    def _corrupt(self, path: Path, why: str) -> StoreError:
        return StoreError(f"{path} is corrupted ({why}): delete it and run 'backbone sweep' on {self.folder} "
                          "again to recompute that chunk")

    def check_file(self, kind: str, k: int, path: Path) -> bytes:
        """The file's bytes, checked: checksum, experiment, chunk index and kind (from the
        Parquet footer)."""
        data = self.verify_file(path)
        try:
            meta = pq.read_metadata(pa.BufferReader(data)).metadata or {}
        except (pa.ArrowException, OSError) as exc:
            raise self._corrupt(path, f"unreadable Parquet: {exc}") from None
        if meta.get(_META + b".spec_hash", b"").decode() != self.manifest["spec_hash"]:
            raise StoreError(f"{path} was written by a different experiment: remove it")
        if meta.get(_META + b".chunk") != str(k).encode() or meta.get(_META + b".kind") != kind.encode():
            raise self._corrupt(path, "its metadata names another chunk")
        return data

    def read_chunk(self, kind: str, k: int, path: Path) -> pa.Table:
        """A chunk's table, checked: checksum, experiment, chunk index, columns, run ids."""
        data = self.check_file(kind, k, path)
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as exc:
            raise self._corrupt(path, f"unreadable Parquet: {exc}") from None
        expected = tables.schema(self.manifest["columns"][kind])
        if not table.schema.remove_metadata().equals(expected):
            raise self._corrupt(path, "unexpected columns")
        start, stop = self.chunk_range(k)
        reps = int(self.manifest["replications"])
        point, rep = task_ids(start, stop, reps)
        got_p = table.column("point").to_numpy()
        got_r = table.column("replication").to_numpy()
        if kind == "runs":
            seeds = np.asarray(self.manifest["seeds"], dtype=np.int64)
            ok = (len(got_p) == len(point) and np.array_equal(got_p, point) and np.array_equal(got_r, rep)
                  and np.array_equal(table.column("seed").to_numpy(), seeds[rep]))
        else:
            ok = np.array_equal(np.unique(got_p * reps + got_r), np.arange(start, stop))
        if not ok:
            raise self._corrupt(path, f"its runs are not runs {start}..{stop - 1}")
        return table.replace_schema_metadata(None)

    def done_chunks(self) -> dict[int, pa.Table]:
        """Every finished chunk's runs table, checked (and its months file too). Read
        once: a resumed store checked them before it changed anything."""
        if self._done is not None:
            return self._done
        runs = self.chunk_files("runs")
        months = self.chunk_files("months") if self.keep_monthly else {}
        out = {}
        for k, path in runs.items():
            out[k] = self.read_chunk("runs", k, path)
            if self.keep_monthly:
                if k not in months:
                    raise StoreError(f"{path} has no monthly series in {self.folder / 'months'}: delete it and run "
                                     "the sweep again to recompute that chunk")
                self.check_file("months", k, months[k])
        return out

    def load(self, monthly: bool = True) -> tuple[list[pa.Table], list[pa.Table] | None]:
        """The finished chunks' runs and (if kept) months tables, checked, in chunk order."""
        runs = self.done_chunks()
        months = None
        if self.keep_monthly and monthly:
            files = self.chunk_files("months")
            months = [self.read_chunk("months", k, files[k]) for k in sorted(runs)]
        return [runs[k] for k in sorted(runs)], months

    # ------------------------------------------------------------ writing
    @classmethod
    def create_or_resume(cls, folder: str | Path, spec, chunk_size: int, session: dict[str, Any]) -> "ResultsStore":
        """Open ``folder`` for ``spec``: create it, or resume it if it was written for the
        same spec by this version; refuse anything else. Takes the folder's lock."""
        p = Path(folder)
        if p.exists() and not p.is_dir():
            raise StoreError(f"{p} is a file, not a folder: choose a folder for the results")
        try:
            p.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            blocker = _first_file_parent(p)
            why = f"{blocker} is a file" if blocker else exc.strerror
            raise StoreError(f"cannot create results folder {p}: {why}") from None
        fresh = not (p / MANIFEST).exists()
        if fresh and not all(_ours(x.name) for x in p.iterdir()):
            raise StoreError(f"{p} is not empty and has no {MANIFEST}, so it is not a results folder: refusing to "
                             "write into it (choose a new or empty folder)")
        store = cls(p, {})
        store._lock()
        try:
            if fresh:
                store._create(spec, chunk_size)
            else:
                store.manifest = cls._read_manifest(p)
                store._check_same(spec)
                store._done = store.done_chunks()  # every check before the first change: a refusal changes nothing
                store._clean()
                store._prepare(spec)
            store.manifest.setdefault("sessions", []).append(
                {**session, "started": now(), "runs_done_before": store.runs_done()})
            store._save_manifest()
        except OSError as exc:
            store.close()
            raise StoreError(f"cannot write to results folder {p}: {exc.strerror}") from None
        except BaseException:
            store.close()
            raise
        return store

    def _lock(self) -> None:
        try:
            fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"results folder {self.folder} is not writable: {exc.strerror}") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise StoreError(f"{self.folder} is being written by another sweep: wait for it to finish") from None
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _create(self, spec, chunk_size: int) -> None:
        commit, dirty = git_commit()
        self.manifest = {
            "format": FORMAT,
            "package": "backbone",
            "version": package_version(),
            "git_commit": commit,
            "git_dirty": dirty,
            "model_fingerprint": model_fingerprint(),
            "name": spec.name,
            "description": spec.description,
            "source": spec.source,
            "spec_hash": spec.spec_hash,
            "spec": spec.resolved(),
            "spec_as_written": spec.to_dict(),
            "design": {"name": spec.design, "points": spec.n_points, "factors": list(spec.factor_names),
                       "options": spec.options, "samples": spec.samples, "file": DESIGN},
            "root_seed": spec.root_seed,
            "replications": spec.replications,
            "seeds": spec.seeds(),
            "runs_total": spec.runs_total,
            "chunk_size": int(chunk_size),
            "columns": tables.columns_for(spec),
            "started": now(),
            "finished": None,
            "status": "running",
            "sessions": [],
        }
        try:
            self._save_manifest()  # first: from now on the folder is ours, and resumable
            self._prepare(spec)
        except OSError as exc:
            raise StoreError(f"cannot write to results folder {self.folder}: {exc.strerror}") from None

    def _prepare(self, spec) -> None:
        """Make the chunk folders and the design file (again, if an interruption came
        right after the manifest was written)."""
        for kind in KINDS[: 2 if spec.keep_monthly else 1]:
            (self.folder / kind).mkdir(exist_ok=True)
        if not (self.folder / DESIGN).exists():
            points = spec.design_points().reset_index()
            write_atomic(self.folder / DESIGN, parquet_bytes(pa.Table.from_pandas(points, preserve_index=False)))

    def _check_same(self, spec) -> None:
        m = self.manifest
        if m.get("version") != package_version():
            raise StoreError(f"{self.folder} was written by backbone {m.get('version')}; this is backbone "
                             f"{package_version()}: results would mix model versions, so it is refused "
                             "(use a new folder)")
        if m.get("spec_hash") != spec.spec_hash:
            diff = [k for k, v in spec.resolved().items() if m.get("spec", {}).get(k) != v]
            raise StoreError(f"{self.folder} holds results of a different experiment ({m.get('name')!r} from "
                             f"{m.get('source')}; differs in: {', '.join(diff) or 'spec'}): refusing to overwrite it "
                             "(choose another --out folder)")
        if m.get("seeds") != spec.seeds():
            raise StoreError(f"{self.folder} was started with other replication seeds (an older seed scheme; "
                             "now replication r runs with root_seed + r): results would mix seeds, so it is "
                             "refused (use a new folder)")
        if m.get("model_fingerprint") != model_fingerprint():
            raise StoreError(f"{self.folder} was started with other model code (simulation sources "
                             f"{m.get('model_fingerprint')}, now {model_fingerprint()}): results would mix "
                             "models, so it is refused (use a new folder, or the code it was started with)")

    def _clean(self) -> None:
        """Remove what an interruption can leave: temporary files, and months files of
        chunks whose runs file was never renamed into place."""
        for kind in KINDS:
            d = self.folder / kind
            if d.is_dir():
                for f in d.glob(".*.tmp"):
                    f.unlink()
        for f in self.folder.glob(".*.tmp"):
            f.unlink()
        if self.keep_monthly:
            runs = self.chunk_files("runs")
            for k, f in self.chunk_files("months").items():
                if k not in runs:
                    f.unlink()

    def _save_manifest(self) -> None:
        write_atomic(self.folder / MANIFEST, json.dumps(self.manifest, indent=1, allow_nan=False).encode())

    def runs_done(self) -> int:
        return sum(b - a for a, b in map(self.chunk_range, self.chunk_files("runs")))

    def write_chunk(self, k: int, runs: pa.Table, months: pa.Table | None) -> None:
        """Write one finished chunk: months first, then runs (the chunk is done when its
        runs file exists)."""
        meta = {"spec_hash": self.manifest["spec_hash"], "chunk": str(k)}
        try:
            if self.keep_monthly:
                self._write_chunk_file("months", k, parquet_bytes(months, {**meta, "kind": "months"}))
            self._write_chunk_file("runs", k, parquet_bytes(runs, {**meta, "kind": "runs"}))
        except OSError as exc:
            raise self.cannot_write(exc) from None

    def cannot_write(self, exc: OSError) -> StoreError:
        """The one-line error for a write that failed (a full disk, a quota, a file-size
        limit, a folder made read-only): what failed, and how to go on from the chunks
        already saved."""
        why = exc.strerror or exc.__class__.__name__
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        todo = "free some space" if full else "make it writable"
        return StoreError(f"cannot write to results folder {self.folder}: {why}; {todo}, then run the sweep on it "
                          f"again to resume ({self.runs_done()} of {self.runs_total} runs are saved)")

    def _write_chunk_file(self, kind: str, k: int, data: bytes) -> None:
        digest = hashlib.sha256(data).hexdigest()[:16]
        write_atomic(self.folder / kind / f"chunk-{k:06d}-{digest}.parquet", data)

    def finish(self, complete: bool, quiet: bool = False) -> None:
        """Record the end of this session (and of the experiment when complete) in the
        manifest. A write that fails is a ``StoreError``; with ``quiet`` (the session is
        ending on another error, which must be the one reported) it is ignored: the end
        time is provenance only, and the folder resumes without it."""
        t = now()
        self.manifest["sessions"][-1]["ended"] = t
        if complete:
            self.manifest["finished"] = self.manifest.get("finished") or t
            self.manifest["status"] = "complete"
        try:
            self._save_manifest()
        except OSError as exc:
            if not quiet:
                raise self.cannot_write(exc) from None


__all__ = ["ResultsStore", "StoreError", "FORMAT", "MANIFEST", "package_version", "git_commit", "task_ids"]
