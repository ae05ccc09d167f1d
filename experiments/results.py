"""Reading a results folder: into pandas in one call, or with SQL (DuckDB).

Usage (e.g. in a notebook)::

    from backbone.experiments import load_results, query, read_manifest
    runs, months = load_results("results/bb_lhs")     # months is None unless kept
    query("results/bb_lhs", "SELECT backbone_share, avg(long_term_impact) FROM runs GROUP BY 1")
    read_manifest("results/bb_lhs")["spec"]           # the resolved spec, seeds, provenance

Every chunk is checked (checksum, and for pandas loads its run ids too) before it is
read; a damaged one is refused with a message naming it. An unfinished sweep loads the
runs finished so far (``runs_done(folder)`` says how many of how many).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import tables
from .store import ResultsStore, StoreError


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The folder's manifest: provenance, resolved spec, design, seeds, sessions."""
    return ResultsStore.open(folder).manifest


def runs_done(folder: str | Path) -> tuple[int, int]:
    """(runs finished, runs in the experiment)."""
    store = ResultsStore.open(folder)
    return store.runs_done(), store.runs_total


def load_results(folder: str | Path, monthly: bool = True) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The runs table and the monthly table (``None`` if the spec did not keep it, or if
    ``monthly`` is false), sorted by point, replication (and month)."""
    store = ResultsStore.open(folder)
    runs, months = store.load(monthly=monthly)
    cols = store.manifest["columns"]
    runs_df = tables.to_frame(runs, cols["runs"])
    months_df = tables.to_frame(months, cols["months"]) if months is not None else None
    return runs_df, months_df


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


# Settings of every connection handed out here: no extension is installed or loaded
# behind the user's back, and after the views exist no file outside the folder's own
# chunks can be read or written (DuckDB "Securing DuckDB": enable_external_access,
# allowed_paths, lock_configuration).
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def _calibration_tables(folder: str | Path) -> dict[str, Path] | None:
    """The Parquet tables of a calibration folder (checked: ``experiments.posterior``),
    or None if ``folder`` is not one."""
    import json

    from .posterior import KIND, PosteriorError, load_posterior

    m = Path(folder) / "manifest.json"
    try:
        if json.loads(m.read_text(encoding="utf-8")).get("kind") != KIND:
            return None
    except (OSError, ValueError, AttributeError):
        return None
    try:
        load_posterior(folder)
    except PosteriorError as exc:
        raise StoreError(str(exc)) from None
    out = {name: Path(folder) / f"{name}.parquet" for name in ("posterior", "generations", "predictive")}
    return {k: v for k, v in out.items() if v.is_file()}


def _lock(con, paths: list[Path]) -> None:
    """Let ``con`` read ``paths`` and nothing else, for good (``_CONFIG``'s note)."""
    con.execute(f"SET allowed_paths = {_sql_list(paths)}")
    con.execute("SET allowed_directories = []")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def connect(folder: str | Path, locked: bool = True):
    """A DuckDB connection with views ``runs`` (and ``months`` when kept) over the
    folder's checked Parquet chunks.

    With ``locked`` (the default) the connection can read only those chunk files:
    external access is switched off, extensions are neither installed nor loaded, and the
    configuration is locked so no SQL can switch them back on."""
    import duckdb

    cal = _calibration_tables(folder)
    if cal is not None:   # a `backbone calibrate` folder: posterior, generations, predictive
        con = duckdb.connect(":memory:", config=dict(_CONFIG))
        for name, path in cal.items():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({_sql_list([path])})")
        if locked:
            _lock(con, list(cal.values()))
        return con
    store = ResultsStore.open(folder)
    con = duckdb.connect(":memory:", config=dict(_CONFIG))
    allowed: list[Path] = []
    for kind in ("runs", "months"):
        if kind == "months" and not store.keep_monthly:
            continue
        files = store.chunk_files(kind)
        if kind == "months":
            done = store.chunk_files("runs")
            for k, f in done.items():
                if k not in files:
                    raise StoreError(f"{f} has no monthly series in {store.folder / 'months'}: delete it and run "
                                     "the sweep again to recompute that chunk")
            files = {k: f for k, f in files.items() if k in done}
        for k, f in files.items():
            store.check_file(kind, k, f)
        if files:
            paths = sorted(files.values())
            allowed.extend(paths)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM read_parquet({_sql_list(paths)})")
        else:  # nothing finished yet: an empty table with the right columns
            empty = tables.schema(store.manifest["columns"][kind]).empty_table()
            con.register(f"_{kind}_empty", empty)
            con.execute(f"CREATE VIEW {kind} AS SELECT * FROM _{kind}_empty")
    if locked:
        _lock(con, allowed)
    return con


def check_select(sql: str) -> None:
    """Refuse anything but one SELECT (``WITH ... SELECT`` included): no COPY, ATTACH,
    EXPORT, INSTALL, LOAD, SET, PRAGMA, CREATE, ... and no second statement."""
    import duckdb

    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise StoreError(f"query failed: {first}") from None
    if len(statements) != 1:
        raise StoreError(f"query refused: expected exactly one SELECT statement, got {len(statements)} statements")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = getattr(kind, "name", str(kind))
        raise StoreError(f"query refused: only a SELECT over the tables runs and months is allowed, "
                         f"not a {name} statement")


def query(folder: str | Path, sql: str) -> pd.DataFrame:
    """Run one read-only DuckDB ``SELECT`` over the folder (tables ``runs`` and, when
    kept, ``months``). Other statements are refused (``StoreError``), and the query can
    read no file but the folder's own chunks (see ``connect``)."""
    import duckdb

    check_select(sql)
    con = connect(folder)
    try:
        return con.execute(sql).df()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise StoreError(f"query failed: {first}") from None
    finally:
        con.close()


__all__ = ["load_results", "query", "connect", "check_select", "read_manifest", "runs_done"]
