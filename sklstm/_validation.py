"""Input validation for the estimators: 2-D tables, 3-D sequences, float32 range.

Validation never changes a fitted estimator: during ``fit`` it runs against a
scratch copy, so a refused refit leaves the old model predicting as before.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, check_X_y
from sklearn.utils.validation import validate_data

from sklstm._compat import InvalidParameterError
from sklstm._plain import python_scalar
from sklstm._targets import DirectTargets

FLOAT32_SMALLEST_NORMAL = float(np.finfo(np.float32).tiny)
FLOAT32_MAX = float(np.finfo(np.float32).max)
_FLOAT_DTYPES = (np.float64, np.float32)
_SHAPES = "2-D (n_rows, n_features) or 3-D (n_samples, steps, n_features)"


def input_ndim(X) -> int:
    """The number of dimensions of ``X`` without converting a DataFrame."""
    ndim = getattr(X, "ndim", None)
    if ndim is None:
        try:
            ndim = np.asarray(X).ndim
        except (ValueError, TypeError):  # ragged nested lists: let sklearn explain
            ndim = 2
    return int(ndim)


def bools_posing_as_numbers(params: dict, constraints: dict) -> list[str]:
    """The parameters set to True or False whose constraints take no bool.

    A bool is a number to Python, so scikit-learn's ``Interval`` constraints
    take True for 1 and False for 0: ``shrinkage=True`` (meant as "on")
    would forecast the naive forecast, ``n_networks=True`` train one network.

    Examples
    --------
    >>> from sklstm._validation import bools_posing_as_numbers
    >>> constraints = {"size": ["int"], "drift": ["boolean"], "verbose": ["verbose"]}
    >>> params = {"size": True, "drift": True, "verbose": False}
    >>> bools_posing_as_numbers(params, constraints)
    ['size']
    """
    return sorted(
        name
        for name, value in params.items()
        if isinstance(value, (bool, np.bool_))
        and not {"boolean", "verbose"} & set(map(str, constraints.get(name, ())))
    )


def refuse_bools_posing_as_numbers(estimator: BaseEstimator) -> None:
    """Refuse, at ``fit``, True or False for a parameter that takes no bool.

    Raises
    ------
    InvalidParameterError
        Naming the parameters, and saying to pass a number.
    """
    posing = bools_posing_as_numbers(
        estimator.get_params(deep=False), estimator._parameter_constraints
    )
    if posing:
        values = ", ".join(f"{name}={getattr(estimator, name)!r}" for name in posing)
        raise InvalidParameterError(
            f"{type(estimator).__name__} got {values}, but "
            f"{'that parameter takes' if len(posing) == 1 else 'those parameters take'}"
            " a number or a string, not True or False (Python would read them "
            "as 1 and 0). Pass the number you mean."
        )


def validate_fit_data(
    estimator: BaseEstimator, X, y, *, reset: bool
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Check X and y for ``fit`` and return them with the attributes to set.

    Returns
    -------
    X : ndarray of shape (n_rows, n_features) or (n_samples, steps, n_features)
    y : ndarray of shape (n_rows, n_outputs)
        Always 2-D; ``attributes["_y_was_1d"]`` says how to shape predictions.
    attributes : dict
        ``n_features_in_`` and, for pandas input, ``feature_names_in_``: what
        the estimator takes on once the fit succeeds.
    """
    if isinstance(y, DirectTargets):  # a forecaster's, checked as its series
        placeholder = np.zeros(len(y))  # one value a sample, for the checks of X
        X, _, attributes = validate_fit_data(estimator, X, placeholder, reset=reset)
        attributes["_y_was_1d"] = False
        check_float32_range(y.extremes(), "y")
        return X, y, attributes
    ndim = check_dimensions(X)
    y = nullable_as_floats(y)
    check_numeric_target(y)
    y, missing = without_missing_targets(y)
    if ndim == 3:
        with numeric_input("X"):
            X, y = check_X_y(
                X,
                y,
                allow_nd=True,
                dtype=_FLOAT_DTYPES,
                multi_output=True,
                y_numeric=True,
                estimator=estimator,
            )
        check_sequence_extent(X)
        attributes = {"n_features_in_": X.shape[2], "feature_names_in_": None}
        if not reset:
            check_sequence_shape(estimator, X)
    else:
        X, y, attributes = validate_on_copy(estimator, _check_table, X, y, reset=reset)
    y = np.asarray(y)
    if y.dtype.kind in "biu":  # bool or integer targets: regression on their values
        y = y.astype(np.float64)
    if y.ndim > 2:
        raise ValueError(
            f"y must be 1-D or 2-D; got an array with {y.ndim} dimensions."
        )
    attributes["_y_was_1d"] = y.ndim == 1
    y = with_missing_targets(y, missing).reshape(len(y), -1)
    check_float32_range(X, "X")
    check_float32_range(y, "y")
    return X, y, attributes


