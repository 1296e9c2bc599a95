"""Export a fitted estimator to ONNX: scaling, lag windows and network in one graph.

The graph does what ``predict`` does, so a model leaves Python whole:
``onnxruntime`` (or any ONNX runtime) reads the same rows and returns the same
predictions, in the units of y. Nothing about the padding rule or the
standardisation has to be rewritten by the serving side.

* :class:`~sklstm.LSTMRegressor`, ``input_kind='rows'`` (the default): input
  ``X`` of shape (n_rows, n_features), one time-ordered series; the graph
  standardises it, builds every row's lag window with the padding rule (the
  first ``lookback - 1`` rows see copies of the first row in front of them),
  runs the network and brings the predictions back to the units of y.
  ``n_rows`` is free.
* :class:`~sklstm.LSTMRegressor`, ``input_kind='sequences'``: input ``X`` of
  shape (n_samples, window_length_, n_features), ready-made windows, as the
  3-D ``predict`` takes them.
* :class:`~sklstm.LSTMForecaster`: one forward pass of its network, the next
  step (the next ``horizon`` steps with ``strategy='direct'``) from each of
  ``n_origins`` origins. Inputs ``y`` (n_origins, lookback), the last values of
  the series, and, when the model has covariates, ``X`` (n_origins,
  lookback + block, n_covariates): the covariates of those ``lookback`` steps
  followed by those of the ``block`` steps to forecast. Output: the forecast
  values (levels, also with ``network_output='change'``); without
  covariates, a ``y`` of one value repeated is forecast flat at it, as
  ``predict`` forecasts it. A longer recursive forecast
  feeds each output back as the newest value of ``y``. A forecaster of one
  series and one network only: one fitted on many series (``groups=``)
  scales each series on its own, which the graph does not hold.

The graph is built by tracing an ``nn.Module`` that restates ``predict`` with
tensor operations only (one gather does the padding and the windowing), and is
exported with PyTorch's TorchScript-based ONNX exporter.
"""

from __future__ import annotations

import copy
import io
import numbers
import os
import warnings
from pathlib import Path

import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

#: The ONNX operator set of the exported graphs.
DEFAULT_OPSET = 17

#: The lowest operator set that holds the graphs: the rows graph clamps int64
#: indices, and ONNX's Clip takes integers from opset 12 on (an opset 11 graph
#: exports, then fails to load).
MIN_OPSET = 12

INPUT_KINDS = ("rows", "sequences")
DTYPES = {"float64": torch.float64, "float32": torch.float32}


class _Standardised(nn.Module):
    """Shared part: input scaling in ``dtype``, the float32 network, y scaling."""

    def __init__(self, network: nn.Module, x_scaler, y_scaler, dtype) -> None:
        super().__init__()
        self.network = network
        self.dtype = dtype
        self.register_buffer("x_mean", torch.as_tensor(x_scaler.mean, dtype=dtype))
        self.register_buffer("x_scale", torch.as_tensor(x_scaler.scale, dtype=dtype))
        self.register_buffer("y_mean", torch.as_tensor(y_scaler.mean, dtype=dtype))
        self.register_buffer("y_scale", torch.as_tensor(y_scaler.scale, dtype=dtype))

    def standardise(self, X: torch.Tensor) -> torch.Tensor:
        return ((X - self.x_mean) / self.x_scale).to(torch.float32)

    def unstandardise(self, output: torch.Tensor) -> torch.Tensor:
        return output.to(self.dtype) * self.y_scale + self.y_mean

    def run_network(self, windows: torch.Tensor) -> torch.Tensor:
        """The network's output for ``windows``, any number of them.

        onnxruntime's LSTM kernel aborts the whole process on a batch of
        none (an empty request would take a server down), so one window of
        zeros rides along and is dropped from the output.
        """
        spare = windows.new_zeros((1, windows.shape[1], windows.shape[2]))
        return self.network(torch.cat([windows, spare]))[:-1]


class _RowsGraph(_Standardised):
    """(n_rows, n_features) -> predictions, with the padding rule."""

    def __init__(self, network, x_scaler, y_scaler, dtype, window_length, flat):
        super().__init__(network, x_scaler, y_scaler, dtype)
        self.flat = flat
        # Step j of row i's window is row i - (window_length - 1) + j, clamped
        # at row 0: the padding rule of sklstm._windows, as one gather.
        offsets = torch.arange(window_length, dtype=torch.int64) - window_length + 1
        self.register_buffer("offsets", offsets)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        rows = self.standardise(X)
        positions = torch.arange(X.shape[0], dtype=torch.int64).unsqueeze(1)
        indices = torch.clamp(positions + self.offsets, min=0)
        windows = rows[indices]
        y = self.unstandardise(self.run_network(windows))
        return y.reshape(-1) if self.flat else y


