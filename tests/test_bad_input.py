"""Bad input and faults: a clear error, and a fitted model that loses nothing."""

import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from _factories import tiny_forecaster
from _factories import tiny_regressor as tiny
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.utils._param_validation import InvalidParameterError

from sklstm._network import RecurrentNetwork
from sklstm.exceptions import TrainingDivergedError, TrainingInterruptedWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
ROWS = RNG.normal(size=(60, 3))
TARGET = ROWS[:, 0] - 0.5 * np.r_[0.0, ROWS[:-1, 1]]
SEQUENCES = RNG.normal(size=(30, 5, 2))
SEQUENCE_TARGET = SEQUENCES[:, :, 0].sum(axis=1)
FRAME = pd.DataFrame(ROWS, columns=["load", "temperature", "price"])


def with_value(array, value, index=5):
    changed = np.array(array, dtype=float)
    changed.flat[index] = value
    return changed


def assert_no_torch_frames(info):
    """The user sees an error raised by sklstm or scikit-learn, not torch."""
    raising = str(info.traceback[-1].path)
    assert "/torch/" not in raising, raising


# (X, y, exception, key words of the message) for fit on a fresh estimator.
BAD_TRAINING_DATA = [
    pytest.param(
        with_value(ROWS, np.nan), TARGET, ValueError, "X contains NaN", id="nan-in-X"
    ),
    pytest.param(
        with_value(ROWS, np.inf),
        TARGET,
        ValueError,
        "X contains infinity",
        id="inf-in-X",
    ),
    pytest.param(
        ROWS,
        np.full(len(TARGET), np.nan),
        ValueError,
        "Every value of y is missing",
        id="all-of-y-missing",
    ),
    pytest.param(
        ROWS,
        with_value(TARGET, -np.inf),
        ValueError,
        "y contains infinity",
        id="inf-in-y",
    ),
    pytest.param(
        with_value(ROWS, 1e39),
        TARGET,
        ValueError,
        r"X contains values as large as 1e\+39, beyond what float32.*Rescale X",
        id="X-overflows-float32",
    ),
    pytest.param(
        ROWS,
        with_value(TARGET, 1e200),
        ValueError,
        r"y contains values as large as 1e\+200, beyond what float32.*Rescale y",
        id="y-overflows-float32",
    ),
    pytest.param(
        ROWS * np.array([1.0, 1e-40, 1.0]),
        TARGET,
        ValueError,
        r"Every value of X \(column 1\) is as small as .*e-40.*Rescale X",
        id="X-column-below-float32",
    ),
    pytest.param(
        ROWS,
        TARGET * 1e-45,
        ValueError,
        r"Every value of y is as small as .*e-45.*smallest normal.*Rescale y",
        id="y-below-float32",
    ),
    # Given as float32, such values were taken as a constant column.
    pytest.param(
        (ROWS * np.array([1.0, 1e-39, 1.0])).astype(np.float32),
        TARGET,
        ValueError,
        r"Every value of X \(column 1\) is as small as .*e-39.*Rescale X",
        id="float32-X-column-below-float32-normals",
    ),
    pytest.param(
        ROWS,
        np.array(["up", "down"] * 30),
        ValueError,
        r"y must be numeric.*'up'.*Convert y to numbers",
        id="string-y",
    ),
    pytest.param(
        ROWS,
        np.array([{"a": 1}] * 60, dtype=object),
        ValueError,
        r"y must be numeric.*\{'a': 1\}.*dtype object",
        id="object-y",
    ),
    pytest.param(
        ROWS,
        TARGET + 1j,
        ValueError,
        r"y holds complex numbers.*np\.real\(y\)",
        id="complex-y",
    ),
    pytest.param(
        np.array([[1.0, "warm", 2.0]] * 60, dtype=object),
        TARGET,
        ValueError,
        r"X must be numeric, but it holds text.*'warm'.*OneHotEncoder",
        id="strings-in-object-X",
    ),
    pytest.param(
        FRAME.assign(price=["low", "high"] * 30),
        TARGET,
        ValueError,
        r"X must be numeric.*'low'.*Encode",
        id="string-column-in-DataFrame",
    ),
    pytest.param(
        ROWS + 1j,
        TARGET,
        ValueError,
        r"X holds complex numbers.*np\.real\(X\).*np\.abs\(X\)",
        id="complex-X",
    ),
    pytest.param(
        SEQUENCES + 1j,
        SEQUENCE_TARGET,
        ValueError,
        r"X holds complex numbers",
        id="complex-3-D-X",
    ),
    pytest.param(
        sp.csr_matrix(ROWS),
        TARGET,
        TypeError,
        r"Sparse data was passed for X, but dense data is required.*toarray",
        id="sparse-X",
    ),
    pytest.param(
        np.empty((0, 3)),
        np.empty(0),
        ValueError,
        r"Found array with 0 sample\(s\).*minimum of 1",
        id="empty-X",
    ),
    pytest.param(
        np.empty((60, 0)),
        TARGET,
        ValueError,
        r"0 feature\(s\).*minimum of 1",
        id="X-without-columns",
    ),
    pytest.param(
        ROWS[:, 0],
        TARGET,
        ValueError,
        r"(?s)Expected 2D array, got 1D array.*reshape\(-1, 1\)",
        id="1-D-X",
    ),
    pytest.param(
        np.zeros((60, 3, 2, 1)),
        TARGET,
        ValueError,
        r"X must be 2-D \(n_rows, n_features\) or 3-D.*4 dimensions",
        id="4-D-X",
    ),
    pytest.param(
        np.zeros((30, 0, 2)),
        SEQUENCE_TARGET,
        ValueError,
        r"at least one step and one feature.*\(30, 0, 2\)",
        id="3-D-X-without-steps",
    ),
    pytest.param(
        ROWS,
        TARGET[:-1],
        ValueError,
        r"inconsistent numbers of samples: \[60, 59\]",
        id="X-and-y-lengths-differ",
    ),
    pytest.param(
        ROWS,
        np.zeros((60, 1, 1)),
        ValueError,
        r"dim 3",
        id="3-D-y",
    ),
]

