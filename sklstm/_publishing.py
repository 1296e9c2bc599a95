"""Publish a fit's results in one step, as other threads see the estimator.

A ``predict`` running in another thread reads the fitted state once (a
shallow copy of the estimator's ``__dict__``), so a fit that replaces the
whole state with one ``dict.update`` is seen as the old model or the new
one, never a mix of the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from sklearn.base import BaseEstimator


def publish_fitted_state(
    estimator: BaseEstimator, fitted: dict, *, stale: Iterable[str] = ()
) -> None:
    """Replace the fitted state of ``estimator`` with ``fitted`` in one step.

    The old values stay referenced until the update is done, so that no
    object is freed (and no Python code runs) in the middle of it. Then a
    ``feature_names_in_`` of None (the new data had no column names) and the
    ``stale`` attributes, which only an earlier fit of another kind set, are
    removed.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator whose fit ends.
    fitted : dict
        Its new fitted attributes, by name.
    stale : iterable of str, default=()
        Attributes to remove if an earlier fit left them.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklstm._publishing import publish_fitted_state
    >>> model = Ridge()
    >>> model.feature_names_in_ = "old names"
    >>> publish_fitted_state(model, {"n_features_in_": 2, "feature_names_in_": None})
    >>> model.n_features_in_, hasattr(model, "feature_names_in_")
    (2, False)
    """
    state = vars(estimator)
    previous = dict(state)
    no_names = "feature_names_in_" in fitted and fitted["feature_names_in_"] is None
    published = dict(fitted)
    if no_names:
        del published["feature_names_in_"]
    state.update(published)
    if no_names:
        state.pop("feature_names_in_", None)
    for name in stale:
        state.pop(name, None)
    del previous
