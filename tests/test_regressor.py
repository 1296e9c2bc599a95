"""What a user of LSTMRegressor relies on: windows, training, shapes, state."""

from functools import partial

import numpy as np
import pandas as pd
import pytest
import torch
from _factories import noisy_sine, tiny_regressor
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_squared_error, r2_score

from sklstm import LSTMRegressor
from sklstm.exceptions import TrainingDivergedError, TrainingInterruptedWarning

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(120, 3))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]  # needs one row of history


tiny = partial(tiny_regressor, hidden_size=8, max_iter=15)


def lagged(series, lookback):
    """Reference lag matrix: row i holds series[i-lookback+1 .. i], edge-padded."""
    padded = np.r_[np.repeat(series[:1], lookback - 1), series]
    return np.stack([padded[i : i + lookback] for i in range(len(series))])


def test_prediction_for_a_row_never_uses_later_rows():
    model = tiny().fit(ROWS, TARGET)
    changed = ROWS.copy()
    changed[60:] += 100.0
    before, after = model.predict(ROWS), model.predict(changed)
    np.testing.assert_array_equal(before[:60], after[:60])
    assert not np.allclose(before[60:63], after[60:63])


def test_prediction_uses_exactly_lookback_rows():
    model = tiny(lookback=4).fit(ROWS, TARGET)
    changed = ROWS.copy()
    changed[50] += 10.0
    delta = np.abs(model.predict(ROWS) - model.predict(changed))
    assert np.all(delta[50:54] > 0)
    np.testing.assert_array_equal(delta[54:], 0)


def test_first_rows_are_padded_with_the_first_row():
    model = tiny(lookback=4).fit(ROWS, TARGET)
    padded = np.vstack([np.repeat(ROWS[:1], 3, axis=0), ROWS[:5]])
    as_sequences = np.stack([padded[i : i + 4] for i in range(5)])
    np.testing.assert_allclose(
        model.predict(ROWS[:5]), model.predict(as_sequences), rtol=1e-6
    )


@pytest.mark.parametrize("n_rows", [1, 2, 5])
def test_fit_accepts_fewer_rows_than_lookback_and_predicts_one_per_row(n_rows):
    model = tiny(lookback=10).fit(ROWS[:n_rows], TARGET[:n_rows])
    assert model.predict(ROWS[:7]).shape == (7,)


@pytest.mark.slow
def test_default_model_matches_ridge_on_the_same_lags_for_the_noisy_sine():
    series = noisy_sine()
    X, y = series[:-1, None], series[1:]
    model = LSTMRegressor(lookback=4, random_state=0).fit(X[:600], y[:600])
    lstm_mse = mean_squared_error(y[600:], model.predict(X)[600:])
    lags = lagged(series[:-1], 4)
    ridge = Ridge(alpha=1e-3).fit(lags[:600], y[:600])
    ridge_mse = mean_squared_error(y[600:], ridge.predict(lags[600:]))
    assert lstm_mse <= 1.05 * ridge_mse
    assert lstm_mse < 0.05  # the noise floor is 0.04


@pytest.mark.slow
def test_learns_a_nonlinear_function_of_history_that_a_linear_model_cannot():
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, size=600)
    y = np.r_[0.0, x[:-1] ** 2]  # the square of the previous row
    model = LSTMRegressor(lookback=2, random_state=0, max_iter=150).fit(
        x[:500, None], y[:500]
    )
    assert r2_score(y[500:], model.predict(x[:, None])[500:]) > 0.8
    ridge = Ridge().fit(lagged(x, 2)[:500], y[:500])
    assert r2_score(y[500:], ridge.predict(lagged(x, 2)[500:])) < 0.2


def test_predictions_come_back_in_the_units_of_y():
    y = 1000.0 + 50.0 * TARGET
    model = tiny(max_iter=60).fit(ROWS, y)
    assert abs(model.predict(ROWS).mean() - y.mean()) < 10.0


def test_same_random_state_gives_identical_models_and_another_differs():
    first = tiny(random_state=3).fit(ROWS, TARGET).predict(ROWS)
    second = tiny(random_state=3).fit(ROWS, TARGET).predict(ROWS)
    other = tiny(random_state=4).fit(ROWS, TARGET).predict(ROWS)
    np.testing.assert_array_equal(first, second)
    assert not np.allclose(first, other)


def test_fit_leaves_global_random_state_and_threads_untouched():
    torch_state = torch.get_rng_state().clone()
    numpy_state = np.random.get_state()  # noqa: NPY002
    threads = torch.get_num_threads()
    tiny(random_state=None, dropout=0.2, num_layers=2).fit(ROWS, TARGET)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()  # noqa: NPY002
    assert all(np.array_equal(a, b) for a, b in zip(after, numpy_state, strict=True))
    assert torch.get_num_threads() == threads


