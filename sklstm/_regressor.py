"""``LSTMRegressor``: parameters, validation and orchestration (no tensor maths)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from sklstm._collective import data_parallel
from sklstm._compat import Interval, StrOptions, _fit_context
from sklstm._device import resolve_device
from sklstm._intervals import conformal_half_width, interval_bounds
from sklstm._linear_path import (
    MomentSums,
    RidgeStart,
    initialise_linear_path,
    moment_sums,
)
from sklstm._network import (
    RECURRENT_CELLS,
    RecurrentNetwork,
    parameter_count,
    tensor_count,
)
from sklstm._padding import padded_window_share, warn_if_mostly_padded
from sklstm._plain import python_scalar
from sklstm._progress import epoch_reporter
from sklstm._publishing import publish_fitted_state
from sklstm._random import draw_seed, isolated_torch_rng, shuffling_generator
from sklstm._row_metadata import (
    check_groups,
    check_sample_weight,
    per_target_weights,
    series_tails,
    target_weights,
)
from sklstm._scaling import Standardizer
from sklstm._scoring import r2_of_observed
from sklstm._state import (
    Array,
    Count,
    Field,
    Flag,
    Float,
    Floats,
    Names,
    Network,
    Optimizer,
    Params,
    Scaler,
    Size,
    Text,
    pickled_state,
    rebuild_live,
    unpickled_state,
    with_default_params,
)
from sklstm._targets import DirectTargets, TargetRows, missing_targets
from sklstm._training import (
    LEARNING_RATE_SCHEDULES,
    Batches,
    TrainingHistory,
    TrainingSettings,
    adam,
    hold_out,
    learning_rate_schedule,
    output_learning_rate_scale,
    predict_in_batches,
    train,
)
from sklstm._validation import (
    check_standardised_range,
    refuse_bools_posing_as_numbers,
    validate_fit_data,
    validate_predict_data,
)
from sklstm._warnings import warn
from sklstm._windows import LagWindows, lag_windows
from sklstm.exceptions import TrainingInterruptedWarning

#: ``early_stopping='auto'`` holds out rows only if at least this many.
MIN_AUTO_HELD_OUT = 5
#: The parameters that shape the network. A fit records them in the fitted
#: ``_architecture``: the fitted network is rebuilt from that record, never
#: from parameters changed after the fit.
ARCHITECTURE_PARAMS = (
    "hidden_size",
    "num_layers",
    "dropout",
    "bidirectional",
    "cell",
    "linear_path",
)
#: Those a continued fit cannot change (it trains on with the dropout set since).
_FIXED_AT_FIT = tuple(name for name in ARCHITECTURE_PARAMS if name != "dropout")


@dataclass(frozen=True)
class _Start:
    """What a fit starts from: a new network's, or the fitted one's (continued)."""

    x_scaler: Standardizer
    y_scaler: Standardizer
    window_length: int
    seed: int
    architecture: dict


@dataclass(frozen=True)
class _FitData:
    """The training data on the device: all of it, and split for early stopping."""

    all: Batches
    train: Batches
    validation: Batches | None


class LSTMRegressor(RegressorMixin, BaseEstimator):
    """A PyTorch LSTM as a scikit-learn regressor for time-ordered data.

    A 2-D ``X`` of shape (n_rows, n_features) is a time-ordered table: the
    prediction for row *i* is made from rows *i - lookback + 1 ... i*. The
    lag windows are built automatically as strided views (no copies). The
    first ``lookback - 1`` rows have a shorter history; they are padded by
    repeating the first row, so ``predict`` returns one prediction per row.
    A 3-D ``X`` of shape (n_samples, steps, n_features) is a batch of
    ready-made sequences and is used as is (``lookback`` is then not used).

    X and y are standardised internally (``standardize=True``) and
    predictions come back in the original units. Training runs in float32
    on every device.

    Parameters
    ----------
    lookback : int, default=10
        Rows per lag window: how far back the model sees.
    hidden_size : int, default=32
        Units per LSTM layer and direction.
    num_layers : int, default=1
        Stacked LSTM layers.
    dropout : float, default=0.0
        Dropout probability between stacked layers and on the last hidden
        state before the output layer.
    bidirectional : bool, default=False
        Whether each layer also reads the window backwards.
    cell : {'lstm', 'gru'}, default='lstm'
        The recurrent cell. ``'gru'`` swaps in a gated recurrent unit.
    linear_path : bool, default=True
        Add a linear map of the whole window to the output, beside the LSTM:
        the model contains a linear autoregression on the same lags, so it can
        extrapolate trends, and the LSTM learns what a linear model cannot.
        It starts at the ridge regression on the lags, with the penalty
        chosen by leave-one-out error as ``RidgeCV`` chooses it, and the LSTM's
        output layer starts at zero. The output layer and the linear path
        then learn at ``learning_rate_init`` times the root-mean-square error
        of that start (in standardised units; also when a fit continues from
        trained weights), the LSTM at the full rate: Adam moves each weight by
        about its rate per step, which would otherwise undo a start whose
        remaining error is small.
    standardize : bool, default=True
        Standardise each column of X and y with statistics of the first fit.
    alpha : float, default=0.0
        L2 penalty (weight decay) on the weights.
    max_iter : int, default=200
        Maximum number of epochs (passes over the data).
    batch_size : int, default=32
        Windows per minibatch (capped at the number of samples).
    learning_rate_init : float, default=0.003
        Adam's (initial) learning rate.
    learning_rate : {'constant', 'cosine', 'plateau'}, default='constant'
        The learning-rate schedule over the epochs of one ``fit``.
        ``'constant'`` keeps ``learning_rate_init``; ``'cosine'`` anneals it
        to 0 along half a cosine over ``max_iter`` epochs; ``'plateau'``
        divides it by 5 each time two consecutive epochs fail to lower the
        loss by ``tol`` (the validation loss with early stopping, else the
        training loss). ``partial_fit`` always trains at
        ``learning_rate_init``.
    clip_grad_norm : float or None, default=None
        When set, clip the gradient norm to this value at every step.
    early_stopping : bool or 'auto', default='auto'
        Hold out the **last** ``validation_fraction`` of the rows (never a
        shuffled split), stop when their loss stops improving, and restore
        the weights with the lowest validation loss. The network before
        training (the ridge regression of ``linear_path``) is a candidate
        too, and is kept unless the best epoch beats it clearly: the mean
        improvement per held-out row must pass a one-sided test at 5 %,
        divided among the epochs run (the best of many epochs on a few rows
        beats it by chance alone). When the start is kept, the ridge
        regression is solved again on all rows, held-out ones included, with
        the penalty chosen again on them all by leave-one-out error.
        When False, stop when the training loss stops improving. ``'auto'``
        stops early when at least 5 rows with an observed target would be
        held out, and trains on all rows otherwise (``True`` refuses held-out
        rows whose targets are all missing). The held-out rows also calibrate
        ``predict_interval``. With a single held-out row, R² is undefined
        (``validation_scores_`` are NaN) and a warning says so.
    validation_fraction : float, default=0.1
        Share of rows (taken from the end) held out for early stopping.
    n_iter_no_change : int, default=10
        Stop after this many consecutive epochs without an improvement of at
        least ``tol``.
    tol : float, default=1e-4
        The improvement that counts, in loss (standardised units): the
        validation loss with early stopping, else the training loss.
    device : str or torch.device, default='auto'
        Where to train and predict: ``'auto'``, ``'cpu'``, ``'cuda'``,
        ``'cuda:N'``, ``'cuda:auto'`` or ``'mps'``. ``'auto'`` picks CUDA, then
        Apple MPS, then the CPU; ``'cuda:auto'`` gives each parallel worker
        its own GPU, round-robin (see ``docs/scaling.md``). The resolved
        device is the fitted ``device_``.
    predict_batch_size : int or None, default=None
        Windows per forward pass in ``predict`` and on validation rows. None
        picks by device: on the CPU, batches small enough for their
        activations to stay in the processor's caches (about
        ``2**20 / (lookback * max(hidden_size, n_features))`` windows, which
        predicts ~25 % faster than batches of 4096), on a GPU 4096. Memory
        grows with it, never with the number of rows.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout and minibatch order, through a
        private generator: the global random state is left untouched. Read
        at every fit, continued ones too.
    verbose : int, default=0
        0 is silent; 1 draws one progress bar for the whole fit (epochs,
        training and validation loss, time left; needs ``tqdm``, the
        ``progress`` extra, else it prints lines); 2 or more prints one line
        per epoch. Inside a search, each candidate fit reports only if its
        estimator was given a ``verbose`` of its own.
    warm_start : bool, default=False
        Whether ``fit`` continues from the current weights and scaling
        instead of starting afresh. A continued fit (and ``partial_fit``)
        refuses a changed architecture, but trains with the ``dropout``,
        ``alpha`` and ``random_state`` set since.

    Attributes
    ----------
    network_ : torch.nn.Module
        The trained network, on ``device_``.
    device_ : str
        The device the model lives on.
    window_length_ : int
        Steps per window: ``lookback``, or the steps of 3-D training input.
    n_outputs_ : int
        Number of targets.
    loss_curve_ : list of float
        Mean training loss (MSE on standardised targets) of each epoch.
    best_loss_ : float
        The smallest training loss reached.
    validation_scores_ : list of float or None
        R² on the validation rows after each epoch, with ``early_stopping``
        (NaN when a single row was held out).
    validation_loss_curve_ : list of float or None
        Mean squared error on the validation rows (standardised, like
        ``loss_curve_``) after each epoch, with ``early_stopping``.
    best_validation_score_ : float or None
        R² of the kept weights: those with the lowest validation loss, or
        the untrained network's unless they beat it clearly (see
        ``early_stopping``; its R² is that before its ridge regression is
        solved again on all rows).
    n_iter_ : int
        Epochs run.
    t_ : int
        Optimiser steps (one per minibatch) taken since the network was last
        started afresh: warm-started fits and ``partial_fit`` calls add to it.
        (``MLPRegressor.t_`` counts training samples instead.) It also moves
        the seed of later minibatch orders, so that continued training does
        not repeat the first epochs' order.
    calibration_residuals_ : ndarray of shape (n_validation, n_outputs) or None
        Absolute errors, in the units of y, of the final model on the
        held-out validation rows (with ``early_stopping``): what
        ``predict_interval`` calibrates on. None after a fit without held-out
        rows.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : A feed-forward network regressor.

    Notes
    -----
    Because each prediction depends on the rows before it, predicting a
    subset of rows or shuffled rows gives other numbers than predicting the
    whole table (unless ``lookback=1``): pass rows in time order.

    Pickles hold the weights as CPU arrays, never live torch objects, so a
    model trained on a GPU loads on a CPU-only machine. Only unpickle files
    you trust.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> t = np.arange(200)
    >>> X = np.sin(0.1 * t)[:, None]
    >>> y = np.sin(0.1 * (t + 1))
    >>> model = LSTMRegressor(lookback=5, max_iter=20, random_state=0).fit(X, y)
    >>> model.predict(X).shape
    (200,)
    >>> bool(model.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "lookback": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "num_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "bidirectional": ["boolean"],
        "cell": [StrOptions(set(RECURRENT_CELLS))],
        "linear_path": ["boolean"],
        "standardize": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions(set(LEARNING_RATE_SCHEDULES))],
        "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [str, torch.device],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    #: Every fitted attribute and how it is pickled and saved (``sklstm._state``).
    _fitted_state_schema: ClassVar[dict[str, Field]] = {
        "n_features_in_": Size(),
        "feature_names_in_": Names(length="n_features_in_", optional=True),
        "n_outputs_": Size(),
        "window_length_": Size(),
        "_fit_padded_share": Float(optional=True),
        "device_": Text(),
        "_y_was_1d": Flag(),
        "_seed": Count(),
        "_architecture": Params(optional=True),
        "_x_scaler": Scaler(width="n_features_in_"),
        "_y_scaler": Scaler(width="n_outputs_"),
        "loss_curve_": Floats(finite=True),
        "best_loss_": Float(),
        "validation_scores_": Floats(optional=True),
        "validation_loss_curve_": Floats(finite=True, optional=True),
        "best_validation_score_": Float(optional=True),
        # The epoch whose weights the network kept (of all the fits that
        # loss_curve_ counts; 0 or a warm start's first: from before them).
        "_kept_epoch": Count(optional=True),
        # Whether partial_fit has trained the network since the last fit.
        "_partial_fit_since": Flag(optional=True),
        "calibration_residuals_": Array(
            shape=("*", "n_outputs_"), optional=True, errors=True
        ),
        "n_iter_": Count(),
        "t_": Count(),
        "network_": Network(),
        "_optimizer": Optimizer(optional=True),
    }

    def __init__(
        self,
        lookback: int = 10,
        *,
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        bidirectional: bool = False,
        cell: str = "lstm",
        linear_path: bool = True,
        standardize: bool = True,
        alpha: float = 0.0,
        max_iter: int = 200,
        batch_size: int = 32,
        learning_rate_init: float = 0.003,
        learning_rate: str = "constant",
        clip_grad_norm: float | None = None,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        tol: float = 1e-4,
        device: str | torch.device = "auto",
        predict_batch_size: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        warm_start: bool = False,
    ) -> None:
        self.lookback = lookback
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

    # ------------------------------------------------------------------ public

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, *, groups=None) -> LSTMRegressor:
        """Train the network on time-ordered rows (or ready-made sequences).

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
            Time-ordered rows, or a batch of sequences used as is.
        y : array-like of shape (n_rows,) or (n_rows, n_outputs)
            The target of each row; NaN where it is missing. A missing target
            has weight 0 in the loss (output by output), and its row still
            serves as history for the rows after it.
        sample_weight : array-like of shape (n_rows,), default=None
            Non-negative weight of each row's prediction error in the loss. A
            row with weight 0 still serves as history for the rows after it.
            The rows held out for early stopping are judged unweighted: each
            with an observed target counts, whatever its weight, and
            calibrates :meth:`predict_interval`. A row with weight 0 leaves
            the standardisation of y, as the loss: a placeholder target there
            (such as 99999) sets no scale, but give a target not known yet as
            NaN, which the held-out rows leave out too.
        groups : array-like of shape (n_rows,), default=None
            Series labels: rows with different labels belong to different
            series, and no lag window crosses from one series into another.
            Within a series, rows must be in time order. With 3-D X, whose
            sequences are already apart, only early stopping uses them.

        Returns
        -------
        self : LSTMRegressor
            The fitted estimator.
        """
        return self._fit(
            X, y, incremental=False, sample_weight=sample_weight, groups=groups
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, *, groups=None) -> LSTMRegressor:
        """Train for one epoch, continuing from the current weights.

        The scaling statistics and the architecture come from the first call.
        The optimiser's state carries on from call to call (through pickle
        too); a model read back by :func:`sklstm.load` starts it afresh.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
            Time-ordered rows, or a batch of sequences used as is.
        y : array-like of shape (n_rows,) or (n_rows, n_outputs)
            The target of each row; NaN where it is missing. A missing target
            has weight 0 in the loss (output by output), and its row still
            serves as history for the rows after it.
        sample_weight : array-like of shape (n_rows,), default=None
            Non-negative weight of each row's prediction error in the loss. A
            row with weight 0 still serves as history for the rows after it.
            The rows held out for early stopping are judged unweighted: each
            with an observed target counts, whatever its weight, and
            calibrates :meth:`predict_interval`. A row with weight 0 leaves
            the standardisation of y, as the loss: a placeholder target there
            (such as 99999) sets no scale, but give a target not known yet as
            NaN, which the held-out rows leave out too.
        groups : array-like of shape (n_rows,), default=None
            Series labels: rows with different labels belong to different
            series, and no lag window crosses from one series into another.
            Within a series, rows must be in time order. With 3-D X, whose
            sequences are already apart, only early stopping uses them.

        Returns
        -------
        self : LSTMRegressor
            The updated estimator.

        Raises
        ------
        ValueError
            If a column of X, or a target of y that trains or is judged,
            holds a value that float32 cannot hold once standardised by the
            scale of the first call (as ``fit`` with ``warm_start=True``);
            the model is left as it was.
        """
        return self._fit(
            X, y, incremental=True, sample_weight=sample_weight, groups=groups
        )

    def predict(self, X, *, groups=None) -> np.ndarray:
        """Predict one value (or row of values) per row of X.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
            Time-ordered rows (windowed with the padding rule) or sequences.
        groups : array-like of shape (n_rows,), default=None
            Series labels, as in ``fit``: each series is windowed (and padded)
            on its own. None treats all rows as one series.

        Returns
        -------
        y_pred : ndarray of shape (n_rows,) or (n_rows, n_outputs)
            Predictions in the units of ``y``.

        Warns
        -----
        PaddedWindowsWarning
            When more than half of the windows of a 2-D X are padded (X has
            fewer rows than ``lookback``, or not many more) while most
            training windows were full. Inside libraries that build the lag
            columns themselves (skforecast, sktime), use ``lookback=1``.
        """
        check_is_fitted(self)
        # One read of the fitted state: a fit in another thread publishes a
        # new one in one step, so this prediction uses the old or the new.
        fitted = copy.copy(vars(self))
        X = validate_predict_data(self, X)
        x_scaler = fitted["_x_scaler"]
        check_standardised_range(
            X, x_scaler.mean, x_scaler.scale, fitted.get("feature_names_in_")
        )
        groups = check_groups(groups, len(X))
        warn_if_mostly_padded(self, X, groups)
        rows = torch.from_numpy(x_scaler.transform(X))
        windows = self._windows_of(
            rows.to(torch.device(fitted["device_"])),
            fitted["window_length_"],
            groups,
        )
        predictions = predict_in_batches(
            fitted["network_"], windows, self._checked_predict_batch_size()
        )
        y_pred = fitted["_y_scaler"].inverse_transform(predictions.cpu().numpy())
        return y_pred.ravel() if fitted["_y_was_1d"] else y_pred

    def score(self, X, y, sample_weight=None, *, groups=None) -> float:
        """R² of the predictions for X, with each series windowed on its own.

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
            Time-ordered rows or sequences.
        y : array-like of shape (n_rows,) or (n_rows, n_outputs)
            The true targets; NaN (or ``pd.NA`` in pandas nullable columns)
            where missing. A missing target is left out of R², output by
            output (as ``fit`` gives it no weight): each output's R² is that
            of the rows where it is observed, and the outputs' R² are
            averaged.
        sample_weight : array-like of shape (n_rows,), default=None
            Weights of the rows in the score (of the rows kept, for an output
            with missing targets).
        groups : array-like of shape (n_rows,), default=None
            Series labels, passed on to ``predict``.

        Returns
        -------
        score : float
            R² of ``self.predict(X, groups=groups)``, as
            :func:`sklearn.metrics.r2_score` computes it on the observed
            targets.

        Raises
        ------
        ValueError
            If every value of ``y`` (or of one of its outputs) is missing:
            there is nothing to score. NaN in ``X`` is refused, as in
            ``predict``.
        """
        return r2_of_observed(
            y, self.predict(X, groups=groups), sample_weight=sample_weight
        )

    def predict_interval(self, X, coverage: float = 0.9, *, groups=None) -> np.ndarray:
        """Prediction intervals by split conformal calibration on the last rows.

        The model must have been fitted with early stopping
        (``early_stopping=True``, or ``'auto'`` with at least 5 rows to hold
        out): the last ``validation_fraction`` of the training rows, which it
        never trained on, are the calibration set. (When no epoch beat the
        untrained network, its ridge regression is solved again on all rows,
        these included, before their errors are taken: with ``lookback x
        n_features`` coefficients fitted on ``n`` rows, the errors are then
        optimistic by a share of about that many over ``n``.) Their absolute
        errors give the
        half-width ``q``, the ``ceil((n + 1) * coverage)``-th smallest of the
        ``n`` errors, and each interval is ``predict(X) ± q``. If the errors
        of new rows behave like those of the calibration rows, an interval
        holds the truth with probability at least ``coverage``. (The same
        rows also chose when training stopped, a small optimistic bias.)

        Parameters
        ----------
        X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
            Rows (or sequences) as for ``predict``.
        coverage : float, default=0.9
            The wanted probability that an interval holds the truth.
        groups : array-like of shape (n_rows,), default=None
            Series labels, as for ``predict``: each series is windowed on its
            own.

        Returns
        -------
        intervals : ndarray of shape (n_rows, 2) or (n_rows, n_outputs, 2)
            Lower and upper bounds, in the units of y.

        Raises
        ------
        ValueError
            If the model held out no rows (``early_stopping=False``, too few
            rows for ``'auto'``, or ``partial_fit``), if ``coverage`` is not
            in (0, 1), or if there are too few held-out rows for that
            coverage.

        See Also
        --------
        mapie.regression.SplitConformalRegressor : The same method in MAPIE,
            for users who already use it: fit this model, then pass it with
            ``prefit=True`` and ``conformalize`` on later rows. (MAPIE then
            predicts the calibration rows on their own, so their first
            ``lookback - 1`` windows are padded rather than fed their real
            history.)
        mapie.regression.TimeSeriesRegressor : Intervals that adapt as new
            errors arrive (EnbPI, ACI), for series whose noise drifts.

        Examples
        --------
        >>> import numpy as np
        >>> from sklstm import LSTMRegressor
        >>> t = np.arange(300)
        >>> X = np.sin(0.1 * t)[:, None]
        >>> y = np.sin(0.1 * (t + 1))
        >>> model = LSTMRegressor(lookback=5, max_iter=20, early_stopping=True,
        ...                       random_state=0).fit(X, y)
        >>> intervals = model.predict_interval(X, coverage=0.8)
        >>> intervals.shape
        (300, 2)
        >>> bool((intervals[:, 0] <= intervals[:, 1]).all())
        True
        """
        check_is_fitted(self)
        if getattr(self, "calibration_residuals_", None) is None:
            # Said of the training as it was, not of the parameter as it is.
            why = (
                "partial_fit has trained it since its last fit, on rows it held "
                "none of out"
                if getattr(self, "_partial_fit_since", False)
                else "it was fitted with early_stopping=False, or with 'auto' on "
                "too few rows to hold any out"
            )
            raise ValueError(
                "predict_interval calibrates on the last validation_fraction of "
                "the training rows, held out from training only with "
                f"early_stopping=True; this model has none: {why}. Call fit "
                "with early_stopping=True on enough rows."
            )
        half_width = conformal_half_width(self.calibration_residuals_, coverage)
        return interval_bounds(
            self.predict(X, groups=groups), half_width, self._y_was_1d
        )

    def _validate_params(self) -> None:
        """scikit-learn's check of ``_parameter_constraints``, which takes True
        for 1, and a refusal of True or False where no bool is meant."""
        super()._validate_params()
        refuse_bools_posing_as_numbers(self)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.three_d_array = True
        return tags

    def __getstate__(self) -> dict:
        return pickled_state(self._fitted_state_schema, super().__getstate__())

    def __setstate__(self, state: dict) -> None:
        state, live = unpickled_state(self._fitted_state_schema, state)
        super().__setstate__(with_default_params(type(self), state))
        rebuild_live(self, live)
        self._record_architecture_as_read()

    def _check_fitted_state(self) -> None:
        """Refuse a loaded state whose parts do not fit together, then
        record the architecture its weights were checked against."""
        kept = getattr(self, "_kept_epoch", None)
        if kept is not None and kept > len(self.loss_curve_):
            raise ValueError(
                f"the weights are said to be those of epoch {kept}, beyond the "
                f"{len(self.loss_curve_)} epoch(s) of loss_curve_"
            )
        self._record_architecture_as_read()

    def _record_architecture_as_read(self) -> None:
        """Record the fitted architecture of a model read without one.

        sklstm 0.1 recorded none: its network was rebuilt from the parameters
        as read, so those are its architecture. Recorded once read, it stays
        the network's when the parameters change afterwards (``set_params``
        changes nothing until the next fit), as for a model fitted here.
        """
        if not self.__sklearn_is_fitted__():
            return
        recorded = getattr(self, "_architecture", None) or {}
        if set(recorded) != set(ARCHITECTURE_PARAMS):
            self._architecture = self._fitted_architecture()

    # --------------------------------------------------------------- internals

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")

    def _fit(
        self, X, y, *, incremental: bool, sample_weight=None, groups=None
    ) -> LSTMRegressor:
        """Fit afresh or continue: prepare the data, start, train, record."""
        continuing = self.__sklearn_is_fitted__() and (incremental or self.warm_start)
        X, y, data_attributes = validate_fit_data(self, X, y, reset=not continuing)
        groups = check_groups(groups, len(X))
        sample_weight = check_sample_weight(sample_weight, X)
        device = resolve_device(self.device)
        missing = missing_targets(y)
        held_out = self._held_out_rows(
            groups, len(X), incremental, sample_weight, _observed(missing)
        )
        start = (
            self._continued_start(
                X, y, incremental, _trained_or_judged(sample_weight, held_out)
            )
            if continuing
            else self._fresh_start(X, y, sample_weight)
        )
        data = self._training_data(
            X, y, sample_weight, groups, held_out, start, device, missing
        )
        step_seed = start.seed + (self.t_ if continuing else 0)
        with isolated_torch_rng(step_seed, device):
            network, optimizer, ridge = self._initial_network(
                X.shape[-1], y.shape[1], start, data, device, incremental, continuing
            )
            history = self._train(
                network, optimizer, data, step_seed, incremental, continuing
            )
        if (
            history.start_is_best
            and not continuing
            and not history.interrupted
            and ridge is not None
        ):
            # No epoch clearly beat the ridge start on the held-out rows: the
            # model is a ridge regression on all rows, held-out ones too, its
            # penalty chosen on them all as RidgeCV would choose it.
            with isolated_torch_rng(step_seed, device):
                initialise_linear_path(
                    network, data.all, sums=_sums_of_all(ridge, data)
                )
        self._record(
            network,
            optimizer,
            start,
            data,
            history,
            device=device,
            fit_padded_share=(
                padded_window_share(len(X), start.window_length, groups)
                if X.ndim == 2
                else 0.0
            ),
            data_attributes=None if continuing else data_attributes,
            incremental=incremental,
        )
        self._warn_if_unfinished(history, incremental, data.validation is not None)
        return self

    def _held_out_rows(
        self,
        groups: np.ndarray | None,
        n_samples: int,
        incremental: bool,
        sample_weight: np.ndarray | None = None,
        observed: np.ndarray | None = None,
    ) -> np.ndarray:
        """The rows early stopping holds out: the last of each series, or none.

        ``observed`` says which targets are observed, one row per sample
        (None: all are). ``'auto'`` holds out none when that would leave too
        few rows to judge by (rows with an observed target), or no row with
        an observed target of positive weight to train on; ``True`` refuses
        both, naming what was passed.
        """
        auto = isinstance(self.early_stopping, str)
        held_out = (
            series_tails(groups, n_samples, self.validation_fraction)
            if (auto or self.early_stopping) and not incremental
            else np.zeros(n_samples, dtype=bool)
        )
        observed_rows = None if observed is None else observed.any(axis=1)
        trains = np.ones(n_samples, dtype=bool)
        if sample_weight is not None:
            trains = sample_weight > 0
        if observed_rows is not None:
            trains = trains & observed_rows
        learns = trains[~held_out].any()
        judged = held_out if observed_rows is None else held_out & observed_rows
        if auto and (judged.sum() < MIN_AUTO_HELD_OUT or not learns):
            held_out[:] = False  # too few rows to judge by, or to train on
        elif held_out.any() and not judged.any():
            raise ValueError(
                f"early_stopping=True holds out the last validation_fraction="
                f"{self.validation_fraction} of the {n_samples} rows"
                f"{_of_each_series(groups)} to judge training by, but every target "
                "there is missing (NaN): there is nothing to judge by. Drop the "
                "trailing rows whose targets are not known yet, or set "
                "early_stopping=False."
            )
        elif not learns:
            left = int((~held_out).sum())
            why = (
                f"the {left} rows left all have weight 0 or a missing target"
                if left
                else "all are held"
            )
            rows = "1 sample" if n_samples == 1 else f"{n_samples} rows"
            raise ValueError(
                f"early_stopping=True holds out the last validation_fraction="
                f"{self.validation_fraction} of the {rows}"
                f"{_of_each_series(groups)} to judge training by, which leaves no rows "
                f"to train on: {why}. Pass more rows (longer series), or set "
                "early_stopping=False; with sample_weight, give some of the "
                "earlier rows a positive weight."
            )
        self._warn_if_outputs_unjudged(held_out, observed)
        if held_out.any() and judged.sum() < 2:
            warn(
                f"early_stopping=True held out a single row with an observed "
                f"target (validation_fraction={self.validation_fraction} of "
                f"{n_samples} rows): R² is undefined on one row, so "
                "validation_scores_ are NaN, and stopping follows the loss on "
                "that one row. Pass more rows or a larger validation_fraction "
                "for a steadier choice, or set early_stopping=False.",
                UserWarning,
            )
        return held_out

    @staticmethod
    def _warn_if_outputs_unjudged(held_out: np.ndarray, observed) -> None:
        """Warn when, of several outputs, some have fewer than two observed
        held-out targets: their R² is left out of ``validation_scores_``,
        and ``predict_interval`` cannot calibrate them."""
        if observed is None or observed.shape[1] < 2 or not held_out.any():
            return
        counts = observed[held_out].sum(axis=0)
        unjudged = np.flatnonzero(counts < 2)
        if not len(unjudged) or len(unjudged) == len(counts):
            return  # all judged, or none (the single-row warning or refusal)
        warn(
            f"early_stopping=True held out the last validation_fraction of the "
            f"rows, where output(s) {unjudged.tolist()} have fewer than two "
            f"observed targets ({counts[unjudged].tolist()}): validation_scores_ "
            "average the R² of the other outputs, and predict_interval cannot "
            "calibrate those. Raise validation_fraction, or pass rows whose "
            "later targets are observed for every output.",
            UserWarning,
        )

    def _fresh_start(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> _Start:
        """Scaling, window length, seed and architecture of a new network.

        The targets of rows of weight 0 are left out of y's statistics, as
        out of the loss: a placeholder there (99999) must not set the scale.
        """
        counted = None if sample_weight is None else sample_weight > 0
        return _Start(
            x_scaler=Standardizer.fit(X, self.standardize),
            y_scaler=Standardizer.fit(y, self.standardize, counted),
            window_length=X.shape[1] if X.ndim == 3 else int(self.lookback),
            seed=draw_seed(self.random_state),
            architecture={
                name: python_scalar(getattr(self, name)) for name in ARCHITECTURE_PARAMS
            },
        )

    def _continued_start(
        self,
        X: np.ndarray,
        y: np.ndarray | DirectTargets,
        incremental: bool,
        counted: np.ndarray | None = None,
    ) -> _Start:
        """Those of the fitted network, once the new data is checked to suit it.

        ``counted`` says which rows' targets the fit trains on or judges by
        (None: all); the others leave the loss, however large.
        """
        if y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} output(s), but this model was fitted with "
                f"{self.n_outputs_}. Call fit with warm_start=False to train a "
                "new network for them."
            )
        self._check_same_architecture(X, incremental)
        # X is standardised by the first fit's scale: a value that overflows
        # float32 there would make the loss NaN and be refused as a training
        # that diverged, blaming the learning rate.
        check_standardised_range(
            X,
            self._x_scaler.mean,
            self._x_scaler.scale,
            getattr(self, "feature_names_in_", None),
            continuing=_continuing_call(incremental),
        )
        # So is y, whose square the loss takes.
        check_standardised_range(
            _target_extremes(y, counted),
            self._y_scaler.mean,
            self._y_scaler.scale,
            name="y" if self.n_outputs_ == 1 else "y column {}",
            continuing=_continuing_call(incremental),
            squared=True,
            # Each row's outputs are summed in the loss too.
            n_summed=self.n_outputs_
            * (len(y) if counted is None else int(np.count_nonzero(counted))),
        )
        return _Start(
            x_scaler=self._x_scaler,
            y_scaler=self._y_scaler,
            window_length=self.window_length_,
            # A continued fit reads the seed and the dropout anew, as a fit
            # reads random_state and alpha: neither reshapes the network.
            seed=draw_seed(self.random_state),
            architecture={
                **self._fitted_architecture(),
                "dropout": python_scalar(self.dropout),
            },
        )

    def _training_data(
        self, X, y, sample_weight, groups, held_out, start: _Start, device, missing
    ) -> _FitData:
        """Scale, move to the device once, window, and hold out the last rows.

        ``missing`` says which targets of ``y`` are missing (None: none is).
        """
        rows = torch.from_numpy(start.x_scaler.transform(X)).to(device)
        targets, weights = _targets_on_device(
            y, start.y_scaler, sample_weight, held_out, device, missing
        )
        windows = self._windows_of(rows, start.window_length, groups)
        data, validation = hold_out(windows, targets, weights, held_out, missing)
        return _FitData(Batches(windows, targets, weights), data, validation)

    def _initial_network(
        self,
        n_features: int,
        n_outputs: int,
        start: _Start,
        data: _FitData,
        device: torch.device,
        incremental: bool,
        continuing: bool,
    ) -> tuple[torch.nn.Module, torch.optim.Optimizer, RidgeStart | None]:
        """The network and optimiser to train, and its ridge start (if it is one).

        A continued fit trains a copy of the fitted network (``partial_fit``
        also resumes its optimiser); a new one starts at the ridge regression
        of ``linear_path`` (when it has one and the closed form applies).
        """
        ridge = None
        if continuing:
            network = copy.deepcopy(self.network_)
            network.set_dropout(start.architecture["dropout"])
            fitted_start = True
        else:
            network = self._new_network(
                n_features=n_features,
                n_outputs=n_outputs,
                window_length=start.window_length,
                architecture=start.architecture,
            ).to(device)
            ridge = initialise_linear_path(network, data.train)
            fitted_start = ridge is not None
        optimizer = adam(
            network,
            lr=self.learning_rate_init,
            weight_decay=self.alpha,
            fused=True,  # where this PyTorch has the kernel for the device
            output_scale=output_learning_rate_scale(
                network, data.train, None if ridge is None else ridge.rms_error
            )
            if fitted_start
            else 1.0,  # a random start has all its error to learn
        )
        if incremental and continuing and getattr(self, "_optimizer", None) is not None:
            scales = [group["lr_scale"] for group in optimizer.param_groups]
            optimizer.load_state_dict(copy.deepcopy(self._optimizer.state_dict()))
            for group, scale in zip(optimizer.param_groups, scales, strict=True):
                group["lr_scale"] = scale  # a schedule ends with fit
                group["lr"] = self.learning_rate_init * scale
                group["weight_decay"] = self.alpha
        return network, optimizer, ridge

    def _train(
        self,
        network: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        data: _FitData,
        step_seed: int,
        incremental: bool,
        continuing: bool,
    ) -> TrainingHistory:
        """One epoch (``partial_fit``) or up to ``max_iter``, with the schedule."""
        max_iter = 1 if incremental else self.max_iter
        with epoch_reporter(
            self.verbose, max_iter, description=type(self).__name__
        ) as report:
            return train(
                network,
                optimizer,
                data.train,
                data.validation,
                TrainingSettings(
                    max_iter=max_iter,
                    # Python numbers: NumPy's small integers overflow in sums.
                    batch_size=python_scalar(self.batch_size),
                    n_iter_no_change=python_scalar(self.n_iter_no_change),
                    tol=self.tol,
                    early_stopping=data.validation is not None,
                    clip_grad_norm=self.clip_grad_norm,
                    inference_batch_size=python_scalar(self.predict_batch_size),
                ),
                shuffling_generator(step_seed),
                scheduler=None
                if incremental
                else learning_rate_schedule(
                    self.learning_rate, optimizer, max_iter, self.tol
                ),
                report=report,
                epoch_offset=self.n_iter_ if continuing else 0,
            )

    def _record(
        self,
        network: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        start: _Start,
        data: _FitData,
        history: TrainingHistory,
        *,
        device: torch.device,
        fit_padded_share: float,
        data_attributes: dict | None,
        incremental: bool = False,
    ) -> None:
        """Publish the fitted attributes; a continued fit extends the curves.

        ``data_attributes`` (``n_features_in_`` and the like) are None when
        the fit continued: the fitted ones stay. ``incremental``: the
        training was ``partial_fit``'s.
        """
        continuing = data_attributes is None
        early_stopping = data.validation is not None
        fitted = {
            "network_": network,
            "_optimizer": optimizer,
            "_x_scaler": start.x_scaler,
            "_y_scaler": start.y_scaler,
            "_seed": start.seed,
            "_architecture": start.architecture,
            "device_": str(device),
            "window_length_": start.window_length,
            "_fit_padded_share": fit_padded_share,
            "n_outputs_": data.all.targets.shape[1],
            "loss_curve_": (self.loss_curve_ if continuing else [])
            + history.loss_curve,
            "validation_scores_": history.validation_scores if early_stopping else None,
            "validation_loss_curve_": history.validation_losses
            if early_stopping
            else None,
            "calibration_residuals_": None
            if data.validation is None
            else self._absolute_residuals(network, data.validation, start.y_scaler),
            "best_validation_score_": history.best_validation_score
            if early_stopping
            else None,
            "_kept_epoch": (len(self.loss_curve_) if continuing else 0)
            + history.kept_epoch,
            "n_iter_": (self.n_iter_ if continuing else 0) + len(history.loss_curve),
            "t_": (self.t_ if continuing else 0) + history.steps,
            "_partial_fit_since": incremental,
        }
        fitted["best_loss_"] = min(fitted["loss_curve_"], default=float("inf"))
        fitted.update(data_attributes or {})
        publish_fitted_state(self, fitted)

    def _warn_if_unfinished(
        self, history: TrainingHistory, incremental: bool, early_stopping: bool
    ) -> None:
        """Say when training was interrupted (and re-raise) or did not converge."""
        if history.interrupted:
            warn(
                f"Training was interrupted after {len(history.loss_curve)} epoch(s); "
                "the model keeps the best weights seen so far and can predict.",
                TrainingInterruptedWarning,
            )
            raise KeyboardInterrupt
        if not incremental and not history.converged:
            warn(
                f"Stopped after max_iter={self.max_iter} epochs before the "
                f"{'validation score' if early_stopping else 'training loss'} "
                "stopped improving. Consider a larger max_iter.",
                ConvergenceWarning,
            )

    def _fitted_architecture(self) -> dict:
        """The architecture of the fitted network (older models: the parameters)."""
        recorded = getattr(self, "_architecture", None) or {}
        return {
            name: python_scalar(recorded.get(name, getattr(self, name)))
            for name in ARCHITECTURE_PARAMS
        }

    def _check_same_architecture(self, X: np.ndarray, incremental: bool) -> None:
        """A continued fit trains the fitted network: its shape cannot change."""
        fitted = self._fitted_architecture()
        changed = [
            f"{name}={getattr(self, name)!r} (fitted with {fitted[name]!r})"
            for name in _FIXED_AT_FIT
            if getattr(self, name) != fitted[name]
        ]
        if X.ndim == 2 and self.lookback != self.window_length_:
            changed.append(
                f"lookback={self.lookback!r} (fitted with {self.window_length_!r})"
            )
        if changed:
            how = _continuing_call(incremental)
            raise ValueError(
                f"{how} continues training the fitted network, but its "
                f"architecture parameters changed since it was fitted: "
                f"{', '.join(changed)}. Set them back to continue, or call fit "
                "with warm_start=False to train a new network from scratch."
            )

    def _checked_predict_batch_size(self) -> int | None:
        """``predict_batch_size``, validated: it may have been set after fit."""
        value = self.predict_batch_size
        if value is None:
            return None
        if isinstance(value, Integral) and not isinstance(value, bool) and value >= 1:
            return int(value)
        raise ValueError(
            f"predict_batch_size must be a positive int or None; got {value!r}. "
            "Set it with set_params(predict_batch_size=...) to a positive int, "
            "or None to pick by device."
        )

    def _new_network(
        self,
        n_features: int | None = None,
        n_outputs: int | None = None,
        window_length: int | None = None,
        architecture: dict | None = None,
    ) -> RecurrentNetwork:
        """A new network; by default, shaped like the fitted one."""
        return RecurrentNetwork(
            n_features=n_features if n_features is not None else self.n_features_in_,
            n_outputs=n_outputs if n_outputs is not None else self.n_outputs_,
            lookback=window_length
            if window_length is not None
            else self.window_length_,
            **(architecture or self._fitted_architecture()),
        )

    def _network_parameter_count(self) -> tuple[int, int]:
        """Weights and weight tensors of the fitted network, without building it."""
        architecture = self._fitted_architecture()
        return parameter_count(
            n_features=self.n_features_in_,
            n_outputs=self.n_outputs_,
            lookback=self.window_length_,
            **architecture,
        ), tensor_count(
            architecture["num_layers"],
            architecture["bidirectional"],
            architecture["linear_path"],
        )

    def _windows(self, X: np.ndarray, groups: np.ndarray | None = None) -> LagWindows:
        """Standardise X, move it to the device once, and window it."""
        device = torch.device(self.device_)
        rows = torch.from_numpy(self._x_scaler.transform(X)).to(device)
        return self._windows_of(rows, self.window_length_, groups)

    @staticmethod
    def _windows_of(
        rows: torch.Tensor, window_length: int, groups: np.ndarray | None = None
    ) -> LagWindows:
        if rows.ndim == 3:
            return LagWindows(rows, None)
        return lag_windows(rows, window_length, groups)

    def _absolute_residuals(
        self, network: torch.nn.Module, data: Batches, y_scaler: Standardizer
    ) -> np.ndarray:
        """|y - ŷ| on ``data``, in the units of y, for interval calibration."""
        predictions = predict_in_batches(network, data.windows, self.predict_batch_size)
        # In place: beside the result, one table of the held-out targets.
        residuals = y_scaler.inverse_transform(predictions.cpu().numpy())
        del predictions
        residuals -= y_scaler.inverse_transform(data.targets.cpu().numpy())
        np.abs(residuals, out=residuals)
        if data.weights is not None:  # a target mask: missing targets have none
            residuals[data.weights.cpu().numpy() == 0] = np.nan
        return residuals


