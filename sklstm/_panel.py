"""Many series stacked in one table: which series each row is, and where it sits.

``LSTMForecaster`` receives the rows of a collection of series in one table,
told apart by ``groups`` (one series is a collection of one). This module
groups the rows by series, keeping each series' time order, and finds known
series among new labels. Everything here is vectorised over rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sklstm._row_metadata import check_groups, holds_python_ints, in_one_width


@dataclass(frozen=True)
class Panel:
    """Rows of many series: which series each row is, and where it sits.

    Attributes
    ----------
    labels : ndarray of shape (n_series,)
        The series labels, sorted.
    codes : ndarray of shape (n_rows,)
        The series of each row, as an index into ``labels``.
    order : ndarray of shape (n_rows,)
        The rows grouped by series (in the order of ``labels``), each series
        in its original row order.
    starts, lengths : ndarray of shape (n_series,)
        Where each series begins in ``order``, and its number of rows.
    """

    labels: np.ndarray
    codes: np.ndarray
    order: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @property
    def sorted_codes(self) -> np.ndarray:
        """The series of each row, in ``order``."""
        return self.codes[self.order]

    @property
    def steps_from_end(self) -> np.ndarray:
        """Each row's step (in ``order``) from the step after its series' end.

        The last row of a series is at -1, the first at ``-length``.
        """
        return self.position - self.lengths[self.sorted_codes]

    @property
    def position(self) -> np.ndarray:
        """The step of each row (in ``order``) within its series, from 0."""
        return np.arange(len(self.order)) - self.starts[self.sorted_codes]

    @property
    def row_position(self) -> np.ndarray:
        """The step of each row within its series, in the rows' own order.

        Examples
        --------
        >>> from sklstm._panel import panel_of
        >>> panel_of(["b", "a", "b"], 3).row_position.tolist()
        [0, 0, 1]
        """
        step = np.empty(len(self.order), dtype=np.intp)
        step[self.order] = self.position
        return step


def panel_of(groups, n_rows: int) -> Panel:
    """Group ``n_rows`` rows by their series label.

    Parameters
    ----------
    groups : array-like of shape (n_rows,)
        The series of each row.
    n_rows : int
        The number of rows of X (and y).

    Returns
    -------
    Panel

    Examples
    --------
    >>> from sklstm._panel import panel_of
    >>> panel = panel_of(["b", "a", "b"], 3)
    >>> panel.labels.tolist(), panel.order.tolist(), panel.lengths.tolist()
    (['a', 'b'], [1, 0, 2], [1, 2])
    """
    labels = check_groups(groups, n_rows)  # refuses missing labels too
    unique, codes = sorted_codes(labels)
    order = np.argsort(codes, kind="stable")
    lengths = np.bincount(codes, minlength=len(unique))
    starts = np.cumsum(lengths) - lengths
    return Panel(unique, codes, order, starts, lengths)


def sorted_codes(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(labels, return_inverse=True)``, by hashing the labels.

    Only the distinct labels are sorted: on millions of rows labelled by
    strings, sorting every row took seconds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import sorted_codes
    >>> unique, codes = sorted_codes(np.array(["b", "a", "b"]))
    >>> unique.tolist(), codes.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    codes, unique = pd.factorize(labels)
    unique = np.asarray(unique, dtype=labels.dtype)
    order = np.argsort(unique, kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return unique[order], rank[codes]


def locate_series(known: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Index of each of ``labels`` in the sorted ``known`` labels; -1 if unknown.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import locate_series
    >>> locate_series(np.array(["a", "c"]), np.array(["c", "b"])).tolist()
    [1, -1]
    """
    known = in_one_width(known)
    labels, holdable = _as_integers_of(known, in_one_width(labels))
    if len(labels) and {label_kind(known), label_kind(labels)} == {"bool", "number"}:
        # NumPy finds True at 1: a bool names no series numbered 1.
        return np.full(len(labels), -1, dtype=np.intp)
    try:
        found = np.searchsorted(known, labels)
    except TypeError:  # labels of another type than those seen in fit
        return np.full(len(labels), -1, dtype=np.intp)
    found = np.minimum(found, len(known) - 1)
    return np.where((known[found] == labels) & holdable, found, -1)


def _as_integers_of(known: np.ndarray, labels: np.ndarray):
    """``labels`` in the integer type of ``known`` where one is int64 and the
    other uint64 (NumPy compares the two as float64, whose 53 bits merge ids
    beyond 2**53), and which of them that type holds; else ``labels`` as they
    are, and True. Both are held in one width (:func:`in_one_width`)."""
    if {known.dtype, labels.dtype} != {np.dtype(np.int64), np.dtype(np.uint64)}:
        return labels, True
    if known.dtype == np.uint64:
        holdable = labels >= 0
    else:
        holdable = labels <= np.iinfo(np.int64).max
    return np.where(holdable, labels, 0).astype(known.dtype), holdable


def _refuse_fractional(added: np.ndarray, known: np.ndarray, whole) -> None:
    """Refuse new labels that are not whole numbers (``whole``) beside
    integer labels: held together as floats, they would lose digits."""
    if not np.all(whole):
        raise ValueError(
            f"The new series {_first(added[~np.asarray(whole)])} are labelled by "
            "numbers that are not integers, but this forecaster's series by "
            f"integers ({_first(known)}): held together as floats, "
            "integer labels beyond 2**53 would lose their last digits. "
            "Label the new series by integers."
        )


