"""Standardisation of inputs and targets, column by column.

An LSTM on raw-scale data is a common way to fail (saturated gates, a loss
dominated by one column), so sklstm standardises X and y inside ``fit`` and
brings predictions back to the original units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    def fit(cls, values: np.ndarray, enabled: bool = True) -> Standardizer:
        """Learn the statistics of the last axis of ``values`` (2-D or 3-D)."""
        n_columns = values.shape[-1]
        if not enabled:
            return cls(np.zeros(n_columns), np.ones(n_columns))
        flat = values.reshape(-1, n_columns)
        mean = flat.mean(axis=0, dtype=np.float64)
        std = flat.std(axis=0, dtype=np.float64)
        # A constant column keeps its values centred, not divided by ~0.
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
        scale = np.where(std < tiny, 1.0, std)
        return cls(mean, scale)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Standardise ``values`` and return them as float32."""
        return ((values - self.mean) / self.scale).astype(np.float32)

    def inverse_transform(self, values: np.ndarray) -> np.ndarray:
        """Map standardised values back to the original units, as float64."""
        return values.astype(np.float64) * self.scale + self.mean
