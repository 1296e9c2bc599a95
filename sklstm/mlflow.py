"""Log sklstm models to MLflow so that the served model forecasts many series.

``mlflow.sklearn`` stores any scikit-learn model, but its generic (``pyfunc``)
interface calls ``model.predict(frame)`` and drops every ``params`` entry, so
a forecaster fitted on many series cannot be told which series each row
continues, and intervals cannot be asked for. :func:`save_model` and
:func:`log_model` store the model exactly as ``mlflow.sklearn`` does (skops,
:func:`sklstm.trusted_types`), so ``mlflow.sklearn.load_model`` still gives
the estimator back, and serve it through this module instead:

- a column of the served frame (``series_column``, default ``'series'``)
  names the series of each row, as ``groups`` does in ``predict``; the
  other columns are the covariates, named as in ``fit`` (0, 1, ... for a
  model fitted on an array: the names of the columns of ``pd.DataFrame(X)``);
- the params ``groups`` (a list, instead of the column) and ``coverage``
  (a probability: the answer becomes a frame of ``prediction``, ``lower``
  and ``upper``, from ``predict_interval``) are declared in the model
  signature, so MLflow passes them on, also through ``mlflow models serve``.

The signature is built from the fitted model, not by predicting on an input
example: a few rows of a table are mostly padded windows for an
``LSTMRegressor``, and a many-series forecaster cannot forecast rows without
their series.

Install with ``pip install "sklstm[mlflow]"``.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Any

import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import Model, ModelSignature
from mlflow.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from mlflow.types.schema import AnyType
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from sklstm._pipeline import final_estimator, through_steps_before_final
from sklstm._row_metadata import holds_python_ints
from sklstm._trust import trusted_types

__all__ = ["SERIES_COLUMN", "log_model", "save_model", "serving_signature"]

#: The default name of the served frame's column that names each row's series.
SERIES_COLUMN = "series"

_LOADER_MODULE = __name__
_PYFUNC = "python_function"


def save_model(
    sk_model,
    path: str | os.PathLike,
    *,
    series_column: str = SERIES_COLUMN,
    signature: ModelSignature | None = None,
    input_example: Any = None,
    mlflow_model: Model | None = None,
    **kwargs: Any,
) -> None:
    """Save a fitted sklstm model as an MLflow model that serves many series.

    Parameters
    ----------
    sk_model : LSTMForecaster, LSTMRegressor or Pipeline
        The fitted model.
    path : str or path-like
        The directory to create.
    series_column : str, default='series'
        The column of the served frame that names each row's series (the
        ``groups`` of ``predict``). Needed in the frame of a forecaster
        fitted on many series, unless the request passes ``groups``.
    signature : mlflow.models.ModelSignature, default=None
        None builds it from the fitted model: its covariate columns, the
        series column (many series), the output, and the params
        ``coverage`` and ``groups``. A model fitted on an array, without
        column names, declares its covariates as the integer columns 0, 1,
        ... of ``pd.DataFrame(X)`` (see Notes).
    input_example : DataFrame, default=None
        Stored with the model, as MLflow does; for many series it must hold
        the series column. It is not used to infer the signature.
    mlflow_model : mlflow.models.Model, default=None
        The model description to add the flavours to (``log_model`` passes
        its own).
    **kwargs
        Passed to ``mlflow.sklearn.save_model`` (``pip_requirements``,
        ``extra_pip_requirements``, ``metadata``, ...).

    Notes
    -----
    A model fitted on an array serves ``pd.DataFrame(X)``, whose columns
    pandas names 0, 1, ... in training order, as ``model.predict(X)``
    answers it. Over REST, send the frame as ``dataframe_split`` with those
    numbers as its columns (``frame.to_json(orient="split")`` writes them
    so), or its rows as ``inputs`` (naming the series with the ``groups``
    param). ``dataframe_records`` and CSV name columns by text (``"0"``),
    which MLflow does not take for the numbers: it refuses the request as
    missing inputs. Fit on a DataFrame to serve the columns by name.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> import pandas as pd
    >>> import mlflow.pyfunc
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.mlflow import save_model
    >>> groups = np.repeat(["a", "b"], 40)
    >>> y = np.sin(np.arange(80) / 3) + (groups == "b")
    >>> forecaster = LSTMForecaster(lookback=4, max_iter=5, n_networks=1,
    ...                             random_state=0)
    >>> forecaster = forecaster.fit(np.empty((80, 0)), y, groups=groups)
    >>> path = tempfile.mkdtemp() + "/model"
    >>> save_model(forecaster, path, pip_requirements=["sklstm"])
    >>> served = mlflow.pyfunc.load_model(path)
    >>> future = pd.DataFrame({"series": ["a", "a", "b"]})
    >>> bool(np.allclose(served.predict(future), forecaster.predict(
    ...     np.empty((3, 0)), groups=future["series"])))
    True
    """
    check_is_fitted(sk_model)
    many = _series_labels(sk_model) is not None
    _check_input_example(input_example, series_column, many)
    if signature is None:
        signature = serving_signature(sk_model, series_column)
    mlflow_model = Model() if mlflow_model is None else mlflow_model
    mlflow.sklearn.save_model(
        sk_model,
        path,
        mlflow_model=mlflow_model,
        signature=signature,
        input_example=input_example,
        skops_trusted_types=kwargs.pop("skops_trusted_types", trusted_types()),
        **kwargs,
    )
    pyfunc = mlflow_model.flavors[_PYFUNC]
    pyfunc["loader_module"] = _LOADER_MODULE
    pyfunc["series_column"] = series_column
    mlflow_model.save(os.path.join(path, "MLmodel"))


def log_model(
    sk_model,
    name: str = "model",
    *,
    series_column: str = SERIES_COLUMN,
    **kwargs: Any,
):
    """Log a fitted sklstm model to the current run, served as :func:`save_model` says.

    Parameters
    ----------
    sk_model : LSTMForecaster, LSTMRegressor or Pipeline
        The fitted model.
    name : str, default='model'
        The model's name in the run.
    series_column : str, default='series'
        The column of the served frame that names each row's series.
    **kwargs
        Passed to ``mlflow.models.Model.log`` (``registered_model_name``,
        ``params``, ``tags``, ...) and on to :func:`save_model`
        (``signature``, ``input_example``, ``pip_requirements``, ...).

    Returns
    -------
    mlflow.models.model.ModelInfo
        Where the model went: ``info.model_uri`` loads it.

    Examples
    --------
    >>> import tempfile
    >>> import mlflow
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import LSTMForecaster
    >>> import sklstm.mlflow
    >>> folder = tempfile.mkdtemp()
    >>> mlflow.set_tracking_uri(f"sqlite:///{folder}/mlflow.db")
    >>> groups = np.repeat([1, 2], 40)
    >>> y = np.cos(np.arange(80) / 4) * groups
    >>> forecaster = LSTMForecaster(lookback=4, max_iter=5, n_networks=1,
    ...                             random_state=0)
    >>> forecaster = forecaster.fit(np.empty((80, 0)), y, groups=groups)
    >>> experiment = mlflow.create_experiment("demand", folder + "/artifacts")
    >>> with mlflow.start_run(experiment_id=experiment):
    ...     info = sklstm.mlflow.log_model(forecaster, pip_requirements=["sklstm"])
    >>> served = mlflow.pyfunc.load_model(info.model_uri)
    >>> bounds = served.predict(pd.DataFrame({"series": [1, 1, 2]}),
    ...                         params={"coverage": 0.5})
    >>> list(bounds.columns)
    ['prediction', 'lower', 'upper']
    >>> mlflow.set_tracking_uri(None)
    """
    return Model.log(
        artifact_path=None,
        name=name,
        flavor=sys.modules[__name__],
        sk_model=sk_model,
        series_column=series_column,
        **kwargs,
    )


def serving_signature(sk_model, series_column: str = SERIES_COLUMN) -> ModelSignature:
    """The signature :func:`save_model` gives a model: inputs, output and params.

    Parameters
    ----------
    sk_model : LSTMForecaster, LSTMRegressor or Pipeline
        The fitted model.
    series_column : str, default='series'
        The name of the served frame's series column.

    Returns
    -------
    mlflow.models.ModelSignature
        Inputs: the covariate columns the model was fitted on (as doubles;
        for a model fitted on an array, the integer columns 0, 1, ... that
        pandas gives ``pd.DataFrame(X)``) and, for a forecaster of several
        series, the series column (long, double, boolean, datetime or
        string, as its labels; of any type for durations and for ids beyond
        int64, which the ``groups`` param then takes as strings); for an
        ``LSTMRegressor`` (or a Pipeline ending in one), whose windows never
        cross two series, an optional series column of any type. Output:
        one float per row. Params: ``coverage`` (double, default None) and
        ``groups`` (one label per row, default empty).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.mlflow import serving_signature
    >>> X = pd.DataFrame({"price": np.ones(60)})
    >>> forecaster = LSTMForecaster(lookback=3, max_iter=2, n_networks=1,
    ...                             random_state=0)
    >>> groups = np.repeat(["a", "b"], 30)
    >>> forecaster = forecaster.fit(X, np.arange(60.0), groups=groups)
    >>> serving_signature(forecaster).inputs.input_names()
    ['price', 'series']
    """
    labels = _series_labels(sk_model)
    names = _covariate_names(sk_model)
    if series_column in names:
        raise ValueError(
            f"The model has a covariate named {series_column!r}, the name of the "
            "column that names each row's series in the served frame. Pass another "
            "series_column= to save_model or log_model."
        )
    columns = [ColSpec(DataType.double, name) for name in names]
    group_type = _label_type(labels)
    if labels is not None or _windows_by_series(sk_model):
        # Optional: the request may name the series with the groups param.
        columns.append(ColSpec(group_type, series_column, required=False))
    return ModelSignature(
        inputs=Schema(columns) if columns else None,
        outputs=Schema([TensorSpec(np.dtype(np.float64), (-1,))]),
        params=ParamSchema(
            [
                ParamSpec("coverage", DataType.double, None),
                # A param takes one of MLflow's types; labels of any type
                # (an LSTMRegressor's) are then named as strings.
                ParamSpec("groups", _param_type(group_type), [], shape=(-1,)),
            ]
        ),
    )


def _covariate_names(sk_model) -> list[str] | list[int]:
    """The names of the served frame's covariate columns.

    A model fitted on a table serves its columns by their names. One fitted
    on an array has no names, but a frame of its rows, ``pd.DataFrame(X)``,
    names them 0, 1, ... (and so does MLflow's ``infer_signature``): declaring
    them so keeps them in the request, which MLflow otherwise cuts down to
    the declared columns, the series column alone.
    """
    reader = _first_reader(sk_model)
    names = getattr(reader, "feature_names_in_", None)
    if names is not None:
        return [str(name) for name in names]
    return list(range(getattr(reader, "n_features_in_", 0)))


def _first_reader(sk_model):
    """The step that reads the served frame: a Pipeline's first step that is
    not ``'passthrough'`` (or None, or a Pipeline of such steps), through
    nested ones; else the model. A Pipeline starting with ``'passthrough'``
    knows no columns of its own."""
    return next(_steps_that_read(sk_model), sk_model)


def _steps_that_read(sk_model):
    """The steps of a (nested) Pipeline that are neither ``'passthrough'``
    nor None, in order; the model itself when it is no Pipeline."""
    if not isinstance(sk_model, Pipeline):
        yield sk_model
        return
    for _, step in sk_model.steps:
        if step is not None and not (isinstance(step, str) and step == "passthrough"):
            yield from _steps_that_read(step)


def _param_type(label_type) -> DataType:
    return label_type if isinstance(label_type, DataType) else DataType.string


def _final_step(sk_model):
    """The estimator that predicts: a Pipeline's last step (through nested
    ones), or the model."""
    return final_estimator(sk_model)


def _series_labels(sk_model) -> np.ndarray | None:
    """The labels of a model's series when it forecasts several, else None."""
    labels = getattr(_final_step(sk_model), "series_", None)
    return None if labels is None or len(labels) < 2 else np.asarray(labels)


