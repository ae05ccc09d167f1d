"""The two results tables, ``runs`` and ``months``: their columns, and how chunks of
records become Arrow tables and then one sorted pandas DataFrame.

``runs``: one row per run: ``point``, ``replication``, ``seed``, one column per factor,
then the kept metrics (``ExperimentSpec.outputs``) at the horizon.
``months``: one row per run and month (only with ``keep_monthly``): ``point``,
``replication``, ``month``, then the kept metrics that exist month by month.

A few metrics share a name with a parameter (``integration``: intended vs realized;
``effort_<principle>``: weight vs effort spent). When such a parameter is a factor, its
column keeps the name and the metric's column becomes ``<name>_metric``, in both tables.

Both the in-memory runner and the Parquet store go through the same Arrow tables and
the same conversion, so a sweep gives an identical DataFrame whichever way it ran.
The column types are written into the manifest, so a folder can be read (and its chunks
checked) without the spec.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from backbone.simulation import METRICS

RUN_KEYS = ("point", "replication", "seed")
MONTH_KEYS = ("point", "replication", "month")

_ARROW = {"int64": pa.int64(), "double": pa.float64(), "bool": pa.bool_(), "string": pa.string()}
_KIND_TYPE = {"int": "int64", "float": "double", "bool": "bool", "choice": "string"}


def metric_column(metric: str, factor_names: Sequence[str]) -> str:
    """The column of a metric: its name, or ``<name>_metric`` if a factor has that name."""
    return f"{metric}_metric" if metric in factor_names else metric


def columns_for(spec) -> dict[str, list[tuple[str, str]]]:
    """Column names and Arrow type names of both tables for a spec (stored in the
    manifest)."""
    names = spec.factor_names
    runs = [(k, "int64") for k in RUN_KEYS]
    runs += [(f.name, _KIND_TYPE[f.param.kind]) for f in spec.factors]
    runs += [(metric_column(m, names), "double") for m in spec.outputs]
    months = [(k, "int64") for k in MONTH_KEYS]
    months += [(metric_column(m, names), "double") for m in monthly_metrics(spec.outputs)]
    return {"runs": runs, "months": months}


def monthly_metrics(outputs: Sequence[str]) -> list[str]:
    """The kept metrics that have a monthly series (``long_term_impact`` has none)."""
    return [m for m in outputs if m in METRICS and m != "month"]


def schema(columns: Sequence[Sequence[str]]) -> pa.Schema:
    """An Arrow schema from (name, type name) pairs."""
    return pa.schema([(name, _ARROW[typ]) for name, typ in columns])


def runs_table(records: Sequence[Mapping[str, Any]], columns: Sequence[Sequence[str]]) -> pa.Table:
    """Run records (``run_one``'s dicts) as an Arrow table with the given columns."""
    sch = schema(columns)
    arrays = [pa.array([r[name] for r in records], type=sch.field(name).type) for name in sch.names]
    return pa.Table.from_arrays(arrays, schema=sch)


def months_table(records: Sequence[Mapping[str, Any]], columns: Sequence[Sequence[str]]) -> pa.Table:
    """The monthly series carried by run records (``record['monthly']``) as one table."""
    sch = schema(columns)
    parts: dict[str, list[np.ndarray]] = {name: [] for name in sch.names}
    for r in records:
        monthly = r["monthly"]
        n = len(monthly["month"])
        parts["point"].append(np.full(n, r["point"], dtype=np.int64))
        parts["replication"].append(np.full(n, r["replication"], dtype=np.int64))
        parts["month"].append(np.asarray(monthly["month"], dtype=np.int64))
        for name in sch.names[len(MONTH_KEYS):]:
            parts[name].append(np.asarray(monthly[name], dtype=np.float64))
    arrays = [pa.array(np.concatenate(parts[name]) if parts[name] else np.array([]), type=sch.field(name).type)
              for name in sch.names]
    return pa.Table.from_arrays(arrays, schema=sch)


def to_frame(tables: Sequence[pa.Table], columns: Sequence[Sequence[str]]) -> pd.DataFrame:
    """Concatenate chunk tables, sort by point and replication (and month), and convert
    to pandas with a fresh index."""
    sch = schema(columns)
    table = pa.concat_tables(tables) if tables else sch.empty_table()
    keys = [(k, "ascending") for k in ("point", "replication", "month") if k in sch.names]
    return table.sort_by(keys).to_pandas().reset_index(drop=True)


__all__ = ["RUN_KEYS", "MONTH_KEYS", "columns_for", "monthly_metrics", "schema", "runs_table",
           "months_table", "to_frame"]
