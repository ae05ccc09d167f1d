"""The package as a user installs it: a wheel, in a fresh virtual environment, used from
another folder that holds files named like the project's subpackages (``simulation.py``,
``analysis.py``, ``experiments.py``): they must not shadow anything, and the scenario
library, the claims' and the validation's specs must come with the wheel (package data).

The fresh environment gets the project's dependencies from the test environment's
site-packages through a .pth file (no second download of numba and friends); the wheel
itself is installed with ``--no-deps``. ``make test`` runs this with the rest."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


def run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, ROOT])
    wheel = next(dist.glob("backbone-*.whl"))
    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    py = venv / "bin" / "python"
    purelib = Path(run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # Install the wheel by hand (the fresh venv has no pip): unpack into site-packages and
    # write the console script, as an installer would.
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(purelib)
    script = venv / "bin" / "backbone"
    script.write_text(f"#!{py}\nimport sys\nfrom backbone.cli.main import main\nsys.exit(main())\n")
    script.chmod(0o755)
    work = tmp / "work"
    work.mkdir()
    for decoy in ("simulation", "analysis", "experiments", "scenarios"):
        (work / f"{decoy}.py").write_text("raise ImportError('a user file of the same name was imported')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return {"wheel": wheel, "py": py, "script": script, "work": work, "env": env, "purelib": purelib}


def test_the_wheel_holds_the_package_data(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    for needed in ("backbone/scenarios/baseline.toml", "backbone/scenarios/ungas_vagar.toml",
                   "backbone/experiments/claims/payoff.toml", "backbone/experiments/validation/patterns.toml",
                   "backbone/experiments/calibration/posterior_default.json",
                   "backbone/simulation/kernels/trust.py", "backbone/analysis/claims.py", "backbone/cli/main.py"):
        assert needed in names, needed
    assert not any(n.startswith(("simulation/", "analysis/", "experiments/")) for n in names)


def test_the_installed_package_is_used_from_another_folder(installed):
    code = ("import backbone, backbone.simulation as s, backbone.analysis.claims as c\n"
            "print(s.__file__); print(len(s.list_scenarios())); print(c.CLAIMS_DIR.is_dir())\n"
            "s.load_scenario('ungas_vagar')\n")
    out = run([installed["py"], "-c", code], cwd=installed["work"], env=installed["env"]).stdout.split()
    assert Path(out[0]).is_relative_to(installed["purelib"])
    assert int(out[1]) >= 10 and out[2] == "True"


def test_the_main_commands_run_from_the_wheel(installed):
    bb, cwd, env = installed["script"], installed["work"], installed["env"]
    assert "baseline" in run([bb, "scenarios"], cwd=cwd, env=env).stdout
    assert "turnover_rate" in run([bb, "show", "baseline"], cwd=cwd, env=env).stdout
    out = run([bb, "run", "baseline", "--seed", "2", "--set", "n_beneficiaries=200", "months=12"],
              cwd=cwd, env=env).stdout
    assert "impact_share" in out
    assert "--quick" in run([bb, "claims", "--help"], cwd=cwd, env=env).stdout
    bad = subprocess.run([bb, "run", "no_such_scenario"], cwd=cwd, env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
