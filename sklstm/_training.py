"""The training loop: minibatches gathered from lag windows, early stopping, guards.

Written to cost no more per batch than a hand-written PyTorch loop: the data
is already on the device, a batch is one gather from the window view, and the
running loss stays on the device until the end of the epoch (one host
synchronisation per epoch, not per batch).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import torch
from torch import nn

from sklstm._collective import data_parallel, summed
from sklstm._eager_adam import EagerAdam
from sklstm._targets import TargetRows
from sklstm._windows import LagWindows
from sklstm.exceptions import TrainingDivergedError


@dataclass(frozen=True)
class TrainingSettings:
    """The parameters of one call to :func:`train`."""

    max_iter: int
    batch_size: int
    n_iter_no_change: int
    tol: float
    early_stopping: bool
    clip_grad_norm: float | None = None
    #: Windows per forward pass on validation rows; None: inference_batch_size.
    inference_batch_size: int | None = None


@dataclass
class TrainingHistory:
    """What :func:`train` learned about its run, for the fitted attributes."""

    loss_curve: list[float] = field(default_factory=list)
    validation_scores: list[float] = field(default_factory=list)
    validation_losses: list[float] = field(default_factory=list)
    best_loss: float = math.inf
    best_validation_score: float = -math.inf
    converged: bool = False
    interrupted: bool = False
    steps: int = 0
    #: With validation rows: whether no epoch clearly beat the untrained
    #: network (see :func:`clearly_lower`), which is then kept.
    start_is_best: bool = False
    #: The epoch (from 1) whose weights the network ends with; 0 for the
    #: weights training started from.
    kept_epoch: int = 0


@dataclass(frozen=True)
class Batches:
    """Windows, standardised targets and optional weights, all on one device.

    ``targets`` are a tensor, or direct targets gathered batch by batch
    (:class:`~sklstm._targets.TargetRows`); ``targets[samples]`` is a tensor
    either way. ``weights``, when given, are one per sample and average 1; or, when some
    targets are missing, one per target (the shape of ``targets``, 0 for a
    missing one). Validation batches carry only such a mask of 0 and 1.
    """

    windows: LagWindows
    targets: torch.Tensor | TargetRows
    weights: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.targets)


def hold_out(
    windows: LagWindows,
    targets: torch.Tensor | TargetRows,
    weights: torch.Tensor | None,
    held_out: np.ndarray,
    missing: np.ndarray | None = None,
) -> tuple[Batches, Batches | None]:
    """Split samples into training and ``held_out`` validation batches.

    Both share the window view: each takes only the positions of its
    samples. Samples of weight 0 are left out of the training batches: they
    carry no training signal, so computing them would be wasted work (their
    rows still serve as history inside the windows of later samples).
    Training weights are rescaled to average 1 again, and dropped when they
    are all equal (the caller holds out samples so that some training sample
    has a positive weight). Validation is unweighted: its batches carry,
    when some targets are ``missing`` (one row per sample; None: none is),
    only a mask of the observed ones (None when no sample is held out).
    """
    trains = ~held_out
    if weights is not None:
        observed = weights if weights.ndim == 1 else weights.amax(dim=1)
        trains &= observed.cpu().numpy() > 0
    validation = None
    positions = windows.positions
    if held_out.any() or not trains.all():
        positions = (
            torch.arange(len(targets), device=targets.device)
            if positions is None
            else positions
        )
    if held_out.any():  # a tenth or so of the samples: their targets at hand
        kept = torch.from_numpy(np.flatnonzero(held_out)).to(targets.device)
        validation = Batches(
            LagWindows(windows.view, positions[kept]),
            targets[kept],
            _observed_mask(missing, held_out, targets),
        )
    if trains.all():
        return Batches(windows, targets, _unless_uniform(weights)), validation
    train = torch.from_numpy(np.flatnonzero(trains)).to(targets.device)
    train_weights = None if weights is None else weights[train]
    lazy = isinstance(targets, TargetRows)  # direct targets stay a view
    return (
        Batches(
            LagWindows(windows.view, positions[train]),
            targets.subset(train) if lazy else targets[train],
            _unless_uniform(train_weights),
        ),
        validation,
    )


def _unless_uniform(weights: torch.Tensor | None) -> torch.Tensor | None:
    """``weights`` rescaled to average 1; None when they are all equal.

    Per-target weights (one row per sample, 0 for a missing target) are
    all equal only when every target has the same weight: an output missing
    from every row keeps its zeros, which leave it out of the loss.
    """
    if weights is None or bool((weights == weights.reshape(-1)[0]).all()):
        return None
    return weights / weights.mean()


def _observed_mask(missing: np.ndarray | None, held_out: np.ndarray, targets):
    """Which targets of the ``held_out`` samples are observed, as 1 and 0 on
    the device of ``targets``; None when every target is."""
    if missing is None:
        return None
    observed = ~missing[held_out]
    return torch.from_numpy(observed).to(device=targets.device, dtype=targets.dtype)


#: An epoch whose mean loss exceeds this many times the loss of the first
#: minibatch (at least 1, the loss of predicting the mean of standardised
#: targets) has diverged, even when the loss is still finite.
DIVERGENCE_FACTOR = 1e4

#: Called after each epoch with the epoch number (from 1), the training loss,
#: and the validation loss and R² (both None without validation rows).
EpochReport = Callable[[int, float, "float | None", "float | None"], None]


def train(
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    data: Batches,
    validation: Batches | None,
    settings: TrainingSettings,
    generator: torch.Generator,
    *,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    report: EpochReport | None = None,
    epoch_offset: int = 0,
) -> TrainingHistory:
    """Train ``network`` in place and return its history.

    Minibatch order is shuffled each epoch with ``generator``; nothing else
    mixes rows. With ``settings.early_stopping``, the validation loss decides
    when to stop and the weights with the lowest one are restored at the end
    (R² is reported beside it; it is undefined on a single row); otherwise
    the training loss decides and the last weights are kept.

    A ``KeyboardInterrupt`` ends training early: the best weights seen at the
    end of a whole epoch (by validation loss, else by training loss), or the
    weights training started from when no epoch ended, are restored, the
    history counts only whole epochs and their steps and says
    ``interrupted=True``, and the caller re-raises once its model is usable.

    Raises
    ------
    TrainingDivergedError
        If an epoch's loss is NaN, infinite, or more than
        :data:`DIVERGENCE_FACTOR` times the loss training started from.
    """
    history = TrainingHistory()
    device = data.targets.device
    batch_size = min(settings.batch_size, len(data))
    tracker = _BestWeights(network, validation, settings, history)
    guard = _DivergenceGuard(epoch_offset)
    parallel = data_parallel()  # it draws the order of every process's samples
    run_epoch = _run_epoch if parallel is None else parallel.run_epoch
    network.train()
    try:
        for epoch in range(settings.max_iter):
            order = generator
            if parallel is None:
                order = torch.randperm(len(data), generator=generator).to(device)
            epoch_loss = run_epoch(
                network, optimizer, data, order, batch_size, settings, history, guard
            )
            guard.check(epoch, epoch_loss)
            tracker.steps_done = history.steps
            history.loss_curve.append(epoch_loss)
            validation_loss, score = tracker.end_epoch(epoch_loss)
            if scheduler is not None:
                _step_schedule(
                    scheduler,
                    epoch_loss if validation_loss is None else validation_loss,
                )
            if report is not None:
                report(epoch_offset + epoch + 1, epoch_loss, validation_loss, score)
            if tracker.no_improvement >= settings.n_iter_no_change:
                history.converged = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
        history.steps = tracker.steps_done  # a half-run epoch's steps are undone
    except RuntimeError as error:
        if not is_out_of_memory(error):
            raise
        raise type(error)(
            f"Ran out of memory on {device} while training with batch_size="
            f"{settings.batch_size} and windows of {data.windows.view.shape[1]} "
            "steps. Lower batch_size or lookback (or hidden_size), or train on "
            f"another device. The device said: {error}"
        ) from error
    if validation is not None or history.interrupted:
        tracker.restore()
    else:
        history.kept_epoch = len(history.loss_curve)
    network.eval()
    return history


def _run_epoch(
    network, optimizer, data: Batches, order, batch_size, settings, history, guard
) -> float:
    """One pass over the shuffled samples; the mean loss (one host sync)."""
    running = torch.zeros((), device=data.targets.device)
    for start in range(0, len(data), batch_size):
        samples = order[start : start + batch_size]
        prediction = network(data.windows.take(samples))
        loss = _loss(prediction, data.targets[samples], data.weights, samples)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if settings.clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(network.parameters(), settings.clip_grad_norm)
        optimizer.step()
        running += loss.detach() * len(samples)
        if guard.first_loss is None:
            guard.first_loss = loss.detach()
        history.steps += 1
    return (running / len(data)).item()


class _DivergenceGuard:
    """Stops training whose loss is not finite, or far above where it started."""

    def __init__(self, epoch_offset: int) -> None:
        self.epoch_offset = epoch_offset
        self.first_loss: torch.Tensor | None = None
        self.bound = math.inf

    def check(self, epoch: int, epoch_loss: float) -> None:
        if epoch == 0 and self.first_loss is not None:
            self.bound = DIVERGENCE_FACTOR * max(self.first_loss.item(), 1.0)
        if math.isfinite(epoch_loss) and epoch_loss <= self.bound:
            return
        raise TrainingDivergedError(
            f"Training diverged at epoch {self.epoch_offset + epoch + 1}: the "
            f"loss became {epoch_loss:.4g}"
            + (
                ""
                if not math.isfinite(epoch_loss)
                else f", over {DIVERGENCE_FACTOR:g} times the loss "
                f"training started from ({self.first_loss.item():.4g})"
            )
            + ". Try a smaller learning_rate_init, set clip_grad_norm, "
            "keep standardize=True, or check the data for extreme values."
        )


class _BestWeights:
    """The best weights so far, and the epochs since the loss last improved.

    The starting weights are kept until a whole epoch ends (an interrupt in
    the first epoch restores them) and, with validation rows, are a
    candidate too: with the linear path started at the ridge solution, early
    stopping can fall back to them. With validation rows the validation loss
    decides, and the best epoch replaces the start only if its loss is
    :func:`clearly_lower` row by row; otherwise the training loss decides,
    and the best weights are kept only for an interrupt, which would
    otherwise leave a half-finished epoch's.
    """

    def __init__(self, network, validation, settings, history) -> None:
        self.network, self.validation = network, validation
        self.settings, self.history = settings, history
        parallel = data_parallel()
        self.measure = (
            validation_metrics if parallel is None else parallel.validation_metrics
        )
        self.best_state = _snapshot(network)
        self.best_epoch = 0  # the epoch of best_state (0: the start)
        self.steps_done = 0  # optimiser steps of the whole epochs run
        self.no_improvement = 0
        self.best_validation_loss = math.inf
        self.start_state = self.best_state
        if validation is not None:
            loss, score, self.start_errors = self._measured()
            self.best_validation_loss, history.best_validation_score = loss, score
            self.start_score, self.best_errors = score, self.start_errors
            history.start_is_best = True

    def _measured(self) -> tuple[float, float, torch.Tensor]:
        """The network's validation loss, R² and row errors, from one pass."""
        batch_size = self.settings.inference_batch_size
        prediction = predict_in_batches(
            self.network, self.validation.windows, batch_size
        )
        loss, score = self.measure(
            self.network, self.validation, batch_size, prediction=prediction
        )
        return loss, score, row_errors(self.validation, prediction)

    def end_epoch(self, epoch_loss: float) -> tuple[float | None, float | None]:
        """Record the epoch; its validation loss and R² (None without)."""
        history, tol = self.history, self.settings.tol
        score = validation_loss = None
        if self.validation is not None:
            validation_loss, score, errors = self._measured()
            self.network.train()
            history.validation_scores.append(score)
            history.validation_losses.append(validation_loss)
            improved = validation_loss < self.best_validation_loss - tol
            if validation_loss < self.best_validation_loss:
                self.best_validation_loss = validation_loss
                history.best_validation_score = score
                self.best_state = _snapshot(self.network)
                self.best_epoch = len(history.loss_curve)
                self.best_errors = errors
                history.start_is_best = False
        else:
            improved = epoch_loss < history.best_loss - tol
            if epoch_loss < history.best_loss:
                self.best_state = _snapshot(self.network)
                self.best_epoch = len(history.loss_curve)
        history.best_loss = min(history.best_loss, epoch_loss)
        self.no_improvement = 0 if improved else self.no_improvement + 1
        return validation_loss, score

    def restore(self) -> None:
        """Load the kept weights: the best epoch's, if it clearly beats the start.

        The best of many epochs, chosen on the same few held-out rows, beats
        the start by chance alone; it replaces the start only if its errors
        on those rows are :func:`clearly_lower` than the start's.
        """
        self.network.load_state_dict(self.best_state)
        self.history.kept_epoch = self.best_epoch
        if self.validation is None or self.history.start_is_best:
            return
        epochs = max(len(self.history.validation_losses), 1)
        if not clearly_lower(self.best_errors, self.start_errors, candidates=epochs):
            self.network.load_state_dict(self.start_state)
            self.history.start_is_best = True
            self.history.kept_epoch = 0
            self.history.best_validation_score = self.start_score