def nullable_as_floats(y):
    """``y`` with its pandas nullable numbers (Float64, Int64, boolean) as
    float64, ``pd.NA`` as NaN: a missing target, as in a Series.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._validation import nullable_as_floats
    >>> y = pd.DataFrame({"a": [1.0, None], "b": [1.0, 2.0]}).astype("Float64")
    >>> nullable_as_floats(y).dtypes.tolist()
    [dtype('float64'), dtype('float64')]
    """

    def nullable(dtype) -> bool:
        return pd.api.types.is_extension_array_dtype(dtype) and (
            pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        )

    if isinstance(y, pd.Series) and nullable(y.dtype):
        return y.astype(np.float64)
    if isinstance(y, pd.DataFrame) and any(map(nullable, y.dtypes)):
        return y.apply(
            lambda column: (
                column.astype(np.float64) if nullable(column.dtype) else column
            )
        )
    return y


def without_missing_targets(
    y, all_missing_allowed: bool = False
) -> tuple[object, np.ndarray | None]:
    """``y`` with its missing values (NaN) set to 0 for scikit-learn's checks.

    A missing target is not trained on (its loss weight is 0), so it may be
    NaN; infinity stays an error. Returns the values and where they were
    missing (None when nothing is), or ``y`` unchanged when it is not numeric
    (scikit-learn's checks then say what is wrong).

    Raises
    ------
    ValueError
        If a column of ``y`` holds no observed value at all, unless
        ``all_missing_allowed`` (new observations of known series, all of
        them missing).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._validation import without_missing_targets
    >>> values, missing = without_missing_targets([1.0, np.nan, 3.0])
    >>> values.tolist(), missing.tolist()
    ([1.0, 0.0, 3.0], [False, True, False])
    """
    try:
        values = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return y, None
    if values.ndim == 0:  # not a sequence: scikit-learn's checks say so
        return y, None
    missing = np.isnan(values)
    if not missing.any():
        return y, None
    empty = missing.reshape(len(values), -1).all(axis=0) if len(values) else []
    if np.any(empty) and not all_missing_allowed:
        column = "" if values.ndim == 1 else f" column {int(np.argmax(empty))} of"
        raise ValueError(
            f"Every value of{column} y is missing (NaN): there is nothing to "
            "learn from. Pass the observed values; missing ones may be NaN."
        )
    return np.where(missing, 0.0, values), missing


def refuse_none_covariates(X, n_rows: str) -> None:
    """Refuse ``X=None``, saying how to give a series without covariates.

    ``n_rows`` says how many rows X should have (for the message).

    Examples
    --------
    >>> from sklstm._validation import refuse_none_covariates
    >>> try:
    ...     refuse_none_covariates(None, "len(y)")
    ... except ValueError as error:
    ...     print(str(error).split(":")[0])
    X is None
    """
    if X is None:
        raise ValueError(
            "X is None: a forecaster reads the covariates of each step from X. "
            f"For a series without covariates pass X with zero columns: "
            f"np.empty(({n_rows}, 0)), or a DataFrame with only an index."
        )


