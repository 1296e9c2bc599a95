"""The estimator at the end of a (possibly nested) Pipeline, and X as it reads it."""

from __future__ import annotations

from sklearn.pipeline import Pipeline


def final_estimator(model):
    """The last step of a Pipeline, through nested ones; else the model.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklstm._pipeline import final_estimator
    >>> nested = make_pipeline(StandardScaler(), make_pipeline(Ridge()))
    >>> type(final_estimator(nested)).__name__
    'Ridge'
    """
    while isinstance(model, Pipeline):
        model = model.steps[-1][1]
    return model


def through_steps_before_final(model, X):
    """X transformed by every step before the final estimator (none for a
    model that is no Pipeline, or a Pipeline of one step); ``None`` and
    ``'passthrough'`` steps pass it on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sklstm._pipeline import through_steps_before_final
    >>> X = np.array([[1.0], [2.0]])
    >>> pipeline = Pipeline([("double", FunctionTransformer(lambda x: 2 * x)),
    ...                      ("skip", "passthrough"), ("model", Ridge())])
    >>> through_steps_before_final(pipeline, X).ravel().tolist()
    [2.0, 4.0]
    """
    while isinstance(model, Pipeline):
        for _, step in model.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        model = model.steps[-1][1]
    return X


__all__ = ["final_estimator", "through_steps_before_final"]
