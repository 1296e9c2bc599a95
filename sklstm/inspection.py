"""Look inside a trained LSTM: its gates, cell state and hidden state, step by step.

An LSTM cell keeps a memory, the cell state, and three gates decide what
happens to it at every time step *t* of a window (PyTorch's equations, with
``x_t`` the input and ``h_{t-1}`` the previous hidden state)::

    i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)   input gate
    f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)   forget gate
    g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg) candidate state
    o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)   output gate
    c_t = f_t · c_{t-1} + i_t · g_t                   cell state
    h_t = o_t · tanh(c_t)                             hidden state

:func:`gate_activations` recomputes these from a fitted model's weights with a
small reference implementation in float64, so that every intermediate value
can be looked at, not only the hidden states that ``torch.nn.LSTM`` returns.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from torch import nn

from sklstm._forecaster import LSTMForecaster
from sklstm._pipeline import final_estimator, through_steps_before_final
from sklstm._row_metadata import check_groups
from sklstm._validation import validate_predict_data

#: The names of the arrays :func:`gate_activations` returns, in PyTorch's
#: gate order (i, f, g, o) followed by the two states.
GATE_NAMES = ("input", "forget", "candidate", "output", "cell", "hidden")

_DIRECTIONS = ("forward", "backward")


def gate_activations(
    estimator: BaseEstimator,
    X,
    layer: int = -1,
    *,
    direction: str = "forward",
    groups=None,
) -> dict[str, np.ndarray]:
    """The gates and states of a fitted LSTM at every step of every window of X.

    The windows are those the estimator itself predicts from: X is checked,
    standardised and cut into lag windows exactly as in ``predict`` (2-D rows
    with the padding rule, or 3-D sequences as given). The values are
    recomputed in float64 from the trained weights of ``estimator.network_``;
    each window starts from zero hidden and cell states, as in ``predict``.

    Parameters
    ----------
    estimator : LSTMRegressor, LSTMForecaster or Pipeline
        A fitted estimator with ``cell='lstm'``, or a fitted Pipeline ending
        in one (its other steps transform X first). For a forecaster, the gates
        are those of its ``regressor_``, and X holds the rows (or 3-D
        windows) that regressor reads: each series' value next to the
        covariates of the steps it forecasts, as
        ``sklstm._forecast_windows.training_rows`` lays them out.
    X : array-like of shape (n_rows, n_features) or (n_samples, steps, n_features)
        Time-ordered rows, or ready-made sequences.
    layer : int, default=-1
        Which layer of a stacked LSTM to look at; negative values count from
        the top (``-1`` is the last layer). Layer *k* reads the hidden sequence
        of layer *k - 1* (both directions, concatenated, for a bidirectional
        stack), as ``torch.nn.LSTM`` does.
    direction : {'forward', 'backward'}, default='forward'
        For a bidirectional model, which direction's units to return. The
        backward direction reads each window from its last step to its first;
        its arrays are still indexed in time order, so step *t* holds its
        state after reading steps *t ... lookback - 1*. A one-directional model
        only has ``'forward'``.
    groups : array-like of shape (n_rows,), default=None
        Series labels of 2-D rows, as in ``predict``: each series is cut into
        windows (and padded) on its own, so no window reads across two
        series. None treats all rows as one series.

    Returns
    -------
    activations : dict of str to ndarray of shape (n_samples, lookback, hidden_size)
        ``'input'``, ``'forget'``, ``'output'`` (gate values in [0, 1]),
        ``'candidate'`` (in [-1, 1]), ``'cell'`` and ``'hidden'``, for each
        window, step and unit. A forget gate of 0.7 keeps 70 % of the previous
        cell state and forgets 30 %.

    Raises
    ------
    ValueError
        If the model uses GRU cells (which have other gates and no cell
        state), if ``layer`` does not exist, or if ``direction`` is invalid.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.inspection import gate_activations
    >>> X = np.sin(0.1 * np.arange(100))[:, None]
    >>> model = LSTMRegressor(lookback=6, hidden_size=4, max_iter=5,
    ...                       random_state=0).fit(X[:-1], X[1:, 0])
    >>> gates = gate_activations(model, X)
    >>> sorted(gates)
    ['candidate', 'cell', 'forget', 'hidden', 'input', 'output']
    >>> gates["forget"].shape
    (100, 6, 4)
    >>> bool(((gates["forget"] > 0) & (gates["forget"] < 1)).all())
    True
    """
    if isinstance(estimator, Pipeline):
        check_is_fitted(estimator)
        final = final_estimator(estimator)
        if isinstance(final, LSTMForecaster):
            raise TypeError(
                "gate_activations reads the windows of a forecaster's inner "
                "regressor (each series' value beside the covariates), which a "
                "Pipeline's steps do not make: pass the forecaster itself "
                "(pipeline[-1]) and those rows."
            )
        # Its other steps turn X into the rows its last step reads.
        X = through_steps_before_final(estimator, X)
        estimator = final
    regressor = _inner_regressor(estimator)
    rnn = regressor.network_.rnn
    if not isinstance(rnn, nn.LSTM):
        raise ValueError(
            f"gate_activations explains LSTM cells, but this model was fitted with "
            f"cell={type(rnn).__name__.lower()!r}, whose gates differ and which "
            "keeps no cell state. Fit it with cell='lstm' to inspect its gates."
        )
    n_layers = rnn.num_layers
    if (
        not isinstance(layer, Integral)
        or isinstance(layer, bool)
        or not -n_layers <= layer < n_layers
    ):
        raise ValueError(
            f"layer={layer!r} does not exist: the model has {n_layers} layer(s); pass "
            f"0 to {n_layers - 1}, or -1 for the top layer."
        )
    if direction not in _DIRECTIONS:
        raise ValueError(
            f"direction must be 'forward' or 'backward'; got {direction!r}."
        )
    if direction == "backward" and not rnn.bidirectional:
        raise ValueError(
            "direction='backward' needs a bidirectional model; this one reads "
            "windows forwards only. Use direction='forward'."
        )
    X = validate_predict_data(regressor, X)
    windows = regressor._windows(X, check_groups(groups, len(X)))
    inputs = windows.slice(0, len(windows)).detach().cpu().double().numpy()
    layers = lstm_reference(rnn, inputs, up_to_layer=layer % n_layers)
    return layers[-1][_DIRECTIONS.index(direction)]


def lstm_reference(
    rnn: nn.LSTM, inputs: np.ndarray, up_to_layer: int | None = None
) -> list[list[dict[str, np.ndarray]]]:
    """Run the LSTM equations in float64 with the weights of ``rnn``.

    Parameters
    ----------
    rnn : torch.nn.LSTM
        A batch-first LSTM without projections (``proj_size=0``).
    inputs : ndarray of shape (n_samples, steps, input_size)
        The sequences, each started from zero states.
    up_to_layer : int, default=None
        The last layer to compute (all layers when None); negative counts
        from the top, as ``layer`` in :func:`gate_activations` does.

    Returns
    -------
    layers : list of list of dict
        ``layers[k][d]`` holds the arrays named in :data:`GATE_NAMES` of layer
        *k*, direction *d* (0 forward, 1 backward), each of shape
        (n_samples, steps, hidden_size) in time order.

    Examples
    --------
    >>> import numpy as np
    >>> from torch import nn
    >>> from sklstm.inspection import lstm_reference
    >>> rnn = nn.LSTM(2, 3, num_layers=2, bidirectional=True, batch_first=True)
    >>> layers = lstm_reference(rnn, np.zeros((5, 4, 2)))
    >>> len(layers), len(layers[0]), layers[1][1]["hidden"].shape
    (2, 2, (5, 4, 3))
    """
    if not isinstance(rnn, nn.LSTM):
        raise TypeError(
            f"lstm_reference runs the equations of torch.nn.LSTM; got "
            f"{type(rnn).__name__}, whose cells differ."
        )
    if not rnn.batch_first or rnn.proj_size:
        raise ValueError("lstm_reference needs a batch-first LSTM without proj_size.")
    last = rnn.num_layers - 1 if up_to_layer is None else up_to_layer
    if isinstance(last, bool) or not isinstance(last, Integral):
        raise TypeError(f"up_to_layer must be an int or None; got {up_to_layer!r}.")
    if not -rnn.num_layers <= last < rnn.num_layers:
        raise ValueError(
            f"up_to_layer={up_to_layer} is not a layer of this LSTM of "
            f"{rnn.num_layers} layer(s): use 0 to {rnn.num_layers - 1}, or -1 "
            "for the top one."
        )
    last %= rnn.num_layers
    suffixes = ["", "_reverse"] if rnn.bidirectional else [""]
    layers = []
    sequence = np.asarray(inputs, dtype=np.float64)
    if sequence.ndim != 3 or sequence.shape[2] != rnn.input_size:
        raise ValueError(
            "lstm_reference expects inputs of shape (n_samples, steps, "
            f"{rnn.input_size}) for this LSTM; got shape {sequence.shape}."
        )
    for k in range(last + 1):
        directions = [
            _run_direction(rnn, sequence, k, suffix, reverse=suffix == "_reverse")
            for suffix in suffixes
        ]
        layers.append(directions)
        sequence = np.concatenate([d["hidden"] for d in directions], axis=2)
    return layers


def _run_direction(
    rnn: nn.LSTM, sequence: np.ndarray, k: int, suffix: str, *, reverse: bool
) -> dict[str, np.ndarray]:
    def weight(name: str) -> np.ndarray:
        return getattr(rnn, f"{name}_l{k}{suffix}").detach().cpu().double().numpy()

    w_ih, w_hh = weight("weight_ih"), weight("weight_hh")
    bias = (
        weight("bias_ih") + weight("bias_hh") if rnn.bias else np.zeros(w_ih.shape[0])
    )
    n_samples, steps, _ = sequence.shape
    size = rnn.hidden_size
    # The input part of every step at once; the recurrence then adds W_hh h.
    projected = sequence @ w_ih.T + bias
    out = {name: np.empty((n_samples, steps, size)) for name in GATE_NAMES}
    hidden = np.zeros((n_samples, size))
    cell = np.zeros((n_samples, size))
    for t in reversed(range(steps)) if reverse else range(steps):
        pre = projected[:, t] + hidden @ w_hh.T
        i, f, g, o = (pre[:, j * size : (j + 1) * size] for j in range(4))
        i, f, o, g = _sigmoid(i), _sigmoid(f), _sigmoid(o), np.tanh(g)
        cell = f * cell + i * g
        hidden = o * np.tanh(cell)
        for name, value in zip(GATE_NAMES, (i, f, g, o, cell, hidden), strict=True):
            out[name][:, t] = value
    return out


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * values))


def _inner_regressor(
    estimator: BaseEstimator, caller: str = "gate_activations"
) -> BaseEstimator:
    """The fitted estimator that owns the network (a forecaster's inner
    model); ``caller`` names the function that asks, for its refusal."""
    inner = getattr(estimator, "regressor_", None)
    if inner is not None and hasattr(inner, "network_"):
        return inner
    check_is_fitted(estimator)
    if not hasattr(estimator, "network_"):
        searched = getattr(estimator, "best_estimator_", None)
        advice = (
            " Pass its best_estimator_ (refit=True keeps one)."
            if searched is not None
            else ""
        )
        raise TypeError(
            f"{caller} reads the network of a fitted LSTMRegressor or "
            f"LSTMForecaster, or of a Pipeline ending in one; got "
            f"{type(estimator).__name__}.{advice}"
        )
    return estimator