def refuse_missing_covariates(X) -> None:
    """Refuse covariates with missing values (NaN), naming their columns.

    A forecast reads the covariates of the steps it forecasts as known in
    advance (calendars, prices, plans): a missing one has no past to be
    filled from at the step forecast, and filling it with a guess would
    hide that. So they must be complete, unlike the series.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm._validation import refuse_missing_covariates
    >>> try:
    ...     refuse_missing_covariates(pd.DataFrame({"price": [1.0, np.nan]}))
    ... except ValueError as error:
    ...     print(str(error).split(":")[0])
    X (the covariates) holds missing values (NaN) in the column(s) ['price']
    """
    if isinstance(X, pd.DataFrame):
        # pd.NA of nullable columns (Float64, Int64) is missing too; it
        # cannot be read as a float, so ask pandas what is missing.
        missing = X.isna().to_numpy()
        if missing.ndim != 2 or not missing.size:
            return
    else:
        try:
            values = np.asarray(zero_column_frames_as_arrays(X), dtype=np.float64)
        except (TypeError, ValueError):
            return  # text or ragged: scikit-learn's checks say what is wrong
        if values.ndim != 2 or not values.size:
            return
        missing = np.isnan(values)
    if not missing.any():
        return
    columns = np.flatnonzero(missing.any(axis=0))
    names = getattr(X, "columns", None)
    named = [names[c] if names is not None else int(c) for c in columns[:5]]
    empty = [named[i] for i, c in enumerate(columns[:5]) if missing[:, c].all()]
    entirely = f" ({empty} entirely)" if empty else ""
    raise ValueError(
        f"X (the covariates) holds missing values (NaN) in the column(s) "
        f"{named}{entirely}: covariates are read as known at every step, also "
        "at the steps forecast, so they must be complete (only y may have "
        "missing values). Fill them (for example with X.ffill() per series, "
        "or a value that means 'unknown' and a column that flags it), or drop "
        "the column(s)."
    )


def with_missing_targets(y: np.ndarray, missing: np.ndarray | None) -> np.ndarray:
    """``y`` (validated) with NaN put back where :func:`without_missing_targets`
    found it."""
    if missing is None:
        return y
    y = np.array(y, dtype=np.float64)
    y[missing.reshape(y.shape)] = np.nan
    return y


def validate_on_copy(
    estimator: BaseEstimator, check: Callable, X, y, *, reset: bool
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Run ``check(scratch, X, y, reset=reset)`` on a shallow copy of ``estimator``.

    scikit-learn's ``validate_data`` sets ``n_features_in_`` and
    ``feature_names_in_`` on the estimator it checks; on a copy, a refused
    fit leaves the fitted estimator as it was.

    Returns
    -------
    X, y : ndarray
        What ``check`` returned.
    attributes : dict
        ``n_features_in_`` and ``feature_names_in_`` (None when X had no
        column names): what the estimator adopts once the fit succeeds, in
        one step with its other fitted attributes
        (:func:`sklstm._publishing.publish_fitted_state`).
    """
    scratch = copy.copy(estimator)
    X, y = check(scratch, X, y, reset=reset)
    attributes = {
        "n_features_in_": scratch.n_features_in_,
        "feature_names_in_": getattr(scratch, "feature_names_in_", None),
    }
    return X, y, attributes


def _check_table(
    estimator: BaseEstimator, X, y, *, reset: bool
) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's checks of a 2-D table and its targets, for ``fit``."""
    with numeric_input("X"):
        return validate_data(
            estimator,
            X,
            y,
            reset=reset,
            dtype=_FLOAT_DTYPES,
            multi_output=True,
            y_numeric=True,
            ensure_min_samples=1,
        )


def validate_predict_data(estimator: BaseEstimator, X) -> np.ndarray:
    """Check X for ``predict`` against what the estimator was fitted on."""
    with numeric_input("X"):
        if check_dimensions(X) == 3:
            X = check_array(
                X,
                allow_nd=True,
                dtype=_FLOAT_DTYPES,
                estimator=estimator,
                input_name="X",
            )
            check_sequence_shape(estimator, X)
        else:
            X = validate_data(estimator, X, reset=False, dtype=_FLOAT_DTYPES)
    check_float32_range(X, "X", tiny=False)
    return X


def check_dimensions(X) -> int:
    """X must be 2-D or 3-D (1-D and scalars are left to scikit-learn's advice)."""
    ndim = input_ndim(X)
    if ndim > 3:
        raise ValueError(
            f"X must be {_SHAPES}; got an array with {ndim} dimensions. Reshape "
            "it, for example to (n_samples, steps, n_features)."
        )
    return ndim


def check_numeric_target(y) -> None:
    """y must hold numbers: sklstm estimators are regressors."""
    try:
        values = np.asarray(y)
    except (TypeError, ValueError):  # ragged nested lists: let sklearn explain
        return
    if values.dtype.kind == "c":
        raise ValueError(_complex_message("y"))
    if values.dtype.kind not in "USO":
        return
    if values.dtype.kind == "O":
        try:
            values.astype(np.float64)
        except (TypeError, ValueError):
            pass
        else:
            return
    example = next(
        (v for v in values.ravel() if not isinstance(v, (int, float, np.number))),
        None,
    )
    if isinstance(example, np.generic):
        example = example.item()
    raise ValueError(
        f"y must be numeric: sklstm estimators are regressors, but y holds "
        f"non-numeric values such as {example!r} (dtype {values.dtype}). Convert "
        "y to numbers, for example with np.asarray(y, dtype=float) or an encoder "
        "for class labels."
    )


@contextlib.contextmanager
def numeric_input(name: str) -> Iterator[None]:
    """Re-raise text and complex-number conversion errors with what to do."""
    try:
        yield
    except ValueError as error:
        message = str(error)
        if message.startswith("could not convert"):
            raise ValueError(
                f"{name} must be numeric, but it holds text: {message}. Encode "
                "text or categorical columns as numbers first, for example with "
                "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder in a "
                "Pipeline."
            ) from error
        if message.startswith("Complex data not supported"):
            raise ValueError(_complex_message(name)) from None
        raise
    except TypeError as error:  # numpy's DTypePromotionError is a TypeError
        message = str(error).lower()
        if not any(word in message for word in ("datetime", "timedelta", "timestamp")):
            raise
        raise ValueError(
            f"{name} must be numeric, but it holds dates or times. sklstm reads "
            "the rows in time order and needs no time column: drop it (keep the "
            "dates as the DataFrame's index), or turn it into numeric features "
            "such as the day of the week or the hour."
        ) from error


def _complex_message(name: str) -> str:
    # Starts with scikit-learn's own words, which its estimator checks expect.
    return (
        f"Complex data not supported: {name} holds complex numbers, but sklstm "
        f"needs real numbers. Pass the real and imaginary parts as separate "
        f"columns (np.real({name}), np.imag({name})), or the magnitude "
        f"np.abs({name})."
    )


def check_sequence_extent(X: np.ndarray) -> None:
    """3-D training input needs at least one step and one feature."""
    if X.shape[1] == 0 or X.shape[2] == 0:
        raise ValueError(
            f"3-D X must have at least one step and one feature per sequence; got "
            f"shape {X.shape}. Pass X of shape (n_samples, steps, n_features) with "
            "steps >= 1 and n_features >= 1."
        )


def check_sequence_shape(estimator: BaseEstimator, X: np.ndarray) -> None:
    """3-D input must match the fitted window length and feature count."""
    name = type(estimator).__name__
    if X.shape[2] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[2]} features, but {name} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    if X.shape[1] != estimator.window_length_:
        raise ValueError(
            f"X has sequences of {X.shape[1]} steps, but {name} was fitted on "
            f"windows of {estimator.window_length_} steps. Pass sequences of "
            f"{estimator.window_length_} steps, or 2-D rows to be windowed."
        )


