"""Which series each network of a forecaster's ensemble trains on.

An ensemble of networks each trained on every window of every series costs
``n_networks`` times one network. Trained instead on a random share of the
series each (bagging by series, as a random forest bags rows), the members
cost a fraction of that and differ more from one another, and their
average forecasts as well as an ensemble of networks that all saw every
series (the measurements are in ``docs/performance.md``). Every member
still forecasts every series: a global model learns what the series share.

A small collection gives too few series to share out: each member then
trains on at least :data:`MIN_MEMBER_SERIES` of them (all, below that).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np

#: The share of the series each member of an ensemble trains on, with
#: ``max_series='auto'``.
MEMBER_SHARE = 0.4

#: The fewest series a member trains on with ``max_series='auto'`` (all of
#: them in a collection of fewer).
MIN_MEMBER_SERIES = 100


def series_per_member(max_series, n_networks: int, n_series: int) -> int:
    """How many of ``n_series`` series each of ``n_networks`` networks trains on.

    ``max_series`` is the forecaster's parameter: ``'auto'`` (all for one
    network, else :data:`MEMBER_SHARE` of them but at least
    :data:`MIN_MEMBER_SERIES`), a share (float in (0, 1]) or a number (int;
    at most ``n_series``).

    Examples
    --------
    >>> from sklstm._member_series import series_per_member
    >>> [series_per_member("auto", 5, n) for n in (20, 200, 1428)]
    [20, 100, 572]
    >>> series_per_member("auto", 1, 1428), series_per_member(0.5, 1, 10)
    (1428, 5)
    """
    if max_series == "auto":
        if n_networks == 1:
            return n_series
        shared = math.ceil(MEMBER_SHARE * n_series)
        return max(shared, min(n_series, MIN_MEMBER_SERIES))
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