def _windows_by_series(sk_model) -> bool:
    """Whether the model cuts windows series by series, given their labels
    (an ``LSTMRegressor``: any labels, none of them remembered)."""
    step = _final_step(sk_model)
    takes_groups = "groups" in inspect.signature(step.predict).parameters
    return not hasattr(step, "series_") and takes_groups


def _label_type(labels: np.ndarray | None) -> DataType:
    """The MLflow type of a column of these series labels.

    Labels the forecaster does not hold (an ``LSTMRegressor``'s, which may
    be any) are of any type, as MLflow then converts nothing.
    """
    if labels is None or labels.dtype.kind in "mu" or holds_python_ints(labels):
        # MLflow has no type for durations, and its long is int64: labels
        # held as uint64 (or as Python ints) are ids beyond int64's range.
        return AnyType()
    for kind, data_type in (
        (np.bool_, DataType.boolean),
        (np.integer, DataType.long),
        (np.floating, DataType.double),
        (np.datetime64, DataType.datetime),
    ):
        if np.issubdtype(labels.dtype, kind):
            return data_type
    return DataType.string


def _check_input_example(example, series_column: str, many: bool) -> None:
    if many and isinstance(example, pd.DataFrame) and series_column not in example:
        raise ValueError(
            f"The model forecasts several series, so MLflow cannot run the input "
            f"example without the {series_column!r} column that names the series "
            f"of each row (its columns: {list(example.columns)}). Add the column, "
            "e.g. X_future.assign(series=groups)[:5], or leave input_example out: "
            "the signature comes from the model."
        )