def check_standardised_range(
    X: np.ndarray,
    mean: np.ndarray,
    scale: np.ndarray,
    feature_names=None,
    *,
    continuing: str | None = None,
    name: str = "X column {}",
    squared: bool = False,
    n_summed: int | None = None,
) -> None:
    """Refuse X that float32 cannot hold once standardised by the fitted scale.

    ``predict`` standardises X by the statistics fitted (in float64) before
    the network reads it in float32: a value far beyond the fitted range
    overflows there, though float32 holds the value itself, and the
    prediction would come out NaN. Reads only each feature's extremes (over
    the last axis of 2-D or 3-D X), without a copy.

    A fit that continues training (``continuing`` names it, such as
    ``"partial_fit"``) standardises X by the scale of the first fit too: the
    overflow would make its loss NaN, which is no fault of the learning
    rate, so the refusal says what was wrong and how to start afresh.

    Targets (``squared``) are held to less: the loss squares them,
    standardised, and sums the squares of a batch in float32, so targets
    whose squares, as many as X holds, float32 cannot hold make the loss
    inf. A forecaster reads its series' values as it would train on them:
    it cannot forecast from one it could not be trained on.

    Parameters
    ----------
    X : ndarray of shape (n_rows, n_features) or (n_samples, steps, n_features)
        The values to standardise.
    mean, scale : float or ndarray of shape (n_features,)
        The fitted statistics X is standardised by.
    feature_names : array-like, default=None
        The names of X's columns, to name the refused one by (None: by its
        index).
    continuing : str, default=None
        The call that trains on X with the fitted scale; None for a
        prediction.
    name : str, default="X column {}"
        What the refusal calls the column, its feature name (quoted) or its
        index put in place of ``{}``: ``"y"`` names the target of one
        output, ``"y column {}"`` each of several.
    squared : bool, default=False
        Whether X holds targets, the sum of whose squares must fit in
        float32.
    n_summed : int, default=None
        With ``squared``, how many squared errors the loss may sum, each up
        to four times a target's square (None: as many as X has rows; X may
        hold only each column's extremes).

    Raises
    ------
    ValueError
        If a value of X, standardised, is beyond what float32 can hold (or,
        with ``squared``, four times its square times ``n_summed`` is).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._validation import check_standardised_range
    >>> X = np.array([[1.0, -1e36]])
    >>> check_standardised_range(X, np.zeros(2), np.ones(2))
    >>> try:
    ...     check_standardised_range(X, np.zeros(2), np.array([1.0, 1e-3]))
    ... except ValueError as error:
    ...     print(str(error).split(",")[0])
    X column 1 holds -1e+36
    >>> try:
    ...     check_standardised_range(np.array([[1e20]]), 0.0, 1.0, squared=True)
    ... except ValueError as error:
    ...     print(str(error).split("; ")[0].split(", ")[-1].split(" is ")[0])
    whose squared error (up to 4 times its square)
    """
    if not X.size:
        return
    mean = np.broadcast_to(mean, X.shape[-1:])
    scale = np.broadcast_to(scale, X.shape[-1:])
    n_rows = X.size // X.shape[-1] if n_summed is None else max(n_summed, 1)
    # A batch sums at most every target's squared error, and an error can be
    # twice the target (a prediction of the other sign): held under
    # float32's limit.
    limit = np.sqrt(FLOAT32_MAX / (4 * n_rows)) if squared else FLOAT32_MAX
    rows = tuple(range(X.ndim - 1))
    for extremes in (np.fmin.reduce(X, axis=rows), np.fmax.reduce(X, axis=rows)):
        standardised = (extremes - mean) / scale
        beyond = np.flatnonzero(np.abs(standardised) > limit)
        if not len(beyond):
            continue
        column = int(beyond[0])
        label = str(column)
        if feature_names is not None:
            label = repr(python_scalar(feature_names[column]))
        value = standardised[column]
        summed = f", {n_rows} summed in the loss" if n_rows > 1 else ""
        whose = (
            ""
            if abs(value) > FLOAT32_MAX
            else f"whose squared error (up to 4 times its square{summed}) is "
        )
        raise ValueError(
            f"{name.format(label)} holds {extremes[column]:.3g}, which "
            f"standardising by the fitted scale (mean {mean[column]:.3g}, "
            f"standard deviation {scale[column]:.3g}) makes {value:.3g}, "
            f"{whose}beyond what float32 can hold ({FLOAT32_MAX:.3g}); "
            + _what_the_overflow_spoils(continuing, squared)
        )