class _SequencesGraph(_Standardised):
    """(n_samples, steps, n_features) -> predictions."""

    def __init__(self, network, x_scaler, y_scaler, dtype, flat):
        super().__init__(network, x_scaler, y_scaler, dtype)
        self.flat = flat

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        y = self.unstandardise(self.run_network(self.standardise(X)))
        return y.reshape(-1) if self.flat else y


class _ForecastGraph(_Standardised):
    """Last values (and covariates) -> the next block of forecast values."""

    def __init__(self, network, x_scaler, y_scaler, dtype, lookback, block, change):
        super().__init__(network, x_scaler, y_scaler, dtype)
        self.change = change
        # Window step s holds the covariates of steps s + 1 ... s + block.
        self.register_buffer(
            "covariate_steps",
            (torch.arange(lookback)[:, None] + torch.arange(1, block + 1)).reshape(-1),
        )
        self.lookback, self.block = lookback, block

    def forward(self, y: torch.Tensor, X: torch.Tensor | None = None) -> torch.Tensor:
        parts = [y.unsqueeze(2)]
        if X is not None:
            covariates = X[:, self.covariate_steps, :]
            # Explicit sizes: onnxruntime cannot infer a -1 from no rows.
            width = self.block * X.shape[2]
            parts.append(covariates.reshape(X.shape[0], self.lookback, width))
        windows = self.standardise(torch.cat(parts, dim=2))
        forecast = self.unstandardise(self.run_network(windows))
        if self.change:
            forecast = forecast + y[:, -1:]
        if X is None and self.lookback > 1:
            # As predict does (sklstm._rollout.forecast_by_rule): a history of
            # one value repeated is forecast flat at it, without the network.
            flat = (y == y[:, -1:]).all(dim=1, keepdim=True)
            forecast = torch.where(flat, y[:, -1:], forecast)
        return forecast


