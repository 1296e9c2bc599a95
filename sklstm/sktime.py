"""sktime adapter: :class:`~sklstm.LSTMForecaster` as an sktime forecaster.

sktime's tools (``evaluate``, ``ForecastingGridSearchCV``, its benchmarking)
take sktime forecasters, with forecasting horizons, ``update`` and sktime's
``clone``. :class:`LSTMSktimeForecaster` wraps an ``LSTMForecaster`` so that
it is one. It needs the ``sktime`` extra: ``pip install ".[sktime]"``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import clone
from sktime.forecasting.base import BaseForecaster, ForecastingHorizon

from sklstm._forecaster import LSTMForecaster

__all__ = ["LSTMSktimeForecaster"]


class LSTMSktimeForecaster(BaseForecaster):
    """An sktime forecaster that forecasts with a :class:`~sklstm.LSTMForecaster`.

    ``fit(y, X=None, fh=None)`` trains a clone of ``forecaster`` on the series
    ``y`` (with the covariates ``X``, known in advance, when given);
    ``predict(fh, X=None)`` forecasts the steps of the horizon ``fh`` after
    the end of the series seen so far, with ``X`` holding the covariates of
    those future steps; ``update(y, X)`` appends new observations, so the next
    forecast starts from them, without retraining the network (refit, or use
    ``evaluate(..., strategy="refit")``, to learn from them). The new
    observations must continue the series: an update that leaves a gap after
    its end is refused.

    Parameters
    ----------
    forecaster : LSTMForecaster, default=None
        The forecaster to train, with its parameters (``lookback``,
        ``strategy``, ``hidden_size``, ...). ``None`` means
        ``LSTMForecaster()``. It is cloned in ``fit`` and left unchanged; tune
        its parameters as ``forecaster__lookback`` and so on.

    Attributes
    ----------
    forecaster_ : LSTMForecaster
        The fitted clone of ``forecaster``.

    Notes
    -----
    The horizon must lie after the end of the series: the network forecasts
    forward and makes no in-sample predictions (sktime refuses them, by the
    ``capability:insample`` tag). A horizon that skips steps
    (``fh=[3, 6]``) is forecast up to its furthest step and then subset. Time
    indices (``pd.PeriodIndex``, ``pd.DatetimeIndex``, integer indices) are
    handled by sktime; the network sees only the values in order.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklstm import LSTMForecaster
    >>> from sklstm.sktime import LSTMSktimeForecaster
    >>> y = pd.Series(np.sin(np.arange(120) / 4), name="y")
    >>> model = LSTMSktimeForecaster(
    ...     LSTMForecaster(lookback=8, hidden_size=4, max_iter=5, random_state=0)
    ... )
    >>> forecast = model.fit(y).predict(fh=[1, 2, 3])
    >>> forecast.index.tolist()
    [120, 121, 122]
    >>> bool(np.abs(forecast - np.sin(np.arange(120, 123) / 4)).max() < 0.5)
    True
    """

    _tags: ClassVar[dict] = {
        "authors": "sklstm developers",
        "maintainers": "sklstm developers",
        "python_dependencies": ["torch"],
        "y_inner_mtype": "pd.Series",
        "X_inner_mtype": "pd.DataFrame",
        "capability:multivariate": False,
        "capability:exogenous": True,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "capability:non_contiguous_X": False,
        "capability:update": True,
        "requires-fh-in-fit": False,
        "X-y-must-have-same-index": True,
        "fit_is_empty": False,
    }
    # Forecasts come from the fitted forecaster's own history, so sktime need
    # not keep a copy of the data (sktime's coming default).
    _config: ClassVar[dict] = {"remember_data": False}

    def __init__(self, forecaster: LSTMForecaster | None = None) -> None:
        self.forecaster = forecaster
        super().__init__()
        # Where sktime keeps the data when remember_data is switched on.
        self._y = self._X = None

    # ---------------------------------------------------------- sktime hooks

    def _fit(self, y: pd.Series, X: pd.DataFrame | None = None, fh=None):
        forecaster = LSTMForecaster() if self.forecaster is None else self.forecaster
        self.forecaster_ = clone(forecaster)
        self._covariates = None if X is None else list(X.columns)
        self.forecaster_.fit(self._covariate_array(X, len(y)), y.to_numpy())
        # The end of the series seen so far, as sktime's cutoff (an index
        # that knows the frequency of its steps).
        self._end, self._name = self.cutoff, y.name
        return self

    def _predict(self, fh: ForecastingHorizon, X: pd.DataFrame | None = None):
        steps = np.asarray(fh.to_relative(self.cutoff), dtype=np.int64)
        n_steps = int(steps.max())
        future = ForecastingHorizon(np.arange(1, n_steps + 1), is_relative=True)
        future_index = future.to_absolute_index(self.cutoff)
        covariates = self._future_covariates(X, future_index)
        forecast = self.forecaster_.predict(covariates)
        return pd.Series(
            forecast[steps - 1],
            index=fh.to_absolute_index(self.cutoff),
            name=self._name,
        )

    def _update(self, y: pd.Series, X: pd.DataFrame | None = None, update_params=True):
        new = y.index > self._end[0]
        if not new.any():
            return self
        y_new = y[new]
        self._check_continues_the_series(y_new.index)
        X_new = None if X is None else X.loc[y_new.index]
        self.forecaster_.update(
            self._covariate_array(X_new, len(y_new)), y_new.to_numpy()
        )
        self._end = self.cutoff
        return self

    # ------------------------------------------------------------- internals

    def _check_continues_the_series(self, index: pd.Index) -> None:
        """Refuse new observations that leave a gap after the series seen so far.

        The forecaster receives values, not their time index: it would take
        values after a gap as the steps right after the end of the series.
        """
        steps = ForecastingHorizon(np.arange(1, len(index) + 1), is_relative=True)
        expected = steps.to_absolute_index(self._end)
        if index.equals(expected):
            return
        self._set_cutoff(self._end)  # the update is refused: nothing moves
        missing = [str(step) for step in expected.difference(index)[:3]]
        raise ValueError(
            f"update received observations from {index[0]} on, but the series "
            f"seen so far ends at {self._end[0]}: the step(s) {missing} are "
            "missing, so the new values do not continue it. The forecast runs "
            "step by step from the last values: pass every step after the end "
            "of the series, without gaps (fill missing values first), or refit "
            "on the whole series."
        )

    def _covariate_array(self, X: pd.DataFrame | None, n_rows: int) -> np.ndarray:
        if self._covariates is None:
            return np.empty((n_rows, 0))
        if X is None:
            raise ValueError(
                f"This forecaster was fitted with the covariates "
                f"{self._covariates}, so it needs them for the new steps too: "
                "pass X."
            )
        return X[self._covariates].to_numpy(dtype=np.float64)

    def _future_covariates(self, X: pd.DataFrame | None, index: pd.Index):
        if self._covariates is None:
            return np.empty((len(index), 0))
        if X is None:
            raise ValueError(
                f"This forecaster was fitted with the covariates {self._covariates}; "
                "pass X with their values for every step up to the furthest step "
                "of fh."
            )
        missing = index.difference(X.index)
        if len(missing):
            raise ValueError(
                f"X lacks the covariates of the future step(s) "
                f"{list(missing[:5])}: the forecast runs step by step from the end "
                "of the series, so X must cover every step up to the furthest "
                "step of fh."
            )
        return self._covariate_array(X.loc[index], len(index))

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Small forecasters for sktime's estimator checks.

        Parameters
        ----------
        parameter_set : str, default="default"
            Unused: sklstm has one set.

        Returns
        -------
        params : list of dict
            A recursive and a direct forecaster, tiny and quick to train.

        Examples
        --------
        >>> from sklstm.sktime import LSTMSktimeForecaster
        >>> [LSTMSktimeForecaster(**p).forecaster.strategy
        ...  for p in LSTMSktimeForecaster.get_test_params()]
        ['recursive', 'direct']
        """
        tiny = dict(lookback=3, hidden_size=4, max_iter=3, random_state=0)
        return [
            {"forecaster": LSTMForecaster(strategy="recursive", **tiny)},
            {"forecaster": LSTMForecaster(strategy="direct", horizon=2, **tiny)},
        ]
