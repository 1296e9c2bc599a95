"""Forecast accuracy per series: the mean absolute scaled error (MASE).

``LSTMForecaster.score`` is R² pooled over all rows, in the units of ``y``:
large series weigh more. Forecasting competitions (M4, the Monash archive)
and ``benchmarks/global_accuracy.py`` score a collection by the mean over
series of the MASE: each series' mean absolute error divided by the
in-sample mean absolute error of the seasonal naive forecast on its own
history, so every series counts the same whatever its scale.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn import get_config
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import MetadataRequest, get_routing_for_object

from sklstm._forecaster import LSTMForecaster
from sklstm._long_format import (
    check_time_order,
    is_long_format,
    long_format_series,
    time_level,
)
from sklstm._pipeline import final_estimator, through_steps_before_final
from sklstm._plain import python_scalar
from sklstm._row_metadata import label_array
from sklstm._time_index import time_index, with_missing_steps

__all__ = ["make_mase_scorer", "mean_absolute_scaled_error"]


def mean_absolute_scaled_error(
    y_true,
    y_pred,
    *,
    y_train,
    groups=None,
    train_groups=None,
    season_length: int = 1,
) -> float:
    """Mean over series of the MAE scaled by the in-sample seasonal naive MAE.

    For each series *s* of ``y_true``: ``mean |y_true - y_pred|`` over its
    rows, divided by ``mean |y_t - y_(t - m)|`` over its history in
    ``y_train`` (``m = season_length``; the error of forecasting each value
    by the one a season before). The result is the mean of these ratios:
    each series weighs the same. Below 1 beats the in-sample seasonal
    naive forecast.

    Parameters
    ----------
    y_true : array-like of shape (n_rows,)
        The true values of the forecast steps.
    y_pred : array-like of shape (n_rows,)
        Their forecasts.
    y_train : array-like of shape (n_train,) or mapping
        The history each series' scale comes from, in time order: one
        series when ``groups`` is None; with ``groups``, either values
        labelled by ``train_groups``, a mapping ``{label: values}``, or a
        pandas Series whose index (its first level) holds the labels. On
        dates (or the times of the long format), a time a series skips on
        its regular grid is a missing value, as the forecaster reads it.
    groups : array-like of shape (n_rows,), default=None
        The series of each row of ``y_true``; None is one series, unless
        ``y_true`` is in long format (a pandas Series on a ``(series,
        time)`` MultiIndex), whose first level names them.
    train_groups : array-like of shape (n_train,), default=None
        The series of each value of ``y_train``, matched with ``groups`` by
        label.
    season_length : int, default=1
        ``m``: 1 scales by the naive (random walk) forecast, 12 by the
        seasonal naive of monthly data, 4 of quarterly data.

    Returns
    -------
    float
        The mean MASE over the series of ``y_true``; lower is better.

    Raises
    ------
    ValueError
        If a series of ``y_true`` has no history in ``y_train``, a history
        of ``season_length`` values or fewer, or a history that never
        changes over a season (its scale is 0).

    Notes
    -----
    Missing values (NaN) are left out, as the forecasters' ``score`` leaves
    them out: a NaN in ``y_true`` has no error, a series whose truths are
    all NaN is left out of the mean, and a NaN in ``y_train`` leaves out the
    differences it is part of.

    Examples
    --------
    >>> from sklstm.metrics import mean_absolute_scaled_error
    >>> history = [1.0, 3.0, 2.0, 4.0]        # naive MAE: (2 + 1 + 2) / 3
    >>> round(mean_absolute_scaled_error([5.0, 6.0], [4.0, 6.0],
    ...                                  y_train=history), 3)   # 0.5 / (5/3)
    0.3
    >>> mean_absolute_scaled_error(
    ...     [10.0, 1.0], [12.0, 1.5], groups=["a", "b"],
    ...     y_train={"a": [0.0, 4.0, 8.0], "b": [1.0, 2.0]})  # (2/4 + 0.5/1) / 2
    0.5
    """
    _check_season_length(season_length)
    y_true, y_train = _one_column(y_true), _one_column(y_train)
    y_true_given, y_true = y_true, _as_values(y_true, "y_true")
    y_pred = _as_values(y_pred, "y_pred", missing=False)
    if len(y_pred) != len(y_true):
        raise ValueError(
            f"y_true and y_pred must have the same length; got {len(y_true)} "
            f"and {len(y_pred)}."
        )
    if groups is None:  # long-format y_true names the series of its rows
        groups = long_format_series(y_true_given)
    labels, codes = _series_of(groups, len(y_true), "groups")
    histories = _histories(y_train, train_groups, groups is None)
    errors = np.abs(y_true - y_pred)
    observed = ~np.isnan(errors)  # a missing truth scores nothing
    # Summed per series in one pass: a mask per series would cost series x rows.
    totals = np.bincount(codes[observed], errors[observed], minlength=len(labels))
    counts = np.bincount(codes[observed], minlength=len(labels))
    scaled = [
        totals[s] / counts[s] / _naive_scale(histories, label, season_length)
        for s, label in enumerate(labels)
        if counts[s]
    ]
    if not scaled:
        raise ValueError("y_true holds no observed value (all are NaN) to score.")
    return float(np.mean(scaled))


def make_mase_scorer(y_train, *, train_groups=None, season_length: int = 1):
    """A scorer of the mean MASE, for ``cross_validate`` and searches.

    A scorer sees the fitted model and the test rows, not the rows the
    model trained on, so the scale of each series comes from the history
    given here: pass the whole collection you cross-validate on (``y``
    and its ``groups``). Each series is then scaled by the seasonal naive
    MAE of all its values, the same scale in every fold, so the folds'
    scores are comparable; unlike a single train/test split scored with
    :func:`mean_absolute_scaled_error` (M4's convention: the training part
    only), the scale includes the values of the test folds. The model never
    sees them: only the yardstick does.

    As scikit-learn's error scorers do, it returns the negated error
    (greater is better): ``-mean_absolute_scaled_error``.

    With metadata routing enabled (``sklearn.set_config(
    enable_metadata_routing=True)``), the scorer asks for ``groups``, so
    ``cross_validate(..., params={"groups": groups})`` passes each fold's
    test groups to it, and it passes them to the ``predict`` of the
    estimator that predicts, where that estimator requests them (a
    forecaster of many series does); a scikit-learn baseline predicts
    without them, and the series still scale its error. Data in the long
    format (on a ``(series, time)`` MultiIndex) names its series itself:
    the scorer reads them from the index and needs no routing. Otherwise,
    without routing, it scores one series.

    The scorer forecasts what ``score`` would: it finds the forecaster
    behind searches (their best estimator) and Pipelines (whose steps it
    runs on X), and gives it its rows on the index of X, else of ``y``,
    when they name each row's series and time (the long format, or dates),
    so rows after a gap are forecast at their own dates.

    Parameters
    ----------
    y_train : array-like or mapping
        The history each series' scale comes from, as in
        :func:`mean_absolute_scaled_error`.
    train_groups : array-like, default=None
        The series of each value of ``y_train``.
    season_length : int, default=1
        ``m`` of the seasonal naive scale.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y, groups=None)``, a scikit-learn scorer.

    Examples
    --------
    >>> import numpy as np
    >>> import sklearn
    >>> from sklearn.model_selection import cross_validate
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.metrics import make_mase_scorer
    >>> from sklstm.model_selection import MultiSeriesSplit
    >>> groups = np.repeat(["a", "b"], 40)
    >>> y = np.sin(np.arange(80) / 3) * np.where(groups == "a", 1, 10)
    >>> X = np.empty((80, 0))
    >>> scorer = make_mase_scorer(y, train_groups=groups)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scores = cross_validate(
    ...         LSTMForecaster(lookback=4, max_iter=3, n_networks=1,
    ...                        random_state=0),
    ...         X, y, cv=MultiSeriesSplit(n_splits=2, horizon=3),
    ...         scoring=scorer, params={"groups": groups})
    >>> bool((scores["test_score"] < 0).all())
    True
    """
    _check_season_length(season_length)
    _histories(y_train, train_groups, one_series=False)  # refuse bad input now
    return _MASEScorer(y_train, train_groups, season_length)


class _MASEScorer:
    """``-mean_absolute_scaled_error`` of ``estimator.predict(X, groups=groups)``.

    A scikit-learn scorer (``scorer(estimator, X, y, **metadata)``) that
    asks for ``groups`` under metadata routing and gives them to ``predict``
    as well as to the metric: scikit-learn's ``make_scorer`` would route
    them to the metric only, and a forecaster of many series cannot predict
    without them.
    """

    def __init__(self, y_train, train_groups, season_length: int) -> None:
        _refuse_rows_out_of_time_order(y_train)  # before any fold is fitted
        self.y_train = y_train
        self.train_groups = train_groups
        self.season_length = season_length

    def __call__(self, estimator, X, y_true, groups=None) -> float:
        y_true = _one_column(y_true)
        X = _in_the_rows_order_of(y_true, X)
        predictor, rows, searched = _predictor_and_rows(estimator, X, y_true)
        # Without routing a search neither fits nor predicts with groups.
        reach = _routing_enabled() or not searched
        by_series = _predict_keywords(predictor, groups if reach else None)
        y_pred = predictor.predict(rows, **by_series)
        _refuse_other_rows(y_true, X)
        if groups is None:  # long-format data names its series itself
            groups = long_format_series(y_true)
            if groups is None:
                groups = long_format_series(X)
        return -mean_absolute_scaled_error(
            y_true,
            y_pred,
            y_train=self.y_train,
            train_groups=self.train_groups,
            groups=groups,
            season_length=self.season_length,
        )

    def get_metadata_routing(self) -> MetadataRequest:
        """Ask for ``groups`` wherever the scorer is called (``score``)."""
        request = MetadataRequest(owner=type(self).__name__)
        request.score.add_request(param="groups", alias=True)
        return request

    def __repr__(self) -> str:
        return f"make_mase_scorer(season_length={self.season_length})"


def _predictor_and_rows(estimator, X, y_true):
    """The estimator that predicts, the rows to give it, and whether a
    search was on the way, as ``predict`` and ``score`` would: through
    searches (their best estimator) and Pipelines (their steps run on X
    here), down to the last estimator.

    A forecaster then gets its rows on the index of X, else of ``y_true``,
    when they name times (the long format, or dates): a Pipeline's steps
    would drop the index that says each row's series and time. Dates of X
    and ``y_true`` must agree, as ``score`` requires.
    """
    model, rows, searched = estimator, X, False
    while hasattr(model, "best_estimator_") or isinstance(model, Pipeline):
        if isinstance(model, Pipeline):  # its steps, then its last one
            rows = through_steps_before_final(model, rows)
            model = final_estimator(model)
        else:  # a fitted search predicts with its best estimator
            model, searched = model.best_estimator_, True
    if not isinstance(model, LSTMForecaster):
        return model, rows, searched
    time_index(X, y_true)  # refuses X and y_true dated differently
    for source in (X, y_true):
        if _carries_times(source) and not _carries_times(rows):
            rows = _on_the_index_of(source, rows)
    return model, rows, searched


def _predict_keywords(predictor, groups) -> dict:
    """``groups`` for the ``predict`` of ``predictor``, as scikit-learn would
    hand them: under metadata routing where it requests them (a forecaster
    does by default); without routing where its ``predict``, or that of the
    model a TransformedTargetRegressor forwards to, names them (a
    forecaster, an ``LSTMRegressor``). Others (a scikit-learn baseline)
    predict without them; the series still scale the error."""
    if groups is None:
        return {}
    if not _routing_enabled():
        return {"groups": groups} if _forwarded_to_a_taker(predictor) else {}
    try:
        request = get_routing_for_object(predictor)
    except NotImplementedError:  # no routing of its own: it takes none
        return {}
    if request.consumes("predict", {"groups"}):
        return {"groups": groups}
    asked = getattr(getattr(request, "predict", None), "requests", {})
    if "groups" in asked and asked["groups"] is None:
        # As scikit-learn refuses metadata a consumer neither requests nor
        # declines: predicted with or without them, the score differs.
        raise ValueError(
            f"The scorer received groups, which {type(predictor).__name__}"
            ".predict neither requests nor declines. Call "
            "set_predict_request(groups=True) on it to predict each series "
            "apart, or groups=False to predict without them."
        )
    return {}


def _forwarded_to_a_taker(predictor) -> bool:
    """Without routing, whether ``predict(X, groups=...)`` reaches a
    ``predict`` that names them: Pipelines and TransformedTargetRegressors
    forward keywords to their model, other estimators take only their own."""
    model = predictor
    while isinstance(model, (Pipeline, TransformedTargetRegressor)):
        model = (
            final_estimator(model) if isinstance(model, Pipeline) else model.regressor_
        )
    return "groups" in inspect.signature(model.predict).parameters


def _routing_enabled() -> bool:
    return bool(get_config().get("enable_metadata_routing", False))


def _one_column(y):
    """A one-column DataFrame (or array) of values as its column, as ``fit``
    and ``score`` take it; anything else as it is."""
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        return y.iloc[:, 0]
    if isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    return y


def _in_the_rows_order_of(y_true, X):
    """Long-format X in the order of the rows of a long-format ``y_true``,
    as ``score`` aligns them (each series' rows are then in time order); X
    as it is otherwise, or when it holds other rows."""
    if long_format_series(X) is None or long_format_series(y_true) is None:
        return X
    if X.index.equals(y_true.index) or not X.index.is_unique:
        return X
    at = X.index.get_indexer(y_true.index)
    return X if len(X) != len(y_true) or (at < 0).any() else X.iloc[at]


def _carries_times(data) -> bool:
    """Whether ``data`` names its rows' times: the long format, or dates."""
    index = getattr(data, "index", None)
    return isinstance(index, (pd.MultiIndex, pd.DatetimeIndex, pd.PeriodIndex))


def _on_the_index_of(source, rows):
    """``rows`` on the index of ``source`` (as many rows), else as they are."""
    if len(rows) != len(source):
        return rows
    if isinstance(rows, pd.DataFrame):
        return rows.set_axis(source.index)
    return pd.DataFrame(np.asarray(rows), index=source.index)


def _refuse_other_rows(y_true, X) -> None:
    """Refuse long-format X and ``y_true`` that hold different rows: X is
    put in ``y_true``'s order before the forecast (:func:`_in_the_rows_order_of`)
    where they hold the same, so its forecasts pair with the truths."""
    if long_format_series(X) is None or long_format_series(y_true) is None:
        return
    if not X.index.equals(y_true.index):
        raise ValueError(
            "X and y_true are in the long format but hold different rows: give "
            "them the same (series, time) index, in any order."
        )


def _check_season_length(season_length) -> None:
    if (
        not isinstance(season_length, Integral)
        or isinstance(season_length, bool)
        or season_length < 1
    ):
        raise ValueError(
            f"season_length must be a positive integer (1 for the naive scale, "
            f"12 for monthly seasons, ...); got {season_length!r}."
        )


def _as_values(values, name: str, missing: bool = True) -> np.ndarray:
    """``values`` as a 1-D float array; NaN (a missing value) only if ``missing``."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or not len(array):
        raise ValueError(
            f"{name} must be a non-empty 1-D array of values; got shape {array.shape}."
        )
    if np.isinf(array).any() or (not missing and np.isnan(array).any()):
        what = "infinite values" if missing else "NaN or infinite values"
        raise ValueError(f"{name} holds {what}; drop those rows.")
    return array


def _series_of(groups, n_rows: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The distinct labels of ``groups`` and each row's index among them."""
    if groups is None:
        return np.array([None], dtype=object), np.zeros(n_rows, dtype=np.intp)
    groups = label_array(groups)
    if groups.shape != (n_rows,):
        raise ValueError(
            f"{name} must hold one label per value ({n_rows}); got shape "
            f"{groups.shape}."
        )
    # Labels of mixed types (1 and "a") are distinct series, as in groups=
    # of the estimators; a missing one names no series.
    codes, labels = pd.factorize(groups)
    if (codes < 0).any():
        raise ValueError(
            f"{name} holds a missing label (None or NaN) at row "
            f"{int(np.flatnonzero(codes < 0)[0])}: every value must name its "
            "series. Fill the labels, or drop those rows."
        )
    return np.asarray(labels, dtype=object), codes


def _histories(y_train, train_groups, one_series: bool) -> dict:
    """Each series' history, by label (the key None for a single series)."""
    if isinstance(y_train, Mapping):
        return {
            label: _as_values(_with_skipped_steps_missing(v, None)[0], "y_train")
            for label, v in y_train.items()
        }
    _refuse_rows_out_of_time_order(y_train)
    y_train, train_groups = _with_skipped_steps_missing(y_train, train_groups)
    if train_groups is None and isinstance(y_train, pd.Series) and not one_series:
        return {
            label: _as_values(part, "y_train")
            for label, part in y_train.groupby(level=0, sort=False)
        }
    values = _as_values(y_train, "y_train")
    if train_groups is None:
        series = long_format_series(y_train)
        if series is not None and len(pd.unique(series)) > 1:
            raise ValueError(
                "y_train is in long format, with several series, but y_true "
                "is one series: pass groups= (the series of y_true's rows), "
                "or y_true in long format too."
            )
        return {None: values}
    labels, codes = _series_of(train_groups, len(values), "train_groups")
    # Grouped by one stable sort, each series' rows kept in their order.
    order = np.argsort(codes, kind="stable")
    parts = np.split(
        values[order], np.cumsum(np.bincount(codes, minlength=len(labels)))[:-1]
    )
    return dict(zip(labels, parts, strict=True))


def _with_skipped_steps_missing(y_train, train_groups):
    """``y_train`` with a missing value at each time its series skip on their
    regular grid, as the forecaster reads them: a season before is then a
    season of time before, not so many rows."""
    if not isinstance(y_train, pd.Series):
        return y_train, train_groups
    if not is_long_format(y_train):
        empty = np.empty((len(y_train), 0))
        _, y_train, train_groups = with_missing_steps(empty, y_train, train_groups)
        return y_train, train_groups
    if y_train.index.nlevels != 2:
        return y_train, train_groups
    # train_groups, when given, name the series; the index's last level the times.
    series = y_train.index.get_level_values(0) if train_groups is None else train_groups
    times = pd.Series(y_train.to_numpy(), index=time_level(y_train.index))
    _, y, series = with_missing_steps(
        np.empty((len(times), 0)), times, np.asarray(series), integer_time=True
    )
    if train_groups is not None:
        return y, series
    index = pd.MultiIndex.from_arrays([series, y.index], names=y_train.index.names)
    return pd.Series(y.to_numpy(), index=index), None


def _refuse_rows_out_of_time_order(y_train) -> None:
    """Refuse long-format ``y_train`` whose rows do not rise in time: seasonal
    differences are taken in the order given, as the forecaster reads them."""
    if isinstance(y_train, pd.Series) and isinstance(y_train.index, pd.MultiIndex):
        index = y_train.index
        try:
            check_time_order(index.droplevel(list(range(1, index.nlevels - 1))))
        except ValueError as error:
            raise ValueError(f"y_train: {error}") from None


def _naive_scale(histories: dict, label, season_length: int) -> float:
    """The in-sample seasonal naive MAE of one series' history; refuse bad ones."""
    if label not in histories:
        if label is None or None in histories:
            raise ValueError(
                "y_train holds several series and y_true one, or the other way "
                "round: pass groups= (the series of y_true's rows) and label "
                "y_train's values the same way (train_groups= or a mapping)."
            )
        raise ValueError(
            f"The series {python_scalar(label)!r} of y_true has no history in "
            f"y_train, which holds {len(histories)} series; the scale of a series "
            "comes from its own history. Give its history, or drop its rows."
        )
    history = histories[label]
    name = "the series" if label is None else f"the series {python_scalar(label)!r}"
    if len(history) <= season_length:
        raise ValueError(
            f"{name} has {len(history)} value(s) in y_train; the seasonal naive "
            f"scale with season_length={season_length} needs at least "
            f"{season_length + 1}. Give a longer history or a smaller "
            "season_length."
        )
    changes = np.abs(history[season_length:] - history[:-season_length])
    changes = changes[~np.isnan(changes)]  # a missing value makes no change
    if not len(changes):
        raise ValueError(
            f"{name} has no two observed values a season apart in y_train "
            f"(season_length={season_length}), so it has no scale. Give a "
            "longer history, or drop its rows."
        )
    scale = np.mean(changes)
    if scale == 0:
        raise ValueError(
            f"{name} never changes over a season in y_train (its seasonal naive "
            f"MAE with season_length={season_length} is 0), so its MASE is "
            "undefined. Score it with another metric, or drop its rows."
        )
    return float(scale)
