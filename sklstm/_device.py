"""Resolve the ``device`` parameter to a :class:`torch.device` that exists here.

Every availability question sklstm asks goes through :func:`cuda_available` and
:func:`mps_available`, so that tests can answer them without the hardware.
"""

from __future__ import annotations

import re
import warnings

import torch

from sklstm.exceptions import DeviceWarning

_CUDA_PATTERN = re.compile(r"^cuda(:(\d+))?$")
KNOWN_DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")


def cuda_available() -> bool:
    """Whether PyTorch can use a CUDA GPU on this machine."""
    return torch.cuda.is_available()


def cuda_device_count() -> int:
    """The number of CUDA GPUs PyTorch can see (0 without CUDA)."""
    return torch.cuda.device_count() if cuda_available() else 0


def mps_available() -> bool:
    """Whether PyTorch can use Apple's Metal (MPS) backend on this machine."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(device: str) -> torch.device:
    """Turn a ``device`` parameter into a device that is available.

    ``"auto"`` picks CUDA, then Apple MPS, then the CPU. An explicit device
    that this machine does not have is an error, never a silent fallback.

    Parameters
    ----------
    device : {'auto', 'cpu', 'cuda', 'cuda:N', 'mps'} or torch.device
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
    if name == "cpu":
        return torch.device("cpu")
    if name == "mps":
        if not mps_available():
            raise ValueError(
                "device='mps' was requested, but Apple's MPS backend is not "
                "available on this machine. Use device='auto' or device='cpu'."
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
    index = int(match.group(2)) if match.group(2) is not None else None
    if index is not None and index >= count:
        raise ValueError(
            f"device={device!r} was requested, but this machine has {count} CUDA "
            f"device(s) (cuda:0 to cuda:{count - 1})."
        )
    return torch.device(name)


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
        warnings.warn(
            f"This model was trained on {trained_on!r}, which is not available on "
            f"this machine; it now runs on {str(fallback)!r}.",
            DeviceWarning,
            stacklevel=3,
        )
        return fallback
