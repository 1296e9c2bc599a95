"""Properties of windowing and validation over random shapes, dtypes and strides."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklstm import LSTMRegressor
from sklstm._validation import (
    FLOAT32_MAX,
    FLOAT32_SMALLEST_NORMAL,
    check_float32_range,
    validate_fit_data,
)
from sklstm._windows import lag_windows

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

QUICK = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FITTING = settings(QUICK, max_examples=12)


def reference_windows(rows: np.ndarray, lookback: int) -> np.ndarray:
    """Window i holds rows i-lookback+1 .. i, the first row repeated before."""
    windows = []
    for i in range(len(rows)):
        history = [rows[max(j, 0)] for j in range(i - lookback + 1, i + 1)]
        windows.append(np.stack(history))
    return np.stack(windows)


def reference_grouped_windows(rows, lookback, groups):
    """Each series is windowed on its own, its rows kept in their order."""
    windows = np.empty((len(rows), lookback, rows.shape[1]), dtype=rows.dtype)
    for label in np.unique(groups):
        members = np.flatnonzero(groups == label)
        windows[members] = reference_windows(rows[members], lookback)
    return windows


# Normal float32 numbers: a column of nothing but subnormal ones is refused.
finite = st.floats(-1e6, 1e6, allow_nan=False, width=32, allow_subnormal=False)
shapes = st.tuples(st.integers(1, 30), st.integers(1, 4))


@st.composite
def laid_out(draw, shape=shapes, dtypes=(np.float64, np.float32, np.int64, np.int32)):
    """An array of a random dtype in a random memory layout (C, F, strided...)."""
    n_rows, n_features = draw(shape)
    dtype = draw(st.sampled_from(dtypes))
    step = draw(st.integers(1, 3))
    base = draw(
        hnp.arrays(np.float64, (n_rows * step, n_features), elements=finite)
    ).astype(dtype)
    array = base[::step]
    layout = draw(st.sampled_from(["c", "fortran", "reversed-twice", "transposed"]))
    if layout == "fortran":
        array = np.asfortranarray(array)
    elif layout == "reversed-twice":
        array = array[::-1][::-1]
    elif layout == "transposed":
        array = np.ascontiguousarray(array.T).T
    return array


@QUICK
@given(
    rows=hnp.arrays(
        st.sampled_from([np.float32, np.float64]),
        shapes,
        elements=finite,
    ),
    lookback=st.integers(1, 12),
)
def test_lag_windows_equal_the_reference_construction(rows, lookback):
    windows = lag_windows(torch.from_numpy(rows), lookback)
    expected = reference_windows(rows, lookback)
    assert len(windows) == len(rows)
    np.testing.assert_array_equal(windows.slice(0, len(rows)).numpy(), expected)
    order = np.random.default_rng(lookback).permutation(len(rows))
    taken = windows.take(torch.from_numpy(order)).numpy()
    np.testing.assert_array_equal(taken, expected[order])


@QUICK
@given(
    rows=hnp.arrays(np.float32, shapes, elements=finite),
    lookback=st.integers(1, 6),
    data=st.data(),
)
def test_grouped_windows_never_cross_from_one_series_into_another(rows, lookback, data):
    groups = data.draw(
        hnp.arrays(np.int64, len(rows), elements=st.integers(0, 3)), label="groups"
    )
    windows = lag_windows(torch.from_numpy(rows), lookback, groups)
    expected = reference_grouped_windows(rows, lookback, groups)
    np.testing.assert_array_equal(windows.slice(0, len(rows)).numpy(), expected)


@QUICK
@given(X=laid_out(), n_outputs=st.integers(1, 3), data=st.data())
def test_validation_gives_the_values_of_a_plain_float_copy_whatever_the_layout(
    X, n_outputs, data
):
    y = data.draw(hnp.arrays(np.float64, (len(X), n_outputs), elements=finite))
    checked_X, checked_y, attributes = validate_fit_data(
        LSTMRegressor(), X, y[:, 0] if n_outputs == 1 else y, reset=True
    )
    np.testing.assert_array_equal(checked_X, np.asarray(X, dtype=np.float64))
    assert checked_X.dtype in (np.float32, np.float64)
    assert checked_y.shape == (len(X), n_outputs)
    assert attributes["n_features_in_"] == X.shape[1]
    assert attributes["_y_was_1d"] == (n_outputs == 1)


@QUICK
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_float32_range_check_refuses_only_what_float32_cannot_hold_or_resolve(value):
    values = np.array([[0.0, value]])  # a column of zeros, and one of value
    if abs(value) > FLOAT32_MAX:
        with pytest.raises(ValueError, match="beyond what float32 can hold"):
            check_float32_range(values, "X")
    elif 0 < abs(value) < FLOAT32_SMALLEST_NORMAL:
        with pytest.raises(ValueError, match=r"\(column 1\).*smallest normal"):
            check_float32_range(values, "X")
    else:
        check_float32_range(values, "X")
        assert np.all(np.isfinite(values.astype(np.float32)))


@FITTING
@given(
    X=laid_out(shape=st.tuples(st.integers(2, 25), st.integers(1, 3))),
    lookback=st.integers(1, 6),
    n_outputs=st.integers(1, 2),
    n_new=st.integers(1, 20),
)
def test_predictions_have_one_row_per_input_row_and_match_the_windows(
    X, lookback, n_outputs, n_new
):
    rng = np.random.default_rng(len(X))
    y = rng.normal(size=(len(X), n_outputs))
    model = LSTMRegressor(lookback=lookback, hidden_size=2, max_iter=1, random_state=0)
    model.fit(X, y[:, 0] if n_outputs == 1 else y)
    new_rows = rng.normal(size=(n_new, X.shape[1]))
    predictions = model.predict(new_rows)
    assert predictions.shape == ((n_new,) if n_outputs == 1 else (n_new, n_outputs))
    assert np.all(np.isfinite(predictions))
    np.testing.assert_allclose(
        predictions,
        model.predict(reference_windows(new_rows, lookback)),
        rtol=1e-5,
        atol=1e-6,
    )


def test_a_float32_column_of_subnormal_values_is_refused_as_a_float64_one():
    # Found by the property above: a column of 0 and the smallest float32
    # subnormal was divided by its spread (7e-46), and new rows became inf;
    # then it was scaled as a constant, and the model learnt nothing from it.
    X = np.array([[0.0], [1.4e-45]], dtype=np.float32)
    model = LSTMRegressor(lookback=1, hidden_size=2, max_iter=1, random_state=0)
    for subnormal in (X, X.astype(np.float64)):
        with pytest.raises(ValueError, match=r"smallest normal number.*Rescale X"):
            model.fit(subnormal, np.array([0.0, 1.0]))


@pytest.mark.parametrize("level", [1e20, 1e30, 3e30])
def test_a_huge_constant_column_adds_nothing_to_the_fit(level):
    # Centred on its float64 mean (off by about 1e14 at 1e30), the column
    # became ±1e14 in the network's units: R² of -7e10, or a diverged loss.
    rng = np.random.default_rng(0)
    t = np.arange(60)
    X = np.c_[np.sin(0.1 * t), np.cos(0.1 * t)] + rng.normal(0, 0.05, (60, 2))
    y = np.sin(0.1 * (t + 1))
    params = dict(lookback=3, hidden_size=4, max_iter=3, random_state=0)
    plain = LSTMRegressor(**params).fit(np.c_[X, np.zeros(60)], y)
    huge = LSTMRegressor(**params).fit(np.c_[X, np.full(60, level)], y)
    np.testing.assert_allclose(
        huge.predict(np.c_[X, np.full(60, level)]),
        plain.predict(np.c_[X, np.zeros(60)]),
        rtol=1e-6,
    )