# (parameters, exception, key words) refused by fit before anything happens.
BAD_PARAMETERS = [
    # Python reads True as 1, which scikit-learn's constraints take.
    pytest.param(
        {"hidden_size": True},
        InvalidParameterError,
        r"hidden_size=True.*not True or False",
        id="hidden_size-True",
    ),
    pytest.param(
        {"alpha": True, "random_state": True},
        InvalidParameterError,
        r"alpha=True, random_state=True.*not True or False",
        id="two-bools",
    ),
    pytest.param(
        {"lookback": 0},
        InvalidParameterError,
        r"'lookback'.*range \[1, inf\).*Got 0",
        id="lookback-0",
    ),
    pytest.param(
        {"lookback": 2.5},
        InvalidParameterError,
        r"'lookback'.*an int.*Got 2.5",
        id="lookback-float",
    ),
    pytest.param(
        {"batch_size": 0},
        InvalidParameterError,
        r"'batch_size'.*range \[1, inf\).*Got 0",
        id="batch_size-0",
    ),
    pytest.param(
        {"hidden_size": 0},
        InvalidParameterError,
        r"'hidden_size'.*Got 0",
        id="hidden_size-0",
    ),
    pytest.param(
        {"max_iter": -1},
        InvalidParameterError,
        r"'max_iter'.*Got -1",
        id="max_iter-negative",
    ),
    pytest.param(
        {"device": "tpu"},
        ValueError,
        r"Unknown device 'tpu'.*device='auto'",
        id="unknown-device",
    ),
    pytest.param(
        {"device": 3},
        InvalidParameterError,
        r"'device'.*Got 3",
        id="device-of-wrong-type",
    ),
    pytest.param(
        {"device": "cuda"},
        ValueError,
        r"device='cuda'.*CUDA is not available.*device='cpu'",
        id="cuda-unavailable",
    ),
    pytest.param(
        {"device": torch.device("cuda")},
        ValueError,
        r"CUDA is not available",
        id="torch-cuda-device-unavailable",
    ),
    pytest.param(
        {"device": "cuda:1"},
        ValueError,
        r"device='cuda:1'.*has 1 CUDA device\(s\) \(cuda:0 to cuda:0\)",
        id="cuda-index-beyond-the-gpus",
    ),
    pytest.param(
        {"device": "mps"},
        ValueError,
        r"device='mps'.*MPS backend is not available.*device='cpu'",
        id="mps-unavailable",
    ),
]


def gpus_for(params):
    """The GPUs the fake machine reports: one for 'cuda:1', none otherwise.

    With no MPS and one GPU reported, every test that reaches a device gets
    there through its explicit device name; only 'cuda:1' uses the count.
    """
    return 1 if params.get("device") == "cuda:1" else 0


@pytest.mark.parametrize(("X", "y", "error", "message"), BAD_TRAINING_DATA)
def test_bad_training_data_is_refused_with_a_clear_message(X, y, error, message):
    with pytest.raises(error, match=message) as info:
        tiny().fit(X, y)
    assert_no_torch_frames(info)


@pytest.mark.parametrize(("X", "y", "error", "message"), BAD_TRAINING_DATA)
def test_a_refused_refit_leaves_the_fitted_model_predicting_as_before(
    X, y, error, message
):
    model = tiny().fit(FRAME, TARGET)
    before = model.predict(FRAME)
    with pytest.raises(error, match=message):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(FRAME), before)
    np.testing.assert_array_equal(model.feature_names_in_, FRAME.columns)
    assert model.n_features_in_ == 3


@pytest.mark.parametrize(("params", "error", "message"), BAD_PARAMETERS)
def test_out_of_range_parameters_are_refused_with_a_clear_message(
    params, error, message, machine
):
    machine(cuda_devices=gpus_for(params))
    with pytest.raises(error, match=message) as info:
        tiny(**params).fit(ROWS, TARGET)
    assert_no_torch_frames(info)


@pytest.mark.parametrize(("params", "error", "message"), BAD_PARAMETERS)
def test_a_refit_refused_for_its_parameters_leaves_the_model_as_it_was(
    params, error, message, machine
):
    model = tiny().fit(ROWS, TARGET)
    before = model.predict(ROWS)
    machine(cuda_devices=gpus_for(params))
    model.set_params(**params)
    with pytest.raises(error, match=message):
        model.fit(ROWS, TARGET)
    np.testing.assert_array_equal(model.predict(ROWS), before)
    assert model.device_ == "cpu"


