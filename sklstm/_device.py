"""Resolve the ``device`` parameter to a :class:`torch.device` that exists here.

Every availability question sklstm asks goes through :func:`cuda_available`,
:func:`cuda_device_count` and :func:`mps_available`, so that tests can answer
them without the hardware.

``"cuda"`` means what it means to PyTorch: the current CUDA device.

**Parallel workers and several GPUs** is an explicit opt-in:
``"cuda:auto"`` names one GPU per parallel worker, round-robin: a worker with
index *k* on a machine with *N* visible GPUs trains on ``cuda:(k mod N)``, so
the workers of a parallel search spread over the GPUs instead of all piling
onto GPU 0. :func:`worker_index` says how *k* is found. Outside a worker, or
with one visible GPU, ``"cuda:auto"`` is ``"cuda"``.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys

import torch

from sklstm._warnings import warn
from sklstm.exceptions import DeviceWarning

_CUDA_PATTERN = re.compile(r"^cuda(:(\d+|auto))?$")
#: "cpu" and "cpu:N", as PyTorch parses them: the index of the CPU means nothing.
_CPU_PATTERN = re.compile(r"^cpu(:\d+)?$")
#: "mps" and "mps:N"; the one MPS device is index 0.
_MPS_PATTERN = re.compile(r"^mps(:(\d+))?$")
KNOWN_DEVICES = ("auto", "cpu", "cuda", "cuda:N", "cuda:auto", "mps")

#: The number a process's default name ends with ("LokyProcess-3",
#: "ForkPoolWorker-2", "Process-1:2"): Python's documented naming of child
#: processes.
_PROCESS_NUMBER = re.compile(r"-(\d+)(?::\d+)*$")

#: Environment variable that sets this process's worker index explicitly.
WORKER_INDEX_VARIABLE = "SKLSTM_WORKER_INDEX"


def cuda_available() -> bool:
    """Whether PyTorch can use a CUDA GPU on this machine."""
    return torch.cuda.is_available()


def cuda_device_count() -> int:
    """The number of CUDA GPUs PyTorch can see (0 without CUDA)."""
    return torch.cuda.device_count() if cuda_available() else 0


def mps_available() -> bool:
    """Whether PyTorch can use Apple's Metal (MPS) backend on this machine."""
    return torch.backends.mps.is_available()


