"""Reading a table of held-out values (origins x steps) a slice at a time.

The held-out tails of a collection hold one row of forecasts per origin and
one column per step ahead. Computing over all of them at once builds
temporaries as large as the table, several times over; a slice of origins
at a time keeps them to the slice, whatever the size of the collection.
"""

from __future__ import annotations

from collections.abc import Iterator

#: The held-out values (origins x steps) read at a time.
VALUES_PER_PASS = 2**16


def origin_slices(n_origins: int, n_steps: int) -> Iterator[slice]:
    """Consecutive slices of ``n_origins`` origins of ``n_steps`` values each,
    at most :data:`VALUES_PER_PASS` values (and at least one origin) a slice.

    Examples
    --------
    >>> from sklstm._origin_slices import origin_slices
    >>> [(part.start, part.stop) for part in origin_slices(5, 2**15)]
    [(0, 2), (2, 4), (4, 6)]
    >>> list(origin_slices(0, 18))
    []
    """
    per_pass = max(VALUES_PER_PASS // max(n_steps, 1), 1)
    for start in range(0, n_origins, per_pass):
        yield slice(start, start + per_pass)