def test_early_stopping_scores_the_last_rows_and_restores_the_best_weights():
    series = noisy_sine(400)
    X, y = series[:-1, None], series[1:]
    model = tiny(lookback=4, early_stopping=True, max_iter=40, n_iter_no_change=3)
    model.fit(X, y)
    predictions = model.predict(X)
    n_validation = int(np.ceil(0.1 * len(y)))
    tail_r2 = r2_score(y[-n_validation:], predictions[-n_validation:])
    head_r2 = r2_score(y[:n_validation], predictions[:n_validation])
    assert tail_r2 == pytest.approx(model.best_validation_score_, abs=1e-4)
    assert head_r2 != pytest.approx(model.best_validation_score_, abs=1e-2)
    # The untrained network (the ridge fit of the linear path) is a candidate too.
    assert model.best_validation_score_ >= max(model.validation_scores_)
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)


def test_training_stops_when_the_loss_stops_improving():
    model = tiny(max_iter=500, n_iter_no_change=2, tol=10.0, early_stopping=False).fit(
        ROWS, TARGET
    )
    assert model.n_iter_ == 3


def test_multi_output_targets_give_one_row_of_predictions_per_row():
    y = np.column_stack([TARGET, -TARGET, 2 * TARGET])
    model = tiny().fit(ROWS, y)
    assert model.predict(ROWS).shape == (120, 3)
    assert model.n_outputs_ == 3


def test_three_dimensional_sequences_are_used_as_given():
    sequences = RNG.normal(size=(50, 6, 2))
    y = sequences[:, :, 0].sum(axis=1)
    model = tiny(lookback=3, max_iter=80).fit(sequences, y)
    assert model.window_length_ == 6
    assert model.n_features_in_ == 2
    assert model.score(sequences, y) > 0.8
    with pytest.raises(ValueError, match=r"sequences of 4 steps.*6 steps"):
        model.predict(sequences[:, :4])


def test_pandas_input_sets_feature_names_and_predicts_like_numpy():
    frame = pd.DataFrame(ROWS, columns=["load", "temperature", "price"])
    model = tiny().fit(frame, pd.Series(TARGET))
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    np.testing.assert_array_equal(model.predict(frame), model.predict(ROWS))
    assert not hasattr(tiny().fit(ROWS, TARGET), "feature_names_in_")


@pytest.mark.parametrize(
    "convert",
    [
        lambda a: a.astype(np.float32),
        lambda a: np.round(a * 10).astype(np.int64),
        lambda a: np.asfortranarray(a),
        lambda a: np.repeat(a, 2, axis=0)[::2],  # odd strides
        lambda a: np.flip(np.flip(a, axis=0), axis=0),  # negative strides
    ],
    ids=["float32", "int64", "fortran", "strided", "negative-strides"],
)
def test_any_numeric_layout_gives_the_predictions_of_a_plain_float64_copy(convert):
    X = convert(ROWS)
    plain = np.ascontiguousarray(X, dtype=np.float64)
    np.testing.assert_allclose(
        tiny().fit(X, TARGET).predict(X),
        tiny().fit(plain, TARGET).predict(plain),
        rtol=1e-5,
        atol=1e-6,
    )


def test_read_only_arrays_are_accepted_and_not_modified():
    X, y = ROWS.copy(), TARGET.copy()
    X.flags.writeable = False
    y.flags.writeable = False
    tiny().fit(X, y).predict(X)
    np.testing.assert_array_equal(X, ROWS)


def test_warm_start_continues_training_from_the_current_weights():
    model = tiny(max_iter=5, warm_start=True, n_iter_no_change=100).fit(ROWS, TARGET)
    first_curve = list(model.loss_curve_)
    model.fit(ROWS, TARGET)
    assert model.n_iter_ == 10
    assert model.loss_curve_[:5] == first_curve
    assert model.loss_curve_[5] < first_curve[0]


def test_partial_fit_trains_one_epoch_per_call():
    model = tiny()
    for _ in range(3):
        model.partial_fit(ROWS, TARGET)
    assert model.n_iter_ == 3
    assert model.loss_curve_[-1] < model.loss_curve_[0]


def test_refit_without_warm_start_starts_afresh():
    model = tiny(max_iter=5, n_iter_no_change=100).fit(ROWS, TARGET)
    model.fit(ROWS, TARGET)
    assert model.n_iter_ == 5


def test_diverging_training_raises_and_leaves_the_estimator_as_it_was():
    fresh = tiny(learning_rate_init=1e30)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1.*learning_rate_init"):
        fresh.fit(ROWS, TARGET)
    with pytest.raises(NotFittedError):
        fresh.predict(ROWS)

    fitted = tiny().fit(ROWS, TARGET)
    before = fitted.predict(ROWS)
    fitted.set_params(learning_rate_init=1e30)
    with pytest.raises(TrainingDivergedError):
        fitted.fit(ROWS, TARGET)
    np.testing.assert_array_equal(fitted.predict(ROWS), before)