@pytest.mark.parametrize("params", [{"shrinkage": True}, {"n_networks": True}])
def test_a_forecaster_refuses_true_for_a_number(params):
    series = np.sin(np.arange(40.0))
    with pytest.raises(InvalidParameterError, match="not True or False"):
        tiny_forecaster(**params).fit(np.empty((40, 0)), series)


def fitted_on_rows():
    return tiny().fit(ROWS, TARGET)


def fitted_on_frame():
    return tiny().fit(FRAME, TARGET)


def fitted_on_sequences():
    return tiny().fit(SEQUENCES, SEQUENCE_TARGET)


# (how to fit, X at predict, exception, key words).
BAD_PREDICTION_INPUT = [
    pytest.param(
        fitted_on_rows,
        ROWS[:, :2],
        ValueError,
        r"X has 2 features, but LSTMRegressor is expecting 3",
        id="too-few-features",
    ),
    pytest.param(
        fitted_on_rows,
        np.hstack([ROWS, ROWS]),
        ValueError,
        r"X has 6 features.*expecting 3",
        id="too-many-features",
    ),
    pytest.param(
        fitted_on_frame,
        FRAME[["price", "load", "temperature"]],
        ValueError,
        r"Feature names must be in the same order as they were in fit",
        id="reordered-DataFrame-columns",
    ),
    pytest.param(
        fitted_on_frame,
        FRAME.rename(columns={"price": "cost"}),
        ValueError,
        r"Feature names unseen at fit time:\n- cost",
        id="renamed-DataFrame-column",
    ),
    pytest.param(
        fitted_on_sequences,
        SEQUENCES[:, :4],
        ValueError,
        r"sequences of 4 steps.*windows of 5 steps.*Pass sequences of 5 steps",
        id="3-D-with-other-steps",
    ),
    pytest.param(
        fitted_on_sequences,
        np.concatenate([SEQUENCES, SEQUENCES], axis=2),
        ValueError,
        r"X has 4 features.*expecting 2",
        id="3-D-with-other-features",
    ),
    pytest.param(
        fitted_on_rows,
        RNG.normal(size=(4, 5, 3)),
        ValueError,
        r"sequences of 5 steps.*windows of 3 steps",
        id="3-D-for-a-model-fitted-on-rows",
    ),
    pytest.param(
        fitted_on_rows,
        with_value(ROWS, np.nan),
        ValueError,
        r"Input X contains NaN",
        id="nan-at-predict",
    ),
    pytest.param(
        fitted_on_sequences,
        with_value(SEQUENCES, np.nan),
        ValueError,
        r"Input X contains NaN",
        id="nan-in-3-D-at-predict",
    ),
    pytest.param(
        fitted_on_rows,
        with_value(ROWS, -1e39),
        ValueError,
        r"X contains values as large as 1e\+39.*float32",
        id="X-overflows-float32-at-predict",
    ),
    pytest.param(
        fitted_on_rows,
        np.empty((0, 3)),
        ValueError,
        r"0 sample\(s\)",
        id="empty-X-at-predict",
    ),
    pytest.param(
        fitted_on_rows,
        ROWS[:, 0],
        ValueError,
        r"Expected 2D array, got 1D array",
        id="1-D-X-at-predict",
    ),
    pytest.param(
        fitted_on_rows,
        sp.csr_matrix(ROWS),
        TypeError,
        r"Sparse data.*dense data is required",
        id="sparse-X-at-predict",
    ),
    pytest.param(
        fitted_on_rows,
        np.array([[1.0, "x", 2.0]], dtype=object),
        ValueError,
        r"X must be numeric.*'x'",
        id="strings-at-predict",
    ),
]


@pytest.mark.parametrize(("fit", "X", "error", "message"), BAD_PREDICTION_INPUT)
def test_bad_prediction_input_is_refused_with_a_clear_message(fit, X, error, message):
    model = fit()
    with pytest.raises(error, match=message) as info:
        model.predict(X)
    assert_no_torch_frames(info)


@pytest.mark.parametrize("value", [1e36, -3e38])
def test_predict_refuses_values_that_overflow_float32_once_standardised(value):
    # Below float32's limit, they passed the check of X, and standardising
    # by the fitted scale of 1e-3 took them beyond it: NaN predictions.
    small = FRAME * 1e-3
    model = tiny().fit(small, TARGET)
    before = model.predict(small)
    changed = small.copy()
    changed.iloc[20, 1] = value
    with pytest.raises(
        ValueError,
        match=rf"X column 'temperature' holds {re.escape(f'{value:.3g}')}, which "
        r"standardising by the fitted scale .* beyond what float32 can hold",
    ) as info:
        model.predict(changed)
    assert_no_torch_frames(info)
    np.testing.assert_array_equal(model.predict(small), before)
    sequences = tiny().fit(SEQUENCES * 1e-3, SEQUENCE_TARGET)
    with pytest.raises(ValueError, match=r"X column 1 holds .* beyond what float32"):
        sequences.predict(with_value(SEQUENCES * 1e-3, value))


