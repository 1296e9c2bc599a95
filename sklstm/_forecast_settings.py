"""The forecaster's settings that depend on the collection, resolved in one place.

Some of ``LSTMForecaster``'s best settings depend on what it is fitted on: a
global model of many series wants an ensemble, direct forecasts, per-series
scaling, seasons and drifts; one series is better served by one network that
forecasts step by step from the series as it is. Their ``'auto'`` values are
resolved here, from the number and lengths of the series ``fit`` sees, never
from whether ``groups`` was passed: one series given with ``groups`` is
fitted exactly as without.

=====================  =======================  ==============================
setting ('auto')        one series               several series
=====================  =======================  ==============================
``strategy``           ``'recursive'``          ``'direct'`` if ``horizon > 1``
``n_networks``         1                        2
``series_scaling``     ``'none'``               ``'last'``
``season_length``      None (no adjustment)     found from the data
``drift``              False                    True (not with log scalings)
``batch_size``         32                       grows with the windows
``n_iter_no_change``   600 steps in epochs,     the same (3 epochs for
                       from 3 to 10             large collections)
short windows train    no: full windows only    yes, padded
=====================  =======================  ==============================

A season is only taken out when some series has three seasons of history.
"""

from __future__ import annotations

import math

import numpy as np

from sklstm._forecast_windows import auto_batch_size
from sklstm._plain import python_scalar
from sklstm._seasonality import detect_season_length
from sklstm._series_transforms import LOGARITHMIC_SCALINGS, RELATIVE_SCALINGS
from sklstm._warnings import warn

#: The parameters that shape the fitted state: recorded, resolved, at fit in
#: ``_architecture``, so that changing them afterwards changes nothing until
#: the next fit.
ARCHITECTURE_PARAMS = (
    "lookback",
    "horizon",
    "strategy",
    "network_output",
    "series_scaling",
    "season_length",
    "drift",
    "n_networks",
)
#: Networks ``n_networks='auto'`` trains on several series (one on one series).
ENSEMBLE_SIZE = 2


def resolve_architecture(
    params: dict, series: list[np.ndarray], *, warn_if_deprecated: bool = False
) -> dict:
    """The architecture ``fit`` builds from ``params`` for these ``series``.

    Parameters
    ----------
    params : dict
        The forecaster's parameters (``get_params(deep=False)``).
    series : list of ndarray
        The values of each series, in time order.

    Returns
    -------
    dict
        ``ARCHITECTURE_PARAMS`` with every ``'auto'`` resolved.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMForecaster
    >>> from sklstm._forecast_settings import resolve_architecture
    >>> params = LSTMForecaster(lookback=4, horizon=3).get_params()
    >>> one = resolve_architecture(params, [np.arange(30.0)])
    >>> one["strategy"], one["n_networks"], one["series_scaling"]
    ('recursive', 1, 'none')
    >>> many = resolve_architecture(params, [np.arange(30.0)] * 3)
    >>> many["strategy"], many["n_networks"], many["series_scaling"]
    ('direct', 2, 'last')
    """
    # Python numbers: NumPy's small integers (np.int16) overflow in sums.
    architecture = {name: python_scalar(params[name]) for name in ARCHITECTURE_PARAMS}
    many = len(series) > 1
    if architecture["strategy"] == "auto":
        direct = many and params["horizon"] > 1
        architecture["strategy"] = "direct" if direct else "recursive"
    if architecture["n_networks"] == "auto":
        architecture["n_networks"] = ENSEMBLE_SIZE if many else 1
    if architecture["series_scaling"] == "auto":
        architecture["series_scaling"] = "last" if many else "none"
    logarithmic = architecture["series_scaling"] in LOGARITHMIC_SCALINGS
    if architecture["drift"] == "auto":
        architecture["drift"] = many and not logarithmic
    elif architecture["drift"] and logarithmic:
        raise ValueError(
            f"drift=True takes each series' drift out of its values before "
            f"series_scaling={architecture['series_scaling']!r} takes their "
            "logarithm, which the values left need not allow (they may reach "
            "0 or below). Use drift=False with a logarithmic scaling, or "
            "series_scaling='last' with drift=True."
        )
    architecture["drift"] = bool(architecture["drift"])
    architecture["season_length"] = _season_length(params, series, many)
    if params.get("target", "deprecated") != "deprecated":
        architecture["network_output"] = params["target"]
        if warn_if_deprecated:
            warn(
                f"target={params['target']!r} is deprecated since sklstm 0.2 and "
                "is removed in 0.3: it is now called network_output. Use "
                f"network_output={params['target']!r}.",
                FutureWarning,
            )
    return architecture


def _season_length(params: dict, series: list[np.ndarray], many: bool) -> int | None:
    season_length = params["season_length"]
    if season_length == "auto":
        if not many:
            return None
        season_length = detect_season_length(series, params["lookback"])
    # No series has three seasons to test (nor, then, a season to take out):
    # nothing to keep, however long the season asked for.
    if season_length is None or 3 * season_length > max(map(len, series)):
        return None
    return int(season_length)


