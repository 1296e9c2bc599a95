"""One fit over the processes of a ``torch.distributed`` group, each on its share.

:class:`ProcessGroupFit` is what the code of an ordinary fit asks for
through :mod:`sklstm._collective`: the sums over the samples of all
processes, and an epoch whose minibatches are those one process would draw
from the samples of all of them. Every process draws the same order of
all samples (the same seeded generator), each computes the loss of the
samples of each minibatch that it holds, and
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients:
the step is the step one process takes on the whole minibatch, up to the
order in which floats are added.

:class:`ShareRegressor` is an ``LSTMRegressor`` fitted that way: its
standardisation, its ridge start and its early stopping see the samples of
every process. :func:`fit_forecaster_share` is ``LSTMForecaster.fit`` on the
series of one process: the settings that depend on the collection are
resolved from all series, each series' scaling and season are fitted where
it lives, and what every process learnt of its series is gathered into the
one fitted state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from sklstm._collective import running
from sklstm._regressor import LSTMRegressor
from sklstm._row_metadata import check_groups, check_sample_weight
from sklstm._scaling import Standardizer, differ_by_rounding
from sklstm._targets import DirectTargets
from sklstm._training import Batches, _loss, predict_in_batches
from sklstm._validation import validate_fit_data

__all__ = [
    "ProcessGroupFit",
    "ShareRegressor",
    "agreed",
    "check_regressor_shares",
    "share_regressor",
]

_T = TypeVar("_T")


class ProcessGroupFit:
    """The processes of one data-parallel fit, and the collectives it needs.

    Parameters
    ----------
    group : ProcessGroup or None
        The ``torch.distributed`` group (None: the default group).

    Examples
    --------
    >>> import torch.distributed as dist
    >>> from sklstm._distributed_training import ProcessGroupFit
    >>> dist.init_process_group("gloo", store=dist.HashStore(),
    ...                         rank=0, world_size=1)
    >>> fit = ProcessGroupFit()
    >>> fit.summed(torch.ones(2))[0].tolist(), fit.gathered("share")
    ([1.0, 1.0], ['share'])
    >>> dist.destroy_process_group()
    """

    def __init__(self, group=None) -> None:
        self.group = group
        self.rank = dist.get_rank(group)
        self.size = dist.get_world_size(group)
        backend = dist.get_backend(group)
        self._device = torch.device("cuda" if backend == "nccl" else "cpu")
        self._ddp: tuple[nn.Module, DistributedDataParallel] | None = None
        self._placed: tuple[torch.Tensor, int, int] | None = None

    # ------------------------------------------------------------ collectives

    def summed(self, *tensors: torch.Tensor) -> list[torch.Tensor]:
        """Each tensor summed over the processes, in float64, as it came."""
        flat = torch.cat(
            [t.detach().reshape(-1).to(self._device, torch.float64) for t in tensors]
        )
        dist.all_reduce(flat, group=self.group)
        out, start = [], 0
        for t in tensors:
            part = flat[start : start + t.numel()].reshape(t.shape)
            out.append(part.to(t.device, t.dtype))
            start += t.numel()
        return out

    def extreme(self, values: np.ndarray, op) -> np.ndarray:
        """The elementwise ``op`` (``dist.ReduceOp.MIN`` or ``MAX``) over processes."""
        tensor = torch.as_tensor(values, dtype=torch.float64).to(self._device)
        dist.all_reduce(tensor, op=op, group=self.group)
        return tensor.cpu().numpy()

    def gathered(self, value) -> list:
        """``value`` of every process, in the order of their ranks."""
        values = [None] * self.size
        dist.all_gather_object(values, value, group=self.group)
        return values

    def barrier(self) -> None:
        """Wait until every process gets here."""
        dist.barrier(group=self.group)

    # ---------------------------------------------------- training (hooks)

    def run_epoch(
        self, network, optimizer, data: Batches, generator, _, settings, history, guard
    ) -> float:
        """One epoch over the minibatches of all samples; their mean loss.

        Each minibatch is the next ``batch_size`` of one order of all
        samples, drawn alike on every process; a process computes the loss
        of those it holds, scaled so that DistributedDataParallel's mean of
        the gradients is the gradient of the minibatch's mean loss. A
        process holding none of a minibatch still steps, with a zero loss.
        """
        offset, total = self._place(data)
        device = data.targets.device
        batch_size = min(settings.batch_size, total)
        order = torch.randperm(total, generator=generator)
        model = self._data_parallel(network)
        running_sum = torch.zeros((), device=device)
        for start in range(0, total, batch_size):
            chosen = order[start : start + batch_size]
            mine = chosen[(chosen >= offset) & (chosen < offset + len(data))] - offset
            held = len(mine) > 0
            samples = (mine if held else torch.zeros(1, dtype=torch.long)).to(device)
            prediction = model(data.windows.take(samples))
            loss_sum = _loss(prediction, data.targets[samples], data.weights, samples)
            loss_sum = loss_sum * (len(samples) if held else 0.0)
            optimizer.zero_grad(set_to_none=True)
            (loss_sum * (self.size / len(chosen))).backward()
            if settings.clip_grad_norm is not None:
                nn.utils.clip_grad_norm_(network.parameters(), settings.clip_grad_norm)
            optimizer.step()
            running_sum += loss_sum.detach()
            if guard.first_loss is None:
                guard.first_loss = self.summed(loss_sum.detach())[0] / len(chosen)
            history.steps += 1
        return float(self.summed(running_sum)[0]) / total

    def validation_metrics(
        self,
        network: nn.Module,
        data: Batches,
        batch_size: int | None = None,
        prediction: torch.Tensor | None = None,
    ) -> tuple[float, float]:
        """Mean squared error and R² over the held-out samples of every process
        (from ``prediction``, this process's, when already made)."""
        if prediction is None:
            prediction = predict_in_batches(network, data.windows, batch_size)
        if any(self.gathered(data.weights is not None)):
            return self._masked_metrics(prediction, data)
        targets = data.targets.double()
        residual = (targets - prediction.double()).square().sum(dim=0)
        count = torch.tensor(float(len(targets)), dtype=torch.float64)
        residual, target_sum, count = self.summed(
            residual, targets.sum(dim=0), count.to(targets.device)
        )
        centred = (targets - target_sum / count).square().sum(dim=0)
        (total,) = self.summed(centred)
        ratio = torch.where(
            total > 0, residual / total.clamp_min(1e-12), residual.clamp_max(0)
        )
        loss = float(residual.mean() / count)
        return loss, float((1.0 - ratio).mean()) if count > 1 else float("nan")

    def _masked_metrics(self, prediction, data: Batches) -> tuple[float, float]:
        """:meth:`validation_metrics` over the observed targets of every
        process (a mask: missing ones are left out, as in one process)."""
        targets = data.targets.double()
        mask = (
            torch.ones_like(targets) if data.weights is None else data.weights.double()
        )
        residual = ((targets - prediction.double()).square() * mask).sum(dim=0)
        residual, target_sum, counts = self.summed(
            residual, (targets * mask).sum(dim=0), mask.sum(dim=0)
        )
        mean = target_sum / counts.clamp_min(1)
        (total,) = self.summed(((targets - mean).square() * mask).sum(dim=0))
        ratio = torch.where(
            total > 0, residual / total.clamp_min(1e-12), residual.clamp_max(0)
        )
        loss = float(residual.sum() / counts.sum().clamp_min(1))
        return loss, float((1.0 - ratio).mean()) if counts.min() > 1 else float("nan")

    def _place(self, data: Batches) -> tuple[int, int]:
        """Where this process's samples start among all, and how many in all."""
        if self._placed is None or self._placed[0] is not data.targets:
            counts = self.gathered(len(data))
            self._placed = (data.targets, sum(counts[: self.rank]), sum(counts))
        return self._placed[1:]

    def _data_parallel(self, network: nn.Module) -> DistributedDataParallel:
        """``network`` wrapped once for gradient averaging over the processes."""
        if self._ddp is None or self._ddp[0] is not network:
            device = next(network.parameters()).device
            self._ddp = (
                network,
                DistributedDataParallel(
                    network,
                    device_ids=[device] if device.type == "cuda" else None,
                    process_group=self.group,
                ),
            )
        return self._ddp[1]

    # ------------------------------------------------------------- statistics

    def standardizer(
        self,
        values: np.ndarray,
        enabled: bool,
        counted: np.ndarray | None = None,
        *,
        may_count_all: bool = True,
    ) -> Standardizer:
        """``Standardizer.fit`` over the values of every process; the rows
        of a process not ``counted`` there are left out, unless that leaves
        a column of every process without a value (then all count)."""
        if not enabled:
            return Standardizer.fit(values, enabled=False)
        n_columns = values.shape[-1]
        if counted is not None and counted.all():
            counted = None
        dense = None
        if not isinstance(values, DirectTargets):
            dense = values.reshape(-1, n_columns)
            if counted is not None:
                dense = np.where(counted[:, None], dense, np.nan)

        def tables():  # direct targets stay a view: a chunk of rows at a time
            if dense is None:
                yield from values.chunks(counted)
            else:
                yield dense

        # As Standardizer.fit: missing targets (NaN) leave the statistics.
        local_sums, local_counts = np.zeros(n_columns), np.zeros(n_columns)
        for table in tables():
            missing = np.isnan(table)
            if missing.any():
                local_sums += np.nansum(table, axis=0, dtype=np.float64)
                local_counts += len(table) - missing.sum(axis=0)
            else:
                local_sums += table.sum(axis=0, dtype=np.float64)
                local_counts += len(table)
        counts, sums = self.summed(
            torch.from_numpy(local_counts), torch.from_numpy(local_sums)
        )
        counts = counts.numpy()
        if may_count_all and (counts == 0).any():  # the group's counts: agreed
            return self.standardizer(values, enabled, None, may_count_all=False)
        mean = sums.numpy() / counts
        local_squares = np.zeros(n_columns)
        local_low, local_high = np.full(n_columns, np.inf), np.full(n_columns, -np.inf)
        for table in tables():
            missing = np.isnan(table)
            local_squares += np.where(missing, 0.0, (table - mean) ** 2).sum(axis=0)
            if len(table):
                low = np.where(missing, np.inf, table)
                high = np.where(missing, -np.inf, table)
                local_low = np.minimum(local_low, low.min(axis=0))
                local_high = np.maximum(local_high, high.max(axis=0))
        (squares,) = self.summed(torch.from_numpy(local_squares))
        std = np.sqrt(squares.numpy() / counts)
        low = self.extreme(local_low, dist.ReduceOp.MIN)
        high = self.extreme(local_high, dist.ReduceOp.MAX)
        return Standardizer(
            mean, np.where(differ_by_rounding(low, high, mean), 1.0, std)
        )


def agreed(group_fit: ProcessGroupFit, step: Callable[[], _T]) -> _T:
    """Run ``step``; if it refuses its input on any process, raise on all.

    A process that raised alone would leave the others waiting for it in
    the next collective until the group's timeout.
    """
    try:
        result, message = step(), None
    except ValueError as error:
        result, message = None, str(error)
    refusals = [
        (rank, text)
        for rank, text in enumerate(group_fit.gathered(message))
        if text is not None
    ]
    if refusals:
        rank, text = refusals[0]
        raise ValueError(f"On the process of rank {rank}: {text}")
    return result


@dataclasses.dataclass(frozen=True)
class _ShareOutline:
    """What the shares of a regressor's fit must have alike to make one model."""

    dimensions: int
    n_features: int
    steps: int | None
    n_outputs: int
    y_was_1d: bool
    weighted: bool


#: How each field of :class:`_ShareOutline` is named to the user when the
#: processes differ in it (``{ranks}``: those where a flag is True), and what
#: to do about it; checked in this order.
_UNLIKE_SHARES = {
    "dimensions": (
        "X of different dimensions (2: rows, 3: sequences)",
        "Give every process rows, or every process sequences.",
    ),
    "n_features": (
        "X with different numbers of feature columns",
        "Give every process the same columns.",
    ),
    "steps": (
        "sequences of different numbers of steps",
        "Give every process sequences of the same length.",
    ),
    "n_outputs": (
        "y with different numbers of outputs (columns)",
        "Give every process the same outputs.",
    ),
    "y_was_1d": (
        "y 1-D on some (rank {ranks}) and 2-D on others",
        "Give every process y of the same shape: 1-D, or one column per output.",
    ),
    "weighted": (
        "sample_weight on some (rank {ranks}) and not on others",
        "Give every process the weights of its rows, or none.",
    ),
}


def check_regressor_shares(
    regressor: LSTMRegressor, X, y, groups, sample_weight, group_fit: ProcessGroupFit
) -> None:
    """Refuse, on every process at once, a share that ``regressor.fit`` would
    refuse, or shares that cannot make one model together.

    The checks of ``fit`` on the data run on ``regressor`` itself (on a
    copy, for the attributes validation sets), so that their messages name
    it; its parameters are checked before, as ``fit_data_parallel`` starts.
    A process that refused alone would leave the others waiting for it in
    the next collective until the group's timeout.

    Raises
    ------
    ValueError
        On every process, naming the first process whose share was refused
        and why, or what differs between the processes' shares.
    """

    def outline() -> _ShareOutline:
        # Its parameters were checked before, by fit_data_parallel.
        X_checked, y_checked, attributes = validate_fit_data(
            regressor, X, y, reset=True
        )
        check_groups(groups, len(X_checked))
        check_sample_weight(sample_weight, X_checked)
        return _ShareOutline(
            dimensions=X_checked.ndim,
            n_features=X_checked.shape[-1],
            steps=X_checked.shape[1] if X_checked.ndim == 3 else None,
            n_outputs=y_checked.shape[1],
            y_was_1d=attributes["_y_was_1d"],
            weighted=sample_weight is not None,
        )

    outlines = group_fit.gathered(agreed(group_fit, outline))
    for field, (what, remedy) in _UNLIKE_SHARES.items():
        values = [getattr(share, field) for share in outlines]
        if len(set(values)) == 1:
            continue
        if isinstance(values[0], bool):
            ranks = [rank for rank, value in enumerate(values) if value]
            unlike = what.format(ranks=ranks[:5])
        else:
            other = next(
                rank for rank, value in enumerate(values) if value != values[0]
            )
            unlike = (
                f"{what} ({sorted(set(values))}; rank 0: {values[0]}, "
                f"rank {other}: {values[other]})"
            )
        raise ValueError(f"The processes of this fit were given {unlike}. {remedy}")


class ShareRegressor(LSTMRegressor):
    """An ``LSTMRegressor`` fitted on this process's rows as one of a group.

    Set ``group_fit`` (a :class:`ProcessGroupFit`) before ``fit``;
    :meth:`as_regressor` gives the plain fitted ``LSTMRegressor``.
    """

    group_fit: ProcessGroupFit

    def _fit(self, X, y, **kwargs) -> ShareRegressor:
        with running(self.group_fit):
            return super()._fit(X, y, **kwargs)

    def _held_out_rows(
        self, groups, n_samples, incremental, sample_weight=None, observed=None
    ):
        own_rows = super()._held_out_rows
        held_out = agreed(
            self.group_fit,
            lambda: own_rows(groups, n_samples, incremental, sample_weight, observed),
        )
        if len(set(self.group_fit.gathered(bool(held_out.any())))) > 1:
            raise ValueError(
                "early_stopping holds out rows on some processes of this fit and "
                "none on others (too few rows there for early_stopping='auto'). "
                "Give every process more rows, or set early_stopping=True or False."
            )
        return held_out

    def _fresh_start(self, X, y, sample_weight=None):
        start = super()._fresh_start(X, y, sample_weight)
        counted = None if sample_weight is None else sample_weight > 0
        return dataclasses.replace(
            start,
            x_scaler=self.group_fit.standardizer(X, self.standardize),
            y_scaler=self.group_fit.standardizer(y, self.standardize, counted),
        )

    def fit(self, X, y, sample_weight=None, *, groups=None) -> ShareRegressor:
        self._share_weights = self._weights_of_all(sample_weight)
        return super().fit(X, y, sample_weight=sample_weight, groups=groups)

    def _weights_of_all(self, sample_weight) -> np.ndarray | None:
        """The weights scaled to average 1 over the rows of every process.

        None when they are equal on all of them: the unweighted loss, as
        ``fit`` on one process takes it. ``fit`` scales each process's
        weights by their own mean, which differs between processes.
        """
        if sample_weight is None:
            return None
        weights = np.asarray(sample_weight, dtype=np.float64).reshape(-1)
        count, total = self.group_fit.summed(
            torch.tensor(float(weights.size), dtype=torch.float64),
            torch.tensor(weights.sum(), dtype=torch.float64),
        )
        low = self.group_fit.extreme(weights.min(initial=np.inf), dist.ReduceOp.MIN)
        high = self.group_fit.extreme(weights.max(initial=-np.inf), dist.ReduceOp.MAX)
        if low == high:
            return None
        return weights / float(total / count)

    def _training_data(
        self, X, y, sample_weight, groups, held_out, start, device, missing
    ):
        weights = self._share_weights
        fit_data = super()._training_data(
            X, y, weights, groups, held_out, start, device, missing
        )
        if any(self.group_fit.gathered(missing is not None)):
            return self._per_target(fit_data, missing, weights, held_out)
        if weights is None:
            return fit_data
        # hold_out left out this process's samples of weight 0 and made the
        # weights of the others average 1 (None when they are all equal);
        # make those of all processes average 1 together.
        kept = weights[~held_out]
        kept = kept[kept > 0]
        count, total = self.group_fit.summed(
            torch.tensor(float(len(kept)), dtype=torch.float64),
            torch.tensor(kept.sum(), dtype=torch.float64),
        )
        factor = float(kept.mean() / (total / count)) if len(kept) else 1.0
        train = fit_data.train
        if train.weights is None and factor == 1.0:
            return fit_data
        local = train.weights
        if local is None:
            local = torch.ones(
                len(train), dtype=train.targets.dtype, device=train.targets.device
            )
        train = dataclasses.replace(train, weights=local * factor)
        return dataclasses.replace(fit_data, train=train)

    def _per_target(self, fit_data, missing, weights, held_out):
        """``fit_data`` with the weights of one process's fit: one per target
        (0 where it is missing) on every process, as soon as one process has
        a missing target, averaging 1 over those of all processes: over all
        samples (``fit_data.all``), and over the training ones."""
        targets = fit_data.train.targets
        rows = np.ones(len(held_out)) if weights is None else weights
        observed = (
            np.ones((1, targets.shape[1]), dtype=bool) if missing is None else ~missing
        )
        table = rows[:, None] * observed
        trains = ~held_out & (table.max(axis=1, initial=0.0) > 0)  # as hold_out

        def averaging_one(part: np.ndarray) -> torch.Tensor:
            count, total = self.group_fit.summed(
                torch.tensor(float(part.size), dtype=torch.float64),
                torch.tensor(part.sum(), dtype=torch.float64),
            )
            return torch.from_numpy(part / float(total / count)).to(
                device=targets.device, dtype=targets.dtype
            )

        everything = dataclasses.replace(fit_data.all, weights=averaging_one(table))
        kept = table[trains]
        low = self.group_fit.extreme(kept.min(initial=np.inf), dist.ReduceOp.MIN)
        high = self.group_fit.extreme(kept.max(initial=-np.inf), dist.ReduceOp.MAX)
        # As hold_out: equal training weights are no weights.
        train = dataclasses.replace(
            fit_data.train, weights=None if low == high else averaging_one(kept)
        )
        return dataclasses.replace(fit_data, all=everything, train=train)

    def _record(self, network, optimizer, start, data, history, **kwargs) -> None:
        rows = torch.tensor(float(len(data.all)), dtype=torch.float64)
        count, padded = self.group_fit.summed(rows, rows * kwargs["fit_padded_share"])
        kwargs["fit_padded_share"] = float(padded / count)
        super()._record(network, optimizer, start, data, history, **kwargs)
        residuals = self.group_fit.gathered(self.calibration_residuals_)
        if residuals[0] is not None:
            self.calibration_residuals_ = np.concatenate(residuals)

    def as_regressor(self) -> LSTMRegressor:
        """The fitted regressor as a plain ``LSTMRegressor``."""
        plain = LSTMRegressor.__new__(LSTMRegressor)
        vars(plain).update(vars(self))
        del vars(plain)["group_fit"], vars(plain)["_share_weights"]
        return plain


def share_regressor(regressor: LSTMRegressor, group_fit: ProcessGroupFit):
    """A :class:`ShareRegressor` with the parameters of ``regressor``."""
    share = ShareRegressor(**regressor.get_params(deep=False))
    share.group_fit = group_fit
    return share