def _continuing_call(incremental: bool) -> str:
    """The call that continues training the fitted network, as the user made it."""
    return "partial_fit" if incremental else "fit with warm_start=True"


def _trained_or_judged(
    sample_weight: np.ndarray | None, held_out: np.ndarray
) -> np.ndarray | None:
    """Which rows' targets a fit trains on or judges by (None: all).

    A row of weight 0 leaves the loss, unless early stopping holds it out:
    the held-out rows are judged unweighted.
    """
    if sample_weight is None:
        return None
    return (sample_weight > 0) | held_out


def _target_extremes(
    y: np.ndarray | DirectTargets, counted: np.ndarray | None
) -> np.ndarray:
    """Each output's lowest and highest target among the rows ``counted``
    (None: all), in rows of a table whose columns are the outputs (NaN
    where none is known): what :func:`check_standardised_range` reads."""
    if not isinstance(y, DirectTargets):
        return y if counted is None else y[counted]
    tables = [
        np.stack([np.fmin.reduce(table), np.fmax.reduce(table)])
        for table in y.chunks(counted)
    ]
    return np.concatenate(tables) if tables else np.empty((0, y.block))


def _observed(missing: np.ndarray | None) -> np.ndarray | None:
    """Which targets are observed, one row per sample (None: all are)."""
    return None if missing is None else ~missing