#: The chance that the trained weights replace the start when, on the
#: held-out rows, no epoch is better than the start (a one-sided test).
IMPROVEMENT_LEVEL = 0.05


def row_errors(data: Batches, prediction: torch.Tensor) -> torch.Tensor:
    """The squared error of ``prediction`` on each sample of ``data``.

    Averaged over the outputs (over the observed ones, when ``data`` carries
    a mask of missing targets); on the device.
    """
    squared = (prediction - data.targets).square()
    if data.weights is None:
        return squared.mean(dim=1)
    return (squared * data.weights).sum(dim=1) / data.weights.sum(dim=1).clamp_min(1)


def clearly_lower(
    errors: torch.Tensor, reference: torch.Tensor, candidates: int = 1
) -> bool:
    """Whether ``errors`` are lower than ``reference`` beyond the noise.

    Both hold one squared error per held-out sample. The mean of the
    differences must exceed ``z`` standard errors, with ``z`` the one-sided
    quantile of :data:`IMPROVEMENT_LEVEL` divided among the ``candidates``
    (the epochs whose best is compared, a Bonferroni bound): the best of
    many epochs, each measured on the same few rows, beats the start by
    chance alone. (On 12 held-out months of log airline passengers beside a
    trend column, the best of 28 epochs beat the ridge start by 29 %, at
    t = 2.5, and was 1.2x worse than the start on the two years after.)
    One sample leaves no spread to judge by: any improvement counts. With a
    data-parallel fit the sums run over every process's samples.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import clearly_lower
    >>> reference = torch.tensor([1.0, 2.0, 1.5, 1.2, 1.8, 1.1, 1.4, 1.3])
    >>> gains = torch.tensor([0.5, 0.1, 0.4, 0.2, 0.6, 0.0, 0.3, 0.3])
    >>> clearly_lower(reference - gains + 0.1, reference)
    True
    >>> clearly_lower(reference - gains + 0.1, reference, candidates=50)
    False
    """
    gain = (reference - errors).double()
    count, total, squares = summed(
        torch.tensor(float(len(gain)), dtype=torch.float64, device=gain.device),
        gain.sum(),
        gain.square().sum(),
    )
    count = float(count)
    mean = float(total) / max(count, 1.0)
    variance = float(squares) / max(count, 1.0) - mean**2
    if count < 2 or variance <= 0:
        return mean > 0
    z = NormalDist().inv_cdf(1.0 - IMPROVEMENT_LEVEL / max(candidates, 1))
    return mean > z * math.sqrt(variance / (count - 1))


