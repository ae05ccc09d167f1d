"""The demo: the baseline with and without a backbone, 30 seeds each, scorecard side by side."""

import numpy as np
import pandas as pd

from simulation import SCORECARD_METRICS, Params, simulate


def main(replications: int = 30) -> None:
    arms = {"with backbone": Params(), "no backbone": Params(backbone_share=0.0)}
    table = {}
    for name, p in arms.items():
        rows = [simulate(p, seed).scorecard() for seed in range(replications)]
        table[name] = pd.DataFrame(rows).mean()
    df = pd.DataFrame(table).loc[list(SCORECARD_METRICS)]
    with pd.option_context("display.float_format", "{:,.3f}".format):
        print(f"Balanced scorecard at month {Params().months}, mean of {replications} seeds")
        print(df.to_string())


if __name__ == "__main__":
    main()
