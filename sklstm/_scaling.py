"""Standardisation of inputs and targets, column by column.

An LSTM on raw-scale data is a common way to fail (saturated gates, a loss
dominated by one column), so sklstm standardises X and y inside ``fit`` and
brings predictions back to the original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sklstm._targets import DirectTargets

#: Rows :meth:`Standardizer.transform` standardises at a time.
_TRANSFORM_ROWS = 2**14


@dataclass(frozen=True)
class Standardizer:
    """Per-column mean and scale; the identity when ``enabled`` is False.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._scaling import Standardizer
    >>> scaler = Standardizer.fit(np.array([[1.0], [3.0]]))
    >>> scaler.transform(np.array([[1.0], [3.0]])).ravel().tolist()
    [-1.0, 1.0]
    """

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(
        cls,
        values: np.ndarray | DirectTargets,
        enabled: bool = True,
        counted: np.ndarray | None = None,
    ) -> Standardizer:
        """Learn the statistics of the last axis of ``values`` (2-D or 3-D).

        Missing values (NaN) are left out of them, and so are the rows of a
        2-D table (targets) not ``counted`` (rows of weight 0), unless that
        leaves a column without a value. Direct targets give the statistics
        of their table without making it.
        """
        n_columns = values.shape[-1]
        if not enabled:
            return cls(np.zeros(n_columns), np.ones(n_columns))
        if counted is not None and counted.all():
            counted = None
        if isinstance(values, DirectTargets):  # a view: summed chunk by chunk
            statistics = values.statistics(counted)
            if counted is not None and np.isnan(statistics[0]).any():
                statistics = values.statistics()  # a column without a counted value
            return cls.of_statistics(*statistics)
        flat = values.reshape(-1, n_columns)
        if counted is not None:
            kept = np.where(counted[:, None], flat, np.nan)
            if not np.isnan(kept).all(axis=0).any():
                flat = kept
        if np.isnan(flat).any():  # missing targets: statistics of the others
            mean = np.nanmean(flat, axis=0, dtype=np.float64)
            std = np.nanstd(flat, axis=0, dtype=np.float64)
            low, high = np.nanmin(flat, axis=0), np.nanmax(flat, axis=0)
        else:
            mean = flat.mean(axis=0, dtype=np.float64)
            std = flat.std(axis=0, dtype=np.float64)
            low, high = flat.min(axis=0), flat.max(axis=0)
        return cls.of_statistics(mean, std, low, high)

    @classmethod
    def of_statistics(cls, mean, std, low, high) -> Standardizer:
        """The standardisation of columns with these statistics.

        A constant column is centred on its midpoint, not on its mean: the
        float64 mean of values of 1e30 is off by about 1e14, which would be
        the standardised value. Its scale is 1, or the spread its rounding
        left (so what is left stays within ±0.5).
        """
        constant = _constant(low, high, mean)
        midpoint = low / 2 + high / 2
        return cls(
            np.where(constant, midpoint, mean),
            np.where(constant, np.maximum(high - low, 1.0), std),
        )

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Standardise ``values`` and return them as float32.

        Computed in float64 a block of rows at a time: beside the float32
        result, memory holds one block's temporaries, not a float64 copy.
        """
        result = np.empty(values.shape, dtype=np.float32)
        for start in range(0, len(values), _TRANSFORM_ROWS):
            block = values[start : start + _TRANSFORM_ROWS]
            result[start : start + _TRANSFORM_ROWS] = (block - self.mean) / self.scale
        return result

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        """Map standardised values back to the original units, as float64."""
        result = values.astype(np.float64)  # a copy: the rest is done in place
        result *= self.scale
        result += self.mean
        return result


def _constant(low, high, mean):
    """Columns to keep centred only, not divided by their spread of ~0.

    So is one whose spread float32 holds only as a subnormal number (or not
    at all): dividing by it overflows the network's float32.
    """
    return differ_by_rounding(low, high, mean) | (
        high - low < np.finfo(np.float32).tiny
    )


def differ_by_rounding(low, high, level):
    """Whether values from ``low`` to ``high`` differ only by float64 rounding.

    The tolerance is relative to ``level``, so values at 1e-12 that differ
    by 1e-14 are told apart as surely as values at 1e12 that differ by 100;
    a test of the spread against an absolute floor scaled the former as
    constants.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm._scaling import differ_by_rounding
    >>> differ_by_rounding(np.array([0.0, 1e-14, 0.1]),
    ...                    np.array([0.0, 2e-14, 0.1 + 1e-18]),
    ...                    np.array([0.0, 1.5e-14, 0.1])).tolist()
    [True, False, True]
    """
    return high - low <= 10 * np.finfo(np.float64).eps * np.abs(level)
