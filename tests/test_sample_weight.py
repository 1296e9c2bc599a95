"""``fit(..., sample_weight=...)`` scales each target row's share of the loss."""

from functools import partial

import numpy as np
import pytest
import torch
from _factories import tiny_regressor

from sklstm._training import _loss

RNG = np.random.default_rng(1)
T = np.arange(301)
SERIES = np.sin(0.12 * T) + RNG.normal(0, 0.05, len(T))
X, Y = SERIES[:-1, None], SERIES[1:]
CORRUPTED = RNG.random(len(Y)) < 0.3
Y_CORRUPTED = np.where(CORRUPTED, Y + 3.0, Y)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


_model = partial(tiny_regressor, max_iter=20)


def test_rows_with_zero_weight_do_not_pull_the_fit():
    weights = np.where(CORRUPTED, 0.0, 1.0)
    weighted = _model().fit(X, Y_CORRUPTED, sample_weight=weights)
    unweighted = _model().fit(X, Y_CORRUPTED)

    clean = ~CORRUPTED
    weighted_error = np.mean((weighted.predict(X)[clean] - Y[clean]) ** 2)
    unweighted_error = np.mean((unweighted.predict(X)[clean] - Y[clean]) ** 2)
    assert weighted_error < 0.1
    assert weighted_error < unweighted_error / 5


def test_rows_with_zero_weight_cost_no_training_steps():
    # They carry no training signal: the batches hold only the weighted rows
    # (the others still serve as history inside their windows).
    weights = np.where(CORRUPTED, 0.0, 1.0)
    model = _model(max_iter=2, batch_size=16, early_stopping=False)
    model.fit(X, Y_CORRUPTED, sample_weight=weights)
    batches_per_epoch = int(np.ceil(np.count_nonzero(weights) / 16))
    assert batches_per_epoch < int(np.ceil(len(Y) / 16))
    assert model.t_ == 2 * batches_per_epoch


def test_uniform_weights_train_the_same_model_as_no_weights():
    plain = _model().fit(X, Y)
    uniform = _model().fit(X, Y, sample_weight=np.full(len(Y), 2.5))
    np.testing.assert_array_equal(uniform.predict(X), plain.predict(X))


def test_a_minibatch_of_heavy_rows_pulls_harder_than_one_of_light_rows():
    # Same errors, weights 1.5 and 0.5 (averaging 1): the heavy batch's loss
    # is three times the light one's, as in the weighted mean over all rows.
    prediction = torch.zeros(2, 1)
    targets = torch.ones(2, 1)
    weights = torch.tensor([1.5, 1.5, 0.5, 0.5])
    heavy = _loss(prediction, targets, weights, torch.tensor([0, 1]))
    light = _loss(prediction, targets, weights, torch.tensor([2, 3]))
    assert heavy.item() == pytest.approx(3 * light.item())


def test_sample_weight_on_partial_fit_and_sequences():
    weights = np.where(CORRUPTED, 0.0, 1.0)
    sequences = np.lib.stride_tricks.sliding_window_view(SERIES[:-1], 3)[:, :, None]
    targets = Y[2:]
    model = _model().fit(
        sequences, np.where(CORRUPTED[2:], targets + 3, targets), weights[2:]
    )
    assert np.mean((model.predict(sequences) - targets) ** 2) < 0.1
    before = model.predict(sequences)
    model.partial_fit(sequences, targets, sample_weight=np.zeros_like(targets) + 1)
    assert not np.array_equal(model.predict(sequences), before)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (-np.ones(300), "Negative values in data passed to `sample_weight`"),
        (np.ones(7), r"sample_weight.shape == \(7,\), expected \(300,\)"),
        (np.zeros(300), "at least one non-zero"),
        (np.r_[np.ones(299), np.nan], "sample_weight.*NaN"),
    ],
)
def test_bad_weights_are_refused_with_a_clear_error(weights, message):
    with pytest.raises(ValueError, match=message):
        _model().fit(X, Y, sample_weight=weights)


def test_early_stopping_refuses_weights_that_leave_nothing_to_train_on():
    weights = np.r_[np.zeros(270), np.ones(30)]
    with pytest.raises(ValueError, match="270 rows left all have weight 0"):
        _model(early_stopping=True).fit(X, Y, sample_weight=weights)


def test_automatic_early_stopping_holds_out_nothing_when_only_the_tail_has_weight():
    # early_stopping='auto' refused these weights with advice to set
    # early_stopping=False, which the user had not asked for.
    weights = np.r_[np.zeros(270), np.ones(30)]
    model = _model(early_stopping="auto").fit(X, Y, sample_weight=weights)
    assert model.validation_scores_ is None
    assert np.isfinite(model.loss_curve_).all()