def test_ctrl_c_during_fit_keeps_a_usable_model_warns_and_reraises():
    model = tiny(
        max_iter=3, warm_start=True, n_iter_no_change=100, early_stopping=False
    ).fit(ROWS, TARGET)
    calls = {"n": 0}

    def interrupt_on_the_sixth_batch(module, inputs):
        calls["n"] += 1
        if calls["n"] == 6 and module.training:
            raise KeyboardInterrupt

    handle = model.network_.register_forward_pre_hook(interrupt_on_the_sixth_batch)
    with pytest.warns(TrainingInterruptedWarning), pytest.raises(KeyboardInterrupt):
        model.fit(ROWS, TARGET)
    handle.remove()
    assert model.n_iter_ == 3 + 1  # 4 batches an epoch: 1 whole epoch ran
    assert model.predict(ROWS).shape == (120,)


def test_verbose_zero_is_silent_and_verbose_prints_one_line_per_epoch(capsys):
    tiny(verbose=0, max_iter=4).fit(ROWS, TARGET)
    assert capsys.readouterr().out == ""
    tiny(verbose=2, max_iter=4, n_iter_no_change=100).fit(ROWS, TARGET)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == 4


def test_clone_of_a_fitted_model_is_unfitted_with_the_same_parameters():
    model = tiny().fit(ROWS, TARGET)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(ROWS)


def test_parameters_are_stored_unchanged_and_resolved_values_are_fitted_attributes():
    model = tiny(device="auto").fit(ROWS, TARGET)
    assert model.device == "auto"
    assert model.device_ == "cpu"
    assert model.lookback == 3 and model.window_length_ == 3


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lookback": 0}, "lookback"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"batch_size": -1}, "batch_size"),
        ({"max_iter": 0}, "max_iter"),
        ({"dropout": 1.0}, "dropout"),
        ({"cell": "rnn"}, "cell"),
    ],
)
def test_out_of_range_parameters_are_refused_at_fit(params, message):
    model = LSTMRegressor(**params)  # construction never checks
    with pytest.raises(ValueError, match=message):
        model.fit(ROWS, TARGET)


def test_gru_cell_and_bidirectional_stacks_train():
    for params in (
        {"cell": "gru"},
        {"bidirectional": True, "num_layers": 2, "dropout": 0.1},
    ):
        model = tiny(max_iter=60, **params).fit(ROWS, TARGET)
        assert model.score(ROWS, TARGET) > 0.8, params


def test_early_stopping_on_one_sample_says_so_as_scikit_learn_checks_it():
    # check_fit2d_1sample looks for "1 sample" in the refusal; with
    # early_stopping=True, the message spoke of "the 1 rows".
    with pytest.raises(ValueError, match=r"of the 1 sample .*no rows to train on"):
        LSTMRegressor(lookback=1, early_stopping=True).fit([[1.0]], [2.0])


@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_continued_fit_trains_with_the_dropout_set_since(how):
    # The copy of the fitted network kept its dropout: set_params(dropout=)
    # was ignored, though it reshapes nothing.
    def continued(dropout):
        model = tiny(num_layers=2, max_iter=3, early_stopping=False).fit(ROWS, TARGET)
        model.set_params(dropout=dropout, warm_start=True)
        if how == "warm_start":
            return model.fit(ROWS, TARGET)
        return model.partial_fit(ROWS, TARGET)

    kept, changed = continued(0.0), continued(0.9)
    assert changed.network_.dropout.p == changed.network_.rnn.dropout == 0.9
    assert changed._architecture["dropout"] == 0.9
    assert not np.array_equal(changed.predict(ROWS), kept.predict(ROWS))


def test_partial_fit_applies_the_alpha_set_since():
    # partial_fit restored the optimiser's old weight decay with its moments.
    def continued(alpha):
        model = tiny(max_iter=2).fit(ROWS, TARGET)
        return model.set_params(alpha=alpha).partial_fit(ROWS, TARGET)

    kept, changed = continued(0.0), continued(10.0)
    assert [g["weight_decay"] for g in changed._optimizer.param_groups] == [10.0] * 2
    assert not np.array_equal(changed.predict(ROWS), kept.predict(ROWS))


def test_a_warm_fit_draws_its_minibatch_order_from_the_random_state_set_since():
    # A continued fit reused the first fit's seed whatever random_state said.
    def continued(random_state):
        model = tiny(max_iter=2, random_state=0, batch_size=16).fit(ROWS, TARGET)
        model.set_params(random_state=random_state, warm_start=True)
        return model.fit(ROWS, TARGET).predict(ROWS)

    np.testing.assert_array_equal(continued(0), continued(0))
    assert not np.array_equal(continued(0), continued(1))
