"""How accurate is LSTMRegressor with only ``lookback`` set, next to Ridge?

On real series from the data sets of statsmodels, pmdarima and sktime
(install them with ``pip install "sklstm[benchmark]"``), plus the noisy sine
and the bundled monthly sunspots and log airline passengers the defaults were
first chosen on, ``LSTMRegressor(lookback=..., random_state=seed)`` is fitted
on the first 80 % of the one-step-ahead pairs (row *t* -> value *t + 1*) and
compared with ``RidgeCV`` on the same lags:

- **one-step MAE** on the last 20 %;
- **12-step MAE**: from every origin in the test part with 12 values after
  it, both models forecast the next 12 values *recursively* (each forecast is
  fed back as the newest lag), and the absolute errors over all origins and
  horizons 1..12 are averaged.

Each ratio is LSTM MAE / Ridge MAE (below 1: the LSTM wins), the median over
the seeds; the table ends with the geometric mean over the series and the
worst series.

The second part is the recursive forecast on the noisy sine
(sin(0.01 t) + N(0, 0.2), 600 training points, lookback 4): 100 steps
forecast recursively after the training part, by the regressor (its
predictions fed back as inputs), by ``LSTMForecaster(strategy="recursive")``,
by Ridge on the same lags and by the naive last value, scored by the MSE
against the clean sine.

    python benchmarks/accuracy_vs_ridge.py                      # everything
    python benchmarks/accuracy_vs_ridge.py --series co2 nile    # some series
    python benchmarks/accuracy_vs_ridge.py --set max_iter=100   # other params
"""

from __future__ import annotations

import argparse
import ast
import time
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.linear_model import RidgeCV

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm.datasets import load_airline, load_sunspots

HORIZON = 12
TEST_SHARE = 0.2
RIDGE_ALPHAS = np.logspace(-4, 2, 13)


def _statsmodels(name: str, column: str | None = None) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from statsmodels import datasets

        data = getattr(datasets, name).load_pandas().data
        if column is None:  # elnino: one row per year, one column per month
            return data.iloc[:, 1:].to_numpy(dtype=float).ravel()
        values = data[column]
        return values.interpolate().to_numpy(dtype=float)  # co2 has gaps

    return load