def to_onnx(
    model,
    path: str | os.PathLike | None = None,
    *,
    input_kind: str = "rows",
    dtype: str = "float64",
    opset_version: int = DEFAULT_OPSET,
) -> bytes:
    """Export a fitted sklstm estimator, scaling and windowing included, to ONNX.

    Parameters
    ----------
    model : LSTMRegressor or LSTMForecaster
        A fitted estimator (not a Pipeline: export its steps on their own).
    path : str or path-like, default=None
        Where to write the ``.onnx`` file; the bytes are returned either way.
    input_kind : {'rows', 'sequences'}, default='rows'
        For an ``LSTMRegressor``: ``'rows'`` takes a 2-D time-ordered table
        ``X`` (n_rows, n_features) of one series and windows it in the graph
        with the padding rule, like the 2-D ``predict``; ``'sequences'``
        takes 3-D windows ``X`` (n_samples, window_length_, n_features), like
        the 3-D ``predict``. Ignored for an ``LSTMForecaster``.
    dtype : {'float64', 'float32'}, default='float64'
        Element type of the graph's inputs and outputs, and of its scaling
        arithmetic. ``'float64'`` scales exactly as ``predict`` does (the
        network itself always runs in float32, as it was trained);
        ``'float32'`` suits runtimes without float64 and agrees with
        ``predict`` given the inputs rounded to float32 (so a forecaster's
        history whose values become equal once rounded is forecast flat, as
        ``predict`` forecasts a history of one value repeated).
    opset_version : int, default=17
        The ONNX operator set to target: from 12 (``MIN_OPSET``) to the
        highest that the installed PyTorch's TorchScript-based exporter
        writes (20 for PyTorch 2.13).

    Returns
    -------
    bytes
        The serialised ONNX model (``onnx.ModelProto``). Inputs and outputs:

        - ``LSTMRegressor``: input ``X``; output ``y`` of shape (n,) when the
          model was fitted on 1-D y, else (n, n_outputs); ``n`` is dynamic.
        - ``LSTMForecaster``: inputs ``y`` (n_origins, lookback) and, with
          covariates, ``X`` (n_origins, lookback + block, n_covariates);
          output ``forecast`` (n_origins, block), where ``block`` is 1 for
          ``strategy='recursive'`` and ``horizon`` for ``'direct'``.

    Raises
    ------
    ImportError
        If the ``onnx`` package is missing (install ``sklstm[onnx]``).
    TypeError
        If ``model`` is not an sklstm estimator.
    ValueError
        If ``input_kind`` or ``dtype`` is not one of the listed values, if
        ``opset_version`` is not an int in the supported range, or for an
        ``LSTMForecaster`` that the graph would forecast wrongly: one fitted
        on several series (``groups=``), or that takes each series' scaling
        (``series_scaling``), season (``season_length_``) or drift
        (``drift=True``) out before its network reads it, averages several
        networks (``n_networks > 1``), or was fitted on a series with missing
        values (its network reads a mask of them). The message names every
        reason that applies and the settings to refit with.
    sklearn.exceptions.NotFittedError
        If the model is not fitted.

    Notes
    -----
    The ``'rows'`` graph treats its whole input as one series, as
    ``predict(X)`` without ``groups`` does: export once and call it per
    series. It runs every window in one batch, so memory grows with the
    rows; for very long tables call it on chunks that each start with the
    ``lookback - 1`` rows before the chunk, and drop those rows' outputs.

    Agreement with ``predict`` is float32 rounding of the network: about
    1e-6 relative to the scale of y.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime
    >>> from sklstm import LSTMRegressor, to_onnx
    >>> X = np.sin(0.1 * np.arange(100))[:, None]
    >>> y = np.cos(0.1 * np.arange(100))
    >>> model = LSTMRegressor(lookback=5, hidden_size=4, max_iter=3,
    ...                       random_state=0).fit(X, y)
    >>> session = onnxruntime.InferenceSession(to_onnx(model))
    >>> (onnx_pred,) = session.run(None, {"X": X})
    >>> bool(np.abs(onnx_pred - model.predict(X)).max() < 1e-5)
    True
    """
    from sklstm._forecaster import LSTMForecaster
    from sklstm._regressor import LSTMRegressor

    if not isinstance(model, (LSTMRegressor, LSTMForecaster)):
        raise TypeError(
            "to_onnx exports a fitted LSTMRegressor or LSTMForecaster; got "
            f"{type(model).__name__}. For a Pipeline, export its sklstm step "
            "(pipeline[-1]) and its other steps separately (e.g. with skl2onnx)."
        )
    if input_kind not in INPUT_KINDS:
        raise ValueError(
            f"input_kind must be one of {list(INPUT_KINDS)}; got {input_kind!r}."
        )
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}; got {dtype!r}.")
    _check_opset_version(opset_version)
    check_is_fitted(model)
    _require_onnx()
    torch_dtype = DTYPES[dtype]
    if isinstance(model, LSTMForecaster):
        _check_exportable_forecaster(model)
        graph, inputs, names, dynamic = _forecast_graph(model, torch_dtype)
        output_names = ["forecast"]
    else:
        graph, inputs, names, dynamic = _regressor_graph(model, input_kind, torch_dtype)
        output_names = ["y"]
    graph.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter announces its successor, and the tracer
        # warns about Python values it turns into constants; neither applies.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph,
            inputs,
            buffer,
            input_names=names,
            output_names=output_names,
            dynamic_axes={**dynamic, output_names[0]: {0: "n"}},
            opset_version=int(opset_version),
            dynamo=False,
        )
    payload = buffer.getvalue()
    if path is not None:
        Path(path).write_bytes(payload)
    return payload


def _check_exportable_forecaster(model) -> None:
    """Refuse what one forward pass of one network cannot forecast as predict.

    The graph runs one network on the values it is given. A forecaster that
    scales, deseasonalises or detrends each series before its network reads
    it, that forecasts several series, that moves its forecasts toward the
    last value, whose network reads a mask of missing values, or that
    averages several networks, forecasts what the graph does not; the
    refusal names each of these reasons and the settings that lift them.
    """
    check_is_fitted(model)
    architecture = model._fitted_architecture()
    n_series = len(model.series_)
    whose = "each series'" if n_series > 1 else "the series'"
    reasons, settings = [], []
    if n_series > 1:
        reasons.append(
            f"it was fitted on {n_series} series (groups=...), and the graph "
            "forecasts one series: it has no input saying which series its "
            "values belong to"
        )
    if architecture["series_scaling"] != "none":
        reasons.append(
            f"it scales {whose} values on their own "
            f"(series_scaling={architecture['series_scaling']!r}) before its "
            "network reads them, and scales its forecasts back"
        )
        settings.append("series_scaling='none'")
    if model.season_length_:
        reasons.append(
            f"it takes {whose} season out (season_length_={model.season_length_}) "
            "before its network reads the values, and puts it back into its "
            "forecasts"
        )
        settings.append("season_length=None")
    if architecture["drift"]:
        reasons.append(
            f"it takes {whose} drift out (drift=True) before its network reads "
            "the values, and puts it back into its forecasts"
        )
        settings.append("drift=False")
    fitted = model._fitted()  # one snapshot of the fitted state
    shrinkage = fitted.shrinkage
    if shrinkage:
        reasons.append(
            f"it moves its forecasts toward {whose} last value "
            f"(shrinkage_={shrinkage}), which the graph does not"
        )
        settings.append("shrinkage=0")
    masked = fitted.masked
    if masked:
        reasons.append(
            "it was fitted on a series with missing values, so its network also "
            "reads a mask of them beside each value, which the graph's inputs "
            "do not carry"
        )
    n_networks = len(model._members())
    if n_networks > 1:
        reasons.append(
            f"it averages the forecasts of {n_networks} networks "
            f"(n_networks={n_networks}), and the graph holds one"
        )
        settings.append("n_networks=1")
    if not reasons:
        return
    with_settings = f" with {_listed(settings)}" if settings else ""
    without_missing = " on a series without missing values" if masked else ""
    if n_series > 1:
        remedy = (
            f"fit one forecaster per series (without groups){with_settings}"
            f"{without_missing} and export each"
        )
        in_python = "predict(X, groups=...)"
    else:
        remedy = f"refit it{with_settings}{without_missing}"
        in_python = "predict"
    raise ValueError(
        "to_onnx exports one network that reads a series' values as they are, "
        f"and cannot export this forecaster: {'; '.join(reasons)}. The graph "
        "does none of this, so its forecasts would be wrong. Forecast it with "
        f"{in_python} in Python, or {remedy} to export it."
    )


