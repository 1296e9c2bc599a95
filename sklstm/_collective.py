"""Where a fit's sums over samples go when one fit runs on several processes.

A data-parallel fit (:func:`sklstm.distributed.fit_data_parallel`) runs the
ordinary fit on every process, each on its own share of the samples. The
few places that form a sum over all samples (the normal equations of the
ridge start, the error that scales the output layer's rate, an epoch of
minibatches, the validation loss) ask :func:`data_parallel` whether such a
fit is running and, if so, let it add up the shares of every process. With
none running (every ordinary fit) they compute exactly what they always did.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol

import torch


class DataParallel(Protocol):
    """What a data-parallel fit provides to the code it runs."""

    def summed(self, *tensors: torch.Tensor) -> list[torch.Tensor]:
        """Each tensor summed over the processes."""

    def run_epoch(
        self, network, optimizer, data, order, batch_size, settings, history, guard
    ) -> float:
        """One epoch over the minibatches of all processes; the mean loss."""

    def validation_metrics(
        self, network, data, batch_size=None, prediction=None
    ) -> tuple:
        """Validation loss and R² over the held-out samples of all processes."""


_ACTIVE: ContextVar[DataParallel | None] = ContextVar("sklstm_data_parallel")


def data_parallel() -> DataParallel | None:
    """The data-parallel fit running in this context, or None.

    Examples
    --------
    >>> from sklstm._collective import data_parallel
    >>> data_parallel() is None
    True
    """
    return _ACTIVE.get(None)


def summed(*tensors: torch.Tensor) -> list[torch.Tensor]:
    """Each tensor summed over the processes of a data-parallel fit (else as is).

    Examples
    --------
    >>> import torch
    >>> from sklstm._collective import summed
    >>> summed(torch.ones(2))[0].tolist()
    [1.0, 1.0]
    """
    parallel = data_parallel()
    return list(tensors) if parallel is None else parallel.summed(*tensors)


@contextlib.contextmanager
def running(parallel: DataParallel) -> Iterator[None]:
    """Run the block as part of the data-parallel fit ``parallel``."""
    token = _ACTIVE.set(parallel)
    try:
        yield
    finally:
        _ACTIVE.reset(token)
