"""The results store: round trip, resumption after an interruption (in process, and a
real kill -9 of `backbone sweep`), refusals, DuckDB queries, and the CLI's one-line
errors. Small runs (300-1000 beneficiaries, 24-120 months)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main
from backbone.experiments import (ExperimentSpec, StoreError, load_experiment, load_results, query, read_manifest,
                         run_experiment, runs_done)
from backbone.experiments.store import ResultsStore, package_version

ROOT = Path(__file__).resolve().parents[1]
SPEC = {
    "name": "store_test", "design": "latin_hypercube", "samples": 6, "replications": 2, "root_seed": 9,
    "months": 24, "keep_monthly": True, "outputs": ["turnovers"], "fixed": {"n_beneficiaries": 300},
    "factors": {"backbone_share": {"range": [0.0, 0.3]}, "turnover_rate": {"range": [0.0, 0.06]}},
}


@pytest.fixture(scope="module")
def spec() -> ExperimentSpec:
    return ExperimentSpec.from_dict(SPEC)


@pytest.fixture(scope="module")
def reference(spec):
    """The uninterrupted sweep, in memory."""
    return run_experiment(spec, executor=SERIAL, return_months=True)


def chunks(folder: Path, kind: str = "runs") -> list[Path]:
    return sorted((folder / kind).glob("chunk-*.parquet"))


def test_round_trip_and_manifest(spec, reference, tmp_path):
    out = tmp_path / "res"
    runs, months = run_experiment(spec, out=out, executor=SERIAL, chunk_size=5, return_months=True)
    pd.testing.assert_frame_equal(runs, reference[0])
    pd.testing.assert_frame_equal(months, reference[1])
    again = load_results(out)
    pd.testing.assert_frame_equal(again[0], reference[0])
    pd.testing.assert_frame_equal(again[1], reference[1])
    assert len(chunks(out)) == 3 == len(chunks(out, "months"))           # 12 runs, 5 per chunk
    m = read_manifest(out)
    assert m["status"] == "complete" and m["finished"] and m["started"]
    assert m["spec_hash"] == spec.spec_hash and m["spec"] == json.loads(json.dumps(spec.resolved()))
    assert m["seeds"] == spec.seeds() and m["root_seed"] == 9 and m["design"]["name"] == "latin_hypercube"
    assert m["version"] and "git_commit" in m and m["runs_total"] == 12
    design = pd.read_parquet(out / "design.parquet")
    assert design.drop(columns="point").equals(spec.design_points().reset_index(drop=True))
    assert runs_done(out) == (12, 12)


def test_query_with_duckdb(spec, reference, tmp_path):
    out = tmp_path / "res"
    run_experiment(spec, out=out, executor=SERIAL)
    n = query(out, "SELECT count(*) AS n, sum(long_term_impact) AS s FROM runs")
    assert n["n"][0] == 12 and n["s"][0] == pytest.approx(reference[0]["long_term_impact"].sum())
    by = query(out, "SELECT point, replication, max(month) AS m FROM months GROUP BY ALL ORDER BY ALL")
    assert len(by) == 12 and (by["m"] == 24).all()
    with pytest.raises(StoreError, match="query failed"):
        query(out, "SELECT nope FROM runs")


def test_resume_after_an_interruption_in_process(spec, reference, tmp_path, monkeypatch):
    out = tmp_path / "res"
    real = ResultsStore.write_chunk
    calls = []

    def crash_after_two(self, k, runs, months):
        if len(calls) == 2:
            # the crash comes after the months file of a third chunk, before its runs file,
            # with a temporary file lying around
            self._write_chunk_file("months", k, b"half a chunk")
            (out / "runs" / f".chunk-{k:06d}.tmp").write_bytes(b"partial")
            raise KeyboardInterrupt
        calls.append(k)
        real(self, k, runs, months)

    monkeypatch.setattr(ResultsStore, "write_chunk", crash_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(spec, out=out, executor=SERIAL, chunk_size=2)
    assert read_manifest(out)["status"] == "running" and len(chunks(out)) == 2
    monkeypatch.setattr(ResultsStore, "write_chunk", real)
    runs, months = run_experiment(spec, out=out, executor=SERIAL, return_months=True)
    pd.testing.assert_frame_equal(runs, reference[0])
    pd.testing.assert_frame_equal(months, reference[1])
    m = read_manifest(out)
    assert m["status"] == "complete" and m["chunk_size"] == 2
    assert [s["runs_done_before"] for s in m["sessions"]] == [0, 4]
    assert not list(out.rglob("*.tmp")) and len(chunks(out, "months")) == 6


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc and kill -9")
def test_kill_9_in_the_middle_then_resume(tmp_path):
    spec_file = tmp_path / "exp.toml"
    spec_file.write_text(
        'name = "killed"\ndesign = "full_factorial"\nreplications = 4\nroot_seed = 1\nmonths = 120\n'
        '[fixed]\nn_beneficiaries = 1000\n'
        '[factors.backbone_share]\nrange = [0.0, 0.3]\nsteps = 10\n'
        '[factors.regime]\nlevels = ["pooled", "isolated"]\n')
    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "backbone.cli.main", "sweep", str(spec_file), "--out", str(out),
           "--workers", "2", "--chunk-size", "2", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while len(chunks(out)) < 3 and proc.poll() is None and time.monotonic() < deadline:
            workers.update(_children(proc.pid))
            time.sleep(0.02)
        workers.update(_children(proc.pid))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        done = len(chunks(out))
        # the sweep (80 runs in 40 chunks) was really cut in the middle
        assert 3 <= done < 40, proc.stderr.read().decode()
        assert read_manifest(out)["status"] == "running"
        # the pool's workers notice their parent died and exit by themselves
        deadline = time.monotonic() + 30
        while any(_alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert workers and not any(_alive(w) for w in workers)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # only the group this test started
        except ProcessLookupError:
            pass
    # resume (in this process) and compare with an uninterrupted sweep
    spec = load_experiment(spec_file)
    resumed = run_experiment(spec, out=out, executor=SERIAL)
    fresh = run_experiment(spec, executor=SERIAL)
    pd.testing.assert_frame_equal(resumed, fresh)
    assert not resumed.duplicated(["point", "replication"]).any() and len(resumed) == 80
    sessions = read_manifest(out)["sessions"]
    assert len(sessions) == 2 and sessions[1]["runs_done_before"] >= 6


# ---------------------------------------------------------------- refusals
def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_different_spec_is_refused_and_nothing_is_touched(spec, tmp_path):
    out = tmp_path / "res"
    run_experiment(spec, out=out, executor=SERIAL)
    before = _snapshot(out)
    other = spec.replace(replications=3)
    with pytest.raises(StoreError, match=r"different experiment.*replications.*refusing to overwrite"):
        run_experiment(other, out=out, executor=SERIAL)
    assert _snapshot(out) == before


def test_another_version_is_refused(spec, tmp_path):
    out = tmp_path / "res"
    run_experiment(spec, out=out, executor=SERIAL)
    m = json.loads((out / "manifest.json").read_text())
    m["version"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="written by backbone 0.0.1"):
        run_experiment(spec, out=out, executor=SERIAL)
    m["version"] = package_version()
    m["model_fingerprint"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="other model code"):
        run_experiment(spec, out=out, executor=SERIAL)
    m["format"] = 99
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="format 99"):
        load_results(out)


def test_a_folder_with_the_old_seed_scheme_is_refused(spec, tmp_path):
    out = tmp_path / "res"
    run_experiment(spec, out=out, executor=SERIAL)
    m = json.loads((out / "manifest.json").read_text())
    assert m["seeds"] == [spec.root_seed + r for r in range(spec.replications)]
    m["seeds"] = [s + 1000 for s in m["seeds"]]   # as if drawn by the SeedSequence scheme of older versions
    (out / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(StoreError, match="other replication seeds"):
        run_experiment(spec, out=out, executor=SERIAL)


@pytest.mark.parametrize("damage", ["flip", "truncate", "swap"])
def test_a_corrupted_chunk_is_refused_then_recomputed_when_deleted(spec, reference, tmp_path, damage):
    out = tmp_path / "res"
    run_experiment(spec, out=out, executor=SERIAL, chunk_size=4)
    victim = chunks(out)[1]
    data = bytearray(victim.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
        victim.write_bytes(bytes(data))
    elif damage == "truncate":
        victim.write_bytes(bytes(data[: len(data) // 2]))
    else:  # a well-formed chunk file renamed to another chunk's place
        first = chunks(out)[0]
        victim.unlink()
        victim = first.with_name(victim.name.split("-")[0] + "-000001-" + first.name.split("-")[2])
        first.rename(victim)
    with pytest.raises(StoreError) as err:
        load_results(out)
    assert victim.name in str(err.value) and "corrupted" in str(err.value) and "delete it" in str(err.value)
    with pytest.raises(StoreError, match="corrupted"):  # resuming refuses too: never silently wrong
        run_experiment(spec, out=out, executor=SERIAL)
    with pytest.raises(StoreError, match="corrupted"):
        query(out, "SELECT count(*) FROM runs")
    victim.unlink()
    runs, months = run_experiment(spec, out=out, executor=SERIAL, return_months=True)
    pd.testing.assert_frame_equal(runs, reference[0])
    pd.testing.assert_frame_equal(months, reference[1])


def test_unwritable_or_foreign_folders_are_refused(spec, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    with pytest.raises(StoreError, match=f"cannot create results folder .*: {a_file} is a file"):
        run_experiment(spec, out=a_file / "res", executor=SERIAL)
    with pytest.raises(StoreError, match="is a file, not a folder"):
        run_experiment(spec, out=a_file, executor=SERIAL)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not empty and has no manifest.json"):
        run_experiment(spec, out=foreign, executor=SERIAL)
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
    with pytest.raises(StoreError, match="no such results folder"):
        load_results(tmp_path / "missing")


def test_a_folder_in_use_is_refused(spec, tmp_path):
    out = tmp_path / "res"
    holder = ResultsStore.create_or_resume(out, spec, 4, {"pid": os.getpid()})
    try:
        with pytest.raises(StoreError, match="being written by another sweep"):
            run_experiment(spec, out=out, executor=SERIAL)
    finally:
        holder.close()
    assert len(run_experiment(spec, out=out, executor=SERIAL)) == 12


# ---------------------------------------------------------------- the CLI
def _write_spec(path: Path, **over) -> Path:
    d = {**SPEC, **over}
    lines = [f"{k} = {json.dumps(v)}" for k, v in d.items() if not isinstance(v, dict)]
    lines += ["[fixed]", "n_beneficiaries = 300"]
    for name, f in d["factors"].items():
        lines += [f"[factors.{name}]"] + [f"{k} = {json.dumps(v)}" for k, v in f.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_sweep_results_query(tmp_path, capsys, reference):
    exp = _write_spec(tmp_path / "exp.toml")
    out = tmp_path / "res"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "complete, 12 runs" in capsys.readouterr().out
    pd.testing.assert_frame_equal(load_results(out)[0], reference[0])
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "nothing left to run" in capsys.readouterr().out
    assert main(["results", str(out)]) == 0
    text = capsys.readouterr().out
    assert "12 of 12 runs (complete)" in text and "long_term_impact" in text and "latin_hypercube" in text
    assert main(["query", str(out), "SELECT count(*) AS n FROM runs", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "12"]


@pytest.mark.parametrize("args, words", [
    (["sweep", "{exp_bad}", "--out", "{out}"], ["unknown key 'sampels'", "did you mean 'samples'"]),
    (["sweep", "{exp}", "--out", "{out}", "--workers", "0"], ["--workers 0", ">= 1"]),
    (["sweep", "{exp}", "--out", "{file}/res", "--workers", "1"], ["cannot create results folder", "is a file"]),
    (["results", "{tmp}/missing"], ["no such results folder"]),
    (["query", "{tmp}/missing", "SELECT 1"], ["no such results folder"]),
])
def test_cli_errors_are_one_line_and_exit_2(tmp_path, capsys, args, words):
    exp = _write_spec(tmp_path / "exp.toml")
    bad = _write_spec(tmp_path / "bad.toml", sampels=3)
    (tmp_path / "f").write_text("x")
    fill = {"exp": exp, "exp_bad": bad, "out": tmp_path / "res", "file": tmp_path / "f", "tmp": tmp_path}
    assert main([a.format(**fill) for a in args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("backbone ")
    for w in words:
        assert w in err, (w, err)
