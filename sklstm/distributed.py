"""One fit of one model over several processes (``torch.distributed``).

A collection too large for one process is split by series: each process
(one per GPU, or per machine) holds some series, and
:func:`fit_data_parallel`, called on every process of a ``torch.distributed``
group, trains one model on all of them with
:class:`~torch.nn.parallel.DistributedDataParallel`. The processes are
started by an existing launcher: ``torchrun`` (see ``docs/scaling.md``), or
``torch.multiprocessing`` on one machine.
"""

from __future__ import annotations

import numbers
import os

import numpy as np
import torch.distributed as dist
from sklearn.base import BaseEstimator

from sklstm._distributed_forecaster import fit_forecaster_share
from sklstm._distributed_training import (
    ProcessGroupFit,
    agreed,
    check_regressor_shares,
    share_regressor,
)
from sklstm._forecaster import LSTMForecaster
from sklstm._progress import progress_label
from sklstm._publishing import publish_fitted_state
from sklstm._random import draw_random_state
from sklstm._regressor import LSTMRegressor
from sklstm._saving import check_writable_file, checked_target, save

__all__ = ["DataParallelFitError", "fit_data_parallel"]


class DataParallelFitError(RuntimeError):
    """Another process of a data-parallel fit failed or stopped answering.

    Raised by :func:`fit_data_parallel` on every surviving process when a
    process of the group dies, is interrupted, or does not reach the next
    collective within the group's timeout. The estimator keeps the state it
    had before the call, and no model is saved.

    Examples
    --------
    >>> from sklstm.distributed import DataParallelFitError
    >>> issubclass(DataParallelFitError, RuntimeError)
    True
    """