#: The learning-rate schedules of ``learning_rate``.
LEARNING_RATE_SCHEDULES = ("constant", "cosine", "plateau")

#: ``'plateau'`` divides the rate by this factor ...
PLATEAU_FACTOR = 5.0
#: ... each time this many epochs in a row fail to improve the loss by ``tol``.
PLATEAU_EPOCHS = 2


def learning_rate_schedule(
    name: str, optimizer: torch.optim.Optimizer, max_iter: int, tol: float
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The scheduler of a schedule name, stepped by :func:`train` once an epoch.

    ``'constant'`` keeps the rate (no scheduler). ``'cosine'`` anneals it from
    its initial value to 0 over ``max_iter`` epochs along half a cosine.
    ``'plateau'`` divides it by :data:`PLATEAU_FACTOR` each time
    :data:`PLATEAU_EPOCHS` consecutive epochs fail to lower the monitored loss
    (the validation loss with early stopping, else the training loss) by at
    least ``tol``.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import learning_rate_schedule
    >>> weight = torch.nn.Parameter(torch.zeros(1))
    >>> optimizer = torch.optim.Adam([weight], lr=0.1)
    >>> schedule = learning_rate_schedule("cosine", optimizer, max_iter=2, tol=0.0)
    >>> optimizer.step()  # one epoch of training, then one step of the schedule
    >>> schedule.step()
    >>> round(optimizer.param_groups[0]["lr"], 3)
    0.05
    """
    if name == "constant":
        return None
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max_iter)
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer,
            mode="min",
            factor=1.0 / PLATEAU_FACTOR,
            patience=PLATEAU_EPOCHS - 1,
            threshold=tol,
            threshold_mode="abs",
        )
    raise ValueError(
        f"learning_rate must be one of {LEARNING_RATE_SCHEDULES}; got {name!r}."
    )


def _step_schedule(
    scheduler: torch.optim.lr_scheduler.LRScheduler, monitored_loss: float
) -> None:
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        scheduler.step(monitored_loss)
    else:
        scheduler.step()


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is PyTorch failing to allocate memory on a device."""
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "can't allocate memory" in str(error)
    )