def resolve_device(device: str) -> torch.device:
    """Turn a ``device`` parameter into a device that is available.

    ``"auto"`` picks CUDA, then Apple MPS, then the CPU. ``"cuda:auto"`` picks
    this parallel worker's own GPU (see the module's docstring). Indexed names
    mean what they mean to PyTorch: ``"cpu:0"`` (``torch.device("cpu", 0)``)
    is the CPU, ``"mps:0"`` the MPS device. An explicit device that this
    machine does not have is an error, never a silent fallback.

    Parameters
    ----------
    device : {'auto', 'cpu', 'cuda', 'cuda:N', 'cuda:auto', 'mps'} or torch.device
        The device a user asked for.

    Returns
    -------
    torch.device
        The device to train and predict on.

    Raises
    ------
    ValueError
        If ``device`` is not a known name, or names a device this machine
        does not have.

    Examples
    --------
    >>> from sklstm._device import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise ValueError(
            f"device must be one of {KNOWN_DEVICES}; got {device!r} of type "
            f"{type(device).__name__}."
        )
    name = device.strip().lower()
    if name == "auto":
        if cuda_available():
            return torch.device("cuda")
        if mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if _CPU_PATTERN.match(name):
        return torch.device("cpu")
    mps = _MPS_PATTERN.match(name)
    if mps is not None:
        if not mps_available():
            raise ValueError(
                f"device={device!r} was requested, but Apple's MPS backend is not "
                "available on this machine. Use device='auto' or device='cpu'."
            )
        if mps.group(2) is not None and int(mps.group(2)) != 0:
            raise ValueError(
                f"device={device!r} was requested, but a machine has one MPS "
                "device, mps:0. Use device='mps'."
            )
        return torch.device("mps")
    match = _CUDA_PATTERN.match(name)
    if match is None:
        raise ValueError(
            f"Unknown device {device!r}. Use one of {KNOWN_DEVICES}, for example "
            "device='auto' to pick the best device available."
        )
    count = cuda_device_count()
    if count == 0:
        raise ValueError(
            f"device={device!r} was requested, but CUDA is not available on this "
            "machine (no GPU, or a CPU-only PyTorch build). Use device='auto' or "
            "device='cpu', or install a CUDA build of PyTorch."
        )
    index = match.group(2)
    if index == "auto":
        return _cuda_for_this_worker()
    if index is not None and int(index) >= count:
        raise ValueError(
            f"device={device!r} was requested, but this machine has {count} CUDA "
            f"device(s) (cuda:0 to cuda:{count - 1})."
        )
    return torch.device(name)


def worker_index() -> int | None:
    """This process's index among parallel workers, or None outside a worker.

    The first of these that applies gives the index:

    1. the environment variable ``SKLSTM_WORKER_INDEX`` (an integer >= 0), for
       any launcher that numbers its workers;
    2. the name of the Dask worker running this code, when it is an integer
       (``distributed.LocalCluster`` names its workers 0, 1, 2, ...);
    3. in a child process, the number its default name ends with, minus 1:
       Python names child processes ``"<kind>-N"`` in the order they start
       (``LokyProcess-1`` for joblib's default ``loky`` backend,
       ``ForkPoolWorker-2`` for ``multiprocessing`` pools and
       ``ProcessPoolExecutor``).

    Returns
    -------
    int or None
        The index; None in a main process that none of these describe.

    Raises
    ------
    ValueError
        If ``SKLSTM_WORKER_INDEX`` is set but is not an integer >= 0.

    Examples
    --------
    >>> import os
    >>> from sklstm._device import worker_index
    >>> os.environ["SKLSTM_WORKER_INDEX"] = "3"
    >>> worker_index()
    3
    >>> del os.environ["SKLSTM_WORKER_INDEX"]
    """
    explicit = os.environ.get(WORKER_INDEX_VARIABLE)
    if explicit is not None:
        if not explicit.strip().isdigit():
            raise ValueError(
                f"{WORKER_INDEX_VARIABLE}={explicit!r} must be an integer >= 0 "
                "(the index of this worker process), or be unset."
            )
        return int(explicit)
    dask_name = _dask_worker_name()
    if isinstance(dask_name, int) or (
        isinstance(dask_name, str) and dask_name.isdigit()
    ):
        return int(dask_name)
    if multiprocessing.parent_process() is not None:
        number = _PROCESS_NUMBER.search(multiprocessing.current_process().name)
        if number is not None:
            return int(number.group(1)) - 1
    return None


def _dask_worker_name() -> object:
    """The name of the Dask worker running this code, or None.

    A Dask worker has imported ``distributed``; a process that has not is no
    worker, and is spared the import.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        return distributed.get_worker().name
    except ValueError:  # not running inside a worker
        return None


def _cuda_for_this_worker() -> torch.device:
    """``cuda:auto``: in a parallel worker on a multi-GPU machine, its own GPU."""
    count = cuda_device_count()
    index = worker_index()
    if count > 1 and index is not None:
        return torch.device("cuda", index % count)
    return torch.device("cuda")


def device_for_loading(trained_on: str) -> torch.device:
    """The device on which to rebuild a model that was trained on ``trained_on``.

    The model comes back on the device it was trained on when this machine has
    it; otherwise on the best device available here, with a
    :class:`~sklstm.exceptions.DeviceWarning` saying where it now runs.

    Parameters
    ----------
    trained_on : str
        The fitted ``device_`` of the saved model, such as ``"cuda:0"``.

    Returns
    -------
    torch.device
        Where the loaded model will live.
    """
    try:
        return resolve_device(trained_on)
    except ValueError:
        fallback = resolve_device("auto")
        warn(
            f"This model was trained on {trained_on!r}, which is not available on "
            f"this machine; it now runs on {str(fallback)!r}.",
            DeviceWarning,
        )
        return fallback
