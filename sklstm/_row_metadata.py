"""What ``fit`` may receive per row beside X and y: series labels and weights.

``groups`` says which series each row belongs to (no lag window crosses from
one series into another); ``sample_weight`` scales each row's share of the
training loss. Both are checked here and turned into what training needs,
including which rows the early-stopping hold-out takes from each series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklstm._compat import _check_sample_weight


def check_groups(groups, n_rows: int) -> np.ndarray | None:
    """Check series labels: one per row, 1-D, none missing, of one comparable type.

    Parameters
    ----------
    groups : array-like of shape (n_rows,) or None
        The series each row belongs to.
    n_rows : int
        The number of rows of X.

    Returns
    -------
    ndarray of shape (n_rows,) or None
        The labels as an array, or None when no labels were given.

    Examples
    --------
    >>> from sklstm._row_metadata import check_groups
    >>> check_groups(["a", "a", "b"], n_rows=3).tolist()
    ['a', 'a', 'b']
    """
    if groups is None:
        return None
    labels = label_array(groups)
    if labels.ndim != 1:
        raise ValueError(
            f"groups must be 1-D, one series label per row of X; got an array of "
            f"shape {labels.shape}."
        )
    if len(labels) != n_rows:
        raise ValueError(
            f"groups has {len(labels)} labels, but X has {n_rows} rows. Pass one "
            "series label per row of X."
        )
    # Before sorting, where None among strings fails as a mix of types.
    missing = np.asarray(pd.isna(labels))
    if missing.any():
        raise ValueError(
            f"groups holds a missing label (NaN or None) at row "
            f"{int(np.flatnonzero(missing)[0])}. Give every row the label of "
            "its series."
        )
    try:  # sorting the distinct labels, not every row (unhashable ones fail)
        distinct = pd.unique(labels.ravel())
        if labels.dtype.kind == "O":
            _refuse_keys_missing_in_tuples(distinct)
        np.sort(distinct)
    except TypeError as error:
        raise ValueError(
            "groups must be labels of one comparable type (all numbers or all "
            f"strings); sorting them failed: {error}"
        ) from error
    # Only a mix can hold bools beside numbers: strings are not scanned twice.
    mixed = pd.api.types.infer_dtype(labels, skipna=False).startswith("mixed")
    if labels.dtype.kind == "O" and mixed:
        is_bool = np.array([isinstance(v, (bool, np.bool_)) for v in labels.tolist()])
        if is_bool.any() and not is_bool.all():
            other = labels[np.flatnonzero(~is_bool)[0]]
            raise ValueError(
                "groups mixes bool labels with numbers (for example "
                f"{labels[np.flatnonzero(is_bool)[0]]!r} and {other!r}); True "
                "equals 1 and False 0, so their series would be merged into one. "
                "Label the series of one kind (for example convert them with "
                "astype(str))."
            )
    return in_one_width(labels)


def _refuse_keys_missing_in_tuples(distinct: np.ndarray) -> None:
    """Refuse a label of several keys (a tuple, as a MultiIndex row gives)
    with a missing key: NaN equals no NaN, so its series could not be found
    again."""
    for label in distinct.tolist():
        if isinstance(label, tuple) and _holds_a_missing_key(label):
            raise ValueError(
                f"groups holds the label {label!r}, one of whose keys is missing "
                "(NaN or None). Give every row the keys of its series."
            )


def _holds_a_missing_key(keys: tuple) -> bool:
    """Whether ``keys``, or a tuple among them, holds NaN or None."""
    return any(
        _holds_a_missing_key(key)
        if isinstance(key, tuple)
        else pd.api.types.is_scalar(key) and pd.isna(key)
        for key in keys
    )


def label_array(groups) -> np.ndarray:
    """``groups`` as an array of the labels as given.

    NumPy reads a list that mixes numbers and strings (or bools) as strings
    (or numbers): ``[1, "1"]`` would become two rows of the series ``'1'``,
    ``[True, 1]`` two of the series 1, and NaN among strings the series
    ``'nan'``. Such a list is held as objects, so that its labels stay
    apart (and a missing one missing); so is a list of tuples, one label
    each, a MultiIndex, whose rows are tuples of keys, and a list of
    strings, which NumPy would hold at the width of the longest.

    Examples
    --------
    >>> from sklstm._row_metadata import label_array
    >>> label_array([1, "1"]).tolist(), label_array(["a", "b"]).dtype.kind
    ([1, '1'], 'O')
    """
    if isinstance(groups, pd.MultiIndex):  # each row's keys, as one tuple
        return groups.to_flat_index().to_numpy()
    if isinstance(groups, (list, tuple)) and pd.api.types.infer_dtype(
        groups, skipna=False
    ) in ("mixed", "mixed-integer"):
        if any(isinstance(label, (list, np.ndarray)) for label in groups):
            try:  # a list of lists is a table, which the 1-D check refuses
                return np.asarray(groups)
            except ValueError:  # ragged: labels that are lists, refused later
                pass
        # Also tuples (keys of several levels) and NaN among strings, which
        # NumPy would make a 2-D array and the string 'nan'.
        return pd.Index(list(groups), dtype=object, tupleize_cols=False).to_numpy()
    if isinstance(groups, (list, tuple)) and _whole_numbers(groups):
        # Ids beside a whole float (9.0): NumPy would hold them all as floats,
        # and ids beyond 2**53 would lose their last digits.
        groups = [int(label) for label in groups]
    if (
        isinstance(groups, (list, tuple))
        and pd.api.types.infer_dtype(groups, skipna=False) == "integer"
        and groups
        and not -(2**63) <= min(groups) <= max(groups) < 2**63
    ):
        # NumPy reads ints beyond int64 as floats, which lose their last
        # digits: hashed ids as uint64, other large ones as Python ints.
        unsigned = 0 <= min(groups) and max(groups) < 2**64
        return np.asarray(groups, dtype=np.uint64 if unsigned else object)
    if (
        isinstance(groups, (list, tuple))
        and pd.api.types.infer_dtype(groups, skipna=False) == "string"
    ):
        # As objects, as a column of strings is: NumPy would give every row
        # the width of the longest label (one long label, gigabytes).
        return np.asarray(groups, dtype=object)
    return np.asarray(groups)


def _whole_numbers(labels: list | tuple) -> bool:
    """Whether ``labels`` mix integers with floats that are whole numbers."""
    if pd.api.types.infer_dtype(labels, skipna=False) != "mixed-integer-float":
        return False
    floats = np.array([v for v in labels if isinstance(v, (float, np.floating))])
    return bool(np.isfinite(floats).all() and (floats == np.floor(floats)).all())


def holds_python_ints(labels: np.ndarray | None) -> bool:
    """Whether ``labels`` are integers held as Python ints: those no 64-bit
    type holds together (a negative id beside ids from 2**63 up).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._row_metadata import holds_python_ints
    >>> holds_python_ints(np.array([-1, 2**64 - 1], dtype=object))
    True
    >>> holds_python_ints(np.array([1, 2]))
    False
    """
    return (
        labels is not None
        and labels.dtype.kind == "O"
        and len(labels) > 0
        and all(isinstance(v, int) and not isinstance(v, bool) for v in labels)
    )


def in_one_width(labels: np.ndarray) -> np.ndarray:
    """Numeric labels held in one width: integers as int64 (as uint64 only
    when some lie beyond int64's range, as hashed ids do), floats as float64.

    The same label then compares equal however it was held (an int32 column
    at fit, a Python int at predict), and pandas can index it (it has no
    float16 index).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._row_metadata import in_one_width
    >>> in_one_width(np.array([1, 2], dtype=np.uint8)).dtype
    dtype('int64')
    >>> in_one_width(np.array([2**64 - 1], dtype=np.uint64)).dtype
    dtype('uint64')
    """
    kind = labels.dtype.kind
    if kind == "u" and labels.size and labels.max() > np.iinfo(np.int64).max:
        return labels.astype(np.uint64, copy=False)
    if kind in "iu":
        return labels.astype(np.int64, copy=False)
    if kind == "f":
        return labels.astype(np.float64, copy=False)
    return labels


def check_sample_weight(sample_weight, X: np.ndarray) -> np.ndarray | None:
    """Check sample weights and scale them to average 1.

    Weights that are all equal are the unweighted loss exactly, so they come
    back as None and training takes the unweighted path.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        Non-negative weights, one per row (or per 3-D sequence).
    X : ndarray
        The validated training input.

    Returns
    -------
    ndarray of shape (n_samples,) or None
        Weights with mean 1, or None for no or uniform weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._row_metadata import check_sample_weight
    >>> check_sample_weight([1, 3], np.zeros((2, 1))).tolist()
    [0.5, 1.5]
    >>> check_sample_weight([2, 2], np.zeros((2, 1))) is None
    True
    """
    if sample_weight is None:
        return None
    weights = _check_sample_weight(
        sample_weight, X, dtype=np.float64, ensure_non_negative=True
    )
    if np.all(weights == weights[0]):
        return None
    weights = weights / weights.max()  # first: the sum of weights near 1e308 overflows
    return weights / weights.mean()


def target_weights(
    targets: np.ndarray, sample_weight: np.ndarray | None, held_out: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """Targets with missing ones (NaN) set to 0, and the weight of each target.

    Without missing targets, the weights are ``sample_weight`` (one per row,
    or None). With them, every target gets its own weight: its row's, or 0
    where it is missing, so that it never counts in the loss; the weights
    then have the shape of ``targets`` and average 1.

    Raises
    ------
    ValueError
        If every target of the rows not ``held_out`` is missing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._row_metadata import target_weights
    >>> targets, weights = target_weights(
    ...     np.array([[1.0], [np.nan], [3.0]]), None, np.zeros(3, dtype=bool)
    ... )
    >>> targets.ravel().tolist(), weights.ravel().tolist()
    ([1.0, 0.0, 3.0], [1.5, 0.0, 1.5])
    """
    missing = np.isnan(targets)
    if not missing.any():
        return targets, per_target_weights(None, sample_weight, held_out)
    weights = per_target_weights(missing, sample_weight, held_out)
    return np.where(missing, 0.0, targets).astype(targets.dtype), weights


def per_target_weights(
    missing: np.ndarray | None, sample_weight: np.ndarray | None, held_out: np.ndarray
) -> np.ndarray | None:
    """The weights of :func:`target_weights`, from which targets are ``missing``.

    ``missing`` is None when no target is.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._row_metadata import per_target_weights
    >>> missing = np.array([[False], [True]])
    >>> per_target_weights(missing, None, np.zeros(2, dtype=bool)).tolist()
    [[2.0], [0.0]]
    """
    if missing is None:
        return None if sample_weight is None else sample_weight.astype(np.float32)
    rows = np.ones(len(missing)) if sample_weight is None else sample_weight
    trains = (rows[:, None] > 0) & ~missing
    if not trains[~held_out].any():
        raise ValueError(
            "Every target of the rows left to train on is missing (NaN) or has "
            "weight 0 (early stopping holds out the last validation_fraction of "
            "the rows). Pass rows with observed targets, or set "
            "early_stopping=False."
        )
    del trains
    weights = rows[:, None] * ~missing  # one table, scaled in place
    weights /= weights.mean()
    return weights.astype(np.float32)


def series_tails(groups: np.ndarray | None, n_samples: int, fraction: float):
    """The samples that early stopping holds out: the last rows of each series.

    Time order is kept within every series: each one gives up its last
    ``ceil(fraction * length)`` rows, never a shuffled or oldest part.

    Parameters
    ----------
    groups : ndarray of shape (n_samples,) or None
        Series labels; None means one series.
    n_samples : int
        The number of samples.
    fraction : float
        The share of each series to hold out, in (0, 1).

    Returns
    -------
    ndarray of bool of shape (n_samples,)
        True for the held-out samples.

    Examples
    --------
    >>> from sklstm._row_metadata import series_tails
    >>> series_tails(None, 4, 0.5).tolist()
    [False, False, True, True]
    >>> series_tails(["a", "b", "a", "b"], 4, 0.5).tolist()
    [False, False, True, True]
    """
    rank, tail_start = _ranks_and_tails(groups, n_samples, fraction)
    return rank >= tail_start


def reaching_into_tails(
    groups: np.ndarray | None, n_samples: int, fraction: float, reach: int
) -> np.ndarray:
    """The samples whose targets reach into the held-out tail of their series.

    A sample whose target is the next ``reach + 1`` values (a direct
    multi-step forecast) shares target values with the first held-out
    samples when it sits less than ``reach`` samples before the tail that
    :func:`series_tails` holds out. Trained on, it would leak the held-out
    values into training, and early stopping would keep improving while the
    network memorises them; these samples are left out of training (weight
    0), as ``TimeSeriesSplit(gap=...)`` leaves a gap between its folds.

    Parameters
    ----------
    groups : ndarray of shape (n_samples,) or None
        Series labels; None means one series.
    n_samples : int
        The number of samples.
    fraction : float
        The share of each series held out, as for :func:`series_tails`.
    reach : int
        How many samples before the tail overlap it: the target steps minus 1.

    Returns
    -------
    ndarray of bool of shape (n_samples,)
        True for the ``reach`` samples just before each series' tail.

    Examples
    --------
    >>> from sklstm._row_metadata import reaching_into_tails
    >>> reaching_into_tails(None, 10, 0.2, 3).tolist()
    [False, False, False, False, False, True, True, True, False, False]
    """
    rank, tail_start = _ranks_and_tails(groups, n_samples, fraction)
    return (rank >= tail_start - reach) & (rank < tail_start)


def _ranks_and_tails(groups, n_samples: int, fraction: float):
    """Each sample's step within its series, and where its series' tail starts.

    The tail is the last ``ceil(fraction * length)`` samples of each series.
    """
    if groups is None:
        codes = np.zeros(n_samples, dtype=np.intp)
    else:
        _, codes = np.unique(np.asarray(groups), return_inverse=True)
        codes = codes.ravel()
    lengths = np.bincount(codes)
    order = np.argsort(codes, kind="stable")
    first_of_series = np.cumsum(lengths) - lengths
    rank = np.empty(n_samples, dtype=np.intp)
    rank[order] = np.arange(n_samples) - first_of_series[codes[order]]
    n_held_out = np.ceil(fraction * lengths).astype(np.intp)
    return rank, (lengths - n_held_out)[codes]
