"""The corpus of malformed inputs in tests/bad_inputs/: every case is answered in one line.

For each case the command must exit with status 2, print exactly one line on stderr (no
traceback), and leave every file as it was: the case's folder (a copy of the corpus),
the scratch folder and the results folder are hashed before and after. Every case fails
before any run, so nothing is compiled or simulated; only the fixture that makes the
small valid results folder runs (4 runs of 6 months, 50 beneficiaries).

Most cases run in this process through ``backbone.cli.main.main(argv)`` (fast); a few run
as real subprocesses of ``python -m backbone.cli.main`` (with a timeout: a named pipe or
a bad scheduler address must not hang).

The corpus (over 250 cases):
- ``scenarios/*.toml``: malformed scenario files, each given to ``show`` and ``run``;
  ``pipe.toml`` (a named pipe, made here) too;
- ``experiments/*.toml``: malformed experiment specs, each given to ``sweep``;
- ``command_lines.txt``: malformed command lines;
- ``results_damage.toml``: damaged results folders, each given to ``results``, ``query``
  and ``sweep`` (a resume);
- ``sql.txt``: hostile SQL for ``query``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from backbone.experiments import SERIAL, Executor  # noqa: F401
from backbone.cli.main import main

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
ROOT = CORPUS.parents[1]


# ---------------------------------------------------------------- helpers
def snapshot(*roots: Path) -> dict[str, str]:
    """Every file (sha256) and folder under the roots."""
    out: dict[str, str] = {}
    for root in roots:
        if not root.exists():
            out[str(root)] = "missing"
            continue
        for p in sorted(root.rglob("*")):
            if p.is_symlink():
                out[str(p)] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[str(p)] = "dir"
            elif p.is_file():
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                out[str(p)] = "special"
    return out


def check_one_line(name: str, code: int, err: str) -> None:
    lines = err.strip().splitlines()
    assert code == 2, f"{name}: exit status {code}, expected 2; stderr: {err[-500:]}"
    assert "Traceback" not in err, f"{name}: traceback: {err[-1500:]}"
    assert len(lines) == 1, f"{name}: {len(lines)} lines on stderr, expected 1: {err[-800:]}"
    assert lines[0].startswith("backbone"), f"{name}: {lines[0]}"


def run_in_process(argv: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


def expect_refused(name: str, argv: list[str], watched: list[Path], capsys) -> None:
    before = snapshot(*watched)
    code, err = run_in_process(argv, capsys)
    check_one_line(name, code, err)
    assert snapshot(*watched) == before, f"{name}: files changed"


def run_subprocess(argv: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "backbone.cli.main", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stderr


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    """A copy of the corpus, with the named pipes git cannot hold."""
    root = tmp_path_factory.mktemp("bad") / "case"
    shutil.copytree(CORPUS, root)
    for folder in ("scenarios", "experiments"):
        os.mkfifo(root / folder / "pipe.toml")
    os.mkfifo(root / "out_pipe.csv")
    return root


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    from backbone.experiments import load_experiment, run_experiment

    out = tmp_path_factory.mktemp("res") / "ok"
    run_experiment(load_experiment(CORPUS / "ok_spec.toml"), out=out, executor=SERIAL, chunk_size=2)
    assert len(list((out / "runs").glob("chunk-*.parquet"))) >= 2
    return out


@pytest.fixture()
def scratch(tmp_path) -> Path:
    d = tmp_path / "scratch"
    d.mkdir()
    (d / "exists.csv").write_text("a,b\n1,2\n")
    (d / "exists.html").write_text("<p>mine</p>\n")
    return d


def _fill(text: str, **values: Path) -> str:
    for k, v in values.items():
        text = text.replace("{" + k + "}", str(v))
    return text


def _lines(name: str) -> list[str]:
    return [ln for ln in (CORPUS / name).read_text().splitlines() if ln.strip() and not ln.startswith("#")]


SCENARIOS = sorted(p.name for p in (CORPUS / "scenarios").glob("*.toml"))
EXPERIMENTS = sorted(p.name for p in (CORPUS / "experiments").glob("*.toml"))
COMMANDS = [tuple(x.strip() for x in ln.split("|", 1)) for ln in _lines("command_lines.txt")]
DAMAGES = tomllib.loads((CORPUS / "results_damage.toml").read_text())["damage"]
SQL = _lines("sql.txt")


def test_the_corpus_has_over_a_hundred_cases():
    n = (len(SCENARIOS) + 1) * 2 + len(EXPERIMENTS) + 1 + len(COMMANDS) + 3 * len(DAMAGES) + len(SQL)
    assert n >= 100 and len(SCENARIOS) >= 30 and len(EXPERIMENTS) >= 30 and len(SQL) >= 30


# ---------------------------------------------------------------- scenario files
def test_malformed_scenario_files(case, scratch, capsys):
    for name in [*SCENARIOS, "pipe.toml"]:
        path = case / "scenarios" / name
        for command in ("show", "run"):
            expect_refused(f"{command} {name}", [command, str(path)], [case, scratch], capsys)


# ---------------------------------------------------------------- experiment specs
def test_malformed_experiment_specs(case, scratch, capsys):
    for name in [*EXPERIMENTS, "pipe.toml"]:
        out = scratch / "out"
        expect_refused(f"sweep {name}", ["sweep", str(case / "experiments" / name), "--out", str(out)],
                       [case, scratch], capsys)
        assert not out.exists(), f"sweep {name}: created {out}"


# ---------------------------------------------------------------- command lines
def test_malformed_command_lines(case, scratch, results, capsys):
    for name, args in COMMANDS:
        argv = shlex.split(_fill(args, case=case, tmp=scratch, results=results, file=scratch / "exists.csv"))
        expect_refused(name, argv, [case, scratch, results], capsys)


# ---------------------------------------------------------------- damaged results folders
def _damage(folder: Path, d: dict) -> None:
    mpath = folder / "manifest.json"
    if "drop" in d or "set" in d:
        m = json.loads(mpath.read_text())
        *parents, last = (d.get("drop") or d["set"]).split(".")
        table = m
        for k in parents:
            table = table[k]
        if "drop" in d:
            del table[last]
        else:
            table[last] = d["value"]
        mpath.write_text(json.dumps(m, indent=1))
    elif "write" in d:
        (folder / d["write"]).write_text(d["text"])
    else:
        runs = sorted((folder / "runs").glob("chunk-*.parquet"))
        months = sorted((folder / "months").glob("chunk-*.parquet"))
        first, second = runs[0], runs[1]
        op = d["chunk"]
        if op == "flip":
            data = bytearray(first.read_bytes())
            data[len(data) // 2] ^= 0xFF
            first.write_bytes(bytes(data))
        elif op == "truncate":
            first.write_bytes(first.read_bytes()[:100])
        elif op == "empty":
            first.write_bytes(b"")
        elif op == "rename_far":
            first.rename(first.with_name("chunk-999999-" + first.name.split("-")[2]))
        elif op == "duplicate":
            shutil.copy(first, first.with_name(first.name[:13] + "0123456789abcdef.parquet"))
        elif op == "swap":
            a, b = first.name[:12], second.name[:12]
            first.rename(first.with_name(b + first.name[12:]))
            second.rename(second.with_name(a + second.name[12:]))
        elif op == "drop_months":
            months[0].unlink()
        else:
            raise ValueError(op)


@pytest.mark.parametrize("damage", DAMAGES, ids=[d["name"] for d in DAMAGES])
def test_damaged_results_folders(damage, case, results, tmp_path, capsys):
    folder = tmp_path / "damaged"
    shutil.copytree(results, folder)
    _damage(folder, damage)
    for argv in (["results", str(folder)], ["query", str(folder), "SELECT count(*) FROM runs"],
                 ["sweep", str(case / "ok_spec.toml"), "--out", str(folder), "--workers", "1", "--quiet"]):
        expect_refused(f"{damage['name']}: {argv[0]}", argv, [folder, case], capsys)


def test_tampered_spec_hash_blames_the_manifest(results, tmp_path, capsys):
    folder = tmp_path / "damaged"
    shutil.copytree(results, folder)
    _damage(folder, {"set": "spec_hash", "value": "0" * 64})
    code, err = run_in_process(["results", str(folder)], capsys)
    assert code == 2 and "manifest.json" in err and "chunk" not in err.split("manifest.json")[0]
    assert "delete it" not in err


# ---------------------------------------------------------------- hostile SQL
def test_hostile_sql(results, scratch, capsys):
    chunk = sorted((results / "runs").glob("chunk-*.parquet"))[0]
    (scratch / "x.csv").write_text("point\n1\n")
    for sql in SQL:
        text = _fill(sql, tmp=scratch, chunk=chunk)
        expect_refused(f"query {text!r}", ["query", str(results), text], [results, scratch], capsys)
        assert "root:" not in capsys.readouterr().err


# ---------------------------------------------------------------- real subprocesses
SUBPROCESS_CASES = [
    ("argparse error", ["run", "baseline", "--bogus"]),
    ("pipe as a scenario", ["show", "{case}/scenarios/pipe.toml"]),
    ("pipe in extends", ["run", "{case}/scenarios/extends_pipe.toml"]),
    ("deeply nested TOML", ["show", "{case}/scenarios/deep_inline_table.toml"]),
    ("malformed scheduler", ["sweep", "{case}/ok_spec.toml", "--out", "{tmp}/out", "--scheduler", "tcp://nohost"]),
    ("manifest without a key", ["results", "{damaged}"]),
]


def test_subprocess_cases(case, results, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    damaged = tmp_path / "damaged"
    shutil.copytree(results, damaged)
    _damage(damaged, {"drop": "runs_total"})
    for name, args in SUBPROCESS_CASES:
        argv = [_fill(a, case=case, tmp=scratch, damaged=damaged) for a in args]
        before = snapshot(case, scratch, damaged)
        code, err = run_subprocess(argv, cwd=tmp_path)
        check_one_line(name, code, err)
        assert snapshot(case, scratch, damaged) == before, f"{name}: files changed"


# ---------------------------------------------------------------- unwritable output folders
@pytest.mark.parametrize("argv", [
    ["run", "baseline", "--out", "{tmp}/run.csv"],
    ["compare", "baseline", "no_backbone", "--out", "{tmp}/table.csv"],
    ["report", "baseline", "--out", "{tmp}/board.html"],
    ["claims", "--only", "payoff", "--out", "{tmp}/claims"],
])
def test_unwritable_output_folder_refused_before_any_run(argv, scratch, capsys, monkeypatch):
    """A folder where no file can be created (read-only, full, ...) is found before any
    run, not after: the writability probe is made to fail, as it does for a user without
    write permission (root ignores permissions, so chmod cannot stand in here)."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    before = snapshot(scratch)
    code, err = run_in_process([_fill(a, tmp=scratch) for a in argv], capsys)
    check_one_line(argv[0], code, err)
    assert "cannot write in folder" in err and "Permission denied" in err
    assert snapshot(scratch) == before
