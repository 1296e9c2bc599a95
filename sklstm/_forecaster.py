"""``LSTMForecaster``: forecast a series from its past and its known future covariates.

The forecaster is a thin layer over :class:`~sklstm.LSTMRegressor`: ``fit``
turns the series and its covariates into lag windows with their future
targets and trains a regressor on them; ``predict`` builds the window that
ends at the last observation, asks the regressor for the next step (or the
next ``horizon`` steps), appends the forecast and moves on.

Row *i* of the table the windows are cut from holds the value of the series
at step *i* next to the covariates of the steps being forecast from there
(*i + 1*, or *i + 1 ... i + horizon* for the direct strategy): covariates
are known in advance, so the model may use them at the step it forecasts.
"""

from __future__ import annotations

import copy
from numbers import Integral
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted, validate_data

from sklstm._compat import Interval, StrOptions, _fit_context
from sklstm._forecast_windows import auto_batch_size, covariate_rows, training_windows
from sklstm._intervals import interval_bounds, stepwise_half_width
from sklstm._panel import (
    RELATIVE_SCALINGS,
    SERIES_SCALINGS,
    Panel,
    fit_series_scaling,
    locate_series,
    padded_tail,
    panel_of,
    recent_rows,
    scale_values,
    stacked_training_rows,
    unscale_values,
)
from sklstm._publishing import publish_fitted_state
from sklstm._regressor import LSTMRegressor
from sklstm._row_metadata import reaching_into_tails, series_tails
from sklstm._seasonality import (
    detect_season_length,
    fit_seasonality,
    restore,
    season_of,
    take_out,
)
from sklstm._state import (
    Array,
    Count,
    Estimator,
    Estimators,
    Field,
    Label,
    Labels,
    Names,
    Params,
    Scalar,
    Step,
    pickled_state,
    rebuild_live,
    unpickled_state,
)
from sklstm._time_index import continued_index, regular_end, time_ends, time_index
from sklstm._validation import (
    check_float32_range,
    numeric_input,
    validate_on_copy,
    validate_series,
    zero_column_frames_as_arrays,
)
from sklstm._warnings import warn