class _ServedModel:
    """What ``mlflow.pyfunc.load_model`` serves: the estimator behind a frame."""

    def __init__(self, estimator, series_column: str) -> None:
        self.estimator = estimator
        self.series_column = series_column

    def get_raw_model(self):
        """The sklstm estimator (or Pipeline) itself."""
        return self.estimator

    def predict(self, data, params: dict[str, Any] | None = None):
        """Forecast (or predict) the rows of ``data``, as ``params`` ask."""
        params = params or {}
        X, groups = self._covariates_and_groups(data, params.get("groups"))
        by_series = {} if groups is None else {"groups": groups}
        prediction = self.estimator.predict(X, **by_series)
        coverage = params.get("coverage")
        if coverage is None:
            return prediction
        final = _final_step(self.estimator)
        X = through_steps_before_final(self.estimator, X)  # a Pipeline's steps
        bounds = final.predict_interval(X, coverage, **by_series)
        return pd.DataFrame(
            {"prediction": prediction, "lower": bounds[:, 0], "upper": bounds[:, 1]}
        )

    def _covariates_and_groups(self, data, groups_param):
        frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
        groups = None
        if self.series_column in frame.columns:
            groups = frame[self.series_column].to_numpy()
            frame = frame.drop(columns=self.series_column)
            labels = _series_labels(self.estimator)
            if labels is not None and (
                labels.dtype.kind in "mu" or holds_python_ints(labels)
            ):
                # A column of any type: over REST, JSON sends them as text.
                groups = _labels_of_param(groups, labels)
        if groups_param is not None and len(groups_param):
            if groups is not None:
                raise ValueError(
                    f"The series of the rows came twice: as the {self.series_column!r} "
                    "column and as the groups param. Give one of them."
                )
            groups = _labels_of_param(
                np.asarray(groups_param), _series_labels(self.estimator)
            )
        if groups is None and _series_labels(self.estimator) is not None:
            raise ValueError(
                "The model forecasts several series: name the series of each row "
                f"in a {self.series_column!r} column of the frame, or pass them as "
                'params={"groups": [...]}, one label per row.'
            )
        if frame.shape[1]:
            return frame, groups
        # Without columns MLflow may pass an empty frame: the rows are then
        # the series' labels.
        n_rows = len(frame) if groups is None else len(groups)
        return np.empty((n_rows, 0)), groups