def _pmdarima(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from pmdarima import datasets

        if name == "msft":  # daily close; the last 10 years of trading days
            return datasets.load_msft()["Close"].to_numpy(dtype=float)[-2520:]
        values = getattr(datasets, f"load_{name}")(as_series=False)
        values = np.asarray(values, dtype=float)
        return values[~np.isnan(values)]

    return load


def _sktime(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sktime import datasets

        data = getattr(datasets, f"load_{name}")()
        if isinstance(data, tuple):  # (y, X): uschange's y is Consumption
            data = data[0]
        return np.asarray(data, dtype=float)

    return load


def _sine() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.sin(0.01 * np.arange(750)) + rng.normal(0, 0.2, 750)


#: name -> (loader, lookback, what the series is)
SERIES: dict[str, tuple[Callable[[], np.ndarray], int, str]] = {
    "sine": (_sine, 4, "synthetic, noisy sine, 750"),
    "sunspots_m": (
        lambda: load_sunspots().to_numpy(dtype=float),
        12,
        "monthly, cycles, 2820 (bundled)",
    ),
    "log_airline": (
        lambda: np.log(load_airline().to_numpy(dtype=float)),
        12,
        "monthly, trend + season, 144 (bundled)",
    ),
    "airline": (_sktime("airline"), 12, "monthly, trend x season, 144 (sktime)"),
    "co2": (_statsmodels("co2", "co2"), 52, "weekly, trend + season, 2284"),
    "sunspots_y": (
        _statsmodels("sunspots", "SUNACTIVITY"),
        12,
        "yearly, cycles, 309",
    ),
    "realgdp": (_statsmodels("macrodata", "realgdp"), 8, "quarterly, trend, 203"),
    "inflation": (_statsmodels("macrodata", "infl"), 8, "quarterly, signed, 203"),
    "elnino": (_statsmodels("elnino"), 12, "monthly, season, 732"),
    "nile": (_statsmodels("nile", "volume"), 8, "yearly, level shift, 100"),
    "wineind": (_pmdarima("wineind"), 12, "monthly, season, 176"),
    "woolyrnq": (_pmdarima("woolyrnq"), 8, "quarterly, season, 119"),
    "austres": (_pmdarima("austres"), 4, "quarterly, trend, 89"),
    "ausbeer": (_pmdarima("ausbeer"), 8, "quarterly, trend + season, 211"),
    "taylor": (_pmdarima("taylor"), 48, "half-hourly, daily season, 4032"),
    "msft": (_pmdarima("msft"), 10, "daily, trending price, 2520"),
    "heartrate": (_pmdarima("heartrate"), 10, "0.5 s, signal, 150"),
    "lynx": (_pmdarima("lynx"), 12, "yearly, cycles, 114"),
    "uschange": (
        _sktime("uschange"),
        8,
        "quarterly, signed growth, 187",
    ),
    "pbs": (_sktime("PBS_dataset"), 12, "monthly, intermittent counts, 204"),
}


def lag_windows(series: np.ndarray, lookback: int) -> np.ndarray:
    """Row t: the values t - lookback + 1 .. t (the first one repeated before)."""
    padded = np.r_[np.repeat(series[:1], lookback - 1), series]
    return np.lib.stride_tricks.sliding_window_view(padded, lookback)


def recursive_forecast(
    predict: Callable[[np.ndarray], np.ndarray], windows: np.ndarray, steps: int
) -> np.ndarray:
    """Forecast ``steps`` values after each window, feeding forecasts back.

    ``windows`` has shape (n_origins, lookback); the result (n_origins, steps).
    """
    windows = np.array(windows, dtype=float)
    forecasts = np.empty((len(windows), steps))
    for step in range(steps):
        forecasts[:, step] = predict(windows)
        windows = np.c_[windows[:, 1:], forecasts[:, step]]
    return forecasts


def lstm_predictor(model: LSTMRegressor) -> Callable[[np.ndarray], np.ndarray]:
    """Predict from lag windows given as ready-made 3-D sequences."""
    return lambda windows: model.predict(windows[:, :, None])


def fit_quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*args)


def evaluate_series(
    series: np.ndarray, lookback: int, seeds: list[int], params: dict
) -> tuple[float, float, float]:
    """(one-step ratio, 12-step ratio, fit seconds), medians over the seeds."""
    X, y = series[:-1, None], series[1:]
    n_train = round((1 - TEST_SHARE) * len(y))
    lags = lag_windows(series[:-1], lookback)
    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(lags[:n_train], y[:n_train])
    ridge_mae = np.abs(y[n_train:] - ridge.predict(lags[n_train:])).mean()
    # Origins: the last training value, and every later one with 12 values after.
    origins = np.arange(n_train, len(series) - HORIZON)
    truth = np.stack([series[o + 1 : o + 1 + HORIZON] for o in origins])
    origin_windows = np.stack([series[o - lookback + 1 : o + 1] for o in origins])
    ridge_mae_h = np.abs(
        recursive_forecast(ridge.predict, origin_windows, HORIZON) - truth
    ).mean()
    one_step, multi_step, seconds = [], [], 0.0
    for seed in seeds:
        model = LSTMRegressor(lookback=lookback, random_state=seed, **params)
        started = time.perf_counter()
        fit_quietly(model, X[:n_train], y[:n_train])
        seconds += time.perf_counter() - started
        mae = np.abs(y[n_train:] - model.predict(X)[n_train:]).mean()
        one_step.append(mae / ridge_mae)
        forecast = recursive_forecast(lstm_predictor(model), origin_windows, HORIZON)
        multi_step.append(np.abs(forecast - truth).mean() / ridge_mae_h)
    return float(np.median(one_step)), float(np.median(multi_step)), seconds


def recursive_sine(seeds: list[int], params: dict) -> None:
    """The 100-step recursive forecast of the noisy sine after 600 rows.

    As in the README: ``X, y = series[:-1, None], series[1:]`` and the first
    600 rows train, so the history is the first 601 values.
    """
    n_train, steps, lookback = 600, 100, 4
    t = np.arange(1000)
    clean = np.sin(0.01 * t)
    noisy = clean + np.random.default_rng(0).normal(0, 0.2, len(t))
    history, future = noisy[: n_train + 1], clean[n_train + 1 : n_train + 1 + steps]
    X, y = history[:-1, None], history[1:]
    last_window = history[None, -lookback:]
    lags = lag_windows(history[:-1], lookback)

    def mse(forecast: np.ndarray) -> float:
        return float(np.mean((np.ravel(forecast) - future) ** 2))

    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(lags, y)
    ridge_mse = mse(recursive_forecast(ridge.predict, last_window, steps))
    naive_mse = mse(np.full(steps, history[-1]))
    regressor, forecaster = [], []
    for seed in seeds:
        model = fit_quietly(
            LSTMRegressor(lookback=lookback, random_state=seed, **params), X, y
        )
        regressor.append(
            mse(recursive_forecast(lstm_predictor(model), last_window, steps))
        )
        model = fit_quietly(
            LSTMForecaster(lookback=lookback, random_state=seed, **params),
            np.empty((len(history), 0)),
            history,
        )
        forecaster.append(mse(model.predict(np.empty((steps, 0)))))
    print(
        f"\nrecursive {steps}-step forecast of the noisy sine after {n_train} "
        f"training rows (lookback {lookback}), MSE against the clean sine:"
    )
    print(f"  naive last value        {naive_mse:.4f}")
    print(f"  RidgeCV, recursive      {ridge_mse:.4f}")
    for name, values in [
        ("LSTMRegressor", regressor),
        ('LSTMForecaster("recursive")', forecaster),
    ]:
        median = float(np.median(values))
        print(
            f"  {name:<28}{median:.4f}  (median of seeds {seeds}: "
            f"{', '.join(f'{v:.4f}' for v in values)}; "
            f"{median / ridge_mse:.2f}x Ridge, {median / naive_mse:.2f}x naive)"
        )


def parse_settings(pairs: list[str]) -> dict:
    settings = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            settings[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            settings[key] = value
    return settings


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--series", nargs="+", choices=list(SERIES), default=None)
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="PARAM=VALUE",
        help="LSTMRegressor parameters besides lookback, e.g. max_iter=100",
    )
    parser.add_argument("--no-sine", action="store_true", help="skip the second part")
    args = parser.parse_args()
    params = parse_settings(args.set)
    names = args.series or list(SERIES)
    settings = "".join(f", {key}={value!r}" for key, value in params.items())
    print(
        f"LSTMRegressor(lookback, random_state{settings})"
        f" MAE / RidgeCV MAE on the same lags; last {TEST_SHARE:.0%} of each "
        f"series; median of seeds {args.seeds}; {HORIZON}-step: recursive for both"
    )
    print(
        f"{'series':<12} {'what, length':<40} {'lookback':>8} "
        f"{'1-step':>7} {'12-step':>8} {'fit s':>6}"
    )
    ratios = {}
    for name in names:
        load, lookback, what = SERIES[name]
        one, multi, seconds = evaluate_series(load(), lookback, args.seeds, params)
        ratios[name] = (one, multi)
        print(
            f"{name:<12} {what:<40} {lookback:>8} {one:>7.3f} {multi:>8.3f} "
            f"{seconds:>6.1f}",
            flush=True,
        )
    table = np.array(list(ratios.values()))
    geometric = np.exp(np.log(table).mean(axis=0))
    worst = table.argmax(axis=0)
    print(f"{'geometric mean':<62} {geometric[0]:>7.3f} {geometric[1]:>8.3f}")
    print(
        f"{'worst':<12} {'':<49} {table[worst[0], 0]:>7.3f} {table[worst[1], 1]:>8.3f}"
        f"  ({names[worst[0]]}; {names[worst[1]]})"
    )
    if not args.no_sine:
        recursive_sine(args.seeds, params)


if __name__ == "__main__":
    main()
