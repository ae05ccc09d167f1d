"""`backbone query` is read-only: one SELECT over the folder's own tables, nothing else.

Every attack found against the old query (a DuckDB with full file access) is tried here,
through the library call and through the CLI: each is refused (one line, exit 2), and no
file is written, overwritten or read outside the folder's chunks."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main
from backbone.experiments import ExperimentSpec, StoreError, query, run_experiment
from backbone.experiments.results import connect

SPEC = {
    "name": "query_safety", "design": "latin_hypercube", "samples": 2, "replications": 1, "root_seed": 3,
    "months": 12, "keep_monthly": True, "fixed": {"n_beneficiaries": 300},
    "factors": {"backbone_share": {"range": [0.0, 0.3]}},
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("q") / "res"
    run_experiment(ExperimentSpec.from_dict(SPEC), out=out, executor=SERIAL)
    return out


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def attacks(folder: Path, outside: Path) -> dict[str, str]:
    chunks = sorted((folder / "runs").glob("chunk-*.parquet"))
    chunk = chunks[0] if chunks else folder / "runs" / "chunk.parquet"
    q = lambda p: str(p).replace("'", "''")  # noqa: E731
    return {
        "copy_to_outside": f"COPY (SELECT * FROM runs) TO '{q(outside / 'stolen.csv')}'",
        "copy_over_chunk": f"COPY (SELECT * FROM runs LIMIT 1) TO '{q(chunk)}' (FORMAT parquet)",
        "attach": f"ATTACH '{q(outside / 'x.duckdb')}' AS x",
        "export_database": f"EXPORT DATABASE '{q(outside / 'export')}'",
        "read_csv_passwd": "SELECT * FROM read_csv('/etc/passwd', sep=':')",
        "read_text": "SELECT * FROM read_text('/etc/hostname')",
        "read_text_outside": f"SELECT * FROM read_text('{q(outside / 'secret.txt')}')",
        "glob": "SELECT * FROM glob('/etc/*')",
        "read_parquet_outside": f"SELECT * FROM read_parquet('{q(outside / 'other.parquet')}')",
        "install": "INSTALL httpfs",
        "load": "LOAD httpfs",
        "set": "SET enable_external_access = true",
        "reset": "RESET lock_configuration",
        "pragma": "PRAGMA enable_external_access",
        "create": "CREATE TABLE t AS SELECT 1",
        "create_view": "CREATE OR REPLACE VIEW runs AS SELECT 1 AS x",
        "drop": "DROP VIEW runs",
        "insert": "INSERT INTO runs VALUES (1)",
        "call": "CALL pragma_version()",
        "multiple": "SELECT 1; COPY (SELECT 1) TO '/tmp/backbone-never.csv'",
        "two_selects": "SELECT 1; SELECT 2",
        "with_copy": f"WITH a AS (SELECT 1) SELECT * FROM a; COPY runs TO '{q(outside / 'w.csv')}'",
        "explain": "EXPLAIN SELECT 1",
        "detach": "DETACH memory",
        "select_in_cte_reading_file": "WITH a AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM a",
        "subquery_read_blob": "SELECT (SELECT content FROM read_blob('/etc/passwd'))",
        "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
    }


def test_plain_selects_still_work(folder):
    assert query(folder, "SELECT count(*) AS n FROM runs")["n"][0] == 2
    assert query(folder, "WITH m AS (SELECT * FROM months) SELECT count(DISTINCT point) AS n FROM m")["n"][0] == 2
    assert query(folder, "FROM runs SELECT point ORDER BY point")["point"].tolist() == [0, 1]


@pytest.mark.parametrize("name", list(attacks(Path("/x"), Path("/y"))))
def test_every_attack_refused(folder, tmp_path, name, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("do not print me\n")
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table({"secret": [42]}), outside / "other.parquet")
    sql = attacks(folder, outside)[name]
    before_in, before_out = snapshot(folder), snapshot(outside)
    with pytest.raises(StoreError) as exc:
        query(folder, sql)
    assert "\n" not in str(exc.value) and "do not print me" not in str(exc.value)
    assert main(["query", str(folder), sql]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and len(cap.err.strip().splitlines()) == 1
    assert "do not print me" not in cap.err and "root:" not in cap.err
    assert snapshot(folder) == before_in and snapshot(outside) == before_out
    assert not Path("/tmp/backbone-never.csv").exists()


def test_connection_configuration_is_locked(folder):
    import duckdb

    con = connect(folder)
    try:
        for sql in ("SET enable_external_access = true", "SET allowed_paths = ['/etc/passwd']",
                    "SET autoload_known_extensions = true"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    finally:
        con.close()


def test_non_select_refused_by_type_in_one_line(folder):
    with pytest.raises(StoreError, match="not a COPY statement"):
        query(folder, "COPY runs TO 'x.csv'")
    with pytest.raises(StoreError, match="exactly one SELECT"):
        query(folder, "SELECT 1; SELECT 2")
    with pytest.raises(StoreError, match="query failed"):
        query(folder, "SELEKT 1")