def block_of(architecture: dict) -> int:
    """Steps the network forecasts per window."""
    return architecture["horizon"] if architecture["strategy"] == "direct" else 1


def history_width(architecture: dict) -> int:
    """Values a forecast starts from: one more when windows are relative."""
    relative = architecture["series_scaling"] in RELATIVE_SCALINGS
    return architecture["lookback"] + relative


def first_trained_step(architecture: dict, n_series: int) -> int:
    """The first step of a series whose window trains.

    Several series: every window trains, those with a history shorter than
    ``lookback`` padded by repeating the series' first value, so that short
    series are learnt from and a global model learns to forecast a series
    from a short history (as N-BEATS and DeepAR train); relative windows
    skip the first step, which has no step before it. One series: only full
    windows train, as a padded window of one series is a history the model
    never meets again (on the airline series, padded windows made 12-step
    forecasts 6 % worse).

    Examples
    --------
    >>> from sklstm._forecast_settings import first_trained_step
    >>> architecture = dict(lookback=12, series_scaling="none")
    >>> first_trained_step(architecture, 1), first_trained_step(architecture, 5)
    (11, 0)
    """
    relative = history_width(architecture) > architecture["lookback"]
    padded = n_series > 1
    return int(relative) + (0 if padded else architecture["lookback"] - 1)


def values_needed(architecture: dict, *, n_series: int | None = None) -> int:
    """What a series needs to train (``n_series``: in a fit of that many), or
    to be forecast (None: a history given to ``update``).

    A shorter history than the window is padded, as in training, so one
    value is enough to forecast from; relative windows need two to make a
    step. To train, a series needs a window that trains
    (:func:`first_trained_step`) and the ``block`` values it forecasts.

    Examples
    --------
    >>> from sklstm._forecast_settings import values_needed
    >>> architecture = dict(lookback=12, horizon=6, strategy="direct",
    ...                     series_scaling="last")
    >>> values_needed(architecture), values_needed(architecture, n_series=5)
    (2, 8)
    >>> values_needed(architecture, n_series=1)
    19
    """
    relative = history_width(architecture) > architecture["lookback"]
    if n_series is None:
        return 1 + relative
    return first_trained_step(architecture, n_series) + 1 + block_of(architecture)


def shortest_trainable(architecture: dict, early_stopping, fraction: float) -> int:
    """The fewest observations with which one series alone trains a window.

    Every row but the last ``block`` makes a window; one that trains must
    remain beside those ``early_stopping`` holds out (the last
    ``ceil(fraction * n_windows)``) and, with the direct strategy, beside the
    ``block - 1`` windows whose targets reach into them.

    Examples
    --------
    >>> from sklstm._forecast_settings import shortest_trainable
    >>> architecture = dict(lookback=8, horizon=1, strategy="recursive",
    ...                     series_scaling="none")
    >>> shortest_trainable(architecture, True, 0.1), shortest_trainable(
    ...     architecture, False, 0.1)
    (10, 9)
    """
    block = block_of(architecture)
    first = first_trained_step(architecture, 1)
    n_rows = values_needed(architecture, n_series=1)
    while True:
        n_windows = n_rows - block
        held_out = gap = 0
        if early_stopping:
            held_out = math.ceil(fraction * n_windows)
            gap = block - 1
        if n_windows - held_out - gap - first >= 1:
            return n_rows
        n_rows += 1


#: The optimiser steps ``n_iter_no_change='auto'`` waits for an improvement ...
PATIENCE_STEPS = 600
#: ... counted in whole epochs, never fewer than the first nor more than the
#: second (the regressor's default).
PATIENCE_EPOCHS = (3, 10)


def patience_for(n_iter_no_change, n_windows: int, batch_size: int) -> int:
    """``n_iter_no_change='auto'``: about :data:`PATIENCE_STEPS` steps, in epochs.

    Early stopping waits a number of epochs for the held-out loss to
    improve. An epoch over a large collection is hundreds of optimiser
    steps (``batch_size='auto'`` makes it so), one over a short series a few:
    the same patience in epochs would wait far longer for the first. So
    ``'auto'`` waits about the same number of steps, in whole epochs from 3
    to 10: 3 for collections whose epochs take 200 steps or more (M1, M3
    and Tourism monthly), 10 for one short series.

    Examples
    --------
    >>> from sklstm._forecast_settings import patience_for
    >>> patience_for("auto", 140_000, 512), patience_for("auto", 500, 32)
    (3, 10)
    >>> patience_for(7, 140_000, 512)
    7
    """
    if n_iter_no_change != "auto":
        return n_iter_no_change
    steps = max(math.ceil(n_windows / batch_size), 1)
    low, high = PATIENCE_EPOCHS
    return int(min(max(math.ceil(PATIENCE_STEPS / steps), low), high))


def batch_size_for(batch_size, n_series: int, n_windows: int) -> int:
    """``batch_size='auto'``: 32 for one series, else growing with the windows."""
    if batch_size != "auto":
        return python_scalar(batch_size)
    return auto_batch_size(n_windows if n_series > 1 else None)