@pytest.mark.parametrize(
    ("continue_fit", "call"),
    [
        (lambda model, X: model.set_params(warm_start=True).fit(X, TARGET), "fit"),
        (lambda model, X: model.partial_fit(X, TARGET), "partial_fit"),
    ],
    ids=["warm_start", "partial_fit"],
)
def test_a_continued_fit_refuses_values_that_overflow_float32_once_standardised(
    continue_fit, call
):
    # Standardised by the first fit's scale, they made the loss NaN, refused
    # as a diverged training that blamed the learning rate.
    small = FRAME * 1e-3
    model = tiny().fit(small, TARGET)
    before = model.predict(small)
    changed = small.copy()
    changed.iloc[20, 2] = 1e36
    with pytest.raises(
        ValueError,
        match=r"^X column 'price' holds 1e\+36, which standardising by the fitted "
        rf"scale .* beyond what float32 can hold .*; {call}.* keeps the scale of "
        r"the first fit .* call fit with warm_start=False",
    ) as info:
        continue_fit(model, changed)
    assert not isinstance(info.value, TrainingDivergedError)
    np.testing.assert_array_equal(model.predict(small), before)


CONTINUED_FITS = [
    pytest.param(
        lambda model, X, y, **kw: model.set_params(warm_start=True).fit(X, y, **kw),
        "fit with warm_start=True",
        id="warm_start",
    ),
    pytest.param(
        lambda model, X, y, **kw: model.partial_fit(X, y, **kw),
        "partial_fit",
        id="partial_fit",
    ),
]


@pytest.mark.parametrize(("continue_fit", "call"), CONTINUED_FITS)
@pytest.mark.parametrize(
    ("scale", "value", "beyond"),
    [
        (1e-3, 1e36, "beyond what float32 can hold"),
        # Standardised, float32 holds it, but not its square in the loss.
        (1.0, 1e25, r"whose squared error \(up to 4 times its square, 60 summed"),
    ],
    ids=["value-overflows", "square-overflows"],
)
def test_a_continued_fit_refuses_a_target_that_overflows_once_standardised(
    continue_fit, call, scale, value, beyond
):
    # Standardised by the first fit's scale, y made the loss NaN, refused as
    # a diverged training that blamed the learning rate.
    model = tiny().fit(FRAME, TARGET * scale)
    before = model.predict(FRAME)
    with pytest.raises(
        ValueError,
        match=rf"^y holds {re.escape(f'{value:.3g}')}, which standardising by the "
        rf"fitted scale .* {beyond} .*; {call} keeps the scale of the first fit .* "
        r"call fit with warm_start=False",
    ) as info:
        continue_fit(model, FRAME, with_value(TARGET * scale, value, 20))
    assert not isinstance(info.value, TrainingDivergedError)
    np.testing.assert_array_equal(model.predict(FRAME), before)


@pytest.mark.parametrize(("continue_fit", "call"), CONTINUED_FITS)
def test_a_continued_fit_refuses_targets_whose_squares_overflow_once_summed(
    continue_fit, call
):
    # Two targets of 1.6e19 standard deviations: each square fits in
    # float32 (2.6e38), their sum in a batch does not, and the training
    # diverged, blaming the learning rate.
    model = tiny().fit(FRAME, TARGET)
    before = model.predict(FRAME)
    y = TARGET.copy()
    y[[10, 20]] = 1.6e19 * TARGET.std()
    with pytest.raises(ValueError, match=r"^y holds .*summed in the loss\) is beyond"):
        continue_fit(model, FRAME, y)
    np.testing.assert_array_equal(model.predict(FRAME), before)


@pytest.mark.parametrize(("continue_fit", "call"), CONTINUED_FITS)
def test_a_continued_fit_names_the_output_of_y_that_overflows(continue_fit, call):
    outputs = np.column_stack([TARGET, TARGET * 1e-3])
    model = tiny().fit(FRAME, outputs)
    before = model.predict(FRAME)
    huge = outputs.copy()
    huge[20, 1] = 1e36
    with pytest.raises(ValueError, match=rf"^y column 1 holds 1e\+36, .*; {call}"):
        continue_fit(model, FRAME, huge)
    np.testing.assert_array_equal(model.predict(FRAME), before)


# The placeholder overflows float32 once standardised, where its weight of 0
# leaves it out of the loss.
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
def test_a_continued_fit_takes_a_huge_placeholder_target_of_weight_0():
    # A row of weight 0 leaves the loss: its target is not refused.
    model = tiny(early_stopping=False).fit(FRAME, TARGET * 1e-3)
    weights = np.ones(len(TARGET))
    weights[20] = 0.0
    model.partial_fit(FRAME, with_value(TARGET * 1e-3, 1e36, 20), weights)
    assert np.isfinite(model.predict(FRAME)).all()


def test_a_bool_target_trains_as_the_same_zeros_and_ones_in_float():
    flags = TARGET > 0
    as_bool = tiny().fit(ROWS, flags).predict(ROWS)
    as_float = tiny().fit(ROWS, flags.astype(float)).predict(ROWS)
    np.testing.assert_array_equal(as_bool, as_float)


