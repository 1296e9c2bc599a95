"""R² of the estimators' ``score``, over the targets that are observed.

``fit`` takes NaN in ``y`` for a missing target and gives it no weight,
output by output; ``score`` leaves it out the same way, so that a test set
with holes scores the values it has, rather than failing in scikit-learn's
checks.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_consistent_length

from sklstm._validation import nullable_as_floats


def r2_of_observed(y_true, y_pred, sample_weight=None) -> float:
    """R² of ``y_pred`` against the observed (non-NaN) values of ``y_true``.

    Without missing values this is :func:`sklearn.metrics.r2_score`. With
    them, each output's R² is computed on the rows where its truth is
    observed (with those rows' ``sample_weight``), and the outputs' R² are
    averaged uniformly, as ``r2_score`` averages them.

    Parameters
    ----------
    y_true : array-like of shape (n_rows,) or (n_rows, n_outputs)
        The true targets; NaN (or ``pd.NA`` in pandas nullable columns)
        where missing.
    y_pred : array-like of shape (n_rows,) or (n_rows, n_outputs)
        The predictions.
    sample_weight : array-like of shape (n_rows,), default=None
        Weights of the rows.

    Returns
    -------
    score : float

    Raises
    ------
    ValueError
        If every value of ``y_true`` (or of one of its outputs) is missing:
        there is nothing to score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._scoring import r2_of_observed
    >>> r2_of_observed([1.0, np.nan, 3.0, 5.0], [1.0, 100.0, 3.0, 5.0])
    1.0
    """
    # As fit reads them: pd.NA of nullable columns is a missing target.
    y_true = nullable_as_floats(y_true)
    try:
        truth = np.asarray(y_true, dtype=np.float64)
    except (TypeError, ValueError):
        truth = None  # not numeric: scikit-learn's checks say what is wrong
    if truth is None or truth.ndim not in (1, 2) or not np.isnan(truth).any():
        return float(r2_score(y_true, y_pred, sample_weight=sample_weight))
    predicted = np.asarray(y_pred, dtype=np.float64)
    check_consistent_length(truth, predicted, sample_weight)
    truth = truth.reshape(len(truth), -1)
    predicted = predicted.reshape(len(predicted), -1)
    if truth.shape[1] != predicted.shape[1]:
        raise ValueError(
            f"y has {truth.shape[1]} output(s) but the predictions have "
            f"{predicted.shape[1]}."
        )
    observed = ~np.isnan(truth)
    empty = np.flatnonzero(~observed.any(axis=0))
    if len(empty):
        which = "y" if truth.shape[1] == 1 else f"column {int(empty[0])} of y"
        raise ValueError(
            f"Every value of {which} is missing (NaN): there is nothing to "
            "score. Rows whose truth is NaN are left out of R², so pass rows "
            "with observed targets (for several outputs, at least one observed "
            "value of each)."
        )
    weights = None if sample_weight is None else np.asarray(sample_weight)
    scores = [
        r2_score(
            truth[rows, output],
            predicted[rows, output],
            sample_weight=None if weights is None else weights[rows],
        )
        for output, rows in enumerate(observed.T)
    ]
    return float(np.mean(scores))