def _labels_of_param(groups: np.ndarray, labels: np.ndarray | None) -> np.ndarray:
    """The series named by the ``groups`` param (or by a column of any
    type), as the fitted labels hold them: MLflow gives a datetime param as
    Python date(time) objects, and durations and ids beyond int64 (declared
    as strings, or of any type) may come as strings."""
    kind = None if labels is None else labels.dtype.kind
    if kind == "M":
        return pd.to_datetime(groups, format="ISO8601").to_numpy()
    if kind == "m":
        return pd.to_timedelta(groups).to_numpy()
    if kind == "u":
        try:
            return np.array([int(label) for label in groups], dtype=np.uint64)
        except (OverflowError, ValueError) as error:
            raise ValueError(
                "The series must be named by their integer ids, "
                f"between 0 and {np.iinfo(np.uint64).max}: {error}"
            ) from error
    if holds_python_ints(labels):
        try:
            return np.array([int(label) for label in groups], dtype=object)
        except ValueError as error:
            raise ValueError(
                f"The series must be named by their integer ids: {error}"
            ) from error
    return groups


def _load_pyfunc(path: str, model_config: dict | None = None) -> _ServedModel:
    """Called by ``mlflow.pyfunc.load_model`` with the model's directory."""
    model_dir = os.path.dirname(path) if os.path.isfile(path) else path
    flavour = Model.load(os.path.join(model_dir, "MLmodel")).flavors[_PYFUNC]
    return _ServedModel(
        mlflow.sklearn.load_model(model_dir),
        flavour.get("series_column", SERIES_COLUMN),
    )