def test_predicting_before_fit_says_to_call_fit():
    with pytest.raises(NotFittedError, match=r"not fitted yet. Call 'fit'"):
        tiny().predict(ROWS)


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        (ROWS[:, :2], TARGET, r"X has 2 features.*expecting 3"),
        (FRAME[["price", "load", "temperature"]], TARGET, r"same order"),
        (
            ROWS,
            np.column_stack([TARGET, TARGET]),
            r"y has 2 output\(s\).*fitted with 1",
        ),
    ],
    ids=["other-feature-count", "reordered-columns", "other-output-count"],
)
def test_a_warm_start_refit_on_other_shaped_data_is_refused_and_changes_nothing(
    X, y, message
):
    model = tiny(warm_start=True).fit(FRAME, TARGET)
    before, n_iter = model.predict(FRAME), model.n_iter_
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    np.testing.assert_array_equal(model.predict(FRAME), before)
    assert model.n_iter_ == n_iter


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (FRAME[["load", "price"]], r"read 1 covariate column\(s\) \['load'\]; X has 2"),
        (FRAME[["price"]], r"\['load'\]; X has 1 \['price'\]"),
    ],
    ids=["another-count", "a-renamed-column"],
)
def test_a_forecaster_warm_start_with_other_covariates_names_its_own_columns(
    X, message
):
    # The message speaks of the forecaster's covariates, not of the inner
    # regressor's window columns (value, mask, covariates of several steps).
    y = TARGET + 3
    forecaster = tiny_forecaster(warm_start=True).fit(FRAME[["load"]], y)
    future = FRAME[["load"]].iloc[:4]
    before = forecaster.predict(future)
    with pytest.raises(ValueError, match=message):
        forecaster.fit(X, y)
    np.testing.assert_array_equal(forecaster.predict(future), before)


def test_a_warm_start_refit_on_sequences_of_other_length_is_refused():
    model = tiny(warm_start=True).fit(SEQUENCES, SEQUENCE_TARGET)
    before = model.predict(SEQUENCES)
    with pytest.raises(ValueError, match=r"sequences of 4 steps.*windows of 5"):
        model.fit(SEQUENCES[:, :4], SEQUENCE_TARGET)
    np.testing.assert_array_equal(model.predict(SEQUENCES), before)


# ------------------------------------------------------------------ faults


def test_a_diverging_candidate_gets_error_score_in_a_grid_search():
    search = GridSearchCV(
        tiny(),
        {"learning_rate_init": [0.003, 1e30]},
        cv=TimeSeriesSplit(n_splits=2),
        error_score=-1234.0,
    )
    with pytest.warns(FitFailedWarning, match="TrainingDivergedError"):
        search.fit(ROWS, TARGET)
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] == -1234.0
    assert np.isfinite(scores[0]) and scores[0] != -1234.0
    assert search.best_params_ == {"learning_rate_init": 0.003}


def test_a_diverging_fit_raises_in_a_grid_search_with_error_score_raise():
    search = GridSearchCV(
        tiny(learning_rate_init=1e30),
        {"hidden_size": [4]},
        cv=TimeSeriesSplit(n_splits=2),
        error_score="raise",
    )
    with pytest.raises(TrainingDivergedError, match="diverged at epoch"):
        search.fit(ROWS, TARGET)


def _training_forward_hook(action):
    """Run ``action`` before every forward pass of a network in training mode."""

    def hook(module, inputs):
        if isinstance(module, RecurrentNetwork) and module.training:
            action()

    return torch.nn.modules.module.register_module_forward_pre_hook(hook)


def test_ctrl_c_stops_a_grid_search_instead_of_scoring_the_candidate():
    def interrupt():
        raise KeyboardInterrupt

    search = GridSearchCV(tiny(), {"hidden_size": [4, 5]}, cv=TimeSeriesSplit(2))
    handle = _training_forward_hook(interrupt)
    try:
        with pytest.raises(KeyboardInterrupt), pytest.warns(TrainingInterruptedWarning):
            search.fit(ROWS, TARGET)
    finally:
        handle.remove()
    assert not hasattr(search, "best_params_")


def test_running_out_of_host_memory_advises_a_smaller_batch_or_lookback():
    model = tiny().fit(ROWS, TARGET)
    before = model.predict(ROWS)

    def allocate_a_petabyte():  # the allocator really refuses this
        torch.empty(2**50, dtype=torch.uint8)

    handle = _training_forward_hook(allocate_a_petabyte)
    try:
        with pytest.raises(
            RuntimeError,
            match=r"Ran out of memory on cpu.*batch_size=32.*windows of 3 steps"
            r".*Lower batch_size or lookback",
        ) as info:
            model.fit(ROWS, TARGET)
    finally:
        handle.remove()
    assert "can't allocate memory" in str(info.value.__cause__)
    np.testing.assert_array_equal(model.predict(ROWS), before)


def test_a_device_out_of_memory_error_keeps_its_type_and_gains_advice():
    def device_is_full():
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 8.00 GiB")

    handle = _training_forward_hook(device_is_full)
    try:
        with pytest.raises(torch.cuda.OutOfMemoryError) as info:
            tiny(lookback=7, batch_size=16).fit(ROWS, TARGET)
    finally:
        handle.remove()
    message = str(info.value)
    assert "batch_size=16" in message and "windows of 7 steps" in message
    assert "Lower batch_size or lookback" in message
    assert "Tried to allocate 8.00 GiB" in message


# ---------------------------------------------------------------- forecaster

SERIES = np.sin(np.arange(60) / 4) + 0.1 * RNG.normal(size=60)
COVARIATES = RNG.normal(size=(60, 2))


