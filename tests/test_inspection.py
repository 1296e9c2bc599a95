"""Gate inspection: the reference LSTM agrees with torch and obeys its equations."""

import numpy as np
import pytest
import torch
from _factories import tiny_regressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sklstm import LSTMForecaster, LSTMRegressor
from sklstm._forecast_windows import training_rows
from sklstm._panel import panel_of
from sklstm.inspection import GATE_NAMES, gate_activations, lstm_reference

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(80, 2))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def fitted(**params):
    return tiny_regressor(**{"lookback": 5, **params}).fit(ROWS, TARGET)


def torch_hidden_sequence(rnn: nn.LSTM, windows: np.ndarray, layer: int) -> np.ndarray:
    """``nn.LSTM``'s own output of ``layer``: run a copy cut after that layer."""
    lower = nn.LSTM(
        rnn.input_size,
        rnn.hidden_size,
        num_layers=layer + 1,
        bidirectional=rnn.bidirectional,
        batch_first=True,
    ).double()
    state = {
        name: value
        for name, value in rnn.state_dict().items()
        if int(name.split("_l")[1].split("_")[0]) <= layer
    }
    lower.load_state_dict(state)
    with torch.no_grad():
        output, _ = lower(torch.from_numpy(windows))
    return output.numpy()


def model_windows(model, X):
    windows = model._windows(X)
    return windows.slice(0, len(windows)).double().numpy()


@pytest.mark.parametrize("bidirectional", [False, True])
def test_reference_hidden_states_equal_torch_outputs_for_every_layer(bidirectional):
    model = fitted(num_layers=3, bidirectional=bidirectional, dropout=0.2)
    windows = model_windows(model, ROWS)
    size = model.hidden_size
    for layer in range(3):
        expected = torch_hidden_sequence(model.network_.rnn, windows, layer)
        forward = gate_activations(model, ROWS, layer=layer)["hidden"]
        np.testing.assert_allclose(forward, expected[:, :, :size], atol=1e-10)
        if bidirectional:
            backward = gate_activations(model, ROWS, layer=layer, direction="backward")[
                "hidden"
            ]
            np.testing.assert_allclose(backward, expected[:, :, size:], atol=1e-10)


def test_top_layer_hidden_state_matches_the_network_in_float32():
    model = fitted(num_layers=2)
    windows = model._windows(ROWS).slice(0, len(ROWS))
    with torch.no_grad():
        sequence, _ = model.network_.rnn(windows)
    gates = gate_activations(model, ROWS)
    np.testing.assert_allclose(gates["hidden"], sequence.numpy(), atol=1e-5)


@pytest.mark.parametrize("direction", ["forward", "backward"])
def test_returned_arrays_satisfy_the_cell_and_hidden_state_equations(direction):
    model = fitted(num_layers=2, bidirectional=True)
    gates = gate_activations(model, ROWS, layer=0, direction=direction)
    i, f, g, o = (gates[k] for k in ("input", "forget", "candidate", "output"))
    c, h = gates["cell"], gates["hidden"]
    # The previous step is t - 1 forwards and t + 1 backwards; states start at 0.
    previous = np.zeros_like(c)
    if direction == "forward":
        previous[:, 1:] = c[:, :-1]
    else:
        previous[:, :-1] = c[:, 1:]
    np.testing.assert_allclose(c, f * previous + i * g, atol=1e-12)
    np.testing.assert_allclose(h, o * np.tanh(c), atol=1e-12)
    for gate in (i, f, o):
        assert ((gate > 0) & (gate < 1)).all()
    assert (np.abs(g) <= 1).all()


def test_arrays_have_one_window_per_row_of_x_and_one_column_per_unit():
    model = fitted(hidden_size=3)
    gates = gate_activations(model, ROWS[:30])
    assert set(gates) == {"input", "forget", "output", "candidate", "cell", "hidden"}
    for values in gates.values():
        assert values.shape == (30, 5, 3)


def test_windows_are_the_standardised_padded_lag_windows_of_predict():
    model = fitted()
    scaled = (ROWS[:20] - ROWS.mean(axis=0)) / ROWS.std(axis=0)
    padded = np.r_[np.repeat(scaled[:1], 4, axis=0), scaled]
    windows = np.stack([padded[i : i + 5] for i in range(20)])
    expected = lstm_reference(model.network_.rnn, windows)[-1][0]
    gates = gate_activations(model, ROWS[:20])
    for name in GATE_NAMES:
        np.testing.assert_allclose(gates[name], expected[name], atol=1e-6)


def test_three_dimensional_sequences_are_inspected_as_given():
    sequences = RNG.normal(size=(12, 7, 2))
    y = sequences[:, -1, 0]
    model = LSTMRegressor(hidden_size=4, max_iter=2, random_state=0).fit(sequences, y)
    gates = gate_activations(model, sequences)
    assert gates["cell"].shape == (12, 7, 4)


def test_gru_models_are_refused_with_a_clear_message():
    model = fitted(cell="gru")
    with pytest.raises(ValueError, match=r"cell='gru'.*cell='lstm'"):
        gate_activations(model, ROWS)
    # The cell fitted, not the parameter as set since (which said 'lstm').
    model.set_params(cell="lstm")
    with pytest.raises(ValueError, match=r"fitted with cell='gru'"):
        gate_activations(model, ROWS)


