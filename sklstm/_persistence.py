"""Portable pickled state: weights as CPU arrays plus the architecture.

A pickle of an sklstm estimator never holds live torch objects, so a model
trained on a GPU unpickles on a CPU-only machine, and pickling does not touch
the live estimator. The state holds only numpy arrays and Python builtins
(scaling statistics become arrays too), so ``skops.io`` can save it with the
estimator class as the only type to trust.

Pickle executes code on load: unpickle only files you trust. For files from
elsewhere, :func:`sklstm.load` reads a format that executes nothing.
"""

from __future__ import annotations

import re
import zoneinfo

import numpy as np
import pandas as pd
import torch
from pandas.tseries.frequencies import to_offset
from torch import nn

from sklstm._device import device_for_loading
from sklstm._scaling import Standardizer
from sklstm._warnings import warn

PICKLE_FORMAT_VERSION = 1

#: Fitted attributes that hold live torch objects and are never pickled.
LIVE_ATTRIBUTES = ("network_", "_optimizer")


def network_to_arrays(network: nn.Module) -> dict[str, np.ndarray]:
    """The network's weights as plain CPU numpy arrays (copies)."""
    return {
        name: value.detach().to("cpu", copy=True).numpy()
        for name, value in network.state_dict().items()
    }


def arrays_to_network(
    network: nn.Module, arrays: dict[str, np.ndarray], device: torch.device
) -> nn.Module:
    """Load ``arrays`` into ``network`` and move it to ``device``."""
    state = {name: torch.from_numpy(np.array(value)) for name, value in arrays.items()}
    network.load_state_dict(state)
    return network.to(device).eval()


def optimizer_to_plain(optimizer: torch.optim.Optimizer) -> dict:
    """An optimiser's state (Adam's moments and step counts) as arrays and builtins."""
    state = optimizer.state_dict()
    return {
        "state": {
            index: {
                name: value.detach().to("cpu", copy=True).numpy()
                if isinstance(value, torch.Tensor)
                else value
                for name, value in entries.items()
            }
            for index, entries in state["state"].items()
        },
        "param_groups": [dict(group) for group in state["param_groups"]],
    }


def optimizer_from_state(network: nn.Module, plain: dict) -> torch.optim.Optimizer:
    """The Adam optimiser of ``network``, resumed from :func:`optimizer_to_plain`."""
    from sklstm._training import adam

    optimizer = adam(network, lr=1.0, weight_decay=0.0, fused=False)
    optimizer.load_state_dict(
        {
            "state": {
                index: {
                    name: torch.from_numpy(np.array(value))
                    if isinstance(value, np.ndarray)
                    else value
                    for name, value in entries.items()
                }
                for index, entries in plain["state"].items()
            },
            "param_groups": [dict(group) for group in plain["param_groups"]],
        }
    )
    return optimizer


def portable_state(state: dict) -> dict:
    """Replace the live objects of an estimator's ``__dict__`` by arrays."""
    state = dict(state)
    network = state.pop("network_", None)
    optimizer = state.pop("_optimizer", None)
    if network is not None:
        state["_network_arrays"] = network_to_arrays(network)
    if optimizer is not None:
        # Pickled with the weights, so partial_fit resumes Adam's moments.
        state["_optimizer_state"] = optimizer_to_plain(optimizer)
    scalers = {
        name: {"mean": value.mean, "scale": value.scale}
        for name, value in state.items()
        if isinstance(value, Standardizer)
    }
    if scalers:
        for name in scalers:
            del state[name]
        state["_scalers"] = scalers
    pandas_values = {
        name: pandas_to_plain(value)
        for name, value in state.items()
        if isinstance(value, (pd.Timestamp, pd.DateOffset))
    }
    if pandas_values:
        for name in pandas_values:
            del state[name]
        state["_pandas_values"] = pandas_values
    state["_sklstm_pickle_format"] = PICKLE_FORMAT_VERSION
    return state


def split_loaded_state(state: dict) -> tuple[dict, dict[str, np.ndarray] | None]:
    """Separate the network arrays from the other attributes of a pickle."""
    state = dict(state)
    version = state.pop("_sklstm_pickle_format", None)
    if version != PICKLE_FORMAT_VERSION:
        warn(
            f"This model was pickled with sklstm pickle format {version}; this "
            f"sklstm reads format {PICKLE_FORMAT_VERSION}. It may not load or "
            "predict correctly: refit it, or load it with the sklstm version "
            "that saved it.",
            UserWarning,
        )
    for name, statistics in state.pop("_scalers", {}).items():
        state[name] = Standardizer(statistics["mean"], statistics["scale"])
    for name, plain in state.pop("_pandas_values", {}).items():
        state[name] = plain_to_pandas(plain)
    return state, state.pop("_network_arrays", None)


def pandas_to_plain(value: pd.Timestamp | pd.DateOffset) -> dict[str, str | None]:
    """A timestamp or a frequency as a dict of strings (see :func:`plain_to_pandas`).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._persistence import pandas_to_plain
    >>> pandas_to_plain(pd.Timestamp("2024-03-01", tz="Europe/Paris"))
    {'timestamp': '2024-03-01T00:00:00+01:00', 'tz': 'Europe/Paris'}
    >>> pandas_to_plain(pd.offsets.MonthBegin())
    {'offset': 'MS'}
    """
    if isinstance(value, pd.Timestamp):
        tz = None if value.tz is None else str(value.tz)
        return {"timestamp": value.isoformat(), "tz": tz}
    return {"offset": value.freqstr}


def plain_to_pandas(plain: dict) -> pd.Timestamp | pd.DateOffset:
    """The timestamp or frequency that :func:`pandas_to_plain` described.

    Raises
    ------
    ValueError
        If ``plain`` does not describe one, or names a time zone that is
        neither an IANA name nor a UTC offset (pandas would read other
        strings, such as ``'dateutil//some/path'``, as files to open).
    """
    if set(plain) == {"timestamp", "tz"}:
        timestamp = pd.Timestamp(plain["timestamp"])
        if plain["tz"] is None:
            return timestamp
        return timestamp.tz_convert(checked_time_zone(plain["tz"]))
    if set(plain) == {"offset"}:
        return to_offset(plain["offset"])
    raise ValueError(f"expected a timestamp or a frequency; got keys {sorted(plain)}")


_UTC_OFFSET = re.compile(r"(UTC)?[+-]\d{2}:\d{2}")
_IANA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


def checked_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone name or a UTC offset, else ValueError.

    Examples
    --------
    >>> from sklstm._persistence import checked_time_zone
    >>> checked_time_zone("Europe/Paris"), checked_time_zone("UTC+01:00")
    ('Europe/Paris', 'UTC+01:00')
    """
    if _UTC_OFFSET.fullmatch(name):
        return name
    if _IANA_NAME.fullmatch(name):
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
        else:
            return name
    raise ValueError(
        f"the time zone {name[:80]!r} is neither an IANA time zone name (such as "
        "'Europe/Paris') nor a UTC offset (such as 'UTC+01:00')"
    )


def loading_device(state: dict) -> torch.device:
    """Where to rebuild an unpickled model (warns when it changed)."""
    return device_for_loading(state.get("device_", "cpu"))