BAD_SERIES = [
    pytest.param(
        COVARIATES,
        np.full(len(SERIES), np.nan),
        r"Every value of y is missing",
        id="all-of-y-missing",
    ),
    pytest.param(
        with_value(COVARIATES, np.inf), SERIES, r"X contains infinity", id="inf-in-X"
    ),
    pytest.param(
        COVARIATES,
        with_value(SERIES, 1e200),
        r"y contains values as large as 1e\+200.*Rescale y",
        id="y-overflows-float32",
    ),
    pytest.param(
        COVARIATES, np.array(["a", "b"] * 30), r"y must be numeric.*'a'", id="string-y"
    ),
    pytest.param(
        np.array([[1.0, "x"]] * 60, dtype=object),
        SERIES,
        r"X must be numeric.*'x'",
        id="strings-in-X",
    ),
    pytest.param(COVARIATES + 1j, SERIES, r"X holds complex numbers", id="complex-X"),
    pytest.param(
        COVARIATES,
        np.column_stack([SERIES, SERIES]),
        r"y should be a 1d array",
        id="2-D-y",
    ),
    pytest.param(
        COVARIATES, SERIES[:-1], r"inconsistent numbers of samples", id="lengths-differ"
    ),
    pytest.param(
        COVARIATES[:3],
        SERIES[:3],
        r"lookback \+ 1 = 4 observations.*got 3.*lower lookback",
        id="series-too-short",
    ),
    pytest.param(
        None, SERIES, r"X is None.*np.empty\(\(len\(y\), 0\)\)", id="X-is-None"
    ),
]


@pytest.mark.parametrize(("X", "y", "message"), BAD_SERIES)
def test_a_forecaster_refuses_a_bad_series_and_keeps_its_forecast(X, y, message):
    model = tiny_forecaster().fit(COVARIATES, SERIES)
    future = RNG.normal(size=(5, 2))
    before = model.predict(future)
    with pytest.raises(ValueError, match=message) as info:
        model.fit(X, y)
    assert_no_torch_frames(info)
    np.testing.assert_array_equal(model.predict(future), before)


def test_a_forecaster_refuses_future_covariates_of_another_width():
    model = tiny_forecaster().fit(COVARIATES, SERIES)
    with pytest.raises(ValueError, match=r"X has 1 features.*expecting 2"):
        model.predict(COVARIATES[:5, :1])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        tiny_forecaster().predict(COVARIATES[:5])


# Covariates of very different scales: a value checked against the scale of
# another column, or of the series' own, would not be refused.
SCALED_COVARIATES = pd.DataFrame(
    {"price": COVARIATES[:, 0] * 1e-3, "temp": COVARIATES[:, 1] * 1e3}
)
ORDINARY_FUTURE = SCALED_COVARIATES.iloc[:2].reset_index(drop=True)
HUGE_PRICE = pd.DataFrame({"price": [1e-3, 1e36], "temp": [0.0, 0.0]})


def _scaled_forecaster(strategy, on_frame=True):
    """A forecaster of SERIES (with a hole, for the masked networks) on
    SCALED_COVARIATES, as a DataFrame or as an array."""
    series = SERIES.copy()
    if strategy == "masked":
        series[30] = np.nan
    params = dict(horizon=2, strategy="direct") if strategy == "direct" else {}
    covariates = SCALED_COVARIATES if on_frame else SCALED_COVARIATES.to_numpy()
    return tiny_forecaster(**params).fit(covariates, series)


@pytest.mark.parametrize("strategy", ["recursive", "direct", "masked"])
def test_a_forecaster_refuses_an_update_whose_covariates_would_overflow(strategy):
    # The update was taken, and every later forecast refused, even of
    # ordinary covariates, naming a column of the network's windows.
    model = _scaled_forecaster(strategy)
    before = model.predict(ORDINARY_FUTURE)
    with pytest.raises(
        ValueError,
        match=r"^X column 'price' holds 1e\+36, which standardising by the fitted "
        r"scale .* beyond what float32 can hold",
    ):
        model.update(HUGE_PRICE, [0.1, 0.2])
    np.testing.assert_array_equal(model.predict(ORDINARY_FUTURE), before)
    # Ordinary covariates are still taken.
    model.update(HUGE_PRICE.assign(price=[1e-3, 2e-3]), [0.1, 0.2])
    assert np.isfinite(model.predict(ORDINARY_FUTURE)).all()


@pytest.mark.parametrize("strategy", ["recursive", "direct", "masked"])
@pytest.mark.parametrize(
    ("on_frame", "name"), [(True, "'price'"), (False, "0")], ids=["frame", "array"]
)
@pytest.mark.parametrize("method", ["predict", "predict_interval", "predict_quantiles"])
def test_a_forecaster_names_its_own_covariate_that_would_overflow(
    strategy, on_frame, name, method
):
    # The refusal named the network's column 1 (it reads the value first).
    model = _scaled_forecaster(strategy, on_frame)
    future = HUGE_PRICE if on_frame else HUGE_PRICE.to_numpy()
    with pytest.raises(ValueError, match=rf"^X column {name} holds 1e\+36, which"):
        getattr(model, method)(future)
    ordinary = ORDINARY_FUTURE if on_frame else ORDINARY_FUTURE.to_numpy()
    assert np.isfinite(model.predict(ordinary)).all()