def fit_data_parallel(
    estimator: BaseEstimator,
    X,
    y,
    *,
    groups=None,
    sample_weight=None,
    save_to: str | os.PathLike | None = None,
    process_group=None,
) -> BaseEstimator:
    """Fit ``estimator`` on the series of every process of a group, as one model.

    Call it on every process of an initialised ``torch.distributed`` group
    (``gloo`` on CPUs, ``nccl`` on GPUs), each with its own series. The fit
    is that of ``estimator.fit`` on all the rows of all processes, with the
    same batch size and seeds, up to the order in which floats are added:
    every process draws the same order of all training windows, computes
    the loss of those it holds in each minibatch, and
    ``DistributedDataParallel`` averages the gradients; standardisation,
    the ridge start, the output layer's rate and the validation loss of
    early stopping are summed over all processes. Each series' scaling and
    season are fitted on its process and gathered, so every process ends
    with the same fitted estimator; with ``save_to``, the process of rank 0
    saves it (:func:`sklstm.save`, which replaces the file atomically).
    Missing values (NaN in ``y``, and for a forecaster missing steps of a
    date index) are learnt around as ``fit`` learns around them, whichever
    processes hold them.

    Parameters
    ----------
    estimator : LSTMForecaster or LSTMRegressor
        The estimator to fit, with the same parameters on every process
        (others are refused), but for ``device``, ``verbose``,
        ``predict_batch_size`` and ``random_state``: ``random_state`` may be
        None, or differ, as the seed of rank 0 is used everywhere.
        ``warm_start`` must be False, and ``dropout`` 0 for results equal
        to one process's.
    X : array-like of shape (n_rows, n_features)
        The rows of this process's series (covariates, for a forecaster).
    y : array-like of shape (n_rows,) or (n_rows, n_outputs)
        Their targets (the series' values, for a forecaster).
    groups : array-like of shape (n_rows,), default=None
        The series of each row. Each series lives on one process; no
        window crosses two series, nor two processes. None: this process's
        rows are one series (an ``LSTMForecaster`` fitted by more than one
        process then needs ``groups`` on every process, to tell their series
        apart).
    sample_weight : array-like of shape (n_rows,), default=None
        ``LSTMRegressor`` only: the weight of each row.
    save_to : str, path-like or binary file object, default=None
        Where the process of rank 0 saves the fitted model. A target that
        ``sklstm.save`` would refuse (a folder, a missing folder, a
        write-protected file) is refused on every process before training,
        with a ``ValueError``.
    process_group : ProcessGroup, default=None
        The group of processes (None: the default group).

    Returns
    -------
    estimator : LSTMForecaster or LSTMRegressor
        The fitted estimator, the same on every process.

    Raises
    ------
    ValueError
        On every process at once, when the input of one process is refused
        (the message names its rank), when the processes were given
        estimators of other classes or parameters, X with
        different columns or y with different outputs, when some
        processes of a forecaster's fit gave no ``groups``, when some
        process holds only series too short to train (which a fit in one
        process keeps as histories; add them with ``update`` after the fit),
        or when a network of the ensemble drew (``max_series``) none of the
        series of some process: every process trains every network on its
        own windows. Also when ``sklstm.save`` refuses ``save_to`` (before
        training) or the fitted model (after it; the model stays fitted).
    DataParallelFitError
        On every surviving process, when another one dies, is interrupted
        or stops answering for longer than the group's timeout (given to
        ``torch.distributed.init_process_group``). The estimator keeps its
        previous state and nothing is saved.

    Examples
    --------
    One process is a group of one (``torchrun --nproc-per-node=2`` runs the
    same code on two; ``docs/scaling.md`` shows how):

    >>> import numpy as np
    >>> import torch.distributed as dist
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.distributed import fit_data_parallel
    >>> dist.init_process_group("gloo", store=dist.HashStore(),
    ...                         rank=0, world_size=1)
    >>> t = np.arange(60.0)
    >>> y = np.concatenate([np.sin(t / 3), np.cos(t / 3)])
    >>> groups = np.repeat(["a", "b"], 60)
    >>> forecaster = LSTMForecaster(lookback=6, hidden_size=8, max_iter=5,
    ...                             n_networks=1, random_state=0)
    >>> forecaster = fit_data_parallel(forecaster, np.empty((120, 0)), y,
    ...                                groups=groups)
    >>> forecaster.predict(np.empty((2, 0)), groups=["a", "b"]).shape
    (2,)
    >>> dist.destroy_process_group()
    """
    _check_can_fit(estimator, sample_weight)
    group_fit = ProcessGroupFit(process_group)
    try:
        # As fit checks them, refused on every process if on one.
        agreed(group_fit, estimator._validate_params)
        _refuse_different_parameters(estimator, group_fit)
        if save_to is not None:  # before training, not after it
            agreed(group_fit, lambda: _check_save_target(save_to, group_fit.rank))
        if isinstance(estimator, LSTMForecaster):
            fit_forecaster_share(estimator, X, y, groups, group_fit)
        else:
            _fit_regressor_share(estimator, X, y, groups, sample_weight, group_fit)
        if save_to is not None:
            # A model save refuses (dates it cannot write) is refused on
            # every process, not on rank 0 alone.
            agreed(group_fit, lambda: group_fit.rank or save(estimator, save_to))
        group_fit.barrier()
    except RuntimeError as error:
        if not _is_group_failure(error):
            raise
        raise DataParallelFitError(
            f"The data-parallel fit on the process of rank {group_fit.rank} (of "
            f"{group_fit.size}) stopped: another process of the group failed, was "
            "interrupted, or did not answer within the group's timeout. Nothing "
            "was fitted or saved here; see the other processes' output for the "
            f"cause, then run the fit again. torch.distributed said: {error}"
        ) from error
    return estimator


#: Parameters each process may set its own way: its own accelerator, its own
#: progress output, a seed of which rank 0's is used everywhere, and the
#: batches it predicts in.
_OWN_TO_EACH_PROCESS = ("device", "verbose", "random_state", "predict_batch_size")


