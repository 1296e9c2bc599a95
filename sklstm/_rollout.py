"""Forecasts of a trained ensemble from many origins at once, block by block.

Pure functions of the networks' predictions and of the rows they read: the
forecasts from the end of every series' history (``predict``) and, at the end
of ``fit``, from every origin of the held-out tail of every series (the
errors that calibrate ``predict_interval``). Recursive forecasts are blocks
of one step; direct ones, blocks of ``horizon`` steps; each block's forecasts
become the newest values of the next windows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from sklstm._error_growth import distance_shares
from sklstm._forecast_windows import covariate_rows
from sklstm._intervals import fewest_errors
from sklstm._missing_values import first_observed
from sklstm._panel import Panel
from sklstm._shrinkage import series_gains, shrunk_moves

#: The furthest step ahead that ``predict_interval`` calibrates: the held-out
#: backtest forecasts at most this many steps from each origin.
MAX_CALIBRATED_STEPS = 200

#: The coverage that ``fit`` grows the held-out tail for, so that
#: ``predict_interval`` with its default coverage covers ``horizon`` steps.
CALIBRATED_COVERAGE = 0.9

#: Held-out origins forecast together when calibrating: memory holds the
#: histories, windows and forecasts of this many at a time, not of all.
ORIGINS_PER_PASS = 2**12

#: Forecast values made together when measuring the in-sample errors, whose
#: origins are every window's: memory holds this many per pass, whatever
#: the horizon (up to :data:`ORIGINS_PER_PASS` origins).
VALUES_PER_PASS = 2**15


@dataclass(frozen=True)
class Rollout:
    """How the networks read a window and what their output means.

    Attributes
    ----------
    lookback : int
        Steps per window.
    block : int
        Steps forecast per window: ``horizon`` for the direct strategy, else 1.
    width : int
        Values a forecast starts from: ``lookback``, or ``lookback + 1`` when
        windows are relative to their last value (they then hold the
        ``lookback`` steps between ``lookback + 1`` values).
    change : bool
        Whether the networks forecast the change from the window's last value.
    masked : bool, default=False
        Whether a window holds, beside each value, whether it was missing
        (:mod:`sklstm._missing_values`): the networks of a fit on series
        with holes read that mask.
    """

    lookback: int
    block: int
    width: int
    change: bool
    masked: bool = False

    @property
    def relative(self) -> bool:
        return self.width > self.lookback


def ensemble_predictor(members: Sequence) -> Callable[[np.ndarray], np.ndarray]:
    """The mean of the fitted networks' predictions, as one function of windows."""

    def predict(windows: np.ndarray) -> np.ndarray:
        total = members[0].predict(windows)
        for member in members[1:]:
            total = total + member.predict(windows)
        return total / len(members)

    return predict