def _of_each_series(groups: np.ndarray | None) -> str:
    """ " (of each series, with groups)" for rows of several series, for the
    messages about what early stopping holds out; "" for one series."""
    several = groups is not None and len(np.unique(groups)) > 1
    return " (of each series, with groups)" if several else ""


def _sums_of_all(ridge: RidgeStart, data: _FitData) -> MomentSums | None:
    """The ridge start's sums over the training windows, grown to all windows.

    Only the held-out windows are read: with every window of the same
    weight, the training windows and the held-out ones are all of them,
    and their sums add up. None (all windows are read again) when the
    windows are weighted, whose training weights were rescaled, or in a
    data-parallel fit, whose processes must all take the same path.
    """
    if ridge.sums is None or data.all.weights is not None:
        return None
    if data_parallel() is not None:
        return None
    if data.validation is None:
        return ridge.sums
    return ridge.sums + moment_sums(data.validation, ridge.sums.gram.shape[0])


def _targets_on_device(
    y: np.ndarray | DirectTargets,
    y_scaler: Standardizer,
    sample_weight: np.ndarray | None,
    held_out: np.ndarray,
    device: torch.device,
    missing: np.ndarray | None,
) -> tuple[torch.Tensor | TargetRows, torch.Tensor | None]:
    """The standardised targets on ``device``, and the weights of the samples.

    A table of targets is standardised at once; direct targets stay a view,
    standardised batch by batch (:class:`~sklstm._targets.TargetRows`).
    With ``missing`` targets, the weights are per target (0 where missing).
    """
    if isinstance(y, DirectTargets):
        targets = y.on_device(y_scaler.mean, y_scaler.scale, device)
        weights = per_target_weights(missing, sample_weight, held_out)
    else:
        scaled, weights = target_weights(y_scaler.transform(y), sample_weight, held_out)
        targets = torch.from_numpy(scaled).to(device)
    return targets, None if weights is None else torch.from_numpy(weights).to(device)
