"""``LSTMForecaster``: forecast one series or a collection from its past and covariates.

One series is a collection of one: ``fit`` groups the rows by series (all of
them one series without ``groups``), resolves the settings that depend on the
collection (:mod:`sklstm._forecast_settings`), fits each series' target
transform (season, then scaling: :mod:`sklstm._series_transforms`), trains an
ensemble of :class:`~sklstm.LSTMRegressor` on the rows of every series
(:mod:`sklstm._forecast_windows`), calibrates intervals on forecasts from the
held-out tails (:mod:`sklstm._rollout`), and publishes what it knows of each
series (:mod:`sklstm._series_state`) with the networks, in one step. Every
other method reads that state once and works on the copy it read.

Row *i* of the table the windows are cut from holds the value of a series at
step *i* next to the covariates of the steps being forecast from there
(*i + 1*, or *i + 1 ... i + horizon* for the direct strategy): covariates
are known in advance, so the model may use them at the step it forecasts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from numbers import Integral, Real
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from sklstm._compat import Interval, RealNotInt, StrOptions, _fit_context
from sklstm._error_growth import carried_to_end, pooled_sums
from sklstm._forecast_settings import (
    ARCHITECTURE_PARAMS,
    ENSEMBLE_SIZE,
    batch_size_for,
    block_of,
    first_trained_step,
    history_width,
    patience_for,
    resolve_architecture,
    values_needed,
)
from sklstm._forecast_windows import (
    held_out_windows,
    leak_free_weights,
    training_rows,
)
from sklstm._forecaster_legacy import (
    LEGACY_ATTRIBUTES,
    LEGACY_SCHEMA,
    is_legacy_state,
    upgrade_legacy_state,
)
from sklstm._intervals import (
    CalibrationPools,
    check_coverage,
    check_quantile_levels,
    fit_noise,
    quantile_offsets,
)
from sklstm._long_format import (
    from_long_format,
    is_long_format,
    time_level,
    to_long_format,
)
from sklstm._member_series import member_series, series_per_member
from sklstm._missing_values import fill_forward, refuse_empty_series
from sklstm._panel import locate_series, panel_of, refuse_labels_of_another_kind
from sklstm._plain import python_scalar
from sklstm._progress import progress_label
from sklstm._publishing import publish_fitted_state
from sklstm._random import draw_seed
from sklstm._regressor import LSTMRegressor
from sklstm._rollout import (
    MAX_CALIBRATED_STEPS,
    Rollout,
    calibration_fraction,
    ensemble_predictor,
    forecast_by_rule,
    forecast_from_ends,
    held_out_moves,
    in_sample_errors,
)
from sklstm._scoring import r2_of_observed
from sklstm._series_state import (
    SINGLE_SERIES_LABEL,
    SeriesState,
    check_state,
    fit_error_scales,
    fit_interval_scales,
)
from sklstm._series_transforms import (
    LOGARITHMIC_SCALINGS,
    SERIES_SCALINGS,
    fit_target_transform,
)
from sklstm._shrinkage import fitted_shrinkage
from sklstm._state import (
    Array,
    Count,
    Estimator,
    Estimators,
    Field,
    Float,
    Label,
    Labels,
    Names,
    Params,
    Scalar,
    Step,
    pickled_state,
    rebuild_live,
    unpickled_state,
    with_default_params,
)
from sklstm._targets import DirectTargets
from sklstm._time_index import (
    SEVERAL_STEPS,
    kind_of_dates,
    refuse_dates_of_another_kind,
    steps_between,
    steps_inside_periods,
    time_grid,
    time_index,
    with_missing_steps,
    with_missing_steps_after,
)
from sklstm._validation import (
    check_float32_range,
    check_standardised_range,
    numeric_input,
    refuse_bools_posing_as_numbers,
    refuse_missing_covariates,
    refuse_none_covariates,
    refuse_series_float32_cannot_resolve,
    validate_on_copy,
    validate_series,
    zero_column_frames_as_arrays,
)

STRATEGIES = ("auto", "recursive", "direct")
NETWORK_OUTPUTS = ("change", "level")

__all__ = ["ENSEMBLE_SIZE", "MAX_CALIBRATED_STEPS", "LSTMForecaster"]


#: The parameters a warm start keeps at their fitted values when left at
#: ``'auto'`` (or set to them): what their ``'auto'`` resolves to depends on
#: the data (the season found) or on the version that fitted the networks.
CARRIED_ON_WARM_START = ("season_length", "drift", "n_networks")


class LSTMForecaster(RegressorMixin, BaseEstimator):
    """Forecast a series with an LSTM, recursively or directly, with covariates.

    ``fit(X, y)`` learns to predict the series ``y`` from its past
    ``lookback`` values and the covariates in ``X`` (one row per value of
    ``y``; ``X`` may have zero columns). ``predict(X)`` forecasts the
    ``len(X)`` steps that follow the end of the series, with ``X`` holding the
    covariates of those future steps. ``update(X, y)`` appends new
    observations without refitting, so the next forecast starts from them.

    Because ``score`` is R² over such a forecast, ``cross_validate`` and
    ``GridSearchCV`` with ``TimeSeriesSplit(test_size=h)`` are a multi-step
    backtest: each fold fits on the past and forecasts the next ``h`` steps.

    The network is an :class:`~sklstm.LSTMRegressor`, trained with the
    training parameters given here (same names, same defaults, but for
    ``hidden_size``: 16 here, 32 in the regressor).

    Parameters
    ----------
    lookback : int, default=10
        Past steps the model sees: the last ``lookback`` values of the series
        (and rows of covariates).
    horizon : int, default=1
        The steps ahead the forecaster is fitted for. ``strategy='direct'``
        forecasts this many steps at once; ``strategy='recursive'`` still
        forecasts one step at a time, but ``horizon`` shapes its fit too:
        with ``early_stopping``, ``fit`` grows the held-out tail until it
        calibrates ``predict_interval`` over ``horizon`` steps (see
        ``validation_fraction``), so fewer of the most recent windows train;
        and with ``drift``, a series' drift is estimated only from at least
        ``horizon`` changes between observed values (a series with fewer
        has none), in ``fit`` and ``update`` alike.
    strategy : {'auto', 'recursive', 'direct'}, default='auto'
        ``'recursive'`` trains a one-step model and feeds each forecast back
        as the newest value; errors accumulate with the horizon.
        ``'direct'`` trains one model with ``horizon`` outputs that forecasts
        a whole block of steps from observed values; beyond ``horizon`` it
        continues block by block, feeding each block back. ``'auto'`` is
        ``'direct'`` for a fit on several series with ``horizon > 1``, and
        ``'recursive'`` for one series (see Notes for the settings that
        depend on the collection, and the measurements).

        .. versionchanged:: 0.2
           The default is ``'auto'`` (was ``'recursive'``); for one series
           it is ``'recursive'`` as before.
    network_output : {'level', 'change'}, default='level'
        What the network learns to output: ``'level'``, the future values
        themselves; or ``'change'``, the difference between each future value
        and the last value in the window. Both forecast beyond the range they
        were trained on: the linear path (``linear_path=True``) starts at the
        ridge regression on the lags and carries a trend. They differ in what
        the ridge penalty shrinks towards: the series' mean for ``'level'``,
        the last value (a random walk) for ``'change'``, whose recursive
        forecasts then revert to the mean more slowly (see Notes).

        .. versionadded:: 0.2
           Replaces ``target``, which read like ``y`` to scikit-learn users.
    series_scaling : {'auto', 'last', 'log_last', 'standard', 'mean', 'log', \
            'none'}, default='auto'
        How each series is scaled on its own before the windows of a
        collection train one network, so that series of very different sizes
        and levels look alike to it. ``'last'`` divides each series by its
        standard deviation and makes each window relative to its last value
        (as ES-RNN does): the network reads the ``lookback`` steps between
        the last ``lookback + 1`` values, never their level. ``'log_last'``
        does the same on the logarithm, so that steps are ratios (positive
        series only). ``'standard'`` subtracts the series' mean and divides
        by its standard deviation; ``'mean'`` divides by its mean absolute
        value (as DeepAR does); ``'log'`` takes the logarithm and subtracts
        its mean; the network then reads these levels. ``'none'`` leaves the
        values as they are (``standardize`` still standardises the windows
        as a whole). ``'auto'`` is ``'last'`` for several series and
        ``'none'`` for one. The statistics come from the rows given to
        ``fit`` (or, for a series first seen there, to ``update``);
        forecasts are mapped back to the units of ``y``. With ``'last'`` and
        ``'log_last'`` the network always learns the change from the last
        value, whatever ``network_output`` says: its windows hold no level
        to predict a level from. See Notes for how the default was chosen.

        .. versionchanged:: 0.3
           The default is ``'auto'`` (was ``'last'``, which one series did
           not use).
    season_length : int, 'auto' or None, default='auto'
        The season of each series that has one is taken out before the
        network learns (and put back into its forecasts), by classical
        decomposition of its last 8 seasons (multiplicative for positive
        series, else additive). Which series have one is decided by the
        90 % autocorrelation test of the M4 benchmarks (and Theta), with at
        least three seasons of history. ``'auto'`` finds the season length
        of several series from the data: the lag from 2 to ``lookback``
        where the autocorrelation of the series' changes, averaged over the
        collection, peaks, if it reaches 0.1 (12 for monthly collections, 4
        for quarterly ones; none for yearly ones); for one series it takes
        no season out. An int sets it (for one series too); None turns
        seasonal adjustment off. A fit with ``warm_start=True`` keeps the
        length the networks were fitted with (their inputs are the series
        with that season taken out), given ``'auto'`` or that length, even
        where the new data show another or are too short to test it. See
        Notes for the measurements.

        .. versionadded:: 0.2
    drift : bool or 'auto', default='auto'
        Whether each series' drift is taken out before the network learns
        (after its season, before its scaling) and put back into its
        forecasts. The drift is the series' mean step over the rows given
        to ``fit``: from its first observed value to its last, divided by
        the steps between them, the slope the random walk with drift
        continues. The network then learns how a series departs from the
        straight continuation of its own trend, which a window of
        ``lookback`` steps alone shows poorly. ``'auto'`` is True for several
        series (unless ``series_scaling`` takes logarithms, which refuse
        True) and False for one. A series first seen by ``update`` gets its
        drift from the rows given there. See Notes for the measurements.

        .. versionadded:: 0.3
    shrinkage : float or 'auto', default='auto'
        The share of the networks' move from each series' last value that
        the forecasts give up, in [0, 1]: each forecast is ``last + (1 -
        shrinkage) * (network - last)`` in the units the network sees, so
        that 0 forecasts what the networks forecast and 1 the naive
        forecast (the last value, with the season and the drift taken out
        put back; on yearly data, the random walk with drift). ``'auto'``
        chooses it on the held-out tails (with ``early_stopping``), from 0,
        0.05, ..., 1: the one that lowers the held-out absolute error most,
        measured series by series, once its standard error over the series
        is added; 0 when none lowers it by more than its standard error,
        without held-out tails, and for one series (no evidence across
        series). Forecasts made by rule (a flat history) are naive already.
        ``shrinkage_`` is the value used; intervals are calibrated on the
        held-out forecasts made with it. See Notes for the measurements.

        .. versionadded:: 0.3
    n_networks : int or 'auto', default='auto'
        Networks trained, each from its own random start (seeded from
        ``random_state``), whose forecasts are averaged: an ensemble, as
        N-BEATS and the recurrent networks of Hewamalage et al. (2021) are
        used, which forecasts more accurately than any one of them.
        ``'auto'`` is 2 for several series and 1 for one series; fitting
        takes that many times as long, less with ``max_series``. A fit with
        ``warm_start=True`` continues the fitted networks, however many
        ``'auto'`` gave then. ``regressor_`` is the first network.

        .. versionadded:: 0.2
        .. versionchanged:: 0.3
           ``'auto'`` trains 2 networks on several series (5 before).
    max_series : int, float or 'auto', default='auto'
        The series each network of the ensemble trains on, drawn at random
        for each (bagging by series; seeded from ``random_state``): a share
        of them (float in (0, 1]), a number of them (int), or ``'auto'``:
        all of them. Every network forecasts every series. Five networks
        of 32 units on 2/5 of the series each (the default before 0.3) cost
        1.4 to 3.3 times one network on all of them (five on all of them:
        about five times), and forecast M1, M3 and Tourism monthly about as
        accurately as five networks on all of them (``docs/performance.md``).
        Only series with a window to train on, beside those early stopping
        holds out, are drawn.

        .. versionadded:: 0.3
    hidden_size : int, default=16
        Units per LSTM layer and direction. Two networks of 16 units
        forecast the M1, M3 and Tourism collections as accurately as five
        of 32, in about half the time (``docs/performance.md``, *Two
        networks of 16 units*).

        .. versionchanged:: 0.3
           The default is 16 (32 before).
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output layer.
    bidirectional : bool, default=False
        Whether each layer also reads the window backwards.
    cell : {'lstm', 'gru'}, default='lstm'
        The recurrent cell.
    linear_path : bool, default=True
        Add a linear map of the window to the output, beside the LSTM.
    standardize : bool, default=True
        Standardise inputs and targets with the statistics of the first fit.
    alpha : float, default=0.0
        L2 penalty (weight decay) on the weights.
    max_iter : int, default=200
        Maximum number of epochs.
    batch_size : int or 'auto', default='auto'
        Windows per minibatch. ``'auto'`` is 32 for one series (the default
        of ``LSTMRegressor``); with ``groups`` it grows with the training
        windows so that an epoch is a few hundred steps: the power of two
        at or below ``n_windows / 200``, from 32 to 1024 (M3 monthly's
        140 000 windows train in batches of 512). Batches of 32 would
        make one epoch over many series thousands of small steps.
    learning_rate_init : float, default=0.003
        Adam's (initial) learning rate.
    learning_rate : {'constant', 'cosine', 'plateau'}, default='constant'
        The learning-rate schedule over the epochs of one ``fit``.
    clip_grad_norm : float or None, default=None
        When set, clip the gradient norm to this value at every step.
    early_stopping : bool, default=True
        Hold out the last ``validation_fraction`` of the windows, stop when
        their loss stops improving, and keep the best weights; the held-out
        windows also calibrate ``predict_interval``. Unlike
        ``LSTMRegressor`` (default ``'auto'``), on for any length: the network starts
        as a ridge regression on the lags (``linear_path``), and stopping on
        the most recent windows keeps the LSTM from fitting noise that
        multi-step forecasts would compound (see Notes). With the direct
        strategy, the ``horizon - 1`` windows just before the held-out ones
        (of each series) do not train: their targets reach into the
        held-out values, which would leak them.
    validation_fraction : float, default=0.1
        Share of windows (the most recent) held out for early stopping.
        When its tails are too short to calibrate ``predict_interval`` over
        ``horizon`` steps (9 errors at step ``horizon``, pooled over the
        series, for coverage 0.9; a missing value gives no error), ``fit``
        holds out the shortest longer tails that do, as long as every
        series keeps half its windows to train on;
        ``regressor_.validation_fraction`` is the share used.
    n_iter_no_change : int or 'auto', default='auto'
        Epochs without an improvement of at least ``tol`` before stopping.
        ``'auto'`` waits about 600 optimiser steps, in whole epochs from 3 to
        10: 3 for collections whose epochs take 200 steps or more (with
        ``batch_size='auto'``, those of more than about 6 400 windows), 10
        for a short series. The learning rate is constant, so a fit that
        stops sooner keeps the same best epoch unless a later one would
        have beaten it after a longer wait; on M1, M3 and Tourism monthly,
        3 instead of 10 left mean MASE unchanged and saved about a third
        of the fit (see Notes).

        .. versionchanged:: 0.3
           ``'auto'`` is the default (was 10).
    tol : float, default=1e-4
        The improvement that counts.
    device : str or torch.device, default='auto'
        Where to train and predict: ``'auto'``, ``'cpu'``, ``'cuda'``,
        ``'cuda:N'``, ``'cuda:auto'`` or ``'mps'``; ``'auto'`` picks CUDA, then
        MPS, then CPU; ``'cuda:auto'`` gives each parallel worker its own GPU.
    predict_batch_size : int or None, default=None
        Windows per forward pass when the regressor predicts many windows at
        once (on the validation windows, and from every held-out origin to
        calibrate ``predict_interval``); a forecast passes one at a time.
        None picks by device.
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, dropout and minibatch order through a private
        generator.
    verbose : int, default=0
        0 is silent; 1 draws one progress bar for the whole fit (epochs,
        training and validation loss, time left; needs ``tqdm``, the
        ``progress`` extra, else it prints lines); 2 or more prints one line
        per epoch. Inside a search, each candidate fit reports only if its
        estimator was given a ``verbose`` of its own.
    warm_start : bool, default=False
        Whether ``fit`` continues training the current network instead of
        starting afresh. The parameters that shape the networks
        (``lookback``, ``horizon``, ``strategy``, ``network_output``,
        ``series_scaling``, ``season_length``, ``drift``, ``n_networks``)
        must then resolve as fitted; ``season_length``, ``drift`` and
        ``n_networks``, left at ``'auto'`` or set to their fitted values,
        keep what they were fitted with, whatever the new data would resolve
        them to. Any other change is refused.
    target : {'level', 'change'} or 'deprecated', default='deprecated'
        The former name of ``network_output``.

        .. deprecated:: 0.2
           Use ``network_output``; ``target`` is removed in 0.3. When set, it
           takes precedence over ``network_output``, with a
           ``FutureWarning``.

    Attributes
    ----------
    regressor_ : LSTMRegressor
        The fitted regressor that maps a window to the next value(s): with
        ``n_networks > 1``, the first of the networks whose forecasts are
        averaged.
    n_iter_ : int
        Epochs ``regressor_`` has trained for.
    calibration_residuals_ : ndarray of shape (n_origins, max_steps) or None
        Absolute errors of forecasts made by the final model (with
        ``shrinkage_``) from each origin in the held-out tail of every
        series (with ``early_stopping``), in the units the network sees (the units of y
        when ``series_scaling`` resolves to ``'none'`` and no season is
        taken out), each divided by its series' interval scale (how much
        the series moves from one step to the next there and how large the
        networks' in-sample errors on it are, each relative to the median
        series and shrunk halfway to 1; 1 for one series alone):
        row *i* forecasts from the *i*-th origin, column *h* is ``h + 1``
        steps ahead, NaN where the series ended first. Where the errors
        grow along the tails beyond chance (a one-sided test at 2.5 %, its
        standard error clustered by series; never for one series), each is
        carried to its series' end: multiplied by the growth from its
        origin to the end, as if forecast from there ("Errors carried to
        the ends" in ``docs/forecasting.md``).
        ``max_steps`` is the longest tail, at most
        ``MAX_CALIBRATED_STEPS = 200``. What ``predict_interval`` calibrates
        on; None after a fit without held-out windows.
    shrinkage_ : float
        The share of the networks' move from each series' last value the
        forecasts give up (``shrinkage``, chosen when ``'auto'``).
    series_ : ndarray of shape (n_series,)
        The labels of the series the forecaster can forecast (fitted, or
        added by ``update``), sorted. A series fitted without ``groups`` is
        labelled 0. Integer labels are held as int64 (uint64 beyond its
        range) and float labels as float64, so a label finds its series
        however it is held (an int32 column, a Python int); dates, durations,
        strings and bools as given.
    season_length_ : int or None
        The season length taken out of the series (None: no seasonal
        adjustment).
    n_features_in_ : int
        Number of covariate columns seen during fit (may be 0).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Covariate names, when X was a DataFrame with string column names.

    See Also
    --------
    LSTMRegressor : One prediction per row of a time-ordered table.

    Notes
    -----
    One series is a collection of one: ``fit(X, y)`` is
    ``fit(X, y, groups=<one label>)``, and both go through one path. The
    ``'auto'`` settings are resolved from the collection ``fit`` sees, never
    from whether ``groups`` was passed:

    =====================  =======================  ==========================
    setting ('auto')        one series               several series
    =====================  =======================  ==========================
    ``strategy``           ``'recursive'``          ``'direct'`` if
                                                    ``horizon > 1``
    ``n_networks``         1                        2
    ``series_scaling``     ``'none'``               ``'last'``
    ``season_length``      None (no adjustment)     found from the data
    ``drift``              False                    True
    ``shrinkage``          0                        chosen on the held-out
                                                    tails
    ``batch_size``         32                       grows with the windows
    ``n_iter_no_change``   600 steps in epochs,     the same (3 epochs for
                           from 3 to 10             large collections)
    short windows train    no: full windows only    yes, padded
    =====================  =======================  ==========================

    The patience of early stopping: with 10 epochs, the networks of the
    default ensemble on M1, M3 and Tourism monthly found their best epoch
    between the 3rd and the 11th, and spent 150 of their 250 epochs
    waiting for a better one. With 3 (``'auto'`` there), 14 of the 15
    networks kept the same best epoch: mean MASE 1.087, 0.862 and 1.437
    against 1.088, 0.862 and 1.437 with 10, in 36, 51 and 54 epochs
    instead of 75, 86 and 89 (fit 128 s instead of 228 s, 490 s instead of
    726 s, 409 s instead of 573 s, on a busy 2-core machine;
    ``benchmarks/global_accuracy.py --datasets m3 m1 tourism --skip-peers
    --param n_iter_no_change=3``, then ``=10``).

    One series alone trains on its full windows, so it needs ``lookback +
    1`` observations (``lookback + horizon`` with the direct strategy),
    plus those early stopping holds out. In a fit of several series, the
    windows of a series' first ``lookback - 1`` steps train too, padded by
    repeating its first value, so a series needs ``horizon + 1``
    observations with the direct strategy (2 with the recursive one). With
    ``series_scaling='last'`` or ``'log_last'``, whose windows are steps,
    one more. To be forecast after ``update``, a new series needs one value
    (two with relative windows).

    Defaults were chosen by measuring 12-step forecasts against ``Ridge`` on
    the same lags (``benchmarks/forecast_accuracy.py``) and the 100-step
    recursive forecast of a noisy sine (``benchmarks/accuracy_vs_ridge.py``):
    stopping early on the most recent windows made the LSTM clearly more
    accurate on the trending airline series and no less accurate on
    sunspots. ``network_output='level'`` and ``'change'`` were within 5 % of each
    other on the 12-step forecasts (level: airline 1.05x Ridge recursive,
    sunspots 1.04x, a synthetic trend 0.98x; change: 1.02x, 1.00x, 1.00x),
    and on the sine, 100 steps ahead from 20 origins, ``'level'`` was 1.02x
    the mean squared error of Ridge's recursive forecast and ``'change'``
    1.07x (from the first origin alone, the figures once quoted here, 1.00x
    and 1.25x: one draw of the noise decides a single origin).

    With the direct strategy the network reads the covariates of all
    ``horizon`` steps of a block. When the forecast ends inside a block, the
    covariates of the steps beyond it are taken to be those of the last row
    of ``X``.

    ``cross_validate`` forecasts each test fold from the end of its
    training fold, so use ``TimeSeriesSplit`` with ``gap=0`` (the default);
    for many series, :class:`sklstm.model_selection.MultiSeriesSplit`.

    Fitted on several series, the forecaster trains one network on the windows
    of every series (a global model); with ``n_networks='auto'``, two such
    networks of 16 units each. The defaults for several series were chosen by
    mean MASE over the M1 and M3 monthly collections, 18 steps ahead, with
    only ``lookback=24``, ``horizon=18`` and ``random_state`` set
    (``benchmarks/global_accuracy.py``; the Tourism monthly collection checked
    them), one change after another (M1 / M3 / Tourism, single networks
    averaged over random states): recursive forecasts from full windows 1.15 /
    0.95 / 1.60; direct forecasts, short windows and no leak into early
    stopping 1.13 / 0.93 / 1.50; seasons taken out 1.10 / 0.86 / 1.44; five
    networks 1.09 / 0.86 / 1.42, against AutoETS's 1.09 / 0.86 / 1.53; two
    networks of 16 units instead of five of 32, 1.084 / 0.860 / 1.365 in half
    the time (three random states). ``series_scaling='last'`` was chosen on
    recursive forecasts: windows relative to their last value scored 1.17
    on M1 and 0.92 on M3; levels scaled by their mean 1.38 and 1.09,
    standardised levels 1.64 and 1.21, centred log levels 1.69 and 0.98,
    ratios to the last value (``'log_last'``) 1.21 and 1.09.
    ``drift='auto'`` (each series' mean step taken out, several series
    only) was measured on all ten M1, M3 and Tourism collections over
    three random states: mean MASE 18 % lower on M1 yearly (3.74 against
    4.54), 5 to 6 % lower on the other yearly collections and on M1
    quarterly, 2.6 % on Tourism monthly; 1 to 2 % higher on M3 quarterly,
    M3 other and M1 monthly; lower on every panel of 20 series
    (``docs/forecasting.md``).
    ``predict_interval`` pools the held-out errors of all series in the
    units the network sees, so each series' interval is scaled like the
    series (and by its season); each error is first divided by its series'
    interval scale, and each series' half-width is the pooled one times its
    scale. The scale is the geometric mean of two factors, each relative to
    the median series and shrunk halfway to 1: the standard deviation of the
    series' one-step changes in those units, and the networks' mean
    in-sample error on it. Calm series, and series the networks forecast
    well, get narrow intervals; restless ones and guesses, wide: on M1, M3
    and Tourism monthly this raised the coverage of the 95 % intervals from
    0.92 to 0.93-0.94 and lowered their MSIS (``docs/forecasting.md``). A
    series added by ``update`` gets its scale from the one-step changes of
    the history it brings, relative to the median noise of the fitted
    collection (the networks have made no in-sample forecast of it); a
    known series keeps its scale of ``fit``.

    ``predict_interval`` is calibrated by backtesting on the held-out tail:
    at the end of ``fit`` the trained model forecasts from every origin in
    the tail (all origins at once, one forward pass per block of steps) over
    the rest of the tail, and keeps the errors of each horizon.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMForecaster
    >>> series = np.sin(0.3 * np.arange(150))
    >>> no_covariates = np.empty((150, 0))
    >>> forecaster = LSTMForecaster(lookback=8, max_iter=30, random_state=0)
    >>> forecaster = forecaster.fit(no_covariates[:120], series[:120])
    >>> forecast = forecaster.predict(no_covariates[120:])
    >>> forecast.shape
    (30,)
    >>> bool(np.abs(forecast - series[120:]).max() < 0.3)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **LSTMRegressor._parameter_constraints,
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "strategy": [StrOptions(set(STRATEGIES))],
        "network_output": [StrOptions(set(NETWORK_OUTPUTS))],
        "target": [StrOptions({*NETWORK_OUTPUTS, "deprecated"})],
        "series_scaling": [StrOptions({*SERIES_SCALINGS, "auto"})],
        "drift": ["boolean", StrOptions({"auto"})],
        "shrinkage": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "n_networks": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_series": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="right"),
            StrOptions({"auto"}),
        ],
        "season_length": [
            Interval(Integral, 2, None, closed="left"),
            StrOptions({"auto"}),
            None,
        ],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
    }

    # With metadata routing enabled, ``groups`` reaches fit, predict and
    # score without a ``set_*_request`` call: a multi-series forecaster
    # cannot do without it.
    __metadata_request__fit: ClassVar[dict] = {"groups": True}
    __metadata_request__predict: ClassVar[dict] = {"groups": True}
    __metadata_request__score: ClassVar[dict] = {"groups": True}

    #: Every fitted attribute and how it is pickled and saved (``sklstm._state``).
    #: What the forecaster knows of each series is laid out by
    #: :meth:`sklstm._series_state.SeriesState.to_attributes`.
    _fitted_state_schema: ClassVar[dict[str, Field]] = {
        "regressor_": Estimator(),
        "_ensemble": Estimators(optional=True),
        "calibration_residuals_": Array(shape=("*", "*"), optional=True, errors=True),
        "_calibration_by_rule": Array(shape=("*",), optional=True),
        "shrinkage_": Float(optional=True),
        "n_features_in_": Count(),
        "feature_names_in_": Names(length="n_features_in_", optional=True),
        "_architecture": Params(),
        "series_": Labels(),
        "_series_history": Array(shape=("*", "*", "*")),
        "_series_scaling": Array(shape=("*", "*")),
        "_series_season": Array(shape=("*", "*"), optional=True),
        "_series_drift": Array(shape=("*", "*"), optional=True),
        "_time_origin": Label(optional=True),
        "_time_step": Step(optional=True),
        "_time_offsets": Array(shape=("*",), optional=True),
        "_series_name": Scalar(optional=True),
        "_series_missing": Array(shape=("*", "*"), optional=True),
        "_series_interval_scale": Array(shape=("*",), optional=True),
        "_interval_noise_centre": Float(optional=True),
        "_interval_noise_lag": Count(optional=True),
        "_series_missing_run": Array(shape=("*",), optional=True),
    }
    #: How sklstm 0.2 laid out the same state (files of format 1).
    _legacy_fitted_state_schema: ClassVar[dict[str, Field]] = LEGACY_SCHEMA

    def __init__(
        self,
        lookback: int = 10,
        *,
        horizon: int = 1,
        strategy: str = "auto",
        network_output: str = "level",
        series_scaling: str = "auto",
        season_length: int | str | None = "auto",
        drift: bool | str = "auto",
        shrinkage: float | str = "auto",
        n_networks: int | str = "auto",
        max_series: int | float | str = "auto",
        hidden_size: int = 16,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        cell: str = "lstm",
        linear_path: bool = True,
        standardize: bool = True,
        alpha: float = 0.0,
        max_iter: int = 200,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.003,
        learning_rate: str = "constant",
        clip_grad_norm: float | None = None,
        early_stopping: bool = True,
        validation_fraction: float = 0.1,
        n_iter_no_change: int | str = "auto",
        tol: float = 1e-4,
        device: str | torch.device = "auto",
        predict_batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        warm_start: bool = False,
        target: str = "deprecated",
    ) -> None:
        self.lookback = lookback
        self.horizon = horizon
        self.strategy = strategy
        self.network_output = network_output
        self.series_scaling = series_scaling
        self.season_length = season_length
        self.drift = drift
        self.shrinkage = shrinkage
        self.n_networks = n_networks
        self.max_series = max_series
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.cell = cell
        self.linear_path = linear_path
        self.standardize = standardize
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.clip_grad_norm = clip_grad_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.predict_batch_size = predict_batch_size
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.target = target

    # ------------------------------------------------------------------ public

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, *, groups=None) -> LSTMForecaster:
        """Learn to forecast the series ``y`` from its past and the covariates.

        Parameters
        ----------
        X : array-like of shape (n_steps, n_covariates)
            The covariates of each step, aligned row by row with ``y``.
            ``n_covariates`` may be 0: ``np.empty((n_steps, 0))``, or a
            DataFrame with only an index.
        y : array-like of shape (n_steps,)
            The series, in time order. A pandas Series on a regular
            ``DatetimeIndex`` lets :meth:`predict_series` date the forecast;
            dates it skips on that grid become missing values. A missing
            value may be NaN: windows then carry a mask of what is missing
            (held at the last observed value), and missing targets do not
            train (see "Series with holes" in the forecasting guide).
        groups : array-like of shape (n_steps,), default=None
            The series each row belongs to, for a global model of many
            series: their rows stacked in one table (in any order of series,
            each series' rows in time order; series may differ in length and
            in where they start and end). One network learns from the
            windows of all of them, each series scaled on its own
            (``series_scaling``); no window crosses two series. A series
            too short to make a training window is kept as a history only:
            the network trained on the others forecasts it. None means
            one series. Not needed for a ``y`` (and ``X``) on a two-level
            ``(series, time)`` MultiIndex, the long format, which names the
            series of each row in its first level (``docs/forecasting.md``).

        Returns
        -------
        self : LSTMForecaster
            The fitted forecaster.
        """
        integer_time = is_long_format(X) or is_long_format(y)
        X, y, groups = from_long_format(X, y, groups)
        X, y, groups = with_missing_steps(X, y, groups, integer_time=integer_time)
        X_checked, y_checked, features = validate_on_copy(
            self, validate_series, X, y, reset=True
        )
        panel = panel_of(
            np.full(len(y_checked), SINGLE_SERIES_LABEL) if groups is None else groups,
            len(y_checked),
        )
        y_sorted, X_sorted = y_checked[panel.order], X_checked[panel.order]
        series = np.split(y_sorted, panel.starts[1:])
        refuse_empty_series(series, panel.labels)
        refuse_series_float32_cannot_resolve(series, panel.labels)
        # Refuses bad dates before training.
        grid = time_grid(time_index(X, y), panel, integer_time=integer_time)
        architecture = resolve_architecture(
            self.get_params(deep=False), series, warn_if_deprecated=True
        )
        if self.warm_start and self.__sklearn_is_fitted__():
            architecture = self._continued(
                architecture, len(series), features, X_checked
            )
        _check_long_enough(panel, architecture, X_checked.shape[1])
        width = history_width(architecture)
        transform = target_transform(series, panel, architecture)
        z, missing = network_units(transform, y_sorted, panel)
        interval_scale = fit_interval_scales(
            transform.scaling, y_sorted, panel, architecture["season_length"]
        )
        holes = holes_in_training(missing, panel, architecture)
        fraction = calibration_fraction(
            trainable_lengths(panel, architecture),
            block_of(architecture),
            architecture["horizon"],
            self.validation_fraction,
            trainable_gaps(missing, panel, architecture),
        )
        missing = missing if self._masked(holes) else None
        networks = self._train_on(architecture, z, X_sorted, panel, fraction, missing)
        data = (z, X_sorted, missing, transform.drift_steps(np.arange(len(series))))
        shrinkage, scales, calibration = calibrated(
            self, networks, architecture, (data, panel, fraction), interval_scale[0]
        )
        state = SeriesState.from_fit(
            y_sorted,
            X_sorted,
            panel,
            transform,
            width,
            grid,
            (scales, *interval_scale[1:]),
        )
        publish_fitted_state(
            self,
            fitted_attributes(
                networks,
                architecture,
                (*calibration, shrinkage),
                features,
                state.to_attributes(),
                y,
            ),
            stale=LEGACY_ATTRIBUTES,
        )
        return self

    def predict(self, X, *, groups=None) -> np.ndarray:
        """Forecast the ``len(X)`` steps that follow the series seen so far.

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast, in time order; zero
            columns when the model has no covariates. When its rows are
            dated (a ``DatetimeIndex`` or ``PeriodIndex``, or the long
            format) and the series were fitted on dates, each row is
            forecast at its own date, a step of the time grid after its
            series' end (rows that skip steps need a model without
            covariates, whose forecast reads those of every step).
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            Each series' rows are its next steps, in order, from the end of
            its history (seen in ``fit`` or given to :meth:`update`).

        Raises
        ------
        ValueError
            If ``groups`` names a series without a history (a forecaster
            fitted without groups knows one series, labelled 0), or is
            missing for a forecaster of many, or if X's dates are not the
            steps the rows forecast.

        Returns
        -------
        forecast : ndarray of shape (n_future_steps,)
            The forecast, in the units of ``y``.
        """
        dates = future_dates(X)
        X, _, groups = from_long_format(X, None, groups)
        fitted = self._fitted()
        return fitted.forecast(fitted.covariates(X), groups, dates)[0]

    def predict_series(self, X, *, groups=None) -> pd.Series:
        """Forecast like :meth:`predict`, as a Series on the continued time index.

        Available when ``y`` (or else ``X``) was a pandas object whose index
        is a regular ``DatetimeIndex`` (or a ``RangeIndex``).

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast. When X is a DataFrame
            with a ``DatetimeIndex``, that index must be the continuation.
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            Each series' rows are its next steps, in order, from the end of
            its history (seen in ``fit`` or given to :meth:`update`).

        Returns
        -------
        forecast : pandas.Series of shape (n_future_steps,)
            The forecast, indexed by the steps that follow the series, and
            named like ``y``. With ``groups``: aligned with the rows of X
            and indexed by ``(series, time)``; with X in long format, on
            X's own two levels and their names.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> from sklstm import LSTMForecaster
        >>> months = pd.date_range("2000-01", periods=60, freq="MS")
        >>> y = pd.Series(np.sin(np.arange(60) / 2), index=months, name="demand")
        >>> forecaster = LSTMForecaster(lookback=6, max_iter=5, random_state=0)
        >>> forecaster = forecaster.fit(pd.DataFrame(index=months), y)
        >>> forecast = forecaster.predict_series(np.empty((3, 0)))
        >>> print(forecast.index[0].date(), forecast.index.freqstr, forecast.name)
        2005-01-01 MS demand
        """
        given = X
        X, _, groups = from_long_format(X, None, groups)
        fitted = self._fitted()
        forecast, _, _, rows = fitted.forecast(
            fitted.covariates(X), groups, future_dates(given)
        )
        where, steps = rows.series, rows.steps
        grid = fitted.state.grid
        if grid is None:
            raise ValueError(
                "predict_series needs the time index of the series: fit "
                "with y as a pandas Series on a regular DatetimeIndex "
                "(one with a frequency) or an integer index with one step, that "
                "holds each row's time. Use predict for plain arrays."
            )
        times = grid.dates(where, steps)
        name = fitted.series_name
        if groups is None:
            if isinstance(times, pd.DatetimeIndex):
                times = _on_the_grid_frequency(times, grid.step)
            return pd.Series(forecast, index=times, name=name)
        return to_long_format(
            forecast, series=groups, times=times, like=given, name=name
        )

    def predict_interval(self, X, coverage: float = 0.9, *, groups=None) -> np.ndarray:
        """Forecast like :meth:`predict`, with a split conformal interval per step.

        The half-width at step *h* is the ``ceil((n + 1) * coverage)``-th
        smallest of the ``n`` absolute errors that forecasts from the
        held-out tail made *h* steps ahead (``calibration_residuals_``), so
        the intervals widen as the errors grow with the horizon. If future
        errors behave like those of the tail, each step's interval holds the
        truth with probability at least ``coverage``. (The tail also chose
        when training stopped, a small optimistic bias.) Where the errors
        grow along the tails beyond chance, each is first carried to its
        series' end, which lies further from the training windows than any
        origin of the tail (``calibration_residuals_``).

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast, as for :meth:`predict`.
        coverage : float, default=0.9
            The wanted probability that an interval holds the truth.
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            Each series' rows are its next steps, in order, from the end of
            its history (seen in ``fit`` or given to :meth:`update`).
            The held-out errors of all series, in the units the network
            sees (``series_scaling``), each divided by its series' interval
            scale, are pooled; each series' interval is the pooled
            half-width times its scale, in the units of the series. A
            series forecast flat by rule (its history one value repeated)
            and one forecast by the networks each take the half-width of
            the held-out forecasts made the same way, at each step where
            those are enough for ``coverage``. A series whose last values
            are missing is forecast from its last observed value, and its
            steps are counted from there: after 3 missing values, step 1
            gets the half-width of step 4.

        Returns
        -------
        intervals : ndarray of shape (n_future_steps, 2)
            Lower and upper bounds of each step, in the units of ``y``.

        Raises
        ------
        ValueError
            If the forecaster was fitted with ``early_stopping=False`` (no
            held-out tail), if ``coverage`` is not in (0, 1), or if a step
            is further ahead than the tail can calibrate for that coverage:
            step *h* needs at least ``coverage / (1 - coverage)`` origins
            with *h* observations after them in the tail (for 0.9, 9), and
            steps beyond ``MAX_CALIBRATED_STEPS = 200`` are never
            calibrated. Rather than reuse a nearer step's width, which would
            be too narrow, the forecaster refuses: forecast fewer steps at a
            time and :meth:`update` as observations arrive, or raise
            ``validation_fraction``.

        See Also
        --------
        LSTMRegressor.predict_interval : Intervals for one prediction per row.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMForecaster
        >>> rng = np.random.default_rng(0)
        >>> series = np.sin(0.2 * np.arange(300)) + rng.normal(0, 0.1, 300)
        >>> forecaster = LSTMForecaster(lookback=8, max_iter=20, random_state=0)
        >>> forecaster = forecaster.fit(np.empty((300, 0)), series)
        >>> intervals = forecaster.predict_interval(np.empty((5, 0)), coverage=0.8)
        >>> intervals.shape
        (5, 2)
        >>> bool((intervals[:, 0] < intervals[:, 1]).all())
        True
        """
        dates = future_dates(X)
        X, _, groups = from_long_format(X, None, groups)
        fitted = self._fitted()
        residuals = fitted.calibration_residuals("predict_interval")
        check_coverage(coverage)
        calibrated_widths = []

        def half_widths(steps: np.ndarray) -> np.ndarray:
            pools = CalibrationPools(residuals, fitted.by_rule, int(steps.max()) + 1)
            return pools.half_widths(coverage)

        def calibrate(rows: ForecastRows) -> None:
            calibrated_widths.append(fitted.calibrated_for(rows, half_widths))

        _, scaled, to_y, rows = fitted.forecast(
            fitted.covariates(X), groups, dates, before_rollout=calibrate
        )
        half_width = calibrated_widths[0][
            rows.by_rule.astype(np.intp), rows.after_observed
        ] * fitted.state.interval_scale_of(rows.series)
        return np.column_stack([to_y(scaled - half_width), to_y(scaled + half_width)])

    def predict_quantiles(
        self, X, quantiles=(0.1, 0.5, 0.9), *, groups=None
    ) -> np.ndarray:
        """Forecast like :meth:`predict`, with the given quantiles of each step.

        The quantiles are the bounds of :meth:`predict_interval`: the level
        ``q < 0.5`` is the lower bound of the interval of coverage ``1 - 2q``,
        ``q > 0.5`` the upper bound of the interval of coverage ``2q - 1``,
        and 0.5 the point forecast of :meth:`predict`. So they rise with the
        level and, with ``groups``, are scaled like each series.

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast, as for :meth:`predict`.
        quantiles : sequence of float, default=(0.1, 0.5, 0.9)
            The levels, each strictly between 0 and 1, in any order.
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row,
            as for :meth:`predict_interval`.

        Returns
        -------
        quantiles : ndarray of shape (n_future_steps, n_quantiles)
            Column *j* holds the forecast quantile ``quantiles[j]`` of every
            step, in the units of ``y``.

        Raises
        ------
        ValueError
            If a level is not strictly between 0 and 1, or for the reasons
            :meth:`predict_interval` gives (no held-out tail, or a step
            further ahead than the tail calibrates that level for).

        Examples
        --------
        Two series, the second ten times the first: its quantiles spread
        ten times as wide.

        >>> import numpy as np
        >>> from sklstm import LSTMForecaster
        >>> noise = np.random.default_rng(0).normal(0, 0.1, 150)
        >>> small = 2 + np.sin(0.2 * np.arange(150)) + noise
        >>> shops = np.repeat(["small", "large"], 150)
        >>> forecaster = LSTMForecaster(lookback=8, max_iter=10, random_state=0)
        >>> forecaster = forecaster.fit(
        ...     np.empty((300, 0)), np.r_[small, 10 * small], groups=shops
        ... )
        >>> quantiles = forecaster.predict_quantiles(
        ...     np.empty((2, 0)), (0.1, 0.5, 0.9), groups=["small", "large"]
        ... )
        >>> quantiles.shape
        (2, 3)
        >>> spread = quantiles[:, 2] - quantiles[:, 0]
        >>> float(np.round(spread[1] / spread[0], 6))
        10.0
        """
        levels = check_quantile_levels(quantiles)
        dates = future_dates(X)
        X, _, groups = from_long_format(X, None, groups)
        fitted = self._fitted()
        residuals = fitted.calibration_residuals("predict_quantiles")
        calibrated_offsets = []

        def calibrate(rows: ForecastRows) -> None:
            def offsets(steps: np.ndarray) -> np.ndarray:
                return quantile_offsets(
                    residuals,
                    levels,
                    steps,
                    by_rule=fitted.by_rule,
                    rows_by_rule=rows.by_rule,
                )

            calibrated_offsets.append(fitted.calibrated_for(rows, offsets))

        _, scaled, to_y, rows = fitted.forecast(
            fitted.covariates(X), groups, dates, before_rollout=calibrate
        )
        offsets = calibrated_offsets[0]
        offsets *= fitted.state.interval_scale_of(rows.series)[:, None]
        return np.column_stack([to_y(scaled + offset) for offset in offsets.T])

    def update(self, X, y, *, groups=None) -> LSTMForecaster:
        """Append new observations so that forecasts start from them.

        The network is not retrained; call ``fit`` to learn from the new data.

        Parameters
        ----------
        X : array-like of shape (n_new_steps, n_covariates)
            The covariates of the new steps.
        y : array-like of shape (n_new_steps,)
            The new values of the series, which follow those seen so far
            (NaN where missing).
        groups : array-like of shape (n_new_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            A series seen before continues from its end; a new one (one
            value or more, two with relative windows: see Notes) gets its
            history and its scaling from these rows, so it can be forecast
            without refitting. Its scaling, season and drift are estimated
            once, from the rows of the update that adds it: later updates
            continue them, as they do a fitted series'. Give a new series'
            whole history in one call. When the
            series seen so far are dated, a new one's rows must be dated
            too, to take their place on the time grid.

        Returns
        -------
        self : LSTMForecaster
            The forecaster, now forecasting from the end of ``y``.

        Raises
        ------
        ValueError
            If a covariate holds a value that float32 cannot hold once
            standardised by the scale the networks were fitted on (every
            later forecast would read it), or if a value of y that the
            forecasts would start from, standardised the same way, is one
            whose square float32 cannot hold (the networks could not have
            been trained on it); the forecaster is left as it was.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMForecaster
        >>> series = np.arange(40.0)
        >>> X = np.empty((40, 0))
        >>> forecaster = LSTMForecaster(lookback=4, max_iter=5, random_state=0)
        >>> forecaster = forecaster.fit(X[:30], series[:30]).update(X[30:], series[30:])
        >>> bool(forecaster.predict(np.empty((1, 0)))[0] > 35)
        True
        """
        integer_time = is_long_format(X) or is_long_format(y)
        X, y, groups = from_long_format(X, y, groups)
        fitted = self._fitted()
        X, y, groups = with_missing_steps_after(
            fitted.state.grid,
            fitted.state.labels,
            X,
            y,
            groups,
            integer_time=integer_time,
        )
        X_new, y_new = validate_series(
            fitted.estimator, X, y, reset=False, all_missing_allowed=True
        )
        panel = fitted.state.panel(groups, len(y_new))
        refuse_labels_of_another_kind(fitted.state.labels, panel.labels)
        # A known series may go on with missing values only; a new one with
        # none observed is refused by name when its transform is fitted.
        where = locate_series(fitted.state.labels, panel.labels)
        needed = values_needed(fitted.architecture)
        short = np.flatnonzero((where < 0) & (panel.lengths < needed))
        if len(short):
            raise ValueError(
                f"A series not seen before needs at least {needed} value(s) "
                f"(series_scaling={fitted.architecture['series_scaling']!r}) to be "
                f"forecast; the new series {panel.labels[short[:5]].tolist()} have "
                f"fewer ({panel.lengths[short[:5]].tolist()}). Give more of their "
                "history."
            )
        # Covariates the networks cannot read would refuse every later
        # forecast of the series: refused here, before the history changes.
        fitted.check_covariates_range(X_new)
        index = time_index(X, y)
        state = fitted.state.updated(
            y_new[panel.order],
            X_new[panel.order],
            panel,
            index,
            # An integer index of its own may number the rows of a table.
            numbering=not integer_time and pd.api.types.is_integer_dtype(index),
        )
        # Values the networks cannot read would spoil every later forecast
        # of their series: refused here, before the history changes.
        fitted.check_series_range(
            read_extremes(
                state.scaled_history(locate_series(state.labels, panel.labels)),
                _rollout_of(fitted.architecture).relative,
            ),
            None,
            panel.labels,
        )
        publish_fitted_state(self, state.to_attributes())
        return self

    def score(self, X, y, sample_weight=None, *, groups=None) -> float:
        """R² of the forecast of ``len(X)`` steps against ``y``.

        With ``groups``, each series' rows are forecast from the end of its
        history (as :meth:`predict` does) and R² is computed over all rows
        of all series at once, in the units of ``y``: large series weigh
        more. For a scale-free comparison, compute a per-series metric
        from :meth:`predict`.

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast.
        y : array-like of shape (n_future_steps,)
            The true values of those steps; rows where it is NaN are left
            out of R². Dated rows (or long-format ones) may skip steps of
            the time grid: a step skipped is a truth not known, which the
            forecast goes through unscored, as in ``fit`` and ``update``.
        sample_weight : array-like of shape (n_future_steps,), default=None
            Weights of the rows in R².
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            Each series' rows are its next steps, in order, from the end of
            its history (seen in ``fit`` or given to :meth:`update`).

        Returns
        -------
        score : float
            R² of ``self.predict(X, groups=groups)``.

        Raises
        ------
        ValueError
            If every value of ``y`` is missing: there is nothing to score;
            or if the dates of ``y`` (or X) lie before the steps forecast,
            or off the time grid.
        """
        # The truth's dates are checked like X's: scored against the next
        # steps, values from after a gap would give a plausible, wrong R².
        # The rows are y's, in y's order (long-format X is aligned to it).
        dates, dated = future_dates(y), "y"
        if dates is None:
            dates, dated = future_dates(X), "X"
        X, y, groups = from_long_format(X, y, groups)
        check_consistent_length(X, y, sample_weight)
        time_index(X, y)  # refuses X and y dated differently
        fitted = self._fitted()
        forecast = fitted.forecast(fitted.covariates(X), groups, dates, dated)[0]
        return r2_of_observed(y, forecast, sample_weight=sample_weight)

    def __getstate__(self) -> dict:
        return pickled_state(self._fitted_state_schema, super().__getstate__())

    def __setstate__(self, state: dict) -> None:
        legacy = is_legacy_state(state)
        schema = LEGACY_SCHEMA if legacy else self._fitted_state_schema
        state, live = unpickled_state(schema, state)
        if legacy:
            state = upgrade_legacy_state(state)
        super().__setstate__(with_default_params(type(self), state))
        rebuild_live(self, live)

    @property
    def n_iter_(self) -> int:
        """Epochs ``regressor_`` has trained for."""
        return self.regressor_.n_iter_

    @property
    def season_length_(self) -> int | None:
        """The season length taken out of the series (None: no adjustment)."""
        check_is_fitted(self)
        season = getattr(self, "_series_season", None)
        return None if season is None else season.shape[1] - 1

    # --------------------------------------------------------------- internals

    def _validate_params(self) -> None:
        """scikit-learn's check of ``_parameter_constraints``, which takes True
        for 1, and a refusal of True or False where no bool is meant."""
        super()._validate_params()
        refuse_bools_posing_as_numbers(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The logarithmic scalings take positive series only, and say so.
        tags.target_tags.positive_only = self.series_scaling in LOGARITHMIC_SCALINGS
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return "regressor_" in vars(self)

    def _fitted(self) -> _Fitted:
        """One read of the fitted state, for every method that reads it.

        ``fit`` and ``update`` publish their state in one step, so a reader
        in another thread sees the old state or the new one, never a mix.
        """
        check_is_fitted(self)
        snapshot = object.__new__(type(self))
        vars(snapshot).update(copy.copy(vars(self)))
        return _Fitted(snapshot)

    def _upgrade_legacy_state(self) -> None:
        """Rewrite a state decoded with ``_legacy_fitted_state_schema``."""
        state = upgrade_legacy_state(vars(self))
        vars(self).clear()
        vars(self).update(state)

    def _check_fitted_state(self) -> None:
        """Refuse a loaded state whose parts do not fit together."""
        fitted = self._fitted()
        architecture = fitted.architecture
        lookback = architecture["lookback"]
        block = block_of(architecture)
        for member in fitted.members:
            if member.window_length_ != lookback:
                raise ValueError(
                    f"the architecture's lookback={lookback} does not match the "
                    f"network's window of {member.window_length_} steps"
                )
            if member.n_outputs_ != block or member._y_was_1d != (block == 1):
                raise ValueError(
                    f"the architecture forecasts {block} step(s) per window, but "
                    f"a network has {member.n_outputs_} output(s)"
                    f"{' of a 1-D target' if member._y_was_1d else ''}"
                )
        check_state(
            fitted.state,
            lookback,
            history_width(architecture),
            self.n_features_in_,
            architecture["drift"],
        )
        _check_noise_lag(fitted.state.noise_lag, architecture)
        _check_calibration(fitted.residuals, vars(self).get("_calibration_by_rule"))
        if not 0 <= fitted.shrinkage <= 1:
            raise ValueError(
                f"shrinkage_ must be between 0 and 1; got {fitted.shrinkage!r}"
            )

    def _continued(
        self, architecture: dict, n_series: int, features: dict, X: np.ndarray
    ) -> dict:
        """The architecture a warm start continues training on covariates ``X``.

        Of the parameters that shape the networks, those whose ``'auto'``
        depends on the data or on the version that fitted them
        (:data:`CARRIED_ON_WARM_START`), left at ``'auto'`` or set to their
        fitted value, keep what they were fitted with: ``n_networks`` the
        fitted networks, however many ``'auto'`` gave then (5 before 0.3);
        ``season_length`` the season taken out then, which the new data may
        show otherwise (or be too short to test; each series still needs
        three seasons of values to have its season taken out); ``drift``
        what a file saved before drifts were taken out was fitted with. Any
        other change is refused (:meth:`_check_same_architecture`), a move
        between one series and several among them: ``strategy`` and
        ``series_scaling`` are not carried. So are covariates that overflow
        float32 once standardised by the first fit's scale, by their own
        name, rather than as a training that diverged, blaming the learning
        rate.
        """
        fitted = self._fitted_architecture()
        kept = {
            name: fitted[name]
            for name in CARRIED_ON_WARM_START
            if getattr(self, name) in ("auto", fitted[name])
        }
        architecture = {**architecture, **kept}
        self._check_same_architecture(architecture, n_series, features)
        self._fitted().check_covariates_range(X, continuing="fit with warm_start=True")
        return architecture

    def _check_same_architecture(
        self, architecture: dict, n_series: int, features: dict
    ) -> None:
        fitted = self._fitted_architecture()
        n_covariates, names = features["n_features_in_"], features["feature_names_in_"]
        fitted_names = getattr(self, "feature_names_in_", None)
        if n_covariates != self.n_features_in_ or (
            names is not None
            and fitted_names is not None
            and list(names) != list(fitted_names)
        ):
            columns = "" if names is None else f" {list(names)}"
            fitted_columns = "" if fitted_names is None else f" {list(fitted_names)}"
            raise ValueError(
                "fit with warm_start=True continues training the fitted networks, "
                f"which read {self.n_features_in_} covariate column(s)"
                f"{fitted_columns}; X has {n_covariates}{columns}. Give X the "
                "columns it was fitted with, in that order, or fit with "
                "warm_start=False to start afresh with the new ones."
            )
        changed = [
            f"{name}={architecture[name]!r} (fitted with {fitted[name]!r})"
            for name in ARCHITECTURE_PARAMS
            if architecture[name] != fitted[name]
        ]
        if changed:
            auto = [
                name
                for name in ARCHITECTURE_PARAMS
                if architecture[name] != fitted[name] and getattr(self, name) == "auto"
            ]
            why = (
                f" ({', '.join(auto)}='auto' resolves from the collection: one "
                f"series and several are scaled and forecast differently; this "
                f"fit has {n_series} series)"
                if auto
                else ""
            )
            raise ValueError(
                "fit with warm_start=True continues training the fitted network, "
                f"but parameters that shape it changed since it was fitted: "
                f"{', '.join(changed)}{why}. Set them to their fitted values to "
                "continue, or fit with warm_start=False to start afresh."
            )

    def _fitted_architecture(self) -> dict:
        """The resolved parameters the fitted state was built with."""
        return self._fitted().architecture

    def _members(self) -> list[LSTMRegressor]:
        """The fitted networks whose forecasts are averaged."""
        return self._fitted().members

    def _masked(self, has_missing: bool) -> bool:
        """Whether the networks to train read a mask of missing values.

        They do when the series have holes; a warm start keeps the fitted
        networks' inputs, and cannot add a mask they never had.
        """
        if not (self.warm_start and self.__sklearn_is_fitted__()):
            return bool(has_missing)
        masked = self._fitted().masked
        if has_missing and not masked:
            raise ValueError(
                "fit with warm_start=True continues training the fitted networks, "
                "which were fitted on series without missing values and read no "
                "mask of them; these series have missing values (NaN). Fit with "
                "warm_start=False to learn from the holes."
            )
        return masked

    def _train_on(
        self,
        architecture: dict,
        z: np.ndarray,
        X_sorted: np.ndarray,
        panel,
        fraction: float,
        missing: np.ndarray | None = None,
    ) -> list[LSTMRegressor]:
        """Train the ``n_networks`` regressors on the windows of every series.

        The first is seeded by ``random_state`` itself, the others by seeds
        drawn from it; each trains on its own draw of the series
        (``max_series``, :mod:`sklstm._member_series`), and one network
        on all of them. Early stopping holds out ``fraction`` of each series'
        windows (``validation_fraction``, grown by ``calibration_fraction``).
        With ``missing`` (which values of ``z`` were missing), the windows
        carry a mask of them and missing targets do not train.
        """
        rollout = _rollout_of(architecture)
        rows, targets, weights, codes = training_windows(
            architecture, z, X_sorted, panel, len(panel.labels), missing
        )
        held_out = held_out_windows(codes, self.early_stopping, fraction)
        weights = leak_free_weights(
            weights, codes, held_out, fraction, rollout.block, X_sorted.shape[1]
        )
        targets = targets.dense()[:, 0] if rollout.block == 1 else targets
        if self.warm_start and self.__sklearn_is_fitted__():
            # The networks standardise the series by the first fit's scale:
            # values beyond it are refused here, by the series' name, rather
            # than as a column of the windows, or as a training that diverged.
            self._fitted().check_series_range(
                *window_extremes(rows, targets, codes, len(panel.labels)),
                panel.labels,
                continuing="fit with warm_start=True",
                n_windows=len(codes),
            )
        n_networks = architecture["n_networks"]
        drawable = drawable_series(panel.labels, weights, codes, held_out)
        seed = draw_seed(self.random_state)
        draws = members_weights(
            self, n_networks, drawable, seed, (weights, codes, panel.labels)
        )
        networks = []
        for member, (own, n_drawn) in enumerate(draws):
            label = type(self).__name__
            if n_networks > 1:
                label += f" member {member + 1}/{n_networks}"
            n_windows = int(np.count_nonzero(own))
            batch_size = batch_size_for(self.batch_size, n_drawn, n_windows)
            with progress_label(label):
                regressor = self._regressor(batch_size, n_windows, member, fraction)
                networks.append(
                    without_own_residuals(
                        regressor.fit(rows, targets, sample_weight=own, groups=codes)
                    )
                )
        return networks

    def _regressor(
        self,
        batch_size: int,
        n_windows: int,
        member: int = 0,
        fraction: float | None = None,
    ) -> LSTMRegressor:
        """The regressor to train, configured with this forecaster's parameters.

        ``n_windows`` are the windows it trains on (they set the patience of
        ``n_iter_no_change='auto'``); ``member`` is its place in the
        ensemble, which seeds it; ``fraction`` the share of windows it holds
        out (None: ``validation_fraction``).
        """
        shared = set(LSTMRegressor._get_param_names())
        params = {
            name: value
            for name, value in self.get_params(deep=False).items()
            if name in shared
        }
        params["batch_size"] = batch_size
        params["n_iter_no_change"] = patience_for(
            self.n_iter_no_change, n_windows, batch_size
        )
        if fraction is not None:
            params["validation_fraction"] = fraction
        if member and isinstance(params["random_state"], Integral):
            seeds = np.random.default_rng([int(params["random_state"]), member])
            params["random_state"] = int(seeds.integers(2**31 - 1))
        if self.warm_start and self.__sklearn_is_fitted__():
            # A copy: a refused refit leaves the fitted regressor as it was.
            regressor = object.__new__(LSTMRegressor)
            vars(regressor).update(vars(self._members()[member]))
            return regressor.set_params(**params)
        return LSTMRegressor(**params)


def without_own_residuals(member: LSTMRegressor) -> LSTMRegressor:
    """``member`` with an empty table for its own interval residuals.

    A forecaster calibrates its intervals from its own backtests
    (:func:`calibration_errors`), not from its networks' one-window
    residuals. Kept, those would be a table of held-out windows x horizon
    per network: 8 MB for five networks of M3 monthly, in memory while
    the backtests run and in every saved file. The empty table still says,
    as None would not, that the network held rows out.
    """
    residuals = member.calibration_residuals_
    if residuals is not None:
        member.calibration_residuals_ = np.empty((0, residuals.shape[1]))
    return member


def window_extremes(
    rows: np.ndarray, targets: np.ndarray | DirectTargets, codes, n_series: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each series' lowest and highest value its training windows read, and
    target of each step they forecast, as ``_Fitted.check_series_range``
    takes them.

    ``rows``, ``targets`` and ``codes`` are those of
    :func:`training_windows`, the targets of one step as a column.
    """
    tables = targets.chunks() if isinstance(targets, DirectTargets) else [targets]
    inputs = extremes_by_series([rows[:, :1]], codes, n_series)[..., 0]
    return inputs, extremes_by_series(tables, codes, n_series)


def read_extremes(history: np.ndarray, relative: bool) -> np.ndarray:
    """Each series' lowest and highest value the networks read of its
    ``history`` (in their units, one series a row): its values, or with
    ``relative`` windows the steps between them; NaN where none is known.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecaster import read_extremes
    >>> history = np.array([[1.0, 4.0, 2.0]])
    >>> read_extremes(history, False).tolist(), read_extremes(history, True).tolist()
    ([[1.0], [4.0]], [[-2.0], [3.0]])
    """
    read = np.diff(history, axis=1) if relative else history
    return np.stack([np.fmin.reduce(read, axis=1), np.fmax.reduce(read, axis=1)])


def extremes_by_series(tables, codes: np.ndarray, n_series: int) -> np.ndarray:
    """Each series' lowest and highest value in each column of ``tables``.

    Parameters
    ----------
    tables : iterable of ndarray of shape (n_rows,) or (n_rows, n_columns)
        Consecutive rows, of the series ``codes`` says, in order.
    codes : ndarray of shape (n_rows_in_all,)
    n_series : int

    Returns
    -------
    ndarray of shape (2, n_series, n_columns)
        The lowest, then the highest; NaN where a series has no value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._forecaster import extremes_by_series
    >>> tables = [np.array([1.0, 5.0]), np.array([np.nan, 2.0])]
    >>> extremes_by_series(tables, np.array([0, 0, 2, 2]), 3)[..., 0].tolist()
    [[1.0, nan, 2.0], [5.0, nan, 2.0]]
    """
    extremes = None
    start = 0
    for table in tables:
        table = table.reshape(len(table), -1)
        if extremes is None:
            extremes = np.full((2, n_series, table.shape[1]), np.nan)
        series = codes[start : start + len(table)]
        # fmin and fmax pass over NaN: a missing value, or none yet.
        np.fmin.at(extremes[0], series, table)
        np.fmax.at(extremes[1], series, table)
        start += len(table)
    return np.full((2, n_series, 1), np.nan) if extremes is None else extremes


def drawable_series(
    labels: np.ndarray, weights: np.ndarray, codes, held_out: np.ndarray
) -> tuple[np.ndarray, int]:
    """The ``labels`` of the series a network can draw, and how many series
    every network keeps besides.

    A series can be drawn when it has a window of positive weight that early
    stopping does not hold out (``held_out``): a network that drew only
    series whose windows are all held out would have none to train on. A
    series whose windows of positive weight are all held out is never
    drawn, and keeps them (for the targets' scale and the held-out loss) in
    every network.
    """
    counts = np.bincount(codes[(weights > 0) & ~held_out], minlength=len(labels))
    positive = np.bincount(codes[weights > 0], minlength=len(labels))
    return labels[counts > 0], int(np.count_nonzero((positive > 0) & (counts == 0)))


def members_weights(forecaster, n_networks: int, drawable, seed: int, windows):
    """Each network's window weights, and how many series it trains on.

    Each network draws its series from the drawable labels of the whole
    collection (``drawable``, as :func:`drawable_series` returns them, or
    their union over the processes of a fit: the labels, and how many
    series every network keeps besides; ``forecaster.max_series``,
    :mod:`sklstm._member_series`); ``windows`` are the ``(weights, codes,
    labels)`` of this fit's (or this process's) windows, whose weights are
    set to 0 for the drawable series not drawn (windows of weight 0 cost no
    training step). So a draw of every drawable series leaves the weights
    as they are, and counts every series with a window of positive weight.
    """
    trainable, n_kept = drawable
    weights, codes, labels = windows
    n_chosen = series_per_member(forecaster.max_series, len(trainable))
    # By hash: np.isin of object labels (strings from pandas) compares every
    # label with every chosen one.
    kept = ~np.asarray(pd.Index(labels).isin(trainable))
    for member in range(n_networks):
        chosen = member_series(trainable, n_chosen, seed, member)
        drawn = np.asarray(pd.Index(labels).isin(chosen)) | kept
        own = weights if drawn.all() else np.where(drawn[codes], weights, 0.0)
        yield own, len(chosen) + n_kept


def training_windows(architecture, z, X_sorted, panel, n_series: int, missing=None):
    """The rows, targets, weights and series codes of a fit of ``n_series``.

    With ``missing`` (which values of ``z`` were missing), the windows carry
    a mask of them and missing targets get weight 0.
    """
    rollout = _rollout_of(architecture)
    return training_rows(
        z,
        X_sorted,
        panel,
        rollout.block,
        change=rollout.change,
        relative=rollout.relative,
        first_trained=first_trained_step(architecture, n_series),
        missing=missing,
    )


def target_transform(series, panel, architecture):
    """Each series' season, drift and scaling, fitted as ``architecture`` says."""
    return fit_target_transform(
        series,
        panel.starts,
        architecture["series_scaling"],
        architecture["season_length"],
        labels=panel.labels,
        drift=architecture["horizon"] if architecture["drift"] else None,
    )


def calibrated(forecaster, networks, architecture, tails, change_scales, pooled=None):
    """What the held-out tails give a fit once its networks are trained:
    the shrinkage (:func:`sklstm._shrinkage.fitted_shrinkage`), each series'
    interval scale (:func:`trained_interval_scales`) and the errors that
    calibrate the intervals (:func:`calibration_errors`), all three of the
    forecasts made with that shrinkage. ``tails`` is ``(data, panel,
    fraction)``; ``pooled`` as for :func:`trained_interval_scales`."""
    data, panel, fraction = tails
    moves = held_out_backtests(networks, architecture, data, panel, fraction)
    shrinkage = fitted_shrinkage(forecaster.shrinkage, moves, pooled)
    scales = trained_interval_scales(
        networks, architecture, tails, change_scales, shrinkage, pooled
    )
    return shrinkage, scales, calibration_errors(moves, shrinkage, scales, pooled)


def held_out_backtests(networks, architecture, data, panel, fraction):
    """The ensemble's forecasts from the held-out tails, and their truths
    (:class:`sklstm._rollout.HeldOutMoves`); None without tails. ``data`` is
    ``(z, X_sorted, missing, drifts)`` (:func:`sklstm._rollout.held_out_moves`)."""
    if networks[0].calibration_residuals_ is None:
        return None
    z, X_sorted, missing, drifts = data
    return held_out_moves(
        ensemble_predictor(networks),
        _rollout_of(architecture, masked=missing is not None),
        z,
        X_sorted,
        panel,
        fraction,
        missing,
        drifts,
    )


def calibration_errors(moves, shrinkage: float, scales=None, pooled=None):
    """The errors of the forecasts from the held-out tails (``moves``, as
    :func:`held_out_backtests` returns) made with ``shrinkage``, each
    divided by its series' interval scale (``scales``; None: 1) and carried
    to its series' end where the errors grow along the tails
    (:mod:`sklstm._error_growth`), and which origins were forecast by rule;
    ``(None, None)`` without tails. ``pooled`` as for
    :func:`trained_interval_scales`."""
    if moves is None:
        if pooled is not None:
            pooled_sums(pooled, None)  # the other parts pool their sums
        return None, None
    errors = carried_to_end(
        moves.errors(shrinkage, scales),
        moves.codes,
        moves.distances,
        moves.by_rule,
        pooled,
    )
    return errors, moves.by_rule


def _check_noise_lag(lag, architecture: dict) -> None:
    """Refuse a loaded noise measured over other steps than the season's:
    a series added by ``update`` would be measured over them, and compared
    with a centre measured over the season."""
    season = architecture.get("season_length") or 1
    if lag is not None and lag != season:
        raise ValueError(
            f"the interval noise was measured over {lag} step(s), but the "
            f"forecaster's season is {season} step(s)"
        )


def _check_calibration(residuals, by_rule) -> None:
    """Refuse a loaded flag of rule forecasts that is not one 0 or 1 per
    held-out origin."""
    if by_rule is None:
        return
    if residuals is None or len(by_rule) != len(residuals):
        origins = "none" if residuals is None else len(residuals)
        raise ValueError(
            f"{len(by_rule)} held-out origins are flagged as forecast by rule or "
            f"not, but the table of held-out errors has {origins}"
        )
    if not np.isin(by_rule, (0.0, 1.0)).all():
        raise ValueError(
            "the flags of held-out origins forecast by rule must be 0 or 1"
        )


def trained_interval_scales(
    networks, architecture, tails, change_scales, shrinkage=0.0, pooled=None
):
    """Each series' interval scale once the networks are trained.

    The geometric mean of two factors, each relative to the median series
    and shrunk halfway to 1: ``change_scales``, how far the series strays
    from its value a season before (:func:`sklstm._intervals.season_noise`),
    and how large the networks' in-sample errors on it are
    (:func:`sklstm._series_state.fit_error_scales`). A series that moves
    much but that the networks forecast well (a smooth wave longer than the
    season) then gets a narrower interval than its moves alone would give.
    The in-sample forecasts are made with ``shrinkage``, as the forecasts
    are. ``tails`` is ``(data, panel, fraction)``, ``data`` being ``(z,
    X_sorted, missing, drifts)``; ``pooled`` as for
    :func:`fit_interval_scales`. Without held-out errors to calibrate, and
    for one series alone (whose scale is 1), no forecast is made.
    """
    data, panel, fraction = tails
    if networks[0].calibration_residuals_ is None or (
        pooled is None and len(panel.labels) == 1
    ):
        return change_scales
    rollout = _rollout_of(architecture, masked=data[2] is not None)
    sums, counts = in_sample_errors(
        ensemble_predictor(networks), rollout, data, panel, fraction, shrinkage
    )
    combined = np.sqrt(change_scales * fit_error_scales(sums, counts, pooled))
    # A series with no in-sample errors (kept as a history only) keeps its
    # change scale alone, as a new series given to update does.
    known = np.isfinite(fit_noise(sums, counts, pooled))
    return np.where(known, combined, change_scales)


def fitted_attributes(
    networks, architecture, calibration, features, state_attributes, y
) -> dict:
    """The fitted attributes a fit publishes, in one dict. ``calibration``
    is what :func:`calibration_errors` returns, and the shrinkage."""
    residuals, by_rule, shrinkage = calibration
    return {
        "regressor_": networks[0],
        "_ensemble": networks[1:] or None,
        "_architecture": architecture,
        "calibration_residuals_": residuals,
        "_calibration_by_rule": by_rule,
        "shrinkage_": shrinkage,
        **features,
        **state_attributes,
        "_series_name": y.name if isinstance(y, pd.Series) else None,
    }


def _rollout_of(architecture: dict, masked: bool = False) -> Rollout:
    width = history_width(architecture)
    relative = width > architecture["lookback"]
    return Rollout(
        lookback=architecture["lookback"],
        block=block_of(architecture),
        width=width,
        change=relative or architecture["network_output"] == "change",
        masked=masked,
    )


def network_units(transform, y_sorted: np.ndarray, panel):
    """The values in the units the network sees, and which were missing.

    A missing value holds the last one observed before it (season taken
    out), as the history a forecast starts from does.
    """
    adjusted, missing = fill_forward(
        transform.adjust(y_sorted, panel.sorted_codes, panel.steps_from_end), panel
    )
    return transform.scaling.transform(adjusted, panel.sorted_codes), missing


def _check_long_enough(panel, architecture: dict, n_features: int) -> None:
    """Refuse a fit that has no series long enough to train, naming them and
    what they need, and series too short even to forecast from.

    In a fit of several series, one too short to make a training window is
    kept as a history only: the network trained on the others forecasts it.
    (What early stopping holds out beside is refused by ``leak_free_weights``.)
    """
    n_series = len(panel.labels)
    needed = values_needed(architecture, n_series=n_series)
    short = np.flatnonzero(panel.lengths < needed)
    if n_series > 1 and len(short) < n_series:
        check_forecastable(panel, architecture)
        return
    if not len(short):
        return
    relative = history_width(architecture) > architecture["lookback"]
    block = block_of(architecture)
    scaling = f", series_scaling={architecture['series_scaling']!r}"
    settings = (
        f"lookback={architecture['lookback']}, "
        f"strategy={architecture['strategy']!r}, "
        f"horizon={architecture['horizon']}{scaling if relative else ''}"
    )
    if len(panel.labels) == 1:
        formula = "lookback + " + ("horizon" if block > 1 else "1")
        raise ValueError(
            f"At least {formula}{' + 1' if relative else ''} = {needed} "
            f"observations make one training window ({settings}); got "
            f"{len(panel.codes)} sample(s) (X has {n_features} feature(s)). "
            "Pass a longer series or lower lookback."
        )
    listed = ", ".join(
        f"{python_scalar(panel.labels[s])!r} ({panel.lengths[s]})" for s in short[:5]
    )
    first = "two values make a step" if relative else "a value"
    raise ValueError(
        f"No series is long enough to train: at least {needed} observations "
        f"make one training window ({settings}: {first}, then {block} target "
        f"value(s) after it); the series and their lengths: {listed}. Pass "
        "longer series (series too short to train are then forecast by the "
        "network trained on the others), or lower horizon."
    )


def trainable_lengths(panel, architecture: dict, n_series: int | None = None):
    """The lengths of the series long enough to train (the others are only
    histories to forecast from, and have no held-out tail), in a fit of
    ``n_series`` (None: those of ``panel``)."""
    n_series = len(panel.labels) if n_series is None else n_series
    needed = values_needed(architecture, n_series=n_series)
    return panel.lengths[panel.lengths >= needed]


def trainable_gaps(
    missing: np.ndarray, panel, architecture: dict, n_series: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Where the series long enough to train miss values (``missing``, one
    per row in the order of ``panel``), in a fit of ``n_series`` (None:
    those of ``panel``): the series of each missing value, as an index into
    :func:`trainable_lengths`, and its steps before its series' end (0 for
    the last value). No held-out error is scored against them."""
    n_series = len(panel.labels) if n_series is None else n_series
    trains = panel.lengths >= values_needed(architecture, n_series=n_series)
    rows = np.flatnonzero(missing & np.repeat(trains, panel.lengths))
    series = panel.sorted_codes[rows]
    return np.cumsum(trains)[series] - 1, -panel.steps_from_end[rows] - 1


def holes_in_training(
    missing: np.ndarray, panel, architecture: dict, n_series: int | None = None
) -> bool:
    """Whether a series long enough to train has a missing value (``missing``,
    one per row in the order of ``panel``), so the networks read a mask.

    A series too short to train is a history only, forecast as if given to
    ``update`` after the fit: its holes change no network's inputs.
    """
    n_series = len(panel.labels) if n_series is None else n_series
    trains = panel.lengths >= values_needed(architecture, n_series=n_series)
    return bool((missing & np.repeat(trains, panel.lengths)).any())


def check_forecastable(panel, architecture: dict) -> None:
    """Refuse series with too few values to forecast from, naming them."""
    needed = values_needed(architecture)
    short = np.flatnonzero(panel.lengths < needed)
    if not len(short):
        return
    listed = [python_scalar(panel.labels[s]) for s in short[:5]]
    raise ValueError(
        f"A forecast with series_scaling={architecture['series_scaling']!r} "
        f"starts from the last step of a series, which takes {needed} values; "
        f"{len(short)} series with fewer: {listed}. Drop them (give them to "
        "update() once they have more values), or use series_scaling='standard'."
    )


def future_dates(X) -> pd.Index | None:
    """The dates of the rows of X, as given: the time level of long-format
    data (dates or integer times), else a ``DatetimeIndex`` or
    ``PeriodIndex``; None when X is not dated (plain arrays, or an integer
    index of its own, which may number anything)."""
    index = getattr(X, "index", None)
    if is_long_format(X):
        index = time_level(index)
        if pd.api.types.is_integer_dtype(index):
            return index
    return index if isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex)) else None


def _accepted(calibration: Callable, steps: np.ndarray) -> bool:
    """Whether ``calibration`` of ``steps`` is given, not refused."""
    try:
        calibration(steps)
    except ValueError:
        return False
    return True


def _with_steps_asked(
    rows: ForecastRows, labels, error: ValueError, *, say_why: bool = True
) -> ValueError:
    """``error``, a refusal to calibrate the steps of ``rows`` as counted from
    each series' last observed value, with the steps asked for told from
    those counted.

    The refusal counts steps from the last observed value: 3 steps after 2
    missing values are 5, and it speaks of 5. The series whose missing end
    counts furthest, the steps asked of it, those counted and (with
    ``say_why``) its missing values are added at its end. Unchanged when a
    row asks for as many steps as are counted.

    Examples
    --------
    Three steps of series 'a', whose last 2 values are missing:

    >>> import numpy as np
    >>> from sklstm._forecaster import ForecastRows, _with_steps_asked
    >>> steps = np.arange(3)
    >>> rows = ForecastRows(np.zeros(3, int), steps, steps < 0, steps + 2)
    >>> error = ValueError("The tail calibrates 4 steps, and 5 were asked for.")
    >>> told = str(_with_steps_asked(rows, ["a"], error))
    >>> told.startswith(str(error))
    True
    >>> print(told[len(str(error)) :])  # doctest: +NORMALIZE_WHITESPACE
     (3 were asked for series 'a', 5 counted from its last observed value, as
    its last 2 value(s) are missing.)
    """
    counted = int(np.max(rows.after_observed, initial=-1)) + 1
    if counted <= int(np.max(rows.steps, initial=-1)) + 1:
        return error
    row = int(np.argmax(rows.after_observed))
    asked = int(rows.steps[row]) + 1
    label = python_scalar(labels[rows.series[row]])
    told = (
        f"{asked} were asked for series {label!r}, {counted} counted from its "
        "last observed value"
    )
    if say_why:
        told += f", as its last {counted - asked} value(s) are missing"
    return ValueError(f"{error} ({told}.)")


def _explain_rows_dated_further(rows: ForecastRows, labels, error: ValueError):
    """Say, when dated rows skip steps, that a row's date puts its interval
    further ahead than the rows' count."""
    counts = np.bincount(rows.series)[rows.series]
    further = np.flatnonzero(rows.steps + 1 > counts)
    if not len(further):
        return
    row = further[np.argmax(rows.steps[further])]
    label = python_scalar(labels[rows.series[row]])
    raise ValueError(
        f"Row {int(row)} is dated {int(rows.steps[row]) + 1} step(s) after the end "
        f"of series {label!r} (the rows skip steps), and its interval is "
        f"calibrated that far ahead. {error}"
    ) from error


def _on_the_grid_frequency(times: pd.DatetimeIndex, step) -> pd.DatetimeIndex:
    """The forecast's dates with the fitted grid's frequency, not one
    guessed from a few dates (three business days look daily)."""
    try:
        return pd.DatetimeIndex(times, freq=step)
    except ValueError:  # rows that skip steps: no frequency
        return times
    except TypeError:  # a step pandas does not take as a frequency
        return pd.DatetimeIndex(times, freq="infer") if len(times) >= 3 else times
    except Exception:  # pytz: a local time the day skips, or holds twice
        return times


def steps_of_dates(
    dates: pd.Index,
    grid,
    where: np.ndarray,
    position: np.ndarray,
    codes: np.ndarray,
    dated: str = "X",
    covariates: bool = False,
) -> np.ndarray | None:
    """The step ahead (from 0) that each row's date is on the fitted time
    grid, after the end of its series (``where``, one per row); None when the
    rows are the steps that follow each series' end, in order (``position``).
    ``codes`` tells the rows' series apart (:class:`~sklstm._panel.Panel`).

    A row dated before that end, or off the grid, is refused: forecast as the
    next step instead, a year asked by mistake would silently get another
    year's forecast. So are rows that skip steps when the networks read
    covariates, as a forecast reads those of every step up to its own.
    ``dated`` names where the dates came from.
    """
    expected = grid.dates(where, position)
    dates, expected = _as_periods_where_one_is(dates, expected)
    refuse_dates_of_another_kind(dates, expected, rows=f"The rows of {dated}")
    if not _comparable_dates(dates, expected):
        times = "integer times" if pd.api.types.is_integer_dtype(dates) else "dates"
        raise ValueError(
            f"The rows of {dated} are dated by {times}, but the series were "
            f"fitted on {'dates' if times == 'integer times' else 'integer times'}"
            f": date them as the series were, so each row finds its step."
        )
    # Element by element: Index.equals tells the same instants apart when
    # they are held in other units (datetime64[s] against [ns]).
    first = grid.dates(where, 0 * position)
    # Periods on a grid of timestamps are always placed one by one: a period
    # equal to its step may hold the steps beside it too (a quarter).
    placed = isinstance(dates, pd.PeriodIndex) and not isinstance(first, pd.PeriodIndex)
    if not placed and np.asarray(dates == expected).all():
        return None
    steps = _steps_of_rows(dates, first, grid, where)
    if not isinstance(dates, pd.PeriodIndex) or isinstance(first, pd.PeriodIndex):
        first = _as_periods_where_one_is(dates, first)[1]
    _refuse_rows_on_no_one_step(steps, dates, first, grid.step, dated)
    order = np.argsort(codes, kind="stable")
    within = codes[order][1:] == codes[order][:-1]
    backwards = np.flatnonzero(within & (np.diff(steps[order]) <= 0))
    if len(backwards):
        row = int(order[backwards[0] + 1])
        raise ValueError(
            f"Row {row} of {dated} is dated {dates[row]}, at or before a row of "
            "the same series above it: each series' rows are forecast in time "
            "order, once each. Sort them, and drop repeated dates."
        )
    if covariates and (steps != position).any():
        row = int(np.flatnonzero(steps != position)[0])
        raise ValueError(
            f"Row {row} of {dated} is dated {dates[row]}, but the step "
            f"{expected[row]} comes first: with covariates, each series' rows of "
            f"{dated} are the steps that follow the end of its history, in "
            "order, since a forecast reads the covariates of every step up to "
            f"its own. Give {dated} those rows, or first update the forecaster "
            "with the observations between."
        )
    return None if (steps == position).all() else steps


def _steps_of_rows(dates: pd.Index, first: pd.Index, grid, where) -> np.ndarray:
    """The steps (:func:`~sklstm._time_index.steps_between`) between each
    row's date and its series' ``first`` step (as the grid holds it); -1
    where the step found does not give back the row's date (periods or
    timestamps of another frequency than the grid's, counted in their own),
    ``SEVERAL_STEPS`` for a period holding several steps."""
    if isinstance(dates, pd.PeriodIndex) and not isinstance(first, pd.PeriodIndex):
        ends = grid.dates(where, np.full(len(where), -1))  # the series' ends
        return steps_inside_periods(ends, dates, grid.step)
    first = _as_periods_where_one_is(dates, first)[1]
    steps = steps_between(first, dates, grid.step)
    back = _as_periods_where_one_is(dates, grid.dates(where, np.maximum(steps, 0)))[1]
    steps[~np.asarray(back == dates)] = -1
    return steps


def _refuse_rows_on_no_one_step(steps, dates, first, step, dated: str) -> None:
    """Refuse the first row whose date is no step of the grid after its
    series' end (``steps`` -1), or a period holding several (``SEVERAL_STEPS``)."""
    wrong = np.flatnonzero(steps < 0)
    if not len(wrong):
        return
    row = int(wrong[0])
    if steps[row] == SEVERAL_STEPS:
        every = getattr(step, "freqstr", step)
        why = (
            f"a period that holds several steps of the time grid (every {every}): "
            "it names no one step to forecast"
        )
        wanted = "the dates of the steps, or periods of the grid's frequency"
    else:
        why = (
            "which is no step after the end of its series on the time grid: its "
            f"first step to forecast is {first[row]}"
        )
        wanted = (
            "dates on the grid after each series' end, or first update the "
            "forecaster with the observations up to them"
        )
    raise ValueError(
        f"Row {row} of {dated} is dated {dates[row]}, {why}. Give {dated} {wanted}."
    )


def _as_periods_where_one_is(dates: pd.Index, expected: pd.Index):
    """Periods and time-zone-naive timestamps, both as periods of one frequency.

    So rows dated by months (``2003-10``) are checked against steps fitted on
    timestamps (``2003-05-01``), and the other way round.
    """
    period = next(
        (index for index in (dates, expected) if isinstance(index, pd.PeriodIndex)),
        None,
    )
    if period is None:
        return dates, expected

    def as_periods(index: pd.Index) -> pd.Index:
        if isinstance(index, pd.DatetimeIndex) and index.tz is None:
            return index.to_period(period.freq)
        return index

    return as_periods(dates), as_periods(expected)


def _comparable_dates(dates: pd.Index, expected: pd.Index) -> bool:
    """Whether two indexes hold dates of one kind (:func:`kind_of_dates`), or
    both integer times."""
    if pd.api.types.is_integer_dtype(dates):
        return pd.api.types.is_integer_dtype(expected)
    kind = kind_of_dates(dates)
    return kind is not None and kind == kind_of_dates(expected)


class ForecastRows(NamedTuple):
    """What :meth:`_Fitted.forecast` knows of each row it forecast."""

    #: The row's series, an index into the labels.
    series: np.ndarray
    #: Its step ahead of the series' end, from 0.
    steps: np.ndarray
    #: Whether it is forecast flat by rule, not by the networks
    #: (:func:`sklstm._rollout.forecast_by_rule`).
    by_rule: np.ndarray
    #: Its step ahead of the series' last observed value, from 0: ``steps``
    #: plus the missing values that end the series. Its interval is that
    #: many steps ahead.
    after_observed: np.ndarray


class _Fitted:
    """One snapshot of a fitted forecaster, and what is derived from it.

    ``estimator`` is a shallow copy of the forecaster, taken in one step: its
    parameters and fitted attributes belong to one fit (or update).
    """

    def __init__(self, estimator: LSTMForecaster) -> None:
        self.estimator = estimator
        fitted = vars(estimator)
        # Files saved before the drift existed fitted none.
        self.architecture = {"drift": False, **fitted["_architecture"]}
        self.members = [fitted["regressor_"], *(fitted.get("_ensemble") or [])]
        self.residuals = fitted.get("calibration_residuals_")
        # Files saved before rule forecasts were told apart: None.
        by_rule = fitted.get("_calibration_by_rule")
        self.by_rule = None if by_rule is None else np.asarray(by_rule) != 0
        # Files saved before the shrinkage existed forecast without one.
        self.shrinkage = fitted.get("shrinkage_") or 0.0
        self.series_name = fitted.get("_series_name")
        self.state = SeriesState.from_attributes(fitted, self.architecture)
        # A network of a fit on series with holes reads one input more per
        # step than the value and the covariates: the mask of missing values.
        inputs = 1 + block_of(self.architecture) * fitted["n_features_in_"]
        self.masked = self.members[0].n_features_in_ > inputs

    def calibration_residuals(self, method: str) -> np.ndarray:
        """The held-out errors that calibrate intervals, or why there are none."""
        if self.residuals is None:
            raise ValueError(
                f"{method} calibrates on forecasts from the last "
                "validation_fraction of the training windows, held out from "
                "training only with early_stopping=True; this forecaster was "
                f"fitted with early_stopping={self.members[0].early_stopping}. "
                "Refit with early_stopping=True (the default)."
            )
        return self.residuals

    def calibrated_for(self, rows: ForecastRows, calibration: Callable):
        """``calibration`` of the steps each row's interval is calibrated for
        (``rows.after_observed``; the coverage or levels asked for are
        checked before).

        When it is refused and would not be without the steps that missing
        values at the end of a series add, the refusal says that those
        missing values put the rows that far ahead. Otherwise it is the
        refusal of the steps themselves (which a refusal for the missing
        values would blame wrongly: a coverage that needs more held-out
        errors than the tail has is refused whatever the series' end).
        Either way it tells the steps asked for from those counted
        (:func:`_with_steps_asked`).
        """
        labels = self.state.labels
        try:
            return calibration(rows.after_observed)
        except ValueError as error:
            late = np.flatnonzero(rows.after_observed > rows.steps)
            if not len(late) or not _accepted(calibration, rows.steps):
                told = _with_steps_asked(rows, labels, error)
                _explain_rows_dated_further(rows, labels, told)
                if told is error:
                    raise
                raise told from error
            row = late[np.argmax(rows.after_observed[late])]
            unseen = int(rows.after_observed[row] - rows.steps[row])
            label = python_scalar(labels[rows.series[row]])
            told = _with_steps_asked(rows, labels, error, say_why=False)
            raise ValueError(
                f"The last {unseen} value(s) of series {label!r} are missing, so "
                f"its forecasts are {unseen} step(s) further from its last "
                f"observed value than from its end, and their intervals are "
                f"calibrated that far ahead. {told} Or update the series with "
                "its latest values first."
            ) from error

    def covariates(self, X) -> np.ndarray:
        """Check the covariates of the steps to forecast, against this fit."""
        refuse_none_covariates(X, "n_steps")
        refuse_missing_covariates(X)
        with numeric_input("X"):
            X = validate_data(
                self.estimator,
                zero_column_frames_as_arrays(X),
                reset=False,
                dtype=np.float64,
                ensure_min_features=0,
            )
        check_float32_range(X, "X", tiny=False)  # standardised as in fit
        self.check_covariates_range(X)
        return X

    def check_covariates_range(
        self, X: np.ndarray, *, continuing: str | None = None
    ) -> None:
        """Refuse covariates that overflow float32 once each network
        standardises them by the scale it was fitted on.

        Each network reads a series' value first (and, after a fit on
        series with holes, whether it was missing), then the covariates of
        the ``block`` steps it forecasts, side by side
        (:func:`sklstm._forecast_windows.covariate_rows`): its refusal would
        name a column of those windows. Each covariate is checked here
        against the scale of every column that reads it, so the refusal
        names the covariate as given: by its feature name when fitted on a
        DataFrame, else by its index among the covariates. ``continuing``
        names the fit that would train on them (None: they are forecast
        from), as :func:`sklstm._validation.check_standardised_range`.
        """
        n_covariates = X.shape[1]
        if not n_covariates:
            return
        first = 1 + self.masked
        names = getattr(self.estimator, "feature_names_in_", None)
        for member in self.members:
            scaler = member._x_scaler
            means = scaler.mean[first:].reshape(-1, n_covariates)
            scales = scaler.scale[first:].reshape(-1, n_covariates)
            for mean, scale in zip(means, scales, strict=True):
                check_standardised_range(X, mean, scale, names, continuing=continuing)

    def check_series_range(
        self,
        inputs: np.ndarray,
        targets: np.ndarray | None,
        labels: np.ndarray,
        *,
        continuing: str | None = None,
        n_windows: int = 1,
    ) -> None:
        """Refuse series whose values, once each network standardises them
        by the scale it was fitted on, float32 cannot square.

        The networks read a series in their own units (``series_scaling``,
        with the season and the drift taken out): its values, or the steps
        between them with relative windows, in the first column of their
        windows; a fit trains them to forecast its next values (or their
        changes), standardised by the scale of the targets, whose square
        the loss takes (:func:`sklstm._validation.check_standardised_range`
        with ``squared``): a value the loss cannot square would be a target
        too, or make one. Each series is checked here against the scales
        of every network, so the refusal names y, and the series among
        several, rather than a column of the windows or a training that
        diverged.

        Parameters
        ----------
        inputs : ndarray of shape (2, n_series)
            Each series' lowest and highest value the networks read (NaN:
            none).
        targets : ndarray of shape (2, n_series, block) or None
            Each series' lowest and highest target of each step forecast
            (NaN: none); None when the networks are not trained on them.
        labels : ndarray of shape (n_series,)
            The series' labels.
        continuing : str, default=None
            The fit that would train on them (None: they are forecast
            from), as :func:`sklstm._validation.check_standardised_range`.
        n_windows : int, default=1
            The windows that fit trains on, whose squares a batch may sum
            (1: a forecast squares none).
        """
        rollout = _rollout_of(self.architecture)
        read = self._series_named(labels, "its steps, " if rollout.relative else "")
        forecast = self._series_named(labels, "its changes, " if rollout.change else "")
        checked = dict(continuing=continuing, squared=True)
        for member in self.members:
            x, y = member._x_scaler, member._y_scaler
            # A value read is squared by the loss where it is a target, one
            # at a time here; the targets below as many as the windows.
            check_standardised_range(
                inputs, x.mean[0], x.scale[0], labels, name=read, n_summed=1, **checked
            )
            if targets is not None:
                # Column s * block + k: series s, step k ahead.
                check_standardised_range(
                    targets.reshape(2, -1),
                    np.tile(y.mean, len(labels)),
                    np.tile(y.scale, len(labels)),
                    np.repeat(labels, targets.shape[2]),
                    name=forecast,
                    n_summed=n_windows * targets.shape[2],  # every step
                    **checked,
                )

    def _series_named(self, labels: np.ndarray, what: str) -> str:
        """How :meth:`check_series_range` names the series in ``{}`` (y
        itself when it is the one the forecaster knows), and ``what`` of it
        the networks see, in their units."""
        one = len(self.state.labels) == 1 and np.array_equal(labels, self.state.labels)
        scheme = self.architecture["series_scaling"]
        return ("y" if one else "y of series {}") + (
            f" ({what}in the units the networks read with series_scaling={scheme!r})"
        )

    def forecast(
        self,
        X: np.ndarray,
        groups,
        dates: pd.Index | None = None,
        dated: str = "X",
        before_rollout: Callable[[ForecastRows], None] | None = None,
    ):
        """Forecast each series' rows of X from the end of its history.

        Returns the forecast in the units of y, the same in the units the
        network sees, the map from those units to y's, and each row's
        series (an index into the labels) and step ahead - 1. ``dates``, the
        dates X's rows were given (:func:`future_dates`), place each row on
        the fitted time grid after its series' end (:func:`steps_of_dates`;
        ``dated`` names where they came from). What is
        known of each row comes as :class:`ForecastRows`, which
        ``before_rollout`` sees before any step is forecast (so that an
        interval too far ahead is refused at once, not after the rollout).
        """
        state = self.state
        panel = state.panel(groups, len(X))
        where = state.locate(panel, values_needed(self.architecture))
        steps, lengths = panel.row_position, panel.lengths
        future = np.split(X[panel.order], panel.starts[1:])
        if dates is not None and state.grid is not None:
            dated_steps = steps_of_dates(
                dates,
                state.grid,
                where[panel.codes],
                steps,
                panel.codes,
                dated,
                X.shape[1] > 0,
            )
            if dated_steps is not None:  # rows that skip steps, no covariates
                steps = dated_steps
                lengths = np.zeros(len(where), dtype=np.intp)
                np.maximum.at(lengths, panel.codes, steps + 1)
                future = [np.empty((length, 0)) for length in lengths]
        rollout = _rollout_of(self.architecture, self.masked)
        history = state.scaled_history(where)
        missing = state.recent_missing(where)
        unmoved = state.transform.unmoved_steps(where)
        row_series = where[panel.codes]
        n_covariates = self.estimator.n_features_in_
        by_rule = forecast_by_rule(history, n_covariates, missing, unmoved)
        unseen = state.missing_at_end(where)[panel.codes]
        rows = ForecastRows(row_series, steps, by_rule[panel.codes], steps + unseen)
        if before_rollout is not None:
            before_rollout(rows)
        forecasts = forecast_from_ends(
            ensemble_predictor(self.members),
            rollout,
            history,
            state.recent_covariates(where, rollout.lookback),
            future,
            lengths,
            missing,
            unmoved,
            self.shrinkage,
        )
        scaled = forecasts[panel.codes, steps]

        def to_y(values: np.ndarray) -> np.ndarray:
            return state.transform.inverse_transform(values, row_series, steps)

        return to_y(scaled), scaled, to_y, rows
