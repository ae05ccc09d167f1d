"""docs/PRACTICES.md accounts for all 27 practices of "27 Ways", each with a status, and
names only parameters the model has."""

import re
from pathlib import Path

from backbone.simulation import SCHEMA

DOC = Path(__file__).resolve().parents[1] / "docs" / "PRACTICES.md"
STATUSES = ("modelled", "partly", "out of scope")


def rows() -> dict[int, list[str]]:
    out = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (\d+) \|", line)
        if m:
            cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
            assert int(m.group(1)) not in out, f"practice {m.group(1)} listed twice"
            out[int(m.group(1))] = cells
    return out


def test_all_27_practices_are_listed_once_with_a_status_and_a_reason():
    table = rows()
    assert sorted(table) == list(range(1, 28))
    for n, cells in table.items():
        assert len(cells) == 6, (n, cells)
        assert cells[3] in STATUSES, (n, cells[3])
        assert len(cells[4]) > 40, f"practice {n}: say which mechanism, or why it is out of scope"
    counts = {s: sum(c[3] == s for c in table.values()) for s in STATUSES}
    text = DOC.read_text(encoding="utf-8")
    assert f"{counts['modelled']} modelled" in text and f"{counts['partly']} partly" in text
    assert f"{counts['out of scope']} out of scope (" in text


def test_every_named_parameter_exists():
    text = DOC.read_text(encoding="utf-8")
    names = set(re.findall(r"`([a-z][a-z0-9_]*)`", text))
    missing = sorted(n for n in names if n not in SCHEMA)
    assert not missing, f"PRACTICES.md names parameters the model lacks: {missing}"
    table = rows()
    for n, cells in table.items():
        params = re.findall(r"`([^`]+)`", cells[5])
        assert params, f"practice {n} names no parameter"


def test_the_other_figures_are_accounted_for():
    text = DOC.read_text(encoding="utf-8")
    for figure in ("Over 4", "99% doing", "over a year"):
        assert figure in text