def joined_labels(known: np.ndarray, added: np.ndarray) -> np.ndarray:
    """The ``known`` series labels followed by the ``added`` ones, in one array
    that still tells every series apart.

    Integer labels stay integers: added labels that are whole numbers
    (``3.0``) join as integers, and fractional ones are refused, since held
    as floats, integers beyond 2**53 would lose their last digits and two
    series could become one.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import joined_labels
    >>> joined_labels(np.array([2**60 + 1]), np.array([3.0])).tolist()
    [1152921504606846977, 3]
    """
    known, added = in_one_width(known), in_one_width(added)
    _refuse_another_representation(known, added)
    if {known.dtype, added.dtype} == {np.dtype(np.int64), np.dtype(np.uint64)}:
        # No 64-bit type holds negative integers beside ones from 2**63 up:
        # they are held as Python ints, as fit holds such labels.
        mixed = (known < 0).any() or (added < 0).any()
        held = object if mixed else np.uint64
        known, added = known.astype(held), added.astype(held)
    if holds_python_ints(known) and added.dtype.kind in "iuf":
        # As Python ints too: a whole float (9.0) among them is the id 9.
        _refuse_fractional(added, known, np.isfinite(added) & (added == added // 1))
        added = np.array([int(label) for label in added], dtype=object)
    if known.dtype.kind in "iu" and added.dtype.kind == "f":
        bounds = np.iinfo(known.dtype)
        whole = (
            np.isfinite(added)
            & (added == np.round(added))
            & (added >= bounds.min)
            & (added < bounds.max)
        )
        _refuse_fractional(added, known, whole)
        added = added.astype(known.dtype)
    labels = np.concatenate([known, added])
    if len(pd.unique(labels)) < len(labels):
        raise ValueError(
            f"The new series {_first(added)} could not be told apart from "
            f"this forecaster's series ({_first(known)}) once held together "
            f"as {labels.dtype}. Label the new series as in fit (for example "
            "convert the labels with astype)."
        )
    try:  # Timestamps beside datetime.date objects, say, do not compare
        np.sort(labels)
    except TypeError as error:
        raise ValueError(
            f"The new series {_first(added)} cannot be ordered among this "
            f"forecaster's series ({_first(known)}): {str(error).rstrip('.')}. "
            "Label the new series by values of the type fitted."
        ) from error
    return labels


def _refuse_another_representation(known: np.ndarray, added: np.ndarray) -> None:
    """Refuse dates (or durations) held as NumPy values on one side and as
    Python objects (pandas Timestamps, ``datetime.date``) on the other: held
    in one array they no longer sort, and no label of one equals one of the
    other."""
    kinds = {known.dtype.kind, added.dtype.kind}
    if len(kinds) == 2 and "O" in kinds and kinds & set("mM"):
        raise ValueError(
            f"The new series {_first(added)} are labelled by {added.dtype} "
            f"values, but this forecaster's series by {known.dtype} ones "
            f"({_first(known)}): the same kind of labels held two ways. Give groups "
            "of the fitted type (for example pd.to_datetime(groups).to_numpy() "
            "for datetime64, or an array of dtype object for Timestamps)."
        )


def label_kind(labels: np.ndarray) -> str:
    """``'number'``, ``'bool'``, ``'string'``, ``'date'`` or ``'duration'``:
    the kind of series labels.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._panel import label_kind
    >>> label_kind(np.array([3, 1])), label_kind(np.array(["a"], dtype=object))
    ('number', 'string')
    >>> label_kind(np.array(["2020-01-01"], dtype="datetime64[D]"))
    'date'
    """
    if labels.dtype.kind == "O":
        values = labels.tolist()
        for kind, types in _OBJECT_KINDS:
            if all(isinstance(value, types) for value in values):
                return kind
        return "number"
    return _NUMPY_KINDS.get(labels.dtype.kind, "number")


#: The kinds of labels held as Python objects, tried in turn (a bool is an
#: int, and a datetime a date).
_OBJECT_KINDS = (
    ("string", str),
    ("bool", (bool, np.bool_)),
    ("date", (datetime.date, np.datetime64)),
    ("duration", (datetime.timedelta, np.timedelta64)),
)
_NUMPY_KINDS = {"b": "bool", "U": "string", "S": "string", "M": "date", "m": "duration"}


def refuse_labels_of_another_kind(known: np.ndarray, labels: np.ndarray) -> None:
    """Refuse series labels of another kind than the ``known`` ones.

    Held in one array with the known labels, they would turn them into their
    kind (the series 0 becoming ``'0'``, twice over), and the fitted series
    could no longer be found by their own labels.
    """
    fitted, given = label_kind(known), label_kind(labels)
    if fitted != given:
        raise ValueError(
            f"groups holds {given} labels ({_first(labels)}), but this "
            f"forecaster's series are labelled by {fitted}s "
            f"({_first(known)}; a forecaster fitted without groups labels "
            "its series 0). Label the series as in fit (for example convert "
            "the labels with astype), so each one is found again."
        )


def _first(labels: np.ndarray) -> list:
    """The first three labels as a user wrote them: through pandas, dates show
    as dates (NumPy's ``.tolist()`` of a datetime64 in ns gives integers)."""
    return pd.Index(labels[:3]).tolist()