def _what_the_overflow_spoils(continuing: str | None, squared: bool = False) -> str:
    """The end of :func:`check_standardised_range`'s refusal: what the
    overflow would spoil, and what to do instead."""
    if continuing is None and squared:
        return (
            "a fit could not train the networks on such a value (their loss "
            "squares it, in float32 on every device), and forecasts from it "
            "would be meaningless, if not inf or NaN. Pass values of the size "
            "the model was fitted on, or refit on data that holds such values."
        )
    if continuing is None:
        return (
            "sklstm predicts in float32 on every device, so the prediction "
            "would be NaN. Pass values of the size the model was fitted on, or "
            "refit on data that holds such values."
        )
    return (
        f"{continuing} keeps the scale of the first fit and trains in float32 "
        "on every device, so the loss would be NaN. Pass values of the size "
        "the model was fitted on, or call fit with warm_start=False to "
        "standardise by data that holds such values."
    )


def check_float32_range(values: np.ndarray, name: str, *, tiny: bool = True) -> None:
    """sklstm trains in float32: refuse values that float32 cannot hold, and
    (with ``tiny``) columns so small that float32 cannot tell their values
    apart (given as float32 too: their subnormal values lose the same
    differences). Missing values (NaN) are passed over.

    ``predict`` leaves ``tiny`` out: it standardises X by the scale fitted,
    in float64, before float32 reads it, so small values lose nothing there.
    """
    if values.size and values.dtype.kind == "f":
        columns = values.reshape(len(values), -1)
        # The largest size in each column, without a copy of the values;
        # fmin and fmax pass over NaN (NaN only for a column of NaN).
        sizes = np.maximum(
            -np.fmin.reduce(columns, axis=0), np.fmax.reduce(columns, axis=0)
        )
        largest = float(np.fmax.reduce(sizes))
        if largest > FLOAT32_MAX:
            raise ValueError(
                f"{name} contains values as large as {largest:.3g}, beyond what "
                f"float32 can hold ({FLOAT32_MAX:.3g}); sklstm trains in float32 "
                f"on every device. Rescale {name} (for example divide by a "
                "constant or take logarithms), and fit on the rescaled data."
            )
        small = np.flatnonzero((sizes > 0) & (sizes < FLOAT32_SMALLEST_NORMAL))
        if tiny and len(small):
            where = f" (column {int(small[0])})" if columns.shape[1] > 1 else ""
            raise ValueError(
                f"Every value of {name}{where} is as small as {sizes[small[0]]:.3g} "
                "or smaller, below float32's smallest normal number "
                f"({FLOAT32_SMALLEST_NORMAL:.3g}), where float32 loses their "
                "differences; sklstm trains in float32 on every device. Rescale "
                f"{name} (for example multiply it by a power of ten) before "
                "fitting."
            )