def roll_forward(
    predict: Callable[[np.ndarray], np.ndarray],
    rollout: Rollout,
    history: np.ndarray,
    covariates: np.ndarray,
    first: np.ndarray,
    n_steps: int | np.ndarray,
    missing: np.ndarray | None = None,
    unmoved: np.ndarray | None = None,
    shrinkage: float = 0.0,
) -> np.ndarray:
    """Forecast from several origins at once, one forward pass per block.

    Parameters
    ----------
    predict : callable
        Maps windows of shape (n, lookback, 1 + block * n_covariates) to
        forecasts of shape (n,) or (n, block).
    rollout : Rollout
    history : ndarray of shape (n_origins, rollout.width)
        The last values before each origin's forecast.
    covariates : ndarray of shape (n_rows, block * n_covariates)
        ``covariate_rows`` of the covariate table the origins share.
    first : ndarray of shape (n_origins,)
        The row of ``covariates`` where each origin's first window starts.
    n_steps : int or ndarray of shape (n_origins,)
        Steps to forecast from each origin.
    missing : ndarray of shape (n_origins, rollout.width), default=None
        Which values of ``history`` were missing (filled); read by networks
        with ``rollout.masked``. None: none was.
    unmoved : ndarray of shape (n_origins,), default=None
        The step each origin's values take, in the units the network sees,
        when they do not move in the units of y: its series' drift taken
        out of a constant (``TargetTransform.unmoved_steps``). None: 0.
    shrinkage : float, default=0.0
        The share of the networks' move from each history's last value that
        the forecasts give up (:mod:`sklstm._shrinkage`).

    Returns
    -------
    forecasts : ndarray of shape (n_origins, max(n_steps))
        NaN beyond an origin's ``n_steps``.

    Notes
    -----
    Without covariates, an origin whose history is one observed value
    repeated, at least twice (a series of zeros, a long run without demand,
    a series of one value padded) is forecast flat at that value, as
    seasonal naive, ETS and Theta forecast it, and gets no forward pass:
    such a window carries no change to extrapolate, while a network trained
    on many series adds to it the average drift of the others. With its
    series' drift taken out, its history is a line of ``unmoved`` steps (to
    the rounding of its values), which the forecast continues: flat in the
    units of y.
    """
    lookback, block, width = rollout.lookback, rollout.block, rollout.width
    n_steps = np.broadcast_to(n_steps, len(history))
    unmoved = np.zeros(len(history)) if unmoved is None else unmoved
    flat = forecast_by_rule(history, covariates.shape[1], missing, unmoved)
    n_blocks = -(-int(n_steps.max()) // block)
    values = np.full((len(history), width + n_blocks * block), np.nan)
    values[:, :width] = history
    flags = np.zeros_like(values)  # forecasts are never missing
    if missing is not None:
        flags[:, :width] = missing
    covariate_windows = sliding_window_view(covariates, lookback, axis=0)
    for start in range(0, n_blocks * block, block):
        active = np.flatnonzero((n_steps > start) & ~flat)
        if not len(active):
            break
        stop = start + width
        window = values[active, start:stop]
        if rollout.relative:
            window = np.diff(window, axis=1)
        masks = [flags[active, stop - lookback : stop, None]] if rollout.masked else []
        windows = np.concatenate(
            [
                window[:, :, None],
                *masks,
                covariate_windows[first[active] + start].transpose(0, 2, 1),
            ],
            axis=2,
        )
        step = predict(windows).reshape(len(active), block)
        if rollout.change:
            step = step + values[active, stop - 1, None]
        values[active, stop : stop + block] = step
    if shrinkage:
        last = history[:, -1:]
        values[:, width:] = last + shrunk_moves(values[:, width:] - last, shrinkage)
    ahead = np.arange(1, values.shape[1] - width + 1)
    values[flat, width:] = history[flat, -1:] + unmoved[flat, None] * ahead
    forecasts = values[:, width : width + int(n_steps.max())]
    beyond = np.arange(forecasts.shape[1]) >= n_steps[:, None]
    forecasts[beyond] = np.nan
    return forecasts


def forecast_by_rule(
    history: np.ndarray,
    n_covariates: int,
    missing: np.ndarray | None = None,
    unmoved: np.ndarray | None = None,
) -> np.ndarray:
    """Which origins :func:`roll_forward` forecasts flat, without a network.

    Those whose history is one observed value repeated (with ``unmoved``
    steps when a drift was taken out), when the networks read no
    covariates. A history of one value (``lookback=1``) shows no run of
    that value: it is forecast by the networks.

    Parameters
    ----------
    history : ndarray of shape (n_origins, width)
    n_covariates : int
        Covariate columns the networks' windows hold beside the values.
    missing : ndarray of shape (n_origins, width), default=None
    unmoved : ndarray of shape (n_origins,), default=None
        As for :func:`roll_forward`.

    Returns
    -------
    ndarray of bool of shape (n_origins,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._rollout import forecast_by_rule
    >>> forecast_by_rule(np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]), 0).tolist()
    [True, False]
    """
    if n_covariates or history.shape[1] < 2:
        return np.zeros(len(history), dtype=bool)
    unmoved = np.zeros(len(history)) if unmoved is None else unmoved
    flat = _unmoved(history, unmoved)
    return flat if missing is None else flat & ~missing.any(axis=1)


def _unmoved(history: np.ndarray, unmoved: np.ndarray) -> np.ndarray:
    """Whether each history takes only its ``unmoved`` steps: exactly, or
    to the rounding of its values when a drift was taken out of them."""
    if not unmoved.any():
        return (history == history[:, -1:]).all(axis=1)
    off = np.abs(np.diff(history, axis=1) - unmoved[:, None]).max(axis=1)
    rounding = 64 * np.finfo(np.float64).eps * np.abs(history).max(axis=1)
    return off <= np.maximum(rounding, 64 * np.finfo(np.float64).eps)


def forecast_from_ends(
    predict,
    rollout: Rollout,
    history: np.ndarray,
    recent_X,
    future_X,
    lengths,
    missing: np.ndarray | None = None,
    unmoved: np.ndarray | None = None,
    shrinkage: float = 0.0,
) -> np.ndarray:
    """Forecast ``lengths[s]`` steps from the end of each series' history.

    Parameters
    ----------
    history : ndarray of shape (n_series, rollout.width)
        The last values of each series, in the units the network sees.
    recent_X : ndarray of shape (n_series, lookback, n_covariates)
        The covariates of each series' last ``lookback`` steps.
    future_X : list of ndarray
        The covariates of each series' steps to forecast. When a forecast
        ends inside a block, the steps beyond it repeat its last row.
    lengths : ndarray of shape (n_series,)
    missing : ndarray of shape (n_series, rollout.width), default=None
        Which values of ``history`` were missing.
    unmoved : ndarray of shape (n_series,), default=None
        As for :func:`roll_forward`.
    shrinkage : float, default=0.0
        As for :func:`roll_forward`.

    Returns
    -------
    ndarray of shape (n_series, max(lengths))
    """
    segments, first, offset = [], np.empty(len(lengths), dtype=np.intp), 0
    for s, future in enumerate(future_X):
        padding = np.repeat(future[-1:], -len(future) % rollout.block, axis=0)
        segments += [recent_X[s], future, padding]
        first[s] = offset
        offset += rollout.lookback + len(future) + len(padding)
    covariates = covariate_rows(np.concatenate(segments), rollout.block)
    return roll_forward(
        predict,
        rollout,
        history,
        covariates,
        first,
        lengths,
        missing,
        unmoved,
        shrinkage,
    )


def held_out_lengths(lengths: np.ndarray, fraction: float, block: int) -> np.ndarray:
    """The values at the end of each series that its held-out tail forecasts.

    Early stopping holds out the last ``ceil(fraction * (length - block))``
    windows of a series; their targets are its last values, as many.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._rollout import held_out_lengths
    >>> held_out_lengths(np.array([68, 30, 5]), 0.1, 8).tolist()
    [6, 3, 0]
    """
    windows = np.asarray(lengths) - block
    return np.maximum(np.ceil(fraction * windows), 0).astype(np.intp)


def calibration_fraction(
    lengths: np.ndarray,
    block: int,
    horizon: int,
    fraction: float,
    gaps: tuple[np.ndarray, np.ndarray] | None = None,
) -> float:
    """The share of windows to hold out so the tail calibrates ``horizon`` steps.

    The held-out tail of each series gives one forecast origin per window
    (:func:`held_out_moves`), so a tail of fewer than ``horizon`` windows
    calibrates fewer steps than the model forecasts, and ``predict_interval``
    refuses the rest. This grows ``fraction`` until the tails give, pooled
    over the series, the errors ``CALIBRATED_COVERAGE`` needs at step
    ``horizon`` (9 for 0.9), and returns the largest share that holds out
    those shortest tails, as long as every series keeps at least half of
    its windows to train on (with the direct strategy, beside the
    ``block - 1`` windows before its tail that do not train). Otherwise
    ``fraction`` stays as it is. An origin whose truth at step ``horizon``
    is missing (``gaps``) gives no error there, so it is not counted.

    Parameters
    ----------
    lengths : ndarray of shape (n_series,)
        The number of values of each series.
    block : int
        Steps forecast per window (``horizon`` for the direct strategy).
    horizon : int
        The steps to calibrate.
    fraction : float
        ``validation_fraction``: the least share to hold out.
    gaps : tuple of two ndarrays, default=None
        The missing values: the series of each (an index into ``lengths``)
        and its steps before its series' end (0 for the last value). None:
        no value is missing.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._rollout import calibration_fraction
    >>> lengths = np.full(10, 68)               # 10 series of 68 quarters
    >>> grown = calibration_fraction(lengths, 8, 8, 0.1)
    >>> round(grown, 3), int(np.ceil(grown * 60))  # 8 of 60 windows held out
    (0.133, 8)
    >>> calibration_fraction(np.full(10, 30), 8, 8, 0.1)  # too short to grow
    0.1
    >>> holed = calibration_fraction(np.array([80]), 6, 6, 0.1, gaps=([0], [4]))
    >>> int(np.ceil(holed * 74))                # 14 windows, one truth missing
    15
    """
    windows = np.maximum(lengths - block, 0)
    needed = fewest_errors(CALIBRATED_COVERAGE)
    gap_series, gap_steps = (
        (np.empty(0, dtype=np.intp),) * 2
        if gaps is None
        else (np.asarray(part, dtype=np.intp) for part in gaps)
    )

    def errors_at_horizon(share: float) -> int:
        origins = np.ceil(share * windows)
        # The origins with a truth at step `horizon` are the last
        # `origins - horizon + 1`; their truths, the series' last as many
        # values, of which the missing ones give no error.
        truths = np.maximum(origins - horizon + 1, 0)
        missed = np.count_nonzero(gap_steps < truths[gap_series])
        return int(truths.sum()) - missed

    # No tail is grown for one step, nor for a step no tail calibrates.
    if horizon <= 1 or horizon > MAX_CALIBRATED_STEPS:
        return fraction
    if errors_at_horizon(fraction) >= needed:
        return fraction
    low, high = fraction, 0.5
    if errors_at_horizon(high) < needed:
        return fraction
    for _ in range(50):  # the least share that gives the errors, from above
        middle = (low + high) / 2
        low, high = (
            (low, middle) if errors_at_horizon(middle) >= needed else (middle, high)
        )
    held_out = np.ceil(high * windows)
    if np.any(windows - held_out - (block - 1) < windows / 2):
        return fraction
    # The largest share with the same tails: a series whose windows start a
    # step later (relative windows) then holds out as many, not one fewer.
    trained = windows > 0
    return float(np.min(held_out[trained] / windows[trained]) * (1 - 1e-9))


@dataclass(frozen=True)
class HeldOutMoves:
    """The forecasts from every origin of the held-out tails, and their truths.

    Each is kept as its move from the origin's naive forecast (the origin's
    last value, in the units the network sees, with the drift known up to
    the origin put back), so that the errors of the forecasts with any
    shrinkage (:mod:`sklstm._shrinkage`) come without forecasting again.
    Row *i* is the *i*-th origin, column *h* ``h + 1`` steps ahead, NaN
    where the series ended first or the truth is missing.
    """

    #: The networks' forecasts minus the naive ones.
    predicted: np.ndarray
    #: The truths minus the naive forecasts.
    actual: np.ndarray
    #: The series of each origin, from 0.
    codes: np.ndarray
    #: Which origins were forecast flat by rule, without the networks
    #: (:func:`forecast_by_rule`).
    by_rule: np.ndarray
    #: Each origin's steps to its series' end, as a share of the series'
    #: tail (:func:`sklstm._error_growth.distance_shares`).
    distances: np.ndarray

    def errors(
        self, shrinkage: float = 0.0, scales: np.ndarray | None = None
    ) -> np.ndarray:
        """|forecast - truth| of the forecasts with ``shrinkage``, each divided
        by its series' interval scale (``scales``; None: 1)."""
        # In place on the one new table: the tails hold origins x steps.
        errors = shrunk_moves(self.predicted, shrinkage, self.by_rule)
        errors -= self.actual
        np.abs(errors, out=errors)
        if scales is not None:
            errors /= scales[self.codes][:, None]
        return errors

    def gains(self) -> np.ndarray:
        """Each series' change of its held-out error with each shrinkage
        (:func:`sklstm._shrinkage.series_gains`)."""
        return series_gains(self.predicted, self.actual, self.codes, self.by_rule)


def held_out_moves(
    predict,
    rollout: Rollout,
    z: np.ndarray,
    X: np.ndarray,
    panel: Panel,
    fraction,
    missing: np.ndarray | None = None,
    drifts: tuple | None = None,
) -> HeldOutMoves | None:
    """Forecasts from every origin of every series' held-out tail, and their truths.

    Each series' tail is the last ``ceil(fraction * (length - block))`` of
    its training windows, those early stopping held out; one origin per
    held-out window, so no truth a forecast is scored against was a
    training target. The origins of all series are forecast together,
    :data:`ORIGINS_PER_PASS` at a time.

    Parameters
    ----------
    z : ndarray of shape (n_rows,)
        The values in the units the network sees, grouped by series.
    X : ndarray of shape (n_rows, n_covariates)
        Their covariates, grouped the same way.
    missing : ndarray of bool of shape (n_rows,), default=None
        Which values of ``z`` were missing (filled): no truth is taken from
        them.
    drifts : tuple, default=None
        With each series' drift taken out (``TargetTransform.drift_steps``):
        each series' step when its values do not move (:func:`roll_forward`)
        and the fewest changes a drift is estimated from. Each forecast is
        then made and scored as if the drift had been estimated from the
        values up to its origin, taken out of its history and put back into
        its forecast: a drift drawn to the series' last value would know
        where the forecasts it scores end. None: no drift.

    Returns
    -------
    HeldOutMoves or None
        None if no series has an origin with a full history.
    """
    n_origins = held_out_lengths(panel.lengths, fraction, rollout.block)
    origins = [
        np.arange(length - 1 - n_origins[s], length - 1)
        for s, length in enumerate(panel.lengths)
    ]
    caps = np.minimum(MAX_CALIBRATED_STEPS, n_origins)
    parts = list(
        _forecast_moves(predict, rollout, (z, X, missing, drifts), panel, origins, caps)
    )
    if not parts:
        return None
    shape = (
        sum(len(part[0]) for part in parts),
        max(part[0].shape[1] for part in parts),
    )
    predicted, actual = np.full(shape, np.nan), np.full(shape, np.nan)
    start = 0
    for moved, truth, _, _ in parts:
        rows = slice(start, start + len(moved))
        predicted[rows, : moved.shape[1]] = moved
        actual[rows, : truth.shape[1]] = truth
        start += len(moved)
    codes = np.concatenate([part[2] for part in parts])
    return HeldOutMoves(
        predicted,
        actual,
        codes,
        np.concatenate([part[3] for part in parts]),
        distance_shares(codes, n_origins),
    )


def in_sample_errors(
    predict,
    rollout: Rollout,
    data: tuple,
    panel: Panel,
    fraction,
    shrinkage: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Each series' summed |forecast - truth| at each step, from its training origins.

    The origins :func:`held_out_moves` leaves out: those whose windows
    trained (a few of their last truths may lie in the tail). Each is
    forecast one block ahead (``rollout.block`` steps) with ``shrinkage``
    (:mod:`sklstm._shrinkage`): how well the forecasts fit each series. The
    errors are summed as they come, so memory grows with series x steps, not
    with origins x steps. ``data`` is ``(z, X, missing, drifts)``, as for
    :func:`held_out_moves`.

    Returns
    -------
    sums, counts : ndarray of shape (n_series, block)
        The summed errors of each series at each step ahead, and how many
        there were (a truth that is missing, or past the series' end, is
        not counted).
    """
    n_held_out = held_out_lengths(panel.lengths, fraction, rollout.block)
    origins = [
        np.arange(length - 1 - n_held_out[s]) for s, length in enumerate(panel.lengths)
    ]
    shape = (len(origins), rollout.block)
    sums, counts = np.zeros(shape), np.zeros(shape, dtype=np.intp)
    caps = np.full(len(origins), rollout.block)
    per_pass = min(ORIGINS_PER_PASS, VALUES_PER_PASS // rollout.block)
    for moved, truth, codes, by_rule in _forecast_moves(
        predict, rollout, data, panel, origins, caps, max(per_pass, 1)
    ):
        errors = np.abs(shrunk_moves(moved, shrinkage, by_rule) - truth)
        # A pass holds the origins of a few neighbouring series: summed over
        # those, its cost grows with the pass, not with the collection.
        low, span, width = codes.min(), codes.max() - codes.min() + 1, errors.shape[1]
        cells = ((codes - low)[:, None] * width + np.arange(width)).ravel()
        values = errors.ravel()
        observed = ~np.isnan(values)
        cells, values = cells[observed], values[observed]
        sums[low : low + span, :width] += np.bincount(
            cells, values, minlength=span * width
        ).reshape(span, width)
        counts[low : low + span, :width] += np.bincount(
            cells, minlength=span * width
        ).reshape(span, width)
    return sums, counts


def _forecast_moves(
    predict, rollout, data, panel, origins, caps, per_pass=ORIGINS_PER_PASS
):
    """Forecasts from the given ``origins`` of each series (rows within it),
    at most ``caps`` steps ahead, ``per_pass`` origins at a time: each time,
    their moves from the naive forecasts and the truths' (NaN where no
    truth is left to compare with, :class:`HeldOutMoves`), their series and
    which of them were forecast by rule (:func:`forecast_by_rule`). Origins
    without a full history are left out."""
    (z, X, missing, drifts), block, width = data, rollout.block, rollout.width
    segments, origin_rows, firsts, steps, codes, offset = [], [], [], [], [], 0
    for s, (start, length) in enumerate(zip(panel.starts, panel.lengths, strict=True)):
        kept = origins[s][origins[s] >= width - 1]
        padding = np.repeat(
            X[start + length - 1 : start + length], -(-caps[s] // block) * block, axis=0
        )
        segments += [X[start : start + length], padding]
        origin_rows.append(start + kept)
        codes.append(np.full(len(kept), s))
        firsts.append(offset + kept - rollout.lookback + 1)
        steps.append(np.minimum(length - 1 - kept, caps[s]))
        offset += length + len(padding)
    origin_rows, steps = np.concatenate(origin_rows), np.concatenate(steps)
    codes, firsts = np.concatenate(codes), np.concatenate(firsts)
    if not len(origin_rows):
        return
    covariates = covariate_rows(np.concatenate(segments), block)
    series = (z, z if missing is None else np.where(missing, np.nan, z))
    unmoved = honest = None
    if drifts is not None:
        unmoved = drifts[0][codes]
        honest = _drifts_up_to(z, missing, panel, origin_rows, codes, drifts)
    for start in range(0, len(origin_rows), per_pass):
        chunk = slice(start, start + per_pass)
        moved, truth, by_rule = _moves_from(
            predict,
            rollout,
            series,
            covariates,
            (origin_rows[chunk], firsts[chunk], steps[chunk]),
            missing,
            None if drifts is None else (unmoved[chunk], honest[chunk]),
        )
        yield moved, truth, codes[chunk], by_rule


def _drifts_up_to(z, missing, panel, origin_rows, codes, drifts) -> np.ndarray:
    """How much each origin's forecast moves per step, in the units the
    network sees, once its series' drift is estimated from the values up to
    the origin instead of all of them.

    With the drift taken out, the values' mean step from the series' first
    observed value to the origin is what that drift adds to the one taken
    out; with fewer changes than a drift needs, it would be 0, and its
    forecast loses the whole drift (its unmoved step).
    """
    unmoved, min_changes = drifts
    first = panel.starts
    if missing is not None:
        first = first + first_observed(missing, panel)
    first = first[codes]
    apart = origin_rows - first
    rise = z[origin_rows] - z[first]
    slope = np.divide(rise, apart, out=np.zeros(len(apart)), where=apart > 0)
    return np.where(apart >= max(min_changes, 1), slope, unmoved[codes])


def _moves_from(predict, rollout, series, covariates, origins, missing, drifts):
    """The moves of :class:`HeldOutMoves` from some of its origins, and
    which of them :func:`roll_forward` forecast by rule.

    ``series`` are the values the forecasts start from and those they are
    scored against (NaN where missing); ``origins`` are the origins' rows in
    them, the rows of ``covariates`` where their first windows start, and
    the steps to forecast from each; ``drifts`` each origin's step when its
    values do not move and what its drift up to it adds per step
    (:func:`_drifts_up_to`), or None without drifts.
    """
    (z, truth), (origin_rows, firsts, steps) = series, origins
    width = rollout.width
    history = sliding_window_view(z, width)[origin_rows - width + 1]
    flags = None
    if missing is not None:
        flags = sliding_window_view(missing, width)[origin_rows - width + 1]
    unmoved, honest = (None, None) if drifts is None else drifts
    if drifts is not None:
        # The networks see each history as a forecast from its origin would
        # have seen it: with the drift up to the origin taken out, not the
        # drift of the whole series (which knows where the series ends).
        history = history - honest[:, None] * np.arange(1 - width, 1)
        unmoved = unmoved - honest
    forecasts = roll_forward(
        predict, rollout, history, covariates, firsts, steps, flags, unmoved
    )
    ahead = np.arange(1, forecasts.shape[1] + 1)
    # The naive forecast: the last value, with the drift up to the origin
    # (which the forecasts get too).
    naive = history[:, -1:] + (0.0 if drifts is None else honest[:, None] * ahead)
    observed = ahead < steps[:, None] + 1
    truth = truth[np.where(observed, origin_rows[:, None] + ahead, 0)]
    by_rule = forecast_by_rule(history, covariates.shape[1], flags, unmoved)
    moved = np.where(observed, forecasts - history[:, -1:], np.nan)
    return moved, np.where(observed, truth - naive, np.nan), by_rule