def test_the_rows_of_each_series_are_windowed_on_their_own_as_in_predict():
    # Without groups, the windows of series b's first rows read series a's
    # last rows: its hidden states differed by up to 0.27.
    groups = np.repeat(["a", "b"], len(ROWS) // 2)
    model = fitted()
    both = gate_activations(model, ROWS, groups=groups)
    alone = gate_activations(model, ROWS[groups == "b"])
    for name in GATE_NAMES:
        np.testing.assert_array_equal(both[name][groups == "b"], alone[name])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layer": 2}, "layer=2 does not exist"),
        ({"layer": -3}, "layer=-3 does not exist"),
        ({"layer": 0.5}, "layer=0.5 does not exist"),
        ({"layer": True}, "layer=True does not exist"),
        ({"direction": "backward"}, "needs a bidirectional model"),
        ({"direction": "up"}, "direction must be"),
    ],
)
def test_bad_layer_or_direction_is_refused(kwargs, message):
    model = fitted(num_layers=2)
    with pytest.raises(ValueError, match=message):
        gate_activations(model, ROWS, **kwargs)


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        gate_activations(LSTMRegressor(), ROWS)


def test_x_with_the_wrong_number_of_features_is_refused():
    model = fitted()
    with pytest.raises(ValueError, match="features"):
        gate_activations(model, ROWS[:, :1])


def test_a_forecasters_gates_are_those_of_its_inner_regressor():
    series = np.sin(0.3 * np.arange(60))
    covariates = np.empty((60, 0))
    forecaster = LSTMForecaster(lookback=6, hidden_size=4, max_iter=2, random_state=0)
    forecaster.fit(covariates, series)
    panel = panel_of(np.zeros(60), 60)
    windows, *_ = training_rows(series, covariates, panel, 1, change=False)
    gates = gate_activations(forecaster, windows)
    expected = gate_activations(forecaster.regressor_, windows)
    assert gates["forget"].shape == (len(windows), 6, 4)
    assert not np.array_equal(gates["cell"][0], gates["cell"][1])
    np.testing.assert_array_equal(gates["cell"], expected["cell"])


def test_a_pipelines_gates_are_those_of_its_last_step_on_the_rows_it_reads():
    # A fitted Pipeline was said to be "not fitted yet".
    pipeline = make_pipeline(
        StandardScaler(), LSTMRegressor(lookback=4, hidden_size=3, max_iter=2)
    ).fit(ROWS * 50.0, TARGET)
    gates = gate_activations(pipeline, ROWS * 50.0)
    expected = gate_activations(pipeline[-1], pipeline[0].transform(ROWS * 50.0))
    np.testing.assert_array_equal(gates["cell"], expected["cell"])


@pytest.mark.parametrize("wrap", ["one-step", "nested"])
def test_a_one_step_or_nested_pipeline_is_read_through_to_its_lstm(wrap):
    # One step failed inside scikit-learn ("no attribute 'transform'"), and
    # a nested Pipeline was refused as not ending in an LSTM.
    model = LSTMRegressor(lookback=4, hidden_size=3, max_iter=2)
    if wrap == "one-step":
        pipeline, rows = Pipeline([("model", model)]), ROWS
    else:
        pipeline = make_pipeline(StandardScaler(), make_pipeline("passthrough", model))
        rows = StandardScaler().fit(ROWS).transform(ROWS)
    pipeline.fit(ROWS, TARGET)
    gates = gate_activations(pipeline, ROWS)
    np.testing.assert_allclose(gates["cell"], gate_activations(model, rows)["cell"])


def test_a_pipeline_ending_in_a_forecaster_is_refused_saying_what_to_pass():
    forecaster = LSTMForecaster(lookback=4, hidden_size=3, max_iter=2)
    pipeline = make_pipeline(StandardScaler(), forecaster).fit(ROWS, TARGET)
    with pytest.raises(TypeError, match=r"pass the forecaster itself"):
        gate_activations(pipeline, ROWS)
    with pytest.raises(NotFittedError):
        gate_activations(Pipeline([("model", LSTMRegressor())]), ROWS)


def test_an_estimator_without_an_lstm_is_refused_by_its_type():
    ridge = Ridge().fit(ROWS, TARGET)
    with pytest.raises(TypeError, match=r"LSTMRegressor or LSTMForecaster.*Ridge"):
        gate_activations(ridge, ROWS)


def test_the_reference_counts_negative_layers_from_the_top_and_refuses_the_rest():
    # up_to_layer=-1 returned no layer; 2 of 2 layers, a GRU and inputs of
    # the wrong width failed inside torch and NumPy.
    rnn = nn.LSTM(2, 3, num_layers=2, batch_first=True)
    inputs = RNG.normal(size=(4, 5, 2))
    top = lstm_reference(rnn, inputs, up_to_layer=-1)
    assert len(top) == 2
    for name in GATE_NAMES:
        np.testing.assert_array_equal(
            top[1][0][name], lstm_reference(rnn, inputs)[1][0][name]
        )
    assert len(lstm_reference(rnn, inputs, up_to_layer=-2)) == 1
    with pytest.raises(ValueError, match=r"up_to_layer=2 is not a layer .* 0 to 1"):
        lstm_reference(rnn, inputs, up_to_layer=2)
    with pytest.raises(TypeError, match=r"torch\.nn\.LSTM; got GRU"):
        lstm_reference(nn.GRU(2, 3, batch_first=True), inputs)
    with pytest.raises(ValueError, match=r"shape \(n_samples, steps, 2\)"):
        lstm_reference(rnn, inputs[:, :, :1])
