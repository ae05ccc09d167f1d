"""The phase diagram finds a boundary planted in a synthetic table."""

import numpy as np
import pandas as pd

from backbone.analysis.phase import boundary_from_means, phase_boundary, phase_cells


def synthetic(n=30, seed=0):
    """collective - isolated = 0.1 * (complexity - 2.5): isolated wins at 1 and 2,
    collective at 3 and 4, at every horizon; at horizon 12 isolated always wins."""
    rng = np.random.default_rng(seed)
    rows = []
    for h in (12, 24, 48):
        for c in (1, 2, 3, 4):
            for r in range(n):
                base = rng.normal(0.5, 0.1)
                d = 0.1 * (c - 2.5) if h > 12 else -0.1
                rows.append({"arm": "isolated", "complexity": c, "horizon": h, "replication": r,
                             "long_term_impact": base})
                rows.append({"arm": "collective", "complexity": c, "horizon": h, "replication": r,
                             "long_term_impact": base + d + rng.normal(0, 0.01)})
    return pd.DataFrame(rows)


def test_cells_name_the_winner():
    cells = phase_cells(synthetic())
    at = cells.set_index(["horizon", "complexity"]).winner
    assert at[(24, 1)] == "isolated" and at[(24, 2)] == "isolated"
    assert at[(24, 3)] == "collective" and at[(48, 4)] == "collective"
    assert (cells[cells.horizon == 12].winner == "isolated").all()


def test_boundary_and_its_uncertainty():
    b = phase_boundary(synthetic(), n_resamples=200).set_index("horizon")
    assert b.loc[24, "boundary"] == 3 and b.loc[48, "boundary"] == 3
    assert b.loc[24, "lo"] == 3 and b.loc[24, "hi"] == 3      # clear-cut: no uncertainty
    assert np.isnan(b.loc[12, "boundary"]) and b.loc[12, "p_wins_somewhere"] == 0.0


def test_boundary_requires_winning_at_every_higher_level():
    diff = pd.DataFrame({"c": [1, 2, 3, 4], "h": 1, "diff": [0.1, -0.1, 0.2, 0.3]})
    assert boundary_from_means(diff, "c", "h")[1] == 3
