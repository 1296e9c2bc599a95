"""The sktime adapter on a panel is the global forecaster with ``groups``.

sktime hands a panel (``pd-multiindex``) or a hierarchy
(``pd_multiindex_hier``) to ``LSTMSktimeForecaster`` whole, and the adapter
fits one global ``LSTMForecaster`` whose ``groups`` are the panel's series
(each bottom-level series of a hierarchy). This script fits both on the same
data, a panel of noisy monthly sines of different scales and phases, and
prints the largest absolute difference between their point forecasts,
intervals and quantiles (0 when they are the same model), with the time each
took to fit.

Run: ``python benchmarks/sktime_panel_equivalence.py`` (under a minute on a
CPU); ``--series``, ``--length`` and ``--max-iter`` change the panel and the
training.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sklstm import LSTMForecaster
from sklstm.sktime import LSTMSktimeForecaster

HORIZON = 6
COVERAGE, QUANTILES = 0.8, (0.1, 0.5, 0.9)


def sine_panel(n_series: int, length: int, seed: int = 0) -> pd.DataFrame:
    """A pd-multiindex panel of monthly noisy sines, scales 1 to 1000."""
    rng = np.random.default_rng(seed)
    months = pd.period_range("2000-01", periods=length, freq="M")
    t = np.arange(length)
    scales = np.geomspace(1, 1000, n_series)
    frames = []
    for k, scale in enumerate(scales):
        wave = 2 + np.sin(2 * np.pi * t / 12 + k) + rng.normal(0, 0.1, length)
        index = pd.MultiIndex.from_product(
            [[f"series_{k:03d}"], months], names=["series", "month"]
        )
        frames.append(pd.DataFrame({"y": scale * wave}, index=index))
    return pd.concat(frames)


def compare(y: pd.DataFrame, forecaster: LSTMForecaster) -> dict:
    """Fit both ways on ``y`` and measure how far their forecasts differ."""
    started = time.perf_counter()
    adapter = LSTMSktimeForecaster(forecaster).fit(y)
    adapter_seconds = time.perf_counter() - started

    groups = y.index.droplevel(-1).factorize()[0]
    started = time.perf_counter()
    direct = clone(forecaster).fit(
        np.empty((len(y), 0)), y.iloc[:, 0].to_numpy(), groups=groups
    )
    direct_seconds = time.perf_counter() - started

    fh = list(range(1, HORIZON + 1))
    future = np.empty((HORIZON * groups.max() + HORIZON, 0))
    future_groups = np.repeat(np.arange(groups.max() + 1), HORIZON)
    differences = {
        "forecast": adapter.predict(fh=fh).to_numpy().ravel()
        - direct.predict(future, groups=future_groups),
        "interval": adapter.predict_interval(fh=fh, coverage=COVERAGE).to_numpy()
        - direct.predict_interval(future, COVERAGE, groups=future_groups),
        "quantiles": adapter.predict_quantiles(fh=fh, alpha=list(QUANTILES)).to_numpy()
        - direct.predict_quantiles(future, QUANTILES, groups=future_groups),
    }
    return {
        "series": len(adapter.forecaster_.series_),
        **{name: float(np.abs(d).max()) for name, d in differences.items()},
        "adapter fit (s)": adapter_seconds,
        "groups fit (s)": direct_seconds,
    }


def main(argv: list[str] | None = None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=12)
    parser.add_argument("--length", type=int, default=96)
    parser.add_argument("--max-iter", type=int, default=20)
    args = parser.parse_args(argv)

    forecaster = LSTMForecaster(
        lookback=12,
        hidden_size=16,
        n_networks=1,
        max_iter=args.max_iter,
        validation_fraction=0.3,
        random_state=0,
    )
    panel = sine_panel(args.series, args.length)
    half = args.series // 2
    names = np.where(np.arange(args.series) < half, "north", "south")
    region = np.repeat(names, args.length)
    hierarchy = panel.set_index(pd.Index(region, name="region"), append=True)
    hierarchy = hierarchy.reorder_levels(["region", "series", "month"])
    # A first fit pays one-off set-up costs; neither timing should.
    LSTMSktimeForecaster(clone(forecaster).set_params(max_iter=1)).fit(panel)
    rows = {
        "panel (pd-multiindex)": compare(panel, forecaster),
        "hierarchy (pd_multiindex_hier)": compare(hierarchy, forecaster),
    }
    table = pd.DataFrame(rows).T
    with pd.option_context("display.float_format", "{:.3g}".format):
        print("Max |adapter - LSTMForecaster(groups=...)| over every row:")
        print(table.to_string())
    return table


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        main()