def _loss(
    prediction: torch.Tensor,
    targets: torch.Tensor,
    weights: torch.Tensor | None,
    samples: torch.Tensor,
) -> torch.Tensor:
    """Mean squared error of a minibatch, each sample's error times its weight.

    ``Batches.weights`` average 1 over the training samples, so the mean of a
    minibatch is an unbiased estimate of the weighted mean over all of them:
    a batch of heavy rows pulls harder than a batch of light ones (dividing
    by each batch's own weight sum would lose that).
    """
    if weights is None:
        return nn.functional.mse_loss(prediction, targets)
    if weights.ndim == 2:  # one weight per target, 0 for a missing one
        return ((prediction - targets).square() * weights[samples]).mean()
    squared = (prediction - targets).square().mean(dim=1)
    return (squared * weights[samples]).mean()


def _snapshot(network: nn.Module) -> dict[str, torch.Tensor]:
    return {
        name: value.detach().clone() for name, value in network.state_dict().items()
    }


#: The first PyTorch release with a fused Adam kernel for each device type.
_FUSED_ADAM_SINCE = {"cuda": (2, 0), "cpu": (2, 4), "mps": (2, 5)}


def adam(
    network: nn.Module,
    *,
    lr: float,
    weight_decay: float,
    fused: bool,
    output_scale: float = 1.0,
) -> torch.optim.Adam:
    """Adam over the parameters of ``network``, fused into one kernel if asked.

    An :class:`~sklstm._eager_adam.EagerAdam`: it skips the ``torch.compile``
    hooks of ``torch.optim``, whose first use imports ``torch._dynamo``.

    The fused kernel updates all parameters in one call instead of several
    small operations per parameter tensor: on the benchmark shape an
    optimiser step takes 0.12 ms instead of 0.7 ms on one CPU thread. It is
    used only where this PyTorch build has it for the network's device.

    The output-side weights (the network's ``head`` and ``linear`` path, when
    it has them) form a second parameter group whose rate is
    ``lr * output_scale`` (see :func:`output_learning_rate_scale`); the
    group's ``"lr_scale"`` entry records the factor.

    Examples
    --------
    >>> import torch
    >>> from sklstm._training import adam
    >>> optimizer = adam(torch.nn.Linear(2, 1), lr=0.01, weight_decay=0.0, fused=False)
    >>> optimizer.defaults["fused"]
    False
    """
    parameters = list(network.parameters())
    device_type = parameters[0].device.type if parameters else "cpu"
    version = tuple(int(part) for part in torch.__version__.split(".")[:2])
    supported = version >= _FUSED_ADAM_SINCE.get(device_type, (99, 0))
    output_side = {
        id(parameter)
        for name in ("head", "linear")
        if isinstance(getattr(network, name, None), nn.Module)
        for parameter in getattr(network, name).parameters()
    }
    groups = [
        {
            "params": [p for p in parameters if id(p) not in output_side],
            "lr": lr,
            "lr_scale": 1.0,
        },
        {
            "params": [p for p in parameters if id(p) in output_side],
            "lr": lr * output_scale,
            "lr_scale": output_scale,
        },
    ]
    return EagerAdam(
        [group for group in groups if group["params"]],
        lr=lr,
        weight_decay=weight_decay,
        fused=bool(fused and supported),
    )