@pytest.mark.parametrize("strategy", ["recursive", "direct", "masked"])
@pytest.mark.parametrize(
    ("on_frame", "name"), [(True, "'price'"), (False, "0")], ids=["frame", "array"]
)
def test_a_forecaster_refuses_a_warm_fit_whose_covariates_would_overflow(
    strategy, on_frame, name
):
    # The networks standardised them by the first fit's scale, and the fit
    # was refused as a diverged training that blamed the learning rate.
    model = _scaled_forecaster(strategy, on_frame)
    ordinary = ORDINARY_FUTURE if on_frame else ORDINARY_FUTURE.to_numpy()
    before = model.predict(ordinary)
    series = SERIES.copy()
    if strategy == "masked":
        series[30] = np.nan
    huge = SCALED_COVARIATES.copy()
    huge.loc[40, "price"] = 1e36
    with pytest.raises(
        ValueError,
        match=rf"^X column {name} holds 1e\+36, which standardising by the fitted "
        r"scale .*; fit with warm_start=True keeps the scale of the first fit",
    ) as info:
        model.set_params(warm_start=True).fit(
            huge if on_frame else huge.to_numpy(), series
        )
    assert not isinstance(info.value, TrainingDivergedError)
    np.testing.assert_array_equal(model.predict(ordinary), before)


# A random walk in steps of about 1e-3, beside a line of steps of 1 (whose
# changes vary far less than its values), as two series of a panel.
SMALL_WALK = np.cumsum(RNG.normal(size=60)) * 1e-3
LINE = np.arange(60.0) + 0.01 * RNG.normal(size=60)


@pytest.mark.parametrize(
    ("params", "series", "value", "what"),
    [
        pytest.param({}, SMALL_WALK, 1e37, "", id="recursive"),
        pytest.param(
            dict(horizon=2, strategy="direct"), SMALL_WALK, 1e36, "", id="direct"
        ),
        pytest.param({}, with_value(SMALL_WALK, np.nan, 10), 1e37, "", id="masked"),
        # The value standardised is small enough; its change is not.
        pytest.param(
            dict(network_output="change"), LINE, 1e20, "its changes, ", id="change"
        ),
    ],
)
def test_a_forecaster_refuses_a_warm_fit_whose_series_would_overflow(
    params, series, value, what
):
    # Refused by the networks, it named a covariate that did not hold the
    # value (their column 0), or was refused as a diverged training that
    # blamed the learning rate.
    model = tiny_forecaster(**params).fit(SCALED_COVARIATES, series)
    before = model.predict(ORDINARY_FUTURE)
    with pytest.raises(
        ValueError,
        match=rf"^y \({what}in the units the networks read with series_scaling="
        r"'none'\) holds .*, which standardising by the fitted scale .* beyond "
        r"what float32 can hold .*; fit with warm_start=True keeps the scale of "
        r"the first fit",
    ) as info:
        model.set_params(warm_start=True).fit(
            SCALED_COVARIATES, with_value(series, value, 40)
        )
    assert not isinstance(info.value, TrainingDivergedError)
    np.testing.assert_array_equal(model.predict(ORDINARY_FUTURE), before)


def test_a_forecaster_refuses_a_warm_fit_whose_targets_overflow_once_summed():
    # Each target's square fits in float32; two of them summed in a batch
    # did not, and the training diverged, blaming the learning rate.
    walk = np.cumsum(np.random.default_rng(0).normal(size=40))
    model = tiny_forecaster(series_scaling="none", drift=False)
    model.fit(np.empty((40, 0)), walk)
    before = model.predict(np.empty((2, 0)))
    huge = walk.copy()
    huge[[20, 30]] = 1.2e19  # read alone it fits, summed as targets not
    with pytest.raises(ValueError, match=r"^y .*summed in the loss\) is beyond"):
        model.set_params(warm_start=True).fit(np.empty((40, 0)), huge)
    np.testing.assert_array_equal(model.predict(np.empty((2, 0))), before)


def test_targets_of_several_outputs_or_steps_count_every_one_in_the_sum():
    # Each output of a row, and each step of a direct window, adds its
    # squared error to the loss: 3.2e18 standard deviations passed the
    # check for 32 rows of two outputs, and the training diverged.
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(32, 2))
    regressor = tiny(lookback=2, early_stopping=False).fit(
        rows, rng.normal(size=(32, 2))
    )
    sign = np.where(np.arange(32) % 2, 1.0, -1.0)[:, None]
    scaler = regressor._y_scaler
    with pytest.raises(
        ValueError, match=r"^y column 0 holds .*, 64 summed in the loss"
    ):
        regressor.partial_fit(rows, scaler.mean + sign * 3.2e18 * scaler.scale)
    walk = np.cumsum(rng.normal(size=40))
    direct = tiny_forecaster(
        horizon=3, strategy="direct", series_scaling="none", drift=False
    ).fit(np.empty((40, 0)), walk)
    scale = direct.regressor_._y_scaler.scale[0]
    huge = np.where(np.arange(40) % 2, 1.5e18, -1.5e18) * scale
    with pytest.raises(ValueError, match=r"summed in the loss\) is beyond"):
        direct.set_params(warm_start=True).fit(np.empty((40, 0)), huge)


