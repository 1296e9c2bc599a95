"""Live torch and pandas values as plain arrays and strings, and back.

The encoders of fitted state (:mod:`sklstm._state`) store a network as its
weights in CPU numpy arrays, Adam's state as arrays and builtins, and a
pandas timestamp or frequency as a dict of strings, so that neither a pickle
nor a saved file holds a live torch or pandas object.
"""

from __future__ import annotations

import re
import zoneinfo

import numpy as np
import pandas as pd
import torch
from pandas.tseries.frequencies import to_offset
from torch import nn


def python_scalar(value):
    """A NumPy scalar as the Python scalar it holds; any other value as is.

    scikit-learn's parameter constraints accept NumPy integers and floats
    (``GridSearchCV`` over ``np.arange(...)`` sets them), but PyTorch's
    modules and JSON take Python numbers only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._plain import python_scalar
    >>> [python_scalar(v) for v in (np.int64(4), np.float32(0.5), np.True_, "gru")]
    [4, 0.5, True, 'gru']
    """
    return value.item() if isinstance(value, np.generic) else value


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


def pandas_to_plain(
    value: pd.Timestamp | pd.Period | pd.DateOffset,
) -> dict[str, str | None]:
    """A timestamp, period or frequency as a dict of strings.

    :func:`plain_to_pandas` reads it back.

    Raises
    ------
    ValueError
        If ``value`` is a frequency that its name does not describe whole
        (business days with holidays, ``pd.DateOffset(months=1, days=2)``):
        read back, it would be another one.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._plain import pandas_to_plain
    >>> pandas_to_plain(pd.Timestamp("2024-03-01", tz="Europe/Paris"))
    {'timestamp': '2024-03-01T00:00:00+01:00', 'tz': 'Europe/Paris'}
    >>> pandas_to_plain(pd.offsets.MonthBegin())
    {'offset': 'MS'}
    >>> pandas_to_plain(pd.Period("2024-03", freq="M"))
    {'period': '650', 'freq': 'M'}
    """
    if isinstance(value, pd.Timestamp):
        tz = None if value.tz is None else str(value.tz)
        return {"timestamp": value.isoformat(), "tz": tz}
    if isinstance(value, pd.Period):
        return {"period": str(value.ordinal), "freq": value.freqstr}
    if not named_whole(value):
        raise ValueError(
            f"the frequency {value!r} is more than its name {value.freqstr!r} "
            "says, so it cannot be stored as text"
        )
    return {"offset": value.freqstr}


def named_whole(offset: pd.DateOffset) -> bool:
    """Whether ``offset``'s name (``freqstr``) reads back as ``offset`` itself.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklstm._plain import named_whole
    >>> named_whole(pd.offsets.MonthEnd()), named_whole(pd.offsets.Week())
    (True, False)
    """
    try:
        return to_offset(offset.freqstr) == offset
    except ValueError:
        return False


def plain_to_pandas(plain: dict) -> pd.Timestamp | pd.Period | pd.DateOffset:
    """The timestamp, period or frequency that :func:`pandas_to_plain` described.

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
    if set(plain) == {"period", "freq"}:
        return pd.Period(ordinal=int(plain["period"]), freq=plain["freq"])
    if set(plain) == {"offset"}:
        return to_offset(plain["offset"])
    raise ValueError(f"expected a timestamp or a frequency; got keys {sorted(plain)}")


_UTC_OFFSET = re.compile(r"(UTC)?[+-]\d{2}:\d{2}")
_IANA_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")


def checked_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone name or a UTC offset, else ValueError.

    Examples
    --------
    >>> from sklstm._plain import checked_time_zone
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