#: The smallest factor :func:`output_learning_rate_scale` returns.
MIN_OUTPUT_SCALE = 1e-3


def output_learning_rate_scale(
    network: nn.Module, data: Batches, error: float | None = None
) -> float:
    """The root-mean-square error of ``network`` on ``data``, within [1e-3, 1].

    Adam moves every weight by about its learning rate per step, however
    small the gradient. Standardised targets have unit variance, so a rate
    that suits an untrained network is far too coarse for one started at the
    ridge solution of a smooth or trending series, whose remaining error can
    be 1 % of the target's spread: each step would then move the prediction
    by more than the error left to learn, and training would undo the ridge
    start. Scaling the output-side weights' rate by this error keeps their
    steps in proportion to what there is left to fit; the recurrent weights
    keep the full rate. An ``error`` already known (the ridge start's, from
    its normal equations) is used as is: no pass over ``data``.

    Examples
    --------
    >>> import torch
    >>> from sklstm._network import RecurrentNetwork
    >>> from sklstm._training import Batches, output_learning_rate_scale
    >>> from sklstm._windows import lag_windows
    >>> net = RecurrentNetwork(1, 1, lookback=2, hidden_size=4, num_layers=1,
    ...                        dropout=0.0, bidirectional=False, linear_path=False)
    >>> _ = torch.nn.init.zeros_(net.head.weight), torch.nn.init.zeros_(net.head.bias)
    >>> data = Batches(lag_windows(torch.zeros(4, 1), 2), torch.full((4, 1), 0.5))
    >>> output_learning_rate_scale(net, data)
    0.5
    """
    if error is None:
        if len(data) == 0:
            return 1.0
        prediction = predict_in_batches(network, data.windows)
        squared = (prediction - data.targets[:]).square()
        if data.weights is not None and data.weights.ndim == 2:
            squared = squared * data.weights
        squared = squared.mean(dim=1)
        if data.weights is not None and data.weights.ndim == 1:
            squared = squared * data.weights
        if data_parallel() is None:
            mean = float(squared.mean())
        else:
            total, count = summed(squared.sum(), torch.tensor(len(squared)))
            mean = float(total / count)
        error = math.sqrt(max(mean, 0.0))
    if not math.isfinite(error):
        return 1.0
    return min(1.0, max(MIN_OUTPUT_SCALE, error))