def test_a_forecaster_names_the_series_of_a_warm_fit_that_would_overflow():
    groups = np.repeat(["calm", "small"], 60)
    model = tiny_forecaster(series_scaling="none").fit(
        np.empty((120, 0)), np.r_[SERIES, SMALL_WALK], groups=groups
    )
    before = model.predict(np.empty((2, 0)), groups=["calm", "small"])
    with pytest.raises(
        ValueError,
        match=r"^y of series 'small' \(in the units the networks read with "
        r"series_scaling='none'\) holds 1e\+36, which",
    ):
        model.set_params(warm_start=True).fit(
            np.empty((120, 0)),
            np.r_[SERIES, with_value(SMALL_WALK, 1e36, 40)],
            groups=groups,
        )
    after = model.predict(np.empty((2, 0)), groups=["calm", "small"])
    np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize(
    ("params", "series"),
    [
        pytest.param({}, SMALL_WALK, id="recursive"),
        pytest.param(dict(horizon=2, strategy="direct"), SMALL_WALK, id="direct"),
        pytest.param({}, with_value(SMALL_WALK, np.nan, 10), id="masked"),
    ],
)
def test_a_forecaster_refuses_an_update_whose_series_would_overflow(params, series):
    # The update was taken: later forecasts were inf, or refused as X
    # holding infinity, X the user never gave.
    model = tiny_forecaster(**params).fit(np.empty((60, 0)), series)
    before = model.predict(np.empty((3, 0)))
    with pytest.raises(
        ValueError,
        match=r"^y \(in the units the networks read with series_scaling='none'\) "
        r"holds 1e\+36, which standardising by the fitted scale .* beyond what "
        r"float32 can hold .*; a fit could not train the networks on such a "
        r"value .* refit on data that holds such values",
    ):
        model.update(np.empty((1, 0)), [1e36])
    np.testing.assert_array_equal(model.predict(np.empty((3, 0))), before)
    # A value of the series' size is still taken.
    model.update(np.empty((1, 0)), [SMALL_WALK[-1]])
    assert np.isfinite(model.predict(np.empty((3, 0)))).all()


def test_a_forecaster_names_the_series_of_an_update_that_would_overflow():
    groups = np.repeat(["calm", "small"], 60)
    model = tiny_forecaster().fit(
        np.empty((120, 0)), np.r_[SERIES, SMALL_WALK], groups=groups
    )
    future = dict(X=np.empty((4, 0)), groups=["calm", "calm", "small", "small"])
    before = model.predict(**future)
    with pytest.raises(
        ValueError,
        match=r"^y of series 'small' \(its steps, in the units the networks read "
        r"with series_scaling='last'\) holds .*, which standardising by the fitted "
        r"scale",
    ):
        model.update(np.empty((2, 0)), [0.5, 1e36], groups=["calm", "small"])
    np.testing.assert_array_equal(model.predict(**future), before)


def test_ctrl_c_mid_epoch_restores_the_weights_of_the_last_whole_epoch():
    calls = {"n": 0}

    def interrupt_in_the_second_epoch():  # 2 batches an epoch: after 1 step
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt

    model = tiny(max_iter=5, n_iter_no_change=100, early_stopping=False)
    handle = _training_forward_hook(interrupt_in_the_second_epoch)
    try:
        with pytest.warns(TrainingInterruptedWarning, match="after 1 epoch"):
            with pytest.raises(KeyboardInterrupt):
                model.fit(ROWS, TARGET)
    finally:
        handle.remove()
    one_epoch = tiny(max_iter=1, early_stopping=False).fit(ROWS, TARGET)
    assert model.n_iter_ == 1
    np.testing.assert_array_equal(model.predict(ROWS), one_epoch.predict(ROWS))


def test_a_missing_value_does_not_let_values_float32_cannot_resolve_through():
    # NaN passed through the column's min and max, so both range tests were
    # skipped: y of 4e-39 with one NaN was accepted.
    y = np.full(60, 4e-39)
    y[0] = np.nan
    with pytest.raises(ValueError, match=r"Every value of y is as small as 4e-39"):
        tiny(max_iter=1).fit(np.arange(60.0)[:, None], y)


def test_a_series_decaying_below_float32s_normal_numbers_is_forecast():
    # The series passed the range check, but its held-out windows, read by
    # the inner regressor's predict, were refused as "X (column 1)".
    y = np.exp(-np.arange(100.0))
    model = tiny_forecaster(lookback=3, max_iter=2)
    forecast = model.fit(np.empty((100, 0)), y).predict(np.empty((2, 0)))
    assert np.isfinite(forecast).all() and np.abs(forecast).max() < 1e-3


@pytest.mark.parametrize("scaling", ["auto", "standard"])
def test_a_series_too_small_for_float32_beside_others_is_refused_by_name(scaling):
    # Beside larger series it passed the check of y as a whole, and failed
    # as "cannot be undone to float precision", with advice that failed too.
    wave = 2 + np.sin(np.arange(40) / 3)
    y = np.r_[wave, 10 * wave, 1e-200 * wave]
    groups = np.repeat(["a", "b", "small"], 40)
    model = tiny_forecaster(lookback=4, series_scaling=scaling)
    message = r"Every value of series 'small' in y is as small as 3e-200"
    with pytest.raises(ValueError, match=message):
        model.fit(np.empty((120, 0)), y, groups=groups)
    model.fit(np.empty((80, 0)), y[:80], groups=groups[:80])
    before = model.predict(np.empty((2, 0)), groups=["a", "b"])
    with pytest.raises(ValueError, match=message):
        model.update(np.empty((41, 0)), y[79:], groups=groups[79:])
    assert model.series_.tolist() == ["a", "b"]
    np.testing.assert_array_equal(
        model.predict(np.empty((2, 0)), groups=["a", "b"]), before
    )