STRATEGIES = ("auto", "recursive", "direct")
#: The furthest step ahead that ``predict_interval`` calibrates: the held-out
#: backtest forecasts at most this many steps from each origin.
MAX_CALIBRATED_STEPS = 200
NETWORK_OUTPUTS = ("change", "level")
#: The parameters that shape the fitted state: recorded at fit in
#: ``_architecture``, so that changing them afterwards changes nothing until
#: the next fit.
ARCHITECTURE_PARAMS = (
    "lookback",
    "horizon",
    "strategy",
    "network_output",
    "series_scaling",
    "season_length",
    "n_networks",
)
#: Networks ``n_networks='auto'`` trains on many series (one on one series).
ENSEMBLE_SIZE = 5
#: What only a fit on many series sets: a later fit on one series drops it.
MANY_SERIES_ATTRIBUTES = (
    "series_",
    "_series_recent_X",
    "_series_recent_y",
    "_series_scaling",
    "_series_time_origin",
    "_series_time_offsets",
    "season_length_",
    "_series_season",
    "_series_multiplicative",
)


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
    training parameters given here (same names, same defaults).

    Parameters
    ----------
    lookback : int, default=10
        Past steps the model sees: the last ``lookback`` values of the series
        (and rows of covariates).
    horizon : int, default=1
        Steps forecast at once by ``strategy='direct'``. Not used by
        ``strategy='recursive'``, which always forecasts one step.
    strategy : {'auto', 'recursive', 'direct'}, default='auto'
        ``'recursive'`` trains a one-step model and feeds each forecast back
        as the newest value; errors accumulate with the horizon.
        ``'direct'`` trains one model with ``horizon`` outputs that forecasts
        a whole block of steps from observed values; beyond ``horizon`` it
        continues block by block, feeding each block back. ``'auto'`` is
        ``'direct'`` for a fit on many series (``groups``) with
        ``horizon > 1``, and ``'recursive'`` otherwise (see Notes for the
        measurements).

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
    series_scaling : {'last', 'log_last', 'standard', 'mean', 'log', 'none'}, \
            default='last'
        How each series is scaled on its own before the windows of many
        series (``fit`` with ``groups``) train one network, so that series
        of very different sizes and levels look alike to it.
        ``'last'`` divides each series by its standard deviation and makes
        each window relative to its last value (as ES-RNN does): the
        network reads the ``lookback`` steps between the last
        ``lookback + 1`` values, never their level. ``'log_last'`` does the
        same on the logarithm, so that steps are ratios (positive series
        only). ``'standard'`` subtracts the series' mean and divides by its
        standard deviation; ``'mean'`` divides by its mean absolute value
        (as DeepAR does); ``'log'`` takes the logarithm and subtracts its
        mean; the network then reads these levels. ``'none'`` leaves the
        values as they are. The statistics come from the rows given to
        ``fit`` (or, for a series first seen there, to ``update``); forecasts
        are mapped back to the units of ``y``. With ``'last'`` and
        ``'log_last'`` the network always learns the change from the last
        value, whatever ``network_output`` says: its windows hold no level to
        predict a level from. Not used without ``groups``:
        a single series is standardised by ``standardize``. See Notes for
        how the default was chosen.
    season_length : int, 'auto' or None, default='auto'
        With ``groups``: the season of each series that has one is taken out
        before the network learns (and put back into its forecasts), by
        classical decomposition of its last 8 seasons (multiplicative for
        positive series, else additive). Which series have one is decided
        by the 90 % autocorrelation test of the M4 benchmarks (and Theta),
        with at least three seasons of history. ``'auto'`` finds the season
        length from the data: the lag from 2 to ``lookback`` where the
        autocorrelation of the series' changes, averaged over the
        collection, peaks, if it reaches 0.1 (12 for monthly collections,
        4 for quarterly ones; none for yearly ones). An int sets it; None
        turns seasonal adjustment off. Not used without ``groups``. See
        Notes for the measurements.

        .. versionadded:: 0.2
    n_networks : int or 'auto', default='auto'
        Networks trained, each from its own random start (seeded from
        ``random_state``), whose forecasts are averaged: an ensemble, as
        N-BEATS and the recurrent networks of Hewamalage et al. (2021) are
        used, which forecasts more accurately than any one of them.
        ``'auto'`` is 5 for a fit on many series (``groups``) and 1 for one
        series; fitting takes that many times as long. ``regressor_`` is the
        first network.

        .. versionadded:: 0.2
    hidden_size : int, default=32
        Units per LSTM layer and direction.
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
    n_iter_no_change : int, default=10
        Epochs without an improvement of at least ``tol`` before stopping.
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
        starting afresh.
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
        Absolute errors, in the units of y, of forecasts made by the final
        model from each origin in the held-out tail (with
        ``early_stopping``): row *i* forecasts from the *i*-th origin, column
        *h* is ``h + 1`` steps ahead, NaN where the series ended first.
        ``max_steps`` is the tail's length, at most
        ``MAX_CALIBRATED_STEPS = 200``. What ``predict_interval`` calibrates
        on; None after a fit without held-out windows. After a fit with
        ``groups``: the origins of every series' tail, in the units the
        network sees (``series_scaling``), not those of y.
    series_ : ndarray of shape (n_series,)
        The labels of the series the forecaster can forecast (fitted with
        ``groups``, or added by ``update``), sorted. Absent after a fit on
        one series.
    season_length_ : int or None
        The season length used after a fit with ``groups`` (None: no
        seasonal adjustment). Absent after a fit on one series.
    n_features_in_ : int
        Number of covariate columns seen during fit (may be 0).
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Covariate names, when X was a DataFrame with string column names.

    See Also
    --------
    LSTMRegressor : One prediction per row of a time-ordered table.

    Notes
    -----
    Only windows with a full history are used for training, so ``fit``
    needs at least ``lookback + 1`` observations (``lookback + horizon``
    with the direct strategy), and one more window to hold out with
    ``early_stopping``.

    Defaults were chosen by measuring 12-step forecasts against ``Ridge`` on
    the same lags (``benchmarks/forecast_accuracy.py``) and the 100-step
    recursive forecast of a noisy sine (``benchmarks/accuracy_vs_ridge.py``):
    stopping early on the most recent windows made the LSTM clearly more
    accurate on the trending airline series and no less accurate on
    sunspots. ``network_output='level'`` and ``'change'`` were within 5 % of each
    other on the 12-step forecasts (level: airline 1.05x Ridge recursive,
    sunspots 1.04x, a synthetic trend 0.98x; change: 1.02x, 1.00x, 1.00x),
    but on the sine, 100 steps ahead, ``'change'`` was 1.25x the mean squared
    error of Ridge's recursive forecast and ``'level'`` 1.00x: a ridge
    regression of the change, even on its own, drifts (1.20x).

    With the direct strategy the network reads the covariates of all
    ``horizon`` steps of a block. When the forecast ends inside a block, the
    covariates of the steps beyond it are taken to be those of the last row
    of ``X``.

    ``cross_validate`` forecasts each test fold from the end of its
    training fold, so use ``TimeSeriesSplit`` with ``gap=0`` (the default);
    for many series, :class:`sklstm.model_selection.MultiSeriesSplit`.

    Fitted with ``groups``, the forecaster trains one network on the
    windows of every series (a global model); with ``n_networks='auto'``,
    five such networks. The defaults for many series were chosen by mean
    MASE over the M1 and M3 monthly collections, 18 steps ahead, with only
    ``lookback=24``, ``horizon=18`` and ``random_state`` set
    (``benchmarks/global_accuracy.py``; the Tourism monthly collection
    checked them), one change after another (M1 / M3 / Tourism, single
    networks averaged over random states): recursive forecasts from full
    windows 1.15 / 0.95 / 1.60; direct forecasts, short windows and no
    leak into early stopping 1.13 / 0.93 / 1.50; seasons taken out
    1.10 / 0.86 / 1.44; five networks 1.09 / 0.86 / 1.42, against
    AutoETS's 1.09 / 0.86 / 1.53. ``series_scaling='last'`` was chosen on
    recursive forecasts: windows relative to their last value scored 1.17
    on M1 and 0.92 on M3; levels scaled by their mean 1.38 and 1.09,
    standardised levels 1.64 and 1.21, centred log levels 1.69 and 0.98,
    ratios to the last value (``'log_last'``) 1.21 and 1.09.
    With ``groups``, ``predict_interval`` pools the held-out errors of all
    series in the units the network sees, so each series' interval is
    scaled like the series (and by its season).

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
        "series_scaling": [StrOptions(set(SERIES_SCALINGS))],
        "n_networks": [
            Interval(Integral, 1, None, closed="left"),
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
    }

    # With metadata routing enabled, ``groups`` reaches fit, predict and
    # score without a ``set_*_request`` call: a multi-series forecaster
    # cannot do without it.
    __metadata_request__fit: ClassVar[dict] = {"groups": True}
    __metadata_request__predict: ClassVar[dict] = {"groups": True}
    __metadata_request__score: ClassVar[dict] = {"groups": True}

    #: Every fitted attribute and how it is pickled and saved (``sklstm._state``).
    _fitted_state_schema: ClassVar[dict[str, Field]] = {
        "regressor_": Estimator(),
        "_ensemble": Estimators(optional=True),
        "n_iter_": Count(),
        "calibration_residuals_": Array(shape=("*", "*"), optional=True),
        "n_features_in_": Count(),
        "feature_names_in_": Names(length="n_features_in_", optional=True),
        "_architecture": Params(optional=True),
        "_recent_X": Array(shape=("lookback", "n_features_in_"), optional=True),
        "_recent_y": Array(shape=("lookback",), optional=True),
        "_index_end": Label(optional=True),
        "_index_step": Step(optional=True),
        "_series_name": Scalar(optional=True),
        # Many series (fit with groups): one entry per series.
        "series_": Labels(optional=True),
        "_series_recent_X": Array(
            shape=("*", "lookback", "n_features_in_"), optional=True
        ),
        "_series_recent_y": Array(shape=("*", "*"), optional=True),
        "_series_scaling": Array(shape=("*", "*"), optional=True),
        "_series_time_origin": Label(optional=True),
        "_series_time_offsets": Array(shape=("*",), optional=True),
        "season_length_": Count(optional=True),
        "_series_season": Array(shape=("*", "*"), optional=True),
        "_series_multiplicative": Array(shape=("*",), optional=True),
    }

    def __init__(
        self,
        lookback: int = 10,
        *,
        horizon: int = 1,
        strategy: str = "auto",
        network_output: str = "level",
        series_scaling: str = "last",
        season_length: int | str | None = "auto",
        n_networks: int | str = "auto",
        hidden_size: int = 32,
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
        n_iter_no_change: int = 10,
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
        self.n_networks = n_networks
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
            ``DatetimeIndex`` lets :meth:`predict_series` date the forecast.
        groups : array-like of shape (n_steps,), default=None
            The series each row belongs to, for a global model of many
            series: their rows stacked in one table (in any order of series,
            each series' rows in time order; series may differ in length and
            in where they start and end). One network learns from the
            windows of all of them, each series scaled on its own
            (``series_scaling``); no window crosses two series. None means
            one series.

        Returns
        -------
        self : LSTMForecaster
            The fitted forecaster.
        """
        if groups is not None:
            return self._fit_many(X, y, groups)
        X_checked, y_checked, features = validate_on_copy(
            self, validate_series, X, y, reset=True
        )
        architecture = self._architecture_from_params(
            warn_if_deprecated=True, many=False
        )
        if self.warm_start and self.__sklearn_is_fitted__():
            self._check_same_architecture(architecture)
        block = self._block(architecture)
        n_windows = len(y_checked) - self.lookback - block + 1
        if n_windows < 1 + self.early_stopping:
            needed = "lookback + horizon" if block > 1 else "lookback + 1"
            held_out = (
                ", and early_stopping=True holds out one more (or set "
                "early_stopping=False)"
                if self.early_stopping
                else ""
            )
            raise ValueError(
                f"{needed} = {self.lookback + block} observations make one "
                f"training window (lookback={self.lookback}, "
                f"strategy={architecture['strategy']!r}, "
                f"horizon={self.horizon}){held_out}; "
                f"got {len(y_checked)} sample(s) (X has {X_checked.shape[1]} "
                "feature(s)). Pass a longer series or lower lookback."
            )
        windows, targets = training_windows(
            y_checked,
            X_checked,
            self.lookback,
            block,
            change=architecture["network_output"] == "change",
        )
        networks = self._train_networks(
            architecture,
            windows,
            targets[:, 0] if block == 1 else targets,
            sample_weight=self._leak_free_weights(len(windows), block),
        )

        # Staged on a snapshot, then published in one step: a forecast in
        # another thread sees the old forecaster or the new one, never a mix.
        staged = self._snapshot()
        staged.regressor_, staged._ensemble = networks[0], networks[1:] or None
        staged._architecture = architecture
        staged.n_iter_ = networks[0].n_iter_
        vars(staged).update(features)
        staged.calibration_residuals_ = staged._held_out_forecast_errors(
            X_checked, y_checked
        )
        staged._remember(X_checked, y_checked)
        staged._index_end, staged._index_step = regular_end(time_index(X, y))
        staged._series_name = y.name if isinstance(y, pd.Series) else None
        publish_fitted_state(self, vars(staged), stale=MANY_SERIES_ATTRIBUTES)
        return self

    def predict(self, X, *, groups=None) -> np.ndarray:
        """Forecast the ``len(X)`` steps that follow the series seen so far.

        Parameters
        ----------
        X : array-like of shape (n_future_steps, n_covariates)
            The covariates of the steps to forecast, in time order; zero
            columns when the model has no covariates.
        groups : array-like of shape (n_future_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            Each series' rows are its next steps, in order, from the end of
            its history (seen in ``fit`` or given to :meth:`update`).

        Raises
        ------
        ValueError
            If ``groups`` names a series without a history, or is given to
            a forecaster of one series (or missing for one of many).

        Returns
        -------
        forecast : ndarray of shape (n_future_steps,)
            The forecast, in the units of ``y``.
        """
        X = self._future_covariates(X)
        snapshot = self._snapshot()
        if snapshot._is_many(groups):
            forecast = snapshot._forecast_many(X, groups)[0]
            return forecast
        return snapshot._forecast(X)

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
            and indexed by ``(series, time)``.

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
        if self._is_many(groups):
            return self._predict_series_many(X, groups)
        forecast = self.predict(X)
        if self._index_end is None:
            raise ValueError(
                "predict_series needs the time index of the series: fit (or "
                "update) with y as a pandas Series on a regular DatetimeIndex "
                "(one with a frequency) or a RangeIndex. Use predict for a "
                "plain array."
            )
        index = continued_index(self._index_end, self._index_step, len(forecast))
        future_index = getattr(X, "index", None)
        if isinstance(future_index, pd.DatetimeIndex) and not future_index.equals(
            index
        ):
            raise ValueError(
                f"X's index runs from {future_index[0]} to {future_index[-1]}, but "
                f"the forecast continues the series from {index[0]} to "
                f"{index[-1]}. Pass the covariates of the steps that follow the "
                "series, or update the forecaster with the observations between."
            )
        return pd.Series(forecast, index=index, name=self._series_name)

    def predict_interval(self, X, coverage: float = 0.9, *, groups=None) -> np.ndarray:
        """Forecast like :meth:`predict`, with a split conformal interval per step.

        The half-width at step *h* is the ``ceil((n + 1) * coverage)``-th
        smallest of the ``n`` absolute errors that forecasts from the
        held-out tail made *h* steps ahead (``calibration_residuals_``), so
        the intervals widen as the errors grow with the horizon. If future
        errors behave like those of the tail, each step's interval holds the
        truth with probability at least ``coverage``. (The tail also chose
        when training stopped, a small optimistic bias.)

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
            sees (``series_scaling``), are pooled, so each series' interval
            is scaled like the series.

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
        check_is_fitted(self)
        if getattr(self, "calibration_residuals_", None) is None:
            raise ValueError(
                "predict_interval calibrates on forecasts from the last "
                "validation_fraction of the training windows, held out from "
                "training only with early_stopping=True; this forecaster was "
                f"fitted with early_stopping={self.early_stopping}. Refit with "
                "early_stopping=True (the default)."
            )
        if self._is_many(groups):
            X = self._future_covariates(X)
            _, scaled, to_y, step = self._forecast_many(X, groups)
            half_width = stepwise_half_width(
                self.calibration_residuals_, coverage, int(step.max()) + 1
            )[step]
            return np.column_stack(
                [to_y(scaled - half_width), to_y(scaled + half_width)]
            )
        forecast = self.predict(X)
        half_width = stepwise_half_width(
            self.calibration_residuals_, coverage, len(forecast)
        )
        return interval_bounds(forecast, half_width[:, None], y_was_1d=True)

    def update(self, X, y, *, groups=None) -> LSTMForecaster:
        """Append new observations so that forecasts start from them.

        The network is not retrained; call ``fit`` to learn from the new data.

        Parameters
        ----------
        X : array-like of shape (n_new_steps, n_covariates)
            The covariates of the new steps.
        y : array-like of shape (n_new_steps,)
            The new values of the series, which follow those seen so far.
        groups : array-like of shape (n_new_steps,), default=None
            With a forecaster fitted on many series: the series of each row.
            A series seen before continues from its end; a new one (at
            least ``lookback`` rows) gets its history and its scaling from
            these rows, so it can be forecast without refitting.

        Returns
        -------
        self : LSTMForecaster
            The forecaster, now forecasting from the end of ``y``.

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
        check_is_fitted(self)
        X_new, y_new = validate_series(self, X, y, reset=False)
        if self._is_many(groups):
            return self._update_many(X, y, X_new, y_new, groups)
        new_index = time_index(X, y)
        if self._index_end is not None:
            continued = continued_index(self._index_end, self._index_step, len(y_new))
            if new_index is not None and new_index[0] != continued[0]:
                raise ValueError(
                    f"The new observations start at {new_index[0]}, but the series "
                    f"seen so far ends at {self._index_end}: they must start at "
                    f"{continued[0]}."
                )
            self._index_end = continued[-1]
        self._remember(
            np.concatenate([self._recent_X, X_new]),
            np.concatenate([self._recent_y, y_new]),
        )
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
            The true values of those steps.
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
        """
        return r2_score(y, self.predict(X, groups=groups), sample_weight=sample_weight)

    def __getstate__(self) -> dict:
        return pickled_state(self._fitted_state_schema, super().__getstate__())

    def __setstate__(self, state: dict) -> None:
        state, live = unpickled_state(self._fitted_state_schema, state)
        super().__setstate__(state)
        rebuild_live(self, live)

    # --------------------------------------------------------------- internals

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "regressor_")

    def _snapshot(self) -> LSTMForecaster:
        """A shallow copy read in one step: a consistent view of the fitted state."""
        snapshot = object.__new__(type(self))
        vars(snapshot).update(copy.copy(vars(self)))
        return snapshot

    def _architecture_from_params(
        self, warn_if_deprecated: bool = False, many: bool | None = None
    ) -> dict:
        """The architecture the current parameters describe.

        The deprecated ``target``, when set, stands for ``network_output``.
        ``strategy='auto'`` and ``n_networks='auto'`` are resolved for a fit
        on many series (``many``; None: as fitted) or on one.
        """
        architecture = {name: getattr(self, name) for name in ARCHITECTURE_PARAMS}
        if many is None:
            many = getattr(self, "series_", None) is not None
        if architecture["strategy"] == "auto":
            architecture["strategy"] = (
                "direct" if many and self.horizon > 1 else "recursive"
            )
        if architecture["n_networks"] == "auto":
            architecture["n_networks"] = ENSEMBLE_SIZE if many else 1
        if self.target != "deprecated":
            architecture["network_output"] = self.target
            if warn_if_deprecated:
                warn(
                    f"target={self.target!r} is deprecated since sklstm 0.2 and "
                    "is removed in 0.3: it is now called network_output. Use "
                    f"network_output={self.target!r}.",
                    FutureWarning,
                )
        return architecture

    def _fitted_architecture(self) -> dict:
        """The parameters the fitted state was built with (older models: current)."""
        recorded = getattr(self, "_architecture", None) or {}
        current = self._architecture_from_params()
        if "n_networks" not in recorded and self.__sklearn_is_fitted__():
            current["n_networks"] = len(self._members())  # saved before n_networks
        return {name: recorded.get(name, current[name]) for name in ARCHITECTURE_PARAMS}

    def _check_same_architecture(self, architecture: dict) -> None:
        fitted = self._fitted_architecture()
        changed = [
            f"{name}={architecture[name]!r} (fitted with {fitted[name]!r})"
            for name in ARCHITECTURE_PARAMS
            if architecture[name] != fitted[name]
        ]
        if changed:
            raise ValueError(
                "fit with warm_start=True continues training the fitted network, "
                f"but parameters that shape it changed since it was fitted: "
                f"{', '.join(changed)}. Set them back to continue, or fit with "
                "warm_start=False to start afresh."
            )

    def _leak_free_weights(
        self, n_windows: int, block: int, weights=None, codes=None
    ) -> np.ndarray | None:
        """``weights`` with 0 for the windows whose targets reach into the tail.

        With the direct strategy, the ``block - 1`` windows of each series
        (``codes``; None: one series) before the tail that early stopping
        holds out forecast values inside it: trained on, they leak the
        held-out values, and the validation loss rewards memorising them.
        ``weights`` None means 1 each; None is returned when nothing leaks.
        """
        if not self.early_stopping or block == 1:
            return weights
        fraction = self.validation_fraction
        leaking = reaching_into_tails(codes, n_windows, fraction, block - 1)
        weights = np.ones(n_windows) if weights is None else weights.copy()
        weights[leaking] = 0.0
        held_out = series_tails(codes, n_windows, fraction)
        if not (weights[~held_out] > 0).any():
            raise ValueError(
                f"early_stopping holds out the last validation_fraction={fraction} "
                f"of the {n_windows} training windows (of each series), and with "
                f"strategy='direct' the {block - 1} windows before them forecast "
                "values inside the held-out ones, so they do not train either: no "
                "window is left to train on. Pass longer series, lower horizon, "
                "or set early_stopping=False."
            )
        return weights

    def _block(self, architecture: dict | None = None) -> int:
        """Steps the network forecasts per window (by default: as fitted)."""
        architecture = architecture or self._fitted_architecture()
        return architecture["horizon"] if architecture["strategy"] == "direct" else 1

    def _train_networks(
        self, architecture: dict, X, y, *, n_windows=None, **fit_params
    ) -> list[LSTMRegressor]:
        """Train the ``n_networks`` regressors of an ensemble, one after another.

        The first is seeded by ``random_state`` itself, so one network is
        trained exactly as without an ensemble; the others by seeds drawn
        from it.
        """
        networks = []
        for member in range(architecture["n_networks"]):
            regressor = self._regressor(n_windows, member)
            networks.append(regressor.fit(X, y, **fit_params))
        return networks

    def _members(self) -> list[LSTMRegressor]:
        """The fitted networks whose forecasts are averaged."""
        return [self.regressor_, *(getattr(self, "_ensemble", None) or [])]

    def _predict_networks(self, windows: np.ndarray) -> np.ndarray:
        """The mean of the networks' predictions for ``windows``."""
        members = self._members()
        total = members[0].predict(windows)
        for member in members[1:]:
            total = total + member.predict(windows)
        return total / len(members)

    def _regressor(
        self, n_windows: int | None = None, member: int = 0
    ) -> LSTMRegressor:
        """The regressor to train, configured with this forecaster's parameters.

        ``n_windows`` is the number of training windows of a fit on many
        series, which ``batch_size='auto'`` sizes its batches by; ``member``
        is its place in the ensemble, which seeds it.
        """
        shared = set(LSTMRegressor._get_param_names())
        params = {
            name: value
            for name, value in self.get_params(deep=False).items()
            if name in shared
        }
        if params["batch_size"] == "auto":
            params["batch_size"] = auto_batch_size(n_windows)
        if member and isinstance(params["random_state"], Integral):
            seeds = np.random.default_rng([int(params["random_state"]), member])
            params["random_state"] = int(seeds.integers(2**31 - 1))
        if self.warm_start and self.__sklearn_is_fitted__():
            # A copy: a refused refit leaves the fitted regressor as it was.
            regressor = object.__new__(LSTMRegressor)
            vars(regressor).update(vars(self._members()[member]))
            return regressor.set_params(**params)
        return LSTMRegressor(**params)

    def _future_covariates(self, X) -> np.ndarray:
        """Check the covariates of the steps to forecast."""
        check_is_fitted(self)
        with numeric_input("X"):
            X = validate_data(
                self,
                zero_column_frames_as_arrays(X),
                reset=False,
                dtype=np.float64,
                ensure_min_features=0,
            )
        check_float32_range(X, "X")
        return X

    # ------------------------------------------------------------ many series

    def _is_many(self, groups) -> bool:
        """Whether this call is about many series; refuse a mismatch with fit."""
        many = getattr(self, "series_", None) is not None
        if many and groups is None:
            raise ValueError(
                f"This forecaster was fitted on {len(self.series_)} series (fit "
                "with groups): pass groups=, the series label of each row of X, "
                "to say which series each row belongs to."
            )
        if not many and groups is not None:
            raise ValueError(
                "This forecaster was fitted on one series (fit without groups), "
                "so it cannot tell series apart: call without groups, or refit "
                "with fit(X, y, groups=...)."
            )
        return many

    def _history_width(self, architecture: dict | None = None) -> int:
        """Values a forecast starts from: one more when windows are relative."""
        architecture = architecture or self._fitted_architecture()
        relative = architecture["series_scaling"] in RELATIVE_SCALINGS
        return architecture["lookback"] + relative

    def _fit_many(self, X, y, groups) -> LSTMForecaster:
        """``fit`` with ``groups``: one network over the windows of every series."""
        X_checked, y_checked, features = validate_on_copy(
            self, validate_series, X, y, reset=True
        )
        panel = panel_of(groups, len(y_checked))
        architecture = self._architecture_from_params(
            warn_if_deprecated=True, many=True
        )
        if self.warm_start and self.__sklearn_is_fitted__():
            self._check_same_architecture(architecture)
        block = self._block(architecture)
        width = self._history_width(architecture)
        relative = width > self.lookback
        # Windows with a short history train too (padded), so a series needs
        # only the values of one target block after its first value (and,
        # with relative windows, one step before it).
        needed = 1 + relative + block
        short = np.flatnonzero(panel.lengths < needed)
        if len(short):
            listed = ", ".join(
                f"{panel.labels[s].item()!r} ({panel.lengths[s]})" for s in short[:5]
            )
            raise ValueError(
                f"Every series needs at least {needed} observations to make one "
                f"training window (strategy={architecture['strategy']!r}, "
                f"horizon={self.horizon}, series_scaling={self.series_scaling!r}: "
                f"{'2 values make the first step, then ' if relative else ''}"
                f"{block} target value(s) after it); {len(short)} series are "
                f"shorter, with their lengths: {listed}. Drop them (give them to "
                "update() later to forecast them), or lower horizon."
            )
        order = panel.order
        y_sorted, X_sorted = y_checked[order], X_checked[order]
        # The season of each series is taken out first: scaling, windows and
        # the remembered history are all of the adjusted values.
        season_length, components, multiplicative = self._fit_seasons(y_sorted, panel)
        if season_length is not None:
            sorted_codes = panel.codes[order]
            y_sorted = take_out(
                y_sorted,
                components,
                multiplicative,
                sorted_codes,
                panel.position - panel.lengths[sorted_codes],
            )
        scheme = self.series_scaling
        scaling = fit_series_scaling(y_sorted, panel, scheme)
        z = scale_values(y_sorted, scaling[panel.codes[order]], scheme)
        rows, targets, weights, codes = stacked_training_rows(
            z,
            X_sorted,
            panel,
            block,
            # Relative windows hold no level: they always learn the change.
            change=architecture["network_output"] == "change" or relative,
            relative=relative,
        )
        weights = self._leak_free_weights(len(codes), block, weights, codes)
        networks = self._train_networks(
            architecture,
            rows,
            targets[:, 0] if block == 1 else targets,
            sample_weight=weights,
            groups=codes,
            n_windows=int(np.count_nonzero(weights)),
        )

        # Staged on a snapshot, then published in one step, as ``fit`` does.
        staged = self._snapshot()
        staged.regressor_, staged._ensemble = networks[0], networks[1:] or None
        staged._architecture = architecture
        staged.n_iter_ = networks[0].n_iter_
        vars(staged).update(features)
        staged.series_ = panel.labels
        staged._series_scaling = scaling
        staged.season_length_ = season_length
        staged._series_season = components
        staged._series_multiplicative = (
            None if multiplicative is None else multiplicative.astype(np.float64)
        )
        staged.calibration_residuals_ = staged._held_out_errors_many(z, X_sorted, panel)
        staged._series_recent_y = recent_rows(y_sorted, panel, width)
        staged._series_recent_X = recent_rows(X_sorted, panel, self.lookback)
        staged._recent_X = staged._recent_y = None
        staged._index_end = None
        times = time_ends(time_index(X, y), panel)
        (
            staged._series_time_origin,
            staged._index_step,
            staged._series_time_offsets,
        ) = (None, None, None) if times is None else times
        staged._series_name = y.name if isinstance(y, pd.Series) else None
        publish_fitted_state(self, vars(staged))
        return self

    def _fit_seasons(self, y_sorted: np.ndarray, panel: Panel):
        """Season length, components and kinds of every series (or Nones)."""
        series = np.split(y_sorted, panel.starts[1:])
        season_length = self.season_length
        if season_length == "auto":
            season_length = detect_season_length(series, self.lookback)
        # No series has three seasons to test (nor, then, a season to take
        # out): nothing to keep, however long the season asked for.
        if season_length is None or 3 * season_length > panel.lengths.max():
            return None, None, None
        components, multiplicative = fit_seasonality(series, season_length)
        return season_length, components, multiplicative

    def _to_y_units(self, where: np.ndarray, steps: np.ndarray, params, scheme):
        """Map values the network forecast for series ``where`` back to y.

        ``where`` and ``steps`` (from the end of each history, from 0) are
        per value, as are the scaling ``params``.
        """
        season = getattr(self, "_series_season", None)

        def to_y(values: np.ndarray) -> np.ndarray:
            values = unscale_values(values, params, scheme)
            if season is None:
                return values
            multiplicative = self._series_multiplicative[where] > 0
            return restore(
                values,
                season_of(season[where], multiplicative, steps),
                multiplicative,
            )

        return to_y

    def _forecast_many(self, X: np.ndarray, groups):
        """Forecast each series' rows of X from the end of its history.

        Returns the forecast in the units of y, the same in the units the
        network sees, the map from those units to y's, and each row's step
        ahead - 1.
        """
        panel = panel_of(groups, len(X))
        where = locate_series(self.series_, panel.labels)
        unseen = panel.labels[where < 0]
        if len(unseen):
            raise ValueError(
                f"groups holds {len(unseen)} series without a history: "
                f"{unseen[:5].tolist()}. This forecaster knows the series it was "
                "fitted on; give the history of a new series with "
                "update(X, y, groups=...) (at least lookback rows) first."
            )
        architecture = self._fitted_architecture()
        scheme, lookback = architecture["series_scaling"], architecture["lookback"]
        block = self._block(architecture)
        params = self._series_scaling[where]
        history = scale_values(self._series_recent_y[where], params[:, None], scheme)
        segments, first, offset = [], np.empty(len(where), dtype=np.intp), 0
        X_sorted = X[panel.order]
        for s, (start, length) in enumerate(
            zip(panel.starts, panel.lengths, strict=True)
        ):
            future = X_sorted[start : start + length]
            padding = np.repeat(future[-1:], -length % block, axis=0)
            segments += [self._series_recent_X[where[s]], future, padding]
            first[s] = offset
            offset += lookback + length + len(padding)
        covariates = covariate_rows(np.concatenate(segments), block)
        forecasts = self._roll_forward(history, covariates, first, panel.lengths)
        step = panel.row_position
        scaled = forecasts[panel.codes, step]
        to_y = self._to_y_units(where[panel.codes], step, params[panel.codes], scheme)
        return to_y(scaled), scaled, to_y, step

    def _predict_series_many(self, X, groups) -> pd.Series:
        forecast = self.predict(X, groups=groups)
        if getattr(self, "_series_time_offsets", None) is None:
            raise ValueError(
                "predict_series needs the time index of the series: fit with y "
                "as a pandas Series whose index holds each row's time, every "
                "series on one regular grid (a DatetimeIndex with a frequency, "
                "or integers). Use predict for plain arrays."
            )
        panel = panel_of(groups, len(forecast))
        where = locate_series(self.series_, panel.labels)
        step = panel.row_position
        ahead = self._series_time_offsets[where][panel.codes].astype(np.intp) + step
        origin, unit = self._series_time_origin, self._index_step
        times = continued_index(origin, unit, int(ahead.max()) + 1)[ahead]
        index = pd.MultiIndex.from_arrays(
            [np.asarray(groups), times], names=["series", "time"]
        )
        return pd.Series(forecast, index=index, name=self._series_name)

    def _update_many(self, X, y, X_new, y_new, groups) -> LSTMForecaster:
        """``update`` with ``groups``: extend known series, add new ones."""
        panel = panel_of(groups, len(y_new))
        where = locate_series(self.series_, panel.labels)
        architecture = self._fitted_architecture()
        scheme, lookback = architecture["series_scaling"], architecture["lookback"]
        width, new = self._history_width(architecture), where < 0
        # A shorter history than the window is padded, as in training; with
        # relative windows, one step needs two values.
        needed = 1 + (width > lookback)
        short = np.flatnonzero(new & (panel.lengths < needed))
        if len(short):
            listed = panel.labels[short[:5]].tolist()
            raise ValueError(
                f"A series not seen before needs at least {needed} observations "
                f"(series_scaling={scheme!r}) to be forecast; the new series "
                f"{listed} have fewer ({panel.lengths[short[:5]].tolist()}). Give "
                "more of their history."
            )
        y_sorted, X_sorted = y_new[panel.order], X_new[panel.order]
        season = getattr(self, "_series_season", None)
        if season is not None:
            y_sorted, season, new_season = self._adjust_update(y_sorted, panel, where)
        scaling = fit_series_scaling(y_sorted, panel, scheme)
        recent_y, recent_X = [], []
        for s, (start, length) in enumerate(
            zip(panel.starts, panel.lengths, strict=True)
        ):
            values = y_sorted[start : start + length]
            rows = X_sorted[start : start + length]
            if not new[s]:
                values = np.concatenate([self._series_recent_y[where[s]], values])
                rows = np.concatenate([self._series_recent_X[where[s]], rows])
            recent_y.append(padded_tail(values, width))
            recent_X.append(padded_tail(rows, lookback))
        recent_y, recent_X = np.stack(recent_y), np.stack(recent_X)
        offsets = getattr(self, "_series_time_offsets", None)
        if offsets is not None:
            offsets = offsets.copy()
            offsets[where[~new]] += panel.lengths[~new]
            if new.any():
                offsets = None  # a new series' place in time is not known
        known = where[~new]
        if season is not None:
            self._series_season = season[0]
            self._series_multiplicative = season[1]
        self._series_recent_y = self._series_recent_y.copy()
        self._series_recent_X = self._series_recent_X.copy()
        self._series_recent_y[known] = recent_y[~new]
        self._series_recent_X[known] = recent_X[~new]
        if new.any():
            labels = np.concatenate([self.series_, panel.labels[new]])
            order = np.argsort(labels, kind="stable")
            self.series_ = labels[order]
            self._series_recent_y = np.concatenate(
                [self._series_recent_y, recent_y[new]]
            )[order]
            self._series_recent_X = np.concatenate(
                [self._series_recent_X, recent_X[new]]
            )[order]
            self._series_scaling = np.concatenate([self._series_scaling, scaling[new]])[
                order
            ]
            if season is not None:
                self._series_season = np.concatenate(
                    [self._series_season, new_season[0]]
                )[order]
                self._series_multiplicative = np.concatenate(
                    [self._series_multiplicative, new_season[1]]
                )[order]
        if offsets is None:
            self._series_time_origin = self._index_step = None
        self._series_time_offsets = offsets
        return self

    def _adjust_update(self, y_sorted: np.ndarray, panel: Panel, where: np.ndarray):
        """Take the season out of the values ``update`` appends.

        Known series continue their season from the end of their history;
        new series get their own (if they have three seasons of one).
        Returns the adjusted values (grouped by series), the components and
        kinds of the known series moved to their new end, and those of the
        new series (in the order of ``panel.labels[where < 0]``).
        """
        new = where < 0
        m = self._series_season.shape[1]
        series = np.split(y_sorted, panel.starts[1:])
        fitted_new = fit_seasonality([series[s] for s in np.flatnonzero(new)], m)
        components = np.empty((len(new), m))
        multiplicative = np.empty(len(new), dtype=bool)
        components[new], multiplicative[new] = fitted_new
        components[~new] = self._series_season[where[~new]]
        multiplicative[~new] = self._series_multiplicative[where[~new]] > 0
        codes = panel.codes[panel.order]
        # Known series: steps count from their old end; new ones: from theirs.
        steps = panel.position - np.where(new, panel.lengths, 0)[codes]
        adjusted = take_out(y_sorted, components, multiplicative, codes, steps)
        known_season = self._series_season.copy()
        for s in np.flatnonzero(~new):
            known_season[where[s]] = np.roll(components[s], -panel.lengths[s])
        known = (known_season, self._series_multiplicative.copy())
        added = (components[new], multiplicative[new].astype(np.float64))
        return adjusted, known, added

    def _held_out_errors_many(
        self, z: np.ndarray, X: np.ndarray, panel: Panel
    ) -> np.ndarray | None:
        """|forecast - truth| from the held-out tail of every series, per step.

        As ``_held_out_forecast_errors`` does for one series, series by
        series, in the units the network sees; all origins of all series
        are forecast together.
        """
        if self.regressor_.calibration_residuals_ is None:
            return None
        lookback, block, width = self.lookback, self._block(), self._history_width()
        n_origins = np.ceil(self.validation_fraction * (panel.lengths - block)).astype(
            np.intp
        )
        cap = np.minimum(MAX_CALIBRATED_STEPS, n_origins)
        segments, origin_rows, firsts, steps = [], [], [], []
        offset = 0
        for s, (start, length) in enumerate(
            zip(panel.starts, panel.lengths, strict=True)
        ):
            origins = np.arange(length - 1 - n_origins[s], length - 1)
            origins = origins[origins >= width - 1]
            padding = np.repeat(
                X[start + length - 1 : start + length],
                -(-cap[s] // block) * block,
                axis=0,
            )
            segments += [X[start : start + length], padding]
            origin_rows.append(start + origins)
            firsts.append(offset + origins - lookback + 1)
            steps.append(np.minimum(length - 1 - origins, cap[s]))
            offset += length + len(padding)
        origin_rows = np.concatenate(origin_rows)
        steps = np.concatenate(steps)
        if not len(origin_rows):
            return None
        covariates = covariate_rows(np.concatenate(segments), block)
        history = sliding_window_view(z, width)[origin_rows - width + 1]
        forecasts = self._roll_forward(
            history, covariates, np.concatenate(firsts), steps
        )
        ahead = np.arange(1, forecasts.shape[1] + 1)
        observed = ahead < steps[:, None] + 1
        truth = z[np.where(observed, origin_rows[:, None] + ahead, 0)]
        return np.where(observed, np.abs(forecasts - truth), np.nan)

    def _remember(self, X: np.ndarray, y: np.ndarray) -> None:
        """Keep the last ``lookback`` observations: the next forecast starts there."""
        lookback = self._fitted_architecture()["lookback"]
        self._recent_X = X[-lookback:].copy()
        self._recent_y = y[-lookback:].copy()

    def _forecast(self, X_future: np.ndarray) -> np.ndarray:
        """Forecast ``len(X_future)`` steps from the end of the series seen so far."""
        n_steps, block = len(X_future), self._block()
        # Steps past the end of X (inside the last block) repeat its last row.
        padding = np.repeat(X_future[-1:], -n_steps % block, axis=0)
        covariates = covariate_rows(
            np.concatenate([self._recent_X, X_future, padding]), block
        )
        origin = np.zeros(1, dtype=np.intp)
        return self._roll_forward(self._recent_y[None], covariates, origin, n_steps)[0]

    def _held_out_forecast_errors(
        self, X: np.ndarray, y: np.ndarray
    ) -> np.ndarray | None:
        """|forecast - truth| from each origin of the held-out tail, per step ahead.

        One origin per held-out window: the steps before the last one, from
        the last step whose value was a training target on, so no truth a
        forecast is scored against was one. (For the recursive strategy the
        origins are the ends of the held-out windows.)
        """
        held_out = self.regressor_.calibration_residuals_
        if held_out is None:
            return None
        n_origins, block = len(held_out), self._block()
        origins = np.arange(len(y) - 1 - n_origins, len(y) - 1)
        steps_left = len(y) - 1 - origins
        n_steps = min(MAX_CALIBRATED_STEPS, n_origins)
        # Blocks that run past the end of the series repeat its last covariates.
        padding = np.repeat(X[-1:], -(-n_steps // block) * block, axis=0)
        covariates = covariate_rows(np.concatenate([X, padding]), block)
        lookback = self._fitted_architecture()["lookback"]
        first = origins - lookback + 1
        history = sliding_window_view(y, lookback)[first]
        forecasts = self._roll_forward(
            history, covariates, first, np.minimum(steps_left, n_steps)
        )
        ahead = origins[:, None] + np.arange(1, n_steps + 1)
        observed = ahead < len(y)
        errors = np.abs(forecasts - y[np.where(observed, ahead, 0)])
        return np.where(observed, errors, np.nan)

    def _roll_forward(
        self,
        history: np.ndarray,
        covariates: np.ndarray,
        first: np.ndarray,
        n_steps: int | np.ndarray,
    ) -> np.ndarray:
        """Forecast from several origins at once, block by block.

        Each block is one forward pass over the windows of every origin that
        still has steps to forecast; its forecasts become the newest values
        of the next windows.

        Parameters
        ----------
        history : ndarray of shape (n_origins, lookback) or (n_origins, lookback + 1)
            The last observed values before each origin's forecast; with
            ``lookback + 1`` of them, each window holds the ``lookback``
            steps between them (windows relative to their last value).
        covariates : ndarray of shape (n_rows, block * n_covariates)
            ``covariate_rows`` of the covariate table the origins share.
        first : ndarray of shape (n_origins,)
            The row of ``covariates`` where each origin's first window starts.
        n_steps : int or ndarray of shape (n_origins,)
            Steps to forecast from each origin.

        Returns
        -------
        forecasts : ndarray of shape (n_origins, max(n_steps))
            NaN beyond an origin's ``n_steps``, up to the end of its block.
        """
        architecture = self._fitted_architecture()
        lookback, block = architecture["lookback"], self._block()
        # A window relative to its last value reads the steps between
        # lookback + 1 values (see series_scaling), and always learns the
        # change from that value.
        width = history.shape[1]
        relative = width == lookback + 1
        n_steps = np.broadcast_to(n_steps, len(history))
        n_blocks = -(-int(n_steps.max()) // block)
        values = np.full((len(history), width + n_blocks * block), np.nan)
        values[:, :width] = history
        covariate_windows = sliding_window_view(covariates, lookback, axis=0)
        for start in range(0, n_blocks * block, block):
            active = np.flatnonzero(n_steps > start)
            stop = start + width
            window = values[active, start:stop]
            if relative:
                window = np.diff(window, axis=1)
            windows = np.concatenate(
                [
                    window[:, :, None],
                    covariate_windows[first[active] + start].transpose(0, 2, 1),
                ],
                axis=2,
            )
            step = self._predict_networks(windows).reshape(len(active), block)
            if relative or architecture["network_output"] == "change":
                step = step + values[active, stop - 1, None]
            values[active, stop : stop + block] = step
        return values[:, width : width + int(n_steps.max())]
