"""Turn a time-ordered table of rows into lag windows without copying them.

Row *i* is predicted from rows *i - lookback + 1 ... i*. The first
``lookback - 1`` rows of a series have a shorter history; the **padding rule**
is to repeat the series' first row in front of it, as if the series had stood
still before it was observed. So every row gets a full window and ``predict``
returns exactly one prediction per row.

The windows are a strided view (:meth:`torch.Tensor.unfold`) over the padded
rows: memory stays O(rows x features), never x lookback. A minibatch gathers
its windows from the view, which copies only that batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class LagWindows:
    """Lag windows over padded rows, addressed by sample.

    Attributes
    ----------
    view : torch.Tensor of shape (n_positions, lookback, n_features)
        A strided view: ``view[p]`` is the window that ends at padded row
        ``p + lookback - 1``. It shares memory with the padded rows.
    positions : torch.Tensor of shape (n_samples,) or None
        The window of sample *i* is ``view[positions[i]]``. ``None`` means the
        identity, the common case of one series.
    """

    view: torch.Tensor
    positions: torch.Tensor | None

    def __len__(self) -> int:
        return len(self.view) if self.positions is None else len(self.positions)

    def take(self, samples: torch.Tensor) -> torch.Tensor:
        """Gather the windows of ``samples`` into one contiguous batch."""
        if self.positions is not None:
            samples = self.positions[samples]
        return self.view[samples]

    def slice(self, start: int, stop: int) -> torch.Tensor:
        """The windows of samples ``start`` to ``stop - 1``, as a batch."""
        if self.positions is not None:
            return self.view[self.positions[start:stop]]
        return self.view[start:stop]


def padded_rows(rows: torch.Tensor, lookback: int) -> torch.Tensor:
    """Put ``lookback - 1`` copies of the first row in front of ``rows``.

    Parameters
    ----------
    rows : torch.Tensor of shape (n_rows, n_features)
        One time-ordered series; ``n_rows >= 1``.
    lookback : int
        The window length.

    Returns
    -------
    torch.Tensor of shape (n_rows + lookback - 1, n_features)

    Examples
    --------
    >>> import torch
    >>> from sklstm._windows import padded_rows
    >>> padded_rows(torch.tensor([[1.0], [2.0]]), lookback=3).ravel().tolist()
    [1.0, 1.0, 1.0, 2.0]
    """
    if lookback == 1:
        return rows
    pad = rows[:1].expand(lookback - 1, rows.shape[1])
    return torch.cat([pad, rows])


def window_view(padded: torch.Tensor, lookback: int) -> torch.Tensor:
    """All windows of length ``lookback`` over ``padded``, as a strided view.

    Parameters
    ----------
    padded : torch.Tensor of shape (n_padded, n_features)
    lookback : int

    Returns
    -------
    torch.Tensor of shape (n_padded - lookback + 1, lookback, n_features)
        ``result[p]`` is ``padded[p : p + lookback]``; no data is copied.

    Examples
    --------
    >>> import torch
    >>> from sklstm._windows import window_view
    >>> rows = torch.arange(4.0).reshape(4, 1)
    >>> window_view(rows, lookback=2)[:, :, 0].tolist()
    [[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]]
    """
    return padded.unfold(0, lookback, 1).transpose(1, 2)


def lag_windows(
    rows: torch.Tensor, lookback: int, groups: np.ndarray | None = None
) -> LagWindows:
    """Lag windows for every row, padded by the padding rule.

    Parameters
    ----------
    rows : torch.Tensor of shape (n_rows, n_features)
        Time-ordered rows.
    lookback : int
        The window length.
    groups : ndarray of shape (n_rows,), default=None
        Series labels. Rows with different labels belong to different series:
        each series is padded on its own and no window crosses from one series
        into another. Within a series, rows keep their order.

    Returns
    -------
    LagWindows
        Sample *i*'s window holds rows *i - lookback + 1 ... i* of its series.

    Examples
    --------
    >>> import torch
    >>> from sklstm._windows import lag_windows
    >>> windows = lag_windows(torch.arange(3.0).reshape(3, 1), lookback=2)
    >>> windows.slice(0, 3)[:, :, 0].tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 2.0]]
    """
    if groups is None:
        return LagWindows(window_view(padded_rows(rows, lookback), lookback), None)
    _, codes = np.unique(np.asarray(groups), return_inverse=True)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    stops = np.r_[starts[1:], len(order)]
    order_t = torch.as_tensor(order, device=rows.device)
    pieces = []
    positions_sorted = np.empty(len(order), dtype=np.int64)
    offset = 0
    for start, stop in zip(starts, stops, strict=True):
        series = rows[order_t[start:stop]]
        pieces.append(padded_rows(series, lookback))
        positions_sorted[start:stop] = offset + np.arange(stop - start)
        offset += stop - start + lookback - 1
    positions = np.empty_like(positions_sorted)
    positions[order] = positions_sorted
    view = window_view(torch.cat(pieces), lookback)
    return LagWindows(view, torch.as_tensor(positions, device=rows.device))