def _listed(items: list[str]) -> str:
    """``'a'``, ``'a and b'``, ``'a, b and c'``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _max_opset() -> int:
    """The highest operator set the installed PyTorch's TorchScript exporter writes.

    Above it, ``torch.onnx.export`` only warns that the version is not
    supported, and writes a graph it does not vouch for.
    """
    from torch.onnx import _constants

    return getattr(
        _constants,
        "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET",
        getattr(_constants, "ONNX_MAX_OPSET", DEFAULT_OPSET),
    )


def _check_opset_version(opset_version) -> None:
    """Refuse an operator set the graphs cannot be exported to, before tracing."""
    max_opset = _max_opset()
    is_int = isinstance(opset_version, numbers.Integral) and not isinstance(
        opset_version, bool
    )
    if not is_int or not MIN_OPSET <= opset_version <= max_opset:
        raise ValueError(
            f"opset_version must be an int from {MIN_OPSET} to {max_opset} (the "
            "ONNX operator sets that hold sklstm's graphs and that this "
            f"PyTorch's exporter writes); got {opset_version!r}. Use the default "
            f"opset_version={DEFAULT_OPSET} unless your ONNX runtime needs another."
        )


def _require_onnx() -> None:
    """PyTorch's exporter writes the graph with the ``onnx`` package."""
    try:
        import onnx  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "to_onnx needs the onnx package, which is not installed. Install "
            "the onnx extra: pip install 'sklstm[onnx]' (it also brings "
            "onnxruntime to run the exported model)."
        ) from error


def _cpu_network(regressor) -> nn.Module:
    """A CPU copy of the fitted network in inference mode (the model is untouched)."""
    network = copy.deepcopy(regressor.network_).to("cpu").eval()
    for parameter in network.parameters():
        parameter.requires_grad_(False)
    return network


def _regressor_graph(model, input_kind: str, dtype: torch.dtype):
    network = _cpu_network(model)
    flat = bool(model._y_was_1d)
    example_rows = max(model.window_length_ + 1, 3)
    if input_kind == "rows":
        graph = _RowsGraph(
            network, model._x_scaler, model._y_scaler, dtype, model.window_length_, flat
        )
        example = torch.zeros(example_rows, model.n_features_in_, dtype=dtype)
    else:
        graph = _SequencesGraph(network, model._x_scaler, model._y_scaler, dtype, flat)
        example = torch.zeros(
            example_rows, model.window_length_, model.n_features_in_, dtype=dtype
        )
    return graph, (example,), ["X"], {"X": {0: "n"}}


def _forecast_graph(model, dtype: torch.dtype):
    regressor = model.regressor_
    # What the network was fitted with, even after an unfitted set_params.
    lookback, block = regressor.window_length_, regressor.n_outputs_
    graph = _ForecastGraph(
        _cpu_network(regressor),
        regressor._x_scaler,
        regressor._y_scaler,
        dtype,
        lookback,
        block,
        change=model._fitted_architecture()["network_output"] == "change",
    )
    n_origins = 3
    inputs = [torch.zeros(n_origins, lookback, dtype=dtype)]
    names, dynamic = ["y"], {"y": {0: "n"}}
    if model.n_features_in_ > 0:
        inputs.append(
            torch.zeros(n_origins, lookback + block, model.n_features_in_, dtype=dtype)
        )
        names.append("X")
        dynamic["X"] = {0: "n"}
    return graph, tuple(inputs), names, dynamic
