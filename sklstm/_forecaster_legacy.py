"""Forecasters saved or pickled by sklstm 0.2, read into today's layout.

Until sklstm 0.2 a forecaster of one series and one of many kept different
fitted attributes (``_recent_y`` beside ``_series_recent_y``, and so on).
Files and pickles of that layout still load: they are decoded with the
schema they were written with (:data:`LEGACY_SCHEMA`), then
:func:`upgrade_legacy_state` rewrites their attributes as a collection of
series (one series becomes a collection of one, unscaled, without a season),
and they forecast exactly what they forecast before.
"""

from __future__ import annotations

import numpy as np

from sklstm._state import (
    Array,
    Count,
    Estimator,
    Estimators,
    Label,
    Labels,
    Names,
    Params,
    Scalar,
    Step,
)

#: The fitted attributes of a sklstm 0.2 forecaster, as that version declared them.
LEGACY_SCHEMA = {
    "regressor_": Estimator(),
    "_ensemble": Estimators(optional=True),
    "n_iter_": Count(),
    "calibration_residuals_": Array(shape=("*", "*"), optional=True),
    "n_features_in_": Count(),
    "feature_names_in_": Names(length="n_features_in_", optional=True),
    "_architecture": Params(optional=True),
    "_recent_X": Array(shape=("lookback", "n_features_in_"), optional=True),
    "_recent_y": Array(shape=("lookback",), optional=True),
    "_index_end": Label(optional=True),
    "_index_step": Step(optional=True),
    "_series_name": Scalar(optional=True),
    "series_": Labels(optional=True),
    "_series_recent_X": Array(shape=("*", "lookback", "n_features_in_"), optional=True),
    "_series_recent_y": Array(shape=("*", "*"), optional=True),
    "_series_scaling": Array(shape=("*", "*"), optional=True),
    "_series_time_origin": Label(optional=True),
    "_series_time_offsets": Array(shape=("*",), optional=True),
    "season_length_": Count(optional=True),
    "_series_season": Array(shape=("*", "*"), optional=True),
    "_series_multiplicative": Array(shape=("*",), optional=True),
}
#: Attributes of that layout that today's does not keep.
LEGACY_ATTRIBUTES = tuple(
    name
    for name in LEGACY_SCHEMA
    if name.startswith(("_recent", "_index", "_series_recent", "_series_time"))
    or name in ("n_iter_", "season_length_", "_series_multiplicative")
)
_RELATIVE = ("last", "log_last")


def is_legacy_state(state: dict) -> bool:
    """Whether a pickled or decoded forecaster state has the sklstm 0.2 layout."""
    return "regressor_" in state and "_series_history" not in state


def _refuse_missing_history(state: dict, many: bool) -> None:
    """The fields of the recent history are optional in the layout (one
    forecaster had one set, another the other): refuse a state without its own."""
    needed = (
        ["_series_recent_y", "_series_recent_X", "_series_scaling"]
        + (
            ["_series_multiplicative"]
            if state.get("_series_season") is not None
            else []
        )
        if many
        else ["_recent_y", "_recent_X"]
    )
    absent = [name for name in needed if state.get(name) is None]
    if absent:
        of = "several series" if many else "one series"
        raise ValueError(f"a forecaster of {of} needs {absent}, which are missing")


def upgrade_legacy_state(state: dict) -> dict:
    """The attributes of today's layout for a sklstm 0.2 forecaster's ``state``.

    ``state`` holds its parameters too (a pickle's ``__dict__``, or a loaded
    estimator's ``vars``).
    """
    state = dict(state)
    many = state.get("series_") is not None
    members = 1 + len(state.get("_ensemble") or [])
    architecture = _upgraded_architecture(state, many, members)
    _refuse_missing_history(state, many)
    if many:
        values, covariates = state["_series_recent_y"], state["_series_recent_X"]
        labels, scaling = state["series_"], state["_series_scaling"]
        season = state.get("_series_season")
        if season is not None:
            season = np.column_stack([state["_series_multiplicative"], season])
        origin, offsets = (
            state.get("_series_time_origin"),
            state.get("_series_time_offsets"),
        )
    else:
        values, covariates = state["_recent_y"][None], state["_recent_X"][None]
        labels, scaling, season = np.array([0]), np.array([[0.0, 1.0]]), None
        origin = state.get("_index_end")
        offsets = None if origin is None else np.zeros(1)
    width = values.shape[1]
    if covariates.shape[1] != architecture["lookback"] or width < covariates.shape[1]:
        raise ValueError(
            f"the recent history ({width} values, {covariates.shape[1]} rows of "
            f"covariates) does not match lookback={architecture['lookback']}"
        )
    # Relative windows kept one more value than covariate rows: repeat the
    # first row, which no window reads.
    covariates = np.concatenate(
        [np.repeat(covariates[:, :1], width - covariates.shape[1], axis=1), covariates],
        axis=1,
    )
    step = state.get("_index_step")
    for name in LEGACY_ATTRIBUTES:
        state.pop(name, None)
    state.update(
        _architecture=architecture,
        series_=labels,
        _series_history=np.concatenate([values[:, :, None], covariates], axis=2),
        _series_scaling=scaling,
        _series_season=season,
        _time_origin=None if offsets is None else origin,
        _time_step=None if offsets is None else step,
        _time_offsets=offsets,
    )
    return state


def _upgraded_architecture(state: dict, many: bool, members: int) -> dict:
    """The resolved architecture of a 0.2 forecaster (older ones: its parameters)."""
    recorded = dict(state.get("_architecture") or {})

    def param(name):
        return recorded.get(name, state.get(name))

    strategy = param("strategy")
    if strategy == "auto":
        strategy = "direct" if many and state["horizon"] > 1 else "recursive"
    network_output = param("network_output")
    if (
        state.get("target", "deprecated") != "deprecated"
        and "_architecture" not in state
    ):
        network_output = state["target"]
    return {
        "lookback": param("lookback"),
        "horizon": param("horizon"),
        "strategy": strategy,
        "network_output": network_output or "level",
        "series_scaling": param("series_scaling") if many else "none",
        "season_length": state.get("season_length_") if many else None,
        "n_networks": recorded.get("n_networks", members),
    }