def _refuse_different_parameters(estimator: BaseEstimator, group_fit) -> None:
    """Refuse, on every process, estimators of other classes or parameters
    than rank 0's: their collectives would not match (a hang until the
    group's timeout, or an abort inside the backend)."""
    described = {"estimator class": type(estimator).__name__}
    for name, value in estimator.get_params(deep=False).items():
        if name not in _OWN_TO_EACH_PROCESS:
            described[name] = value
    gathered = group_fit.gathered(described)
    for rank, other in enumerate(gathered[1:], start=1):
        differ = [
            name
            for name in gathered[0]
            if name not in other or not _equal(other[name], gathered[0][name])
        ]
        if differ:
            name = differ[0]
            raise ValueError(
                f"The processes were given different estimators: {name} is "
                f"{gathered[0][name]!r} on rank 0 and {other.get(name)!r} on rank "
                f"{rank}. Give every process the same estimator (only "
                f"{', '.join(_OWN_TO_EACH_PROCESS)} may differ)."
            )


def _equal(value, other) -> bool:
    """Whether two parameters are the same: 3 and ``np.int64(3)`` are, as are
    0.1 and ``np.float64(0.1)``; so is anything its type tells equal. Values
    of other kinds are not: ``max_series=1`` is one series, ``1.0`` all of
    them, and True is no 1."""
    if _kind(value) != _kind(other):
        return False
    try:
        return bool(value == other)
    except (TypeError, ValueError):  # arrays, or types that cannot compare
        return repr(value) == repr(other)


def _kind(value) -> str:
    """``'bool'``, ``'int'``, ``'float'`` or ``'other'``, NumPy scalars alike."""
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    return "float" if isinstance(value, numbers.Real) else "other"


def _check_save_target(save_to, rank: int) -> None:
    """Refuse on rank 0 a target that ``save`` would refuse, as a ValueError
    (which every process then raises), before any training."""
    if rank:
        return
    try:
        if isinstance(save_to, (str, os.PathLike)):
            checked_target(save_to)
        else:  # a file object, as save takes
            check_writable_file(save_to)
    except OSError as error:
        raise ValueError(
            f"save_to={os.fspath(save_to)!r} cannot be written: {error.strerror}"
        ) from error
    except TypeError as error:
        raise ValueError(f"save_to cannot be written: {error}") from error


def _check_can_fit(estimator, sample_weight) -> None:
    if not (dist.is_available() and dist.is_initialized()):
        raise RuntimeError(
            "fit_data_parallel runs on every process of a torch.distributed "
            "group, which is not initialised here. Start the processes with "
            "torchrun (or torch.multiprocessing) and call "
            "torch.distributed.init_process_group('gloo') (CPUs) or ('nccl') "
            "(GPUs) first; for one process, call estimator.fit."
        )
    if not isinstance(estimator, (LSTMForecaster, LSTMRegressor)):
        raise TypeError(
            "fit_data_parallel fits an LSTMForecaster or an LSTMRegressor; got "
            f"{type(estimator).__name__}."
        )
    if estimator.warm_start:
        raise ValueError(
            "fit_data_parallel trains a new model; warm_start=True is not "
            "supported. Set warm_start=False."
        )
    if isinstance(estimator, LSTMForecaster):
        if sample_weight is not None:
            raise ValueError("An LSTMForecaster takes no sample_weight.")


def _fit_regressor_share(estimator, X, y, groups, sample_weight, group_fit) -> None:
    """Fit an ``LSTMRegressor`` on this process's rows as part of the group."""
    check_regressor_shares(estimator, X, y, groups, sample_weight, group_fit)
    seed = group_fit.gathered(draw_random_state(estimator.random_state))[0]
    share = share_regressor(estimator, group_fit).set_params(random_state=seed)
    with progress_label(type(estimator).__name__):  # not the class that trains
        share.fit(X, y, sample_weight=sample_weight, groups=groups)
    fitted = vars(share.as_regressor())
    params = estimator.get_params(deep=False)
    publish_fitted_state(
        estimator,
        {name: value for name, value in fitted.items() if name not in params},
    )


def _is_group_failure(error: RuntimeError) -> bool:
    """Whether ``error`` comes from a collective that lost its peers."""
    if isinstance(error, getattr(dist, "DistError", ())):
        return True
    text = str(error).lower()
    return any(
        sign in text
        for sign in ("gloo", "connection", "timed out", "timeout", "nccl", "peer")
    )
