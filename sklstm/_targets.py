"""Direct targets as strided views over a series, never a (samples, block) copy.

A forecaster's direct strategy trains each window on the next ``block``
values of its series. As a table, those targets hold every value ``block``
times over: on a panel they are the largest arrays of a fit, rows x horizon
where the windows themselves are rows x features (:mod:`sklstm._windows`).
Here they stay a view over the series: :class:`DirectTargets` describes them
to the regressor (its statistics are computed a chunk of rows at a time), and
:class:`TargetRows` holds them on the device, standardised one minibatch at a
time, as a minibatch gathers its windows. The numbers are the same, bit for
bit, as those of the table scaled column by column.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view

#: Targets (values) per chunk when their statistics are accumulated.
_CHUNK_VALUES = 2**16


@dataclass(frozen=True)
class DirectTargets:
    """The next ``block`` values after each training row, as a view.

    Sample *i*'s targets are ``values[starts[i] + 1 : starts[i] + 1 + block]``,
    minus ``base[starts[i]]`` when ``base`` is given (the change from the
    last value in the window).

    Attributes
    ----------
    values : ndarray of shape (n_rows,)
        The series, grouped by series; NaN where a value is missing.
    starts : ndarray of shape (n_samples,)
        The row of each sample in ``values``.
    block : int
        Targets per sample.
    base : ndarray of shape (n_rows,) or None
        Subtracted from each sample's targets: the value at its row.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._targets import DirectTargets
    >>> targets = DirectTargets(np.arange(5.0), np.array([0, 2]), block=2)
    >>> targets.dense().tolist()
    [[1.0, 2.0], [3.0, 4.0]]
    """

    values: np.ndarray
    starts: np.ndarray
    block: int
    base: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.starts), self.block

    def rows(self, samples: slice | np.ndarray = slice(None)) -> np.ndarray:
        """The targets of ``samples`` as a float64 table (NaN where missing)."""
        starts = self.starts[samples]
        table = sliding_window_view(self.values[1:], self.block)[starts]
        if self.base is not None:
            table -= self.base[starts, None]  # in place: the gather is a copy
        return table

    def dense(self) -> np.ndarray:
        """All targets as one (n_samples, block) table."""
        return self.rows()

    def missing(self) -> np.ndarray:
        """Which targets are missing, as a (n_samples, block) table of bool."""
        missing = np.isnan(self.values[1:])
        return sliding_window_view(missing, self.block)[self.starts]

    def has_missing(self) -> bool:
        return bool(np.isnan(self.values[1:]).any())

    def chunks(self, counted: np.ndarray | None = None):
        """The targets as float64 tables of consecutive samples, in order;
        NaN in the rows of the samples not ``counted`` (None: all are)."""
        rows = max(1, _CHUNK_VALUES // self.block)
        for start in range(0, len(self), rows):
            table = self.rows(slice(start, start + rows))
            if counted is not None:
                table[~counted[start : start + rows]] = np.nan  # the gather is a copy
            yield table

    def extremes(self) -> np.ndarray:
        """The lowest and the highest target (NaN left out), for range checks."""
        low, high = np.inf, -np.inf
        for table in self.chunks():
            low = min(low, float(np.nanmin(table, initial=np.inf)))
            high = max(high, float(np.nanmax(table, initial=-np.inf)))
        return np.array([low, high])

    def statistics(self, counted: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        """Each column's mean, standard deviation, lowest and highest value.

        Missing values, and those of the samples not ``counted`` (None: all
        are), are left out. Summed a chunk of rows at a time in the
        order NumPy sums the columns of a table (row after row), so the mean
        and deviation are those of ``np.nanmean`` and ``np.nanstd`` of the
        table, bit for bit.
        """
        total = np.zeros(self.block)
        count = np.zeros(self.block, dtype=np.intp)
        low, high = np.full(self.block, np.inf), np.full(self.block, -np.inf)
        for table in self.chunks(counted):
            missing = np.isnan(table)
            count += (~missing).sum(axis=0)
            low = np.fmin(low, np.nanmin(table, axis=0, initial=np.inf))
            high = np.fmax(high, np.nanmax(table, axis=0, initial=-np.inf))
            total = _running_sum(total, np.where(missing, 0.0, table))
        mean = total / count
        squares = np.zeros(self.block)
        for table in self.chunks(counted):
            centred = np.where(np.isnan(table), 0.0, table - mean)
            squares = _running_sum(squares, centred * centred)
        return mean, np.sqrt(squares / count), low, high

    def on_device(
        self, mean: np.ndarray, scale: np.ndarray, device: torch.device
    ) -> TargetRows:
        """The targets standardised by ``mean`` and ``scale``, on ``device``."""
        # Batches are standardised in float64, as the table would be; MPS
        # has no float64, so its batches are computed on the CPU.
        home = torch.device("cpu") if device.type == "mps" else device
        values = torch.from_numpy(self.values).to(home)
        return TargetRows(
            view=values[1:].unfold(0, self.block, 1),
            positions=torch.from_numpy(self.starts).to(home),
            base=None if self.base is None else torch.from_numpy(self.base).to(home),
            mean=torch.from_numpy(np.asarray(mean, dtype=np.float64)).to(home),
            scale=torch.from_numpy(np.asarray(scale, dtype=np.float64)).to(home),
            device=device,
            holes=self.has_missing(),
        )


def missing_targets(y: np.ndarray | DirectTargets) -> np.ndarray | None:
    """Which targets of ``y`` are missing, one row per sample (None: none).

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._targets import missing_targets
    >>> missing_targets(np.array([1.0, np.nan])).tolist(), missing_targets(np.ones(2))
    ([[False], [True]], None)
    """
    if isinstance(y, DirectTargets):
        return y.missing() if y.has_missing() else None
    missing = np.isnan(np.asarray(y)).reshape(len(y), -1)
    return missing if missing.any() else None


def _running_sum(total: np.ndarray, table: np.ndarray) -> np.ndarray:
    """``total`` plus the rows of ``table``, one row after another."""
    return np.add.reduce(np.concatenate([total[None], table]), axis=0)


@dataclass(frozen=True)
class TargetRows:
    """Standardised float32 targets, gathered from a strided view by sample.

    Indexing with samples (a tensor of them, or a slice) gathers and
    standardises only those, like the windows of a minibatch; missing
    targets come out as 0. :meth:`subset` keeps some samples without
    copying any target.

    Attributes
    ----------
    view : torch.Tensor of shape (n_positions, block)
        A strided view (float64) over the series: row *p* holds the values
        after row *p*.
    positions : torch.Tensor of shape (n_samples,)
        The row of ``view`` (and of ``base``) of each sample.
    base : torch.Tensor of shape (n_rows,) or None
        Subtracted from the targets of the sample at each row.
    mean, scale : torch.Tensor of shape (block,)
        The standardisation of each column.
    device : torch.device
        Where the gathered targets go.
    holes : bool
        Whether some targets are missing (NaN in ``view``).
    """

    view: torch.Tensor
    positions: torch.Tensor
    base: torch.Tensor | None
    mean: torch.Tensor
    scale: torch.Tensor
    device: torch.device
    holes: bool = False

    dtype = torch.float32
    ndim = 2

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.positions), self.view.shape[1]

    def __getitem__(self, samples) -> torch.Tensor:
        if isinstance(samples, torch.Tensor):
            samples = samples.to(self.positions.device)
        rows = self.positions[samples]
        values = self.view[rows]  # a copy: the rest is done in place
        if self.base is not None:
            values -= self.base[rows, None]
        values -= self.mean
        values /= self.scale
        if self.holes:
            values.masked_fill_(torch.isnan(values), 0.0)
        return values.to(self.device, torch.float32)

    def subset(self, samples: torch.Tensor) -> TargetRows:
        """The targets of ``samples`` only, still a view."""
        positions = self.positions[samples.to(self.positions.device)]
        return dataclasses.replace(self, positions=positions)
