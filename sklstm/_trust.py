"""The types a safe loader must trust to rebuild an sklstm model: sklstm's own.

``skops.io`` (and MLflow, which stores scikit-learn models with skops by
default) refuses to rebuild any type it was not told to trust. An sklstm
estimator pickles to plain arrays and builtins (see
:mod:`sklstm._state`), so the estimator classes themselves are the only
types a skops file of an sklstm model, alone or inside a Pipeline, adds to
what skops trusts already.
"""

from __future__ import annotations


def trusted_types() -> list[str]:
    """The type names to trust when loading an sklstm model with skops or MLflow.

    Exactly sklstm's estimator classes, never anything else: pass the list as
    ``skops_trusted_types`` to ``mlflow.sklearn.log_model`` (or
    ``save_model``), or as ``trusted`` to ``skops.io.load``. Types of other
    libraries in the same Pipeline still need their own review.

    Returns
    -------
    list of str
        The fully qualified names of :class:`~sklstm.LSTMForecaster` and
        :class:`~sklstm.LSTMRegressor`, as skops reports them.

    See Also
    --------
    skops.io.get_untrusted_types : What a given file asks to trust.

    Examples
    --------
    >>> import numpy as np
    >>> import skops.io
    >>> import sklstm
    >>> sklstm.trusted_types()
    ['sklstm._forecaster.LSTMForecaster', 'sklstm._regressor.LSTMRegressor']
    >>> X = np.arange(20.0)[:, None]
    >>> model = sklstm.LSTMRegressor(lookback=2, hidden_size=4, max_iter=2,
    ...                              random_state=0).fit(X, X.ravel())
    >>> payload = skops.io.dumps(model)
    >>> loaded = skops.io.loads(payload, trusted=sklstm.trusted_types())
    >>> bool((loaded.predict(X) == model.predict(X)).all())
    True
    """
    from sklstm._forecaster import LSTMForecaster
    from sklstm._regressor import LSTMRegressor

    return [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in (LSTMForecaster, LSTMRegressor)
    ]
