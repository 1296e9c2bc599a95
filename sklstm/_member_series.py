"""Which series each network of a forecaster's ensemble trains on.

By default every network trains on every series, and the networks differ by
their random starts and the order of their batches. ``max_series`` trains
each instead on its own random share of the series (bagging by series, as
a random forest bags rows): the members then cost a fraction of one network
on all of them and differ more from one another (the measurements are in
``docs/performance.md``). Every member still forecasts every series: a
global model learns what the series share.
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np


def series_per_member(max_series, n_series: int) -> int:
    """How many of ``n_series`` series each network of an ensemble trains on.

    ``max_series`` is the forecaster's parameter: ``'auto'`` (all of them),
    a share (float in (0, 1]) or a number (int; at most ``n_series``).

    Examples
    --------
    >>> from sklstm._member_series import series_per_member
    >>> series_per_member("auto", 1428), series_per_member(0.4, 1428)
    (1428, 572)
    >>> series_per_member(0.5, 10), series_per_member(50, 20)
    (5, 20)
    """
    if max_series == "auto":
        return n_series
    if isinstance(max_series, Integral):
        return min(int(max_series), n_series)
    return max(1, math.ceil(max_series * n_series))


def member_series(
    labels: np.ndarray, n_chosen: int, seed: int, member: int
) -> np.ndarray:
    """The labels of the series member ``member`` of an ensemble trains on.

    Drawn without replacement from the sorted ``labels`` (those of the
    whole collection that have a window to train on), by a generator seeded
    with ``seed`` and ``member``, so that every process of a data-parallel
    fit draws the same series. All of ``labels`` when ``n_chosen`` covers
    them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._member_series import member_series
    >>> labels = np.array(["a", "b", "c", "d"])
    >>> chosen = member_series(labels, 2, seed=0, member=1)
    >>> len(chosen), set(chosen) <= set(labels)
    (2, True)
    >>> member_series(labels, 4, seed=0, member=1).tolist()
    ['a', 'b', 'c', 'd']
    """
    ordered = np.sort(labels)
    if n_chosen >= len(ordered):
        return ordered
    generator = np.random.default_rng([int(seed), member, 7])
    chosen = generator.choice(len(ordered), n_chosen, replace=False)
    return ordered[np.sort(chosen)]