#: On the CPU, inference is fastest when one batch's recurrent activations
#: (windows x steps x width values) stay in the processor's caches; batches
#: are sized to hold about this many values. Measured on the benchmark shapes
#: (``benchmarks/bench_training.py``): 256-512 windows beat 4096 by ~25 %.
CPU_INFERENCE_VALUES = 2**20
#: On a GPU, large batches keep the device busy; memory stays bounded.
ACCELERATOR_INFERENCE_BATCH = 4096


def inference_batch_size(network: nn.Module, windows: LagWindows) -> int:
    """Windows per forward pass for inference on the device of ``windows``.

    Examples
    --------
    >>> import torch
    >>> from sklstm._network import RecurrentNetwork
    >>> from sklstm._training import inference_batch_size
    >>> from sklstm._windows import lag_windows
    >>> net = RecurrentNetwork(8, 1, lookback=32, hidden_size=64, num_layers=1,
    ...                        dropout=0.0, bidirectional=False, linear_path=False)
    >>> inference_batch_size(net, lag_windows(torch.zeros(100, 8), lookback=32))
    512
    """
    if windows.view.device.type != "cpu":
        return ACCELERATOR_INFERENCE_BATCH
    _, steps, n_features = windows.view.shape
    directions = 2 if getattr(network, "bidirectional", False) else 1
    width = max(n_features, getattr(network, "hidden_size", n_features) * directions)
    return max(
        64, min(ACCELERATOR_INFERENCE_BATCH, CPU_INFERENCE_VALUES // (steps * width))
    )


def predict_in_batches(
    network: nn.Module, windows: LagWindows, batch_size: int | None = None
) -> torch.Tensor:
    """Run ``network`` over all windows in inference mode, batch by batch.

    Only one batch of windows is ever gathered at a time, so memory stays
    bounded however long the input is. The result stays on the device.
    ``batch_size=None`` picks :func:`inference_batch_size`.
    """
    if batch_size is None:
        batch_size = inference_batch_size(network, windows)
    network.eval()
    with torch.inference_mode():
        first = network(windows.slice(0, batch_size))
        if len(first) == len(windows):
            return first
        # Written in place: small outputs kept alive between the batches'
        # large temporaries would fragment the heap and raise peak memory.
        result = first.new_empty((len(windows), *first.shape[1:]))
        result[: len(first)] = first
        del first
        for start in range(batch_size, len(windows), batch_size):
            stop = start + batch_size
            result[start:stop] = network(windows.slice(start, stop))
    return result


def validation_metrics(
    network: nn.Module,
    data: Batches,
    batch_size: int | None = None,
    prediction: torch.Tensor | None = None,
) -> tuple[float, float]:
    """Mean squared error and R² of ``network`` on ``data``, in one pass.

    Both are on the standardised targets, averaged uniformly over the
    outputs; the MSE is comparable to the training loss, and R² is the same
    as on the original units. R² of a single sample is undefined: NaN (as
    :func:`sklearn.metrics.r2_score` gives). One host synchronisation.
    ``prediction``: the network's predictions on ``data``, when already made.
    """
    if prediction is None:
        prediction = predict_in_batches(network, data.windows, batch_size)
    targets = data.targets
    if data.weights is not None:  # a mask: missing targets are left out
        return _masked_metrics(prediction, targets, data.weights)
    residual = (targets - prediction).square().sum(dim=0)
    total = (targets - targets.mean(dim=0)).square().sum(dim=0)
    counts = torch.full_like(total, len(targets))
    mse = residual.mean() / len(targets)
    return _loss_and_r2(mse, residual, total, counts, targets.abs().amax(dim=0))


def _masked_metrics(prediction, targets, mask) -> tuple[float, float]:
    """:func:`validation_metrics` over the observed targets (``mask`` 1) only."""
    counts = mask.sum(dim=0)
    residual = ((targets - prediction).square() * mask).sum(dim=0)
    mean = (targets * mask).sum(dim=0) / counts.clamp_min(1)
    total = ((targets - mean).square() * mask).sum(dim=0)
    mse = residual.sum() / counts.sum().clamp_min(1)
    magnitude = (targets * mask).abs().amax(dim=0)
    return _loss_and_r2(mse, residual, total, counts, magnitude)


#: Targets whose spread is within this many units of float32 rounding of
#: their largest value do not vary: their R² is that of constant targets.
ROUNDING_UNITS = 64


def _loss_and_r2(mse, residual, total, counts, magnitude) -> tuple[float, float]:
    """The loss and R² averaged over the outputs with two targets or more.

    An output whose targets do not vary (up to float32 rounding) scores as
    :func:`sklearn.metrics.r2_score` scores it: 1 when forecast exactly,
    else 0, not the ratio of two rounding errors. R² is NaN when no output
    has two targets. One host synchronisation.
    """
    rounding = (
        counts * (ROUNDING_UNITS * torch.finfo(torch.float32).eps * magnitude) ** 2
    )
    constant = torch.where(residual <= rounding, 1.0, 0.0).to(residual.dtype)
    r2 = torch.where(
        total > rounding, 1.0 - residual / total.clamp_min(1e-30), constant
    )
    scored = (counts > 1).to(r2.dtype)
    n_scored = scored.sum()
    mean_r2 = (r2 * scored).sum() / n_scored.clamp_min(1)
    loss, score, n_scored = torch.stack([mse, mean_r2, n_scored]).tolist()
    return loss, score if n_scored > 0 else math.nan


def r2_score_on(network: nn.Module, data: Batches, batch_size: int) -> float:
    """R² of ``network`` on ``data``, averaged uniformly over the outputs.

    Computed on the device with one host synchronisation. The targets are
    standardised, which leaves R² unchanged.
    """
    return validation_metrics(network, data, batch_size)[1]