def refuse_series_float32_cannot_resolve(series: list[np.ndarray], labels) -> None:
    """Refuse a series of y whose every value is below float32's smallest
    normal number, naming it (beside larger series, the check of y as a
    whole lets it through, and its scaling cannot be undone in float32).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._validation import refuse_series_float32_cannot_resolve
    >>> try:
    ...     refuse_series_float32_cannot_resolve(
    ...         [np.array([1.0, 2.0]), np.array([1e-200, 2e-200])], ["a", "b"]
    ...     )
    ... except ValueError as error:
    ...     print(str(error).split(" or smaller")[0])
    Every value of series 'b' in y is as small as 2e-200
    """
    for values, label in zip(series, labels, strict=True):
        size = np.fmax.reduce(np.abs(values)) if len(values) else 0.0
        if 0 < size < FLOAT32_SMALLEST_NORMAL:
            raise ValueError(
                f"Every value of series {python_scalar(label)!r} in y is as small "
                f"as {size:.3g} or smaller, below float32's smallest normal number "
                f"({FLOAT32_SMALLEST_NORMAL:.3g}), where float32 loses their "
                "differences; sklstm trains in float32 on every device. Rescale "
                "that series (for example multiply it by a power of ten), or "
                "forecast it apart."
            )


def zero_column_frames_as_arrays(X):
    """A DataFrame without columns as an empty array of the same length.

    scikit-learn's validation cannot convert a column-less DataFrame; for a
    forecaster it is the natural way to pass "no covariates, these dates".

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._validation import zero_column_frames_as_arrays
    >>> zero_column_frames_as_arrays(pd.DataFrame(index=range(3))).shape
    (3, 0)
    """
    if isinstance(X, pd.DataFrame) and X.shape[1] == 0:
        return np.empty((len(X), 0))
    return X


def validate_series(
    estimator: BaseEstimator, X, y, *, reset: bool, all_missing_allowed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Check covariates (possibly zero columns) and a 1-D series of equal length.

    The series may have missing values (NaN), not all of them unless
    ``all_missing_allowed`` (``update`` checks that each series has an
    observed value, before or among the new ones).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm import LSTMForecaster
    >>> from sklstm._validation import validate_series
    >>> X, y = validate_series(
    ...     LSTMForecaster(), pd.DataFrame(index=range(3)), [1, 2, 3], reset=True
    ... )
    >>> X.shape, y.tolist()
    ((3, 0), [1.0, 2.0, 3.0])
    """
    refuse_none_covariates(X, "len(y)")
    check_numeric_target(y)
    y, missing = without_missing_targets(y, all_missing_allowed)
    refuse_missing_covariates(X)
    with numeric_input("X"):
        X, y = validate_data(
            estimator,
            zero_column_frames_as_arrays(X),
            y,
            reset=reset,
            dtype=np.float64,
            y_numeric=True,
            ensure_min_features=0,
        )
    check_float32_range(X, "X")
    check_float32_range(y, "y")
    return X, with_missing_targets(y.astype(np.float64), missing)
