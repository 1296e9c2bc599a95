"""``LSTMForecaster.fit`` on one process's share of the series of a collection.

The steps are those of :meth:`sklstm.LSTMForecaster.fit`; what differs is
where each piece is learnt. The settings that depend on the collection
(``'auto'``: strategy, ensemble, scaling, batch size, padded windows) are
resolved from the number and lengths of the series of all processes; each
series' season and scaling are fitted on the process that holds it; the
networks are trained over the windows of all processes
(:mod:`sklstm._distributed_training`); the held-out errors and what each
process knows of its series are gathered into one fitted state, the same on
every process.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import torch

from sklstm._distributed_training import ProcessGroupFit, agreed, share_regressor
from sklstm._forecast_settings import (
    batch_size_for,
    block_of,
    history_width,
    resolve_architecture,
    values_needed,
)
from sklstm._forecast_windows import held_out_windows, leak_free_weights
from sklstm._forecaster import (
    LSTMForecaster,
    _rollout_of,
    calibrated,
    check_forecastable,
    drawable_series,
    fitted_attributes,
    holes_in_training,
    members_weights,
    network_units,
    target_transform,
    trainable_gaps,
    trainable_lengths,
    training_windows,
    without_own_residuals,
)
from sklstm._forecaster_legacy import LEGACY_ATTRIBUTES
from sklstm._long_format import from_long_format, is_long_format
from sklstm._missing_values import refuse_empty_series
from sklstm._panel import label_kind, panel_of
from sklstm._plain import python_scalar
from sklstm._publishing import publish_fitted_state
from sklstm._random import draw_random_state
from sklstm._regressor import LSTMRegressor
from sklstm._rollout import calibration_fraction
from sklstm._seasonality import (
    change_autocorrelation_totals,
    season_from_totals,
)
from sklstm._series_state import (
    SINGLE_SERIES_LABEL,
    SeriesState,
    _sorted_state,
    fit_interval_scales,
)
from sklstm._time_index import TimeGrid, time_grid, time_index, with_missing_steps
from sklstm._validation import (
    refuse_series_float32_cannot_resolve,
    validate_on_copy,
    validate_series,
)

#: The state that holds one row per series, gathered from every process.
_PER_SERIES = (
    "series_",
    "_series_history",
    "_series_scaling",
    "_series_season",
    "_series_drift",
    "_series_interval_scale",
)


def _refuse_unusable_series(series: list, labels) -> None:
    """Refuse, naming it, a series fit would refuse: none of its values
    observed, or all of them too small for float32."""
    refuse_empty_series(series, labels)
    refuse_series_float32_cannot_resolve(series, labels)


def fit_forecaster_share(
    forecaster: LSTMForecaster, X, y, groups, group_fit: ProcessGroupFit
) -> LSTMForecaster:
    """Fit ``forecaster`` on the series of all processes; this one holds X, y."""
    integer_time = is_long_format(X) or is_long_format(y)
    (X, y), (X_checked, y_checked, features), panel = _read_share(
        forecaster, X, y, groups, group_fit, integer_time
    )
    n_series, longest = _collection(group_fit, panel, X_checked.shape[1])
    y_sorted, X_sorted = y_checked[panel.order], X_checked[panel.order]
    series = np.split(y_sorted, panel.starts[1:])
    agreed(group_fit, lambda: _refuse_unusable_series(series, panel.labels))
    grid = agreed(
        group_fit,
        lambda: time_grid(time_index(X, y), panel, integer_time=integer_time),
    )
    params = forecaster.get_params(deep=False)
    if params["season_length"] == "auto" and n_series > 1:
        params["season_length"] = _collection_season(group_fit, series, params)
    # With the season found, resolve_architecture reads only how many series
    # there are and how long the longest is: a stand-in of each.
    stand_in = [np.empty(0)] * (n_series - 1) + [np.empty(longest)]
    architecture = resolve_architecture(
        params, stand_in, warn_if_deprecated=group_fit.rank == 0
    )
    agreed(group_fit, lambda: _check_trainable(panel, architecture, n_series))
    transform = agreed(group_fit, lambda: target_transform(series, panel, architecture))
    z, missing = network_units(transform, y_sorted, panel)
    # The noise centre of the whole collection: the scales one process finds.
    interval_scale = fit_interval_scales(
        transform.scaling,
        y_sorted,
        panel,
        architecture["season_length"],
        pooled=group_fit.gathered,
    )
    # Every process's windows carry the mask if any series that trains has a hole.
    holes = holes_in_training(missing, panel, architecture, n_series)
    fraction = _collection_fraction(
        forecaster, architecture, (panel, missing), n_series, group_fit
    )
    missing = missing if any(group_fit.gathered(holes)) else None
    values = (z, X_sorted, missing)
    networks = _train_members(
        forecaster, architecture, values, panel, (n_series, fraction), group_fit
    )
    data = (*values, transform.drift_steps(np.arange(len(panel.labels))))
    shrinkage, scales, calibration = calibrated(
        forecaster,
        networks,
        architecture,
        (data, panel, fraction),
        interval_scale[0],
        pooled=group_fit.gathered,
    )
    state = SeriesState.from_fit(
        y_sorted,
        X_sorted,
        panel,
        transform,
        history_width(architecture),
        grid,
        (scales, *interval_scale[1:]),
    )
    merged = _merged_state(group_fit.gathered(state.to_attributes()), architecture)
    calibration = _stacked(group_fit.gathered(calibration))
    publish_fitted_state(
        forecaster,
        fitted_attributes(
            networks, architecture, (*calibration, shrinkage), features, merged, y
        ),
        stale=LEGACY_ATTRIBUTES,
    )
    return forecaster


def _read_share(
    forecaster, X, y, groups, group_fit: ProcessGroupFit, integer_time: bool
):
    """This process's rows as ``fit`` reads them, refused on every process if
    on one: ``(X, y)`` from the long format with missing time steps added
    (``integer_time``: of the integer times of the long format too),
    ``(X, y, feature attributes)`` validated, and the panel of its series."""
    X, y, groups = agreed(group_fit, lambda: from_long_format(X, y, groups))
    _refuse_unlabelled_shares(group_fit, groups is None)
    X, y, groups = agreed(
        group_fit,
        lambda: with_missing_steps(X, y, groups, integer_time=integer_time),
    )
    checked = agreed(
        group_fit,
        lambda: validate_on_copy(forecaster, validate_series, X, y, reset=True),
    )
    n_rows = len(checked[1])
    panel = agreed(
        group_fit,
        lambda: panel_of(
            np.full(n_rows, SINGLE_SERIES_LABEL) if groups is None else groups, n_rows
        ),
    )
    return (X, y), checked, _labels_alike(group_fit, panel)


def _labels_alike(group_fit: ProcessGroupFit, panel):
    """``panel`` with its labels held as every process holds its own.

    Each process holds its integer labels as int64, or as uint64 when some
    lie beyond int64's range (hashed ids): when some process holds uint64,
    every one does, as one process holding all the labels would (NumPy
    joins int64 and uint64 as float64, merging ids beyond 2**53). Labels of
    different kinds on different processes (numbers on one, strings on
    another) are refused on every process.
    """
    kinds = group_fit.gathered(label_kind(panel.labels))
    if len(set(kinds)) > 1:
        raise ValueError(
            "The processes of this fit label their series by different kinds "
            f"of values ({', '.join(f'rank {r}: {k}s' for r, k in enumerate(kinds))}"
            "): held together, the labels of one kind would be turned into "
            "the other. Label the series of every process alike (for example "
            "all by strings)."
        )
    wide = group_fit.gathered(panel.labels.dtype == np.uint64)
    if not any(wide) or panel.labels.dtype.kind not in "iu":
        return panel
    negative = group_fit.gathered(bool((panel.labels < 0).any()))
    if any(negative):
        raise ValueError(
            f"The process(es) {[r for r, n in enumerate(negative) if n]} label "
            "series by negative integers, and the process(es) "
            f"{[r for r, w in enumerate(wide) if w]} by integers beyond the "
            "64-bit signed range (2**63 and above): no integer type holds both. "
            "Label the series of every process alike (for example all by "
            "strings)."
        )
    return dataclasses.replace(panel, labels=panel.labels.astype(np.uint64))


def _refuse_unlabelled_shares(group_fit: ProcessGroupFit, unlabelled: bool) -> None:
    """Refuse, on every process, a fit of several processes some of which
    gave no ``groups``: their series would all be the one series of ``fit``
    without ``groups``, and could not be told apart."""
    ranks = [rank for rank, flag in enumerate(group_fit.gathered(unlabelled)) if flag]
    if ranks and group_fit.size > 1:
        raise ValueError(
            "An LSTMForecaster fitted across processes needs groups= on every "
            "process: the series of each row (or a long-format X or y whose "
            f"index names them). The process(es) of rank {ranks[:5]} gave none, "
            "so their series cannot be told apart. Pass groups= on every "
            "process, with different labels for the series of different "
            "processes."
        )


def _collection(group_fit: ProcessGroupFit, panel, n_features: int) -> tuple[int, int]:
    """How many series all processes hold, and the longest; refuse a mixed lot."""
    outlines = group_fit.gathered((panel.labels, int(panel.lengths.max()), n_features))
    labels = np.concatenate([labels for labels, _, _ in outlines])
    unique, counts = np.unique(labels, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            "A data-parallel fit splits the collection by series, so each series "
            "must live on one process; the series "
            f"{unique[counts > 1][:5].tolist()} have rows on several. Give all the "
            "rows of a series to one process."
        )
    widths = sorted({width for _, _, width in outlines})
    if len(widths) > 1:
        raise ValueError(
            f"The processes of this fit were given X with different numbers of "
            f"covariate columns ({widths}). Give every process the same columns."
        )
    return len(labels), max(longest for _, longest, _ in outlines)


def _collection_season(group_fit: ProcessGroupFit, series, params) -> int | None:
    """``season_length='auto'`` found from the series of every process."""
    totals, n_found, n_changes = change_autocorrelation_totals(
        series, params["lookback"]
    )
    totals, counts = group_fit.summed(
        torch.from_numpy(totals),
        torch.tensor([n_found, n_changes], dtype=torch.float64),
    )
    n_found, n_changes = (int(count) for count in counts)
    return season_from_totals(totals.numpy(), n_found, n_changes, params["lookback"])


def _collection_fraction(
    forecaster, architecture: dict, rows, n_series: int, group_fit
) -> float:
    """The share of windows to hold out, as in one process: the tails grow
    until, pooled over every process's series, they calibrate the horizon.
    ``rows`` is ``(panel, missing)``: this process's series and which of
    their values were missing."""
    panel, missing = rows
    parts = group_fit.gathered(
        (
            trainable_lengths(panel, architecture, n_series),
            trainable_gaps(missing, panel, architecture, n_series),
        )
    )
    lengths = [part[0] for part in parts]
    # Each process numbers its own series from 0: shift them past those of
    # the processes before it.
    offsets = np.cumsum([0, *(len(part) for part in lengths[:-1])])
    gaps = (
        np.concatenate(
            [
                series + offset
                for (_, (series, _)), offset in zip(parts, offsets, strict=True)
            ]
        ),
        np.concatenate([steps for _, (_, steps) in parts]),
    )
    return calibration_fraction(
        np.concatenate(lengths),
        block_of(architecture),
        architecture["horizon"],
        forecaster.validation_fraction,
        gaps,
    )


def _check_trainable(panel, architecture: dict, n_series: int) -> None:
    """Refuse a share with no series long enough to train in a fit of
    ``n_series`` series, and series too short to forecast from.

    As in one process, a series too short to train is a history only.
    """
    needed = values_needed(architecture, n_series=n_series)
    short = np.flatnonzero(panel.lengths < needed)
    if len(short) == len(panel.labels):
        listed = ", ".join(
            f"{python_scalar(panel.labels[s])!r} ({panel.lengths[s]})"
            for s in short[:5]
        )
        raise ValueError(
            f"A process needs a series of at least {needed} observations to "
            f"make one training window (lookback={architecture['lookback']}, "
            f"horizon={architecture['horizon']}); this one has only shorter "
            f"series, with their lengths: {listed}. Give it a longer series, "
            "or lower horizon."
        )
    check_forecastable(panel, architecture)


def _train_members(
    forecaster, architecture, values, panel, collection, group_fit
) -> list[LSTMRegressor]:
    """Train the ``n_networks`` regressors over the windows of all processes.

    ``values`` are this process's series in the units the network sees,
    their covariates and which values were missing (None: the windows carry
    no mask); ``collection`` how many series all processes hold and the
    share of windows held out.
    """
    n_series, fraction = collection
    rollout = _rollout_of(architecture)
    z, X_sorted, missing = values
    rows, targets, weights, codes = training_windows(
        architecture, z, X_sorted, panel, n_series, missing
    )
    held_out = held_out_windows(codes, forecaster.early_stopping, fraction)
    weights = _own_training_weights(
        group_fit,
        lambda: leak_free_weights(
            weights, codes, held_out, fraction, rollout.block, X_sorted.shape[1]
        ),
    )
    # As in one process: direct targets stay a view over the series.
    targets = targets.dense()[:, 0] if rollout.block == 1 else targets
    # Every process seeds the networks alike: with the seed rank 0 draws.
    seeded = copy.copy(forecaster)
    seeded.random_state = group_fit.gathered(
        draw_random_state(forecaster.random_state)
    )[0]
    # Each member's series are drawn alike on every process, from all of them.
    parts = group_fit.gathered(drawable_series(panel.labels, weights, codes, held_out))
    drawable = (
        np.concatenate([labels for labels, _ in parts]),
        sum(n_kept for _, n_kept in parts),
    )
    draws = members_weights(
        forecaster,
        architecture["n_networks"],
        drawable,
        seeded.random_state,
        (weights, codes, panel.labels),
    )
    networks = []
    for member, (own, n_drawn) in enumerate(draws):
        trained = _trained_on_every_process(
            group_fit, own, held_out, (member, n_drawn, forecaster)
        )
        batch_size = batch_size_for(forecaster.batch_size, n_drawn, int(trained))
        regressor = seeded._regressor(batch_size, int(trained), member, fraction)
        networks.append(
            without_own_residuals(
                share_regressor(regressor, group_fit)
                .fit(rows, targets, sample_weight=own, groups=codes)
                .as_regressor()
            )
        )
    return networks


def _own_training_weights(group_fit: ProcessGroupFit, leak_free) -> np.ndarray:
    """This process's window weights (``leak_free()``), refused on every
    process when some process has no window left to train on.

    Refused on every process, it is refused as by one process. Refused on
    some only, those hold only series too short to train, which one process
    would keep as histories beside the others'.
    """
    try:
        weights, refusal = leak_free(), None
    except ValueError as error:
        weights, refusal = None, str(error)
    refusals = group_fit.gathered(refusal)
    if all(refusals):
        raise ValueError(refusals[0])
    idle = [rank for rank, text in enumerate(refusals) if text is not None]
    if idle:
        raise ValueError(
            f"On the process of rank {idle[0]}: {refusals[idle[0]]} The "
            f"process(es) {idle} hold only series too short to train, which "
            "a fit in one process keeps as histories beside the others: with "
            "fit_data_parallel every process trains the networks on its own "
            "windows. Give each process a series long enough to train, or fit "
            "without the short series and add them with update() after the fit."
        )
    return weights


def _trained_on_every_process(group_fit, own, held_out, draw) -> int:
    """The windows of a network's series over all processes, as one
    process counts them (``own``, its window weights here; held-out ones
    included).

    Refuse, on every process alike, a network none of whose drawn series a
    process holds: that process would have no window to train it on beside
    the ``held_out`` ones. ``draw`` is the network's index, how many series
    it drew and the forecaster.
    """
    counts = group_fit.gathered(
        (int(np.count_nonzero(own)), int(np.count_nonzero((own > 0) & ~held_out)))
    )
    idle = [rank for rank, (_, training) in enumerate(counts) if training == 0]
    if idle:
        member, n_drawn, forecaster = draw
        raise ValueError(
            f"Network {member + 1} of the ensemble drew {n_drawn} series "
            f"(max_series={forecaster.max_series!r}), and process(es) {idle} "
            "hold none of them with a window to train on: with "
            "fit_data_parallel every process trains every network on its own "
            "windows. Draw more series per network (max_series='auto' draws "
            "every series), or give each process more of the series."
        )
    return sum(windows for windows, _ in counts)


def _stacked(parts: list) -> tuple:
    """The held-out errors of every process, NaN-padded to the longest tail,
    and which origins were forecast by rule (``(None, None)`` without
    tails). Each part is what :func:`calibration_errors` returned there."""
    parts = [part for part in parts if part[0] is not None]
    if not parts:
        return None, None
    steps = max(errors.shape[1] for errors, _ in parts)
    errors = np.concatenate(
        [
            np.pad(
                errors, ((0, 0), (0, steps - errors.shape[1])), constant_values=np.nan
            )
            for errors, _ in parts
        ]
    )
    return errors, np.concatenate([by_rule for _, by_rule in parts])


def _merged_state(parts: list[dict], architecture: dict) -> dict:
    """One fitted state of every series, in the order of their labels."""
    merged = {
        key: None if parts[0][key] is None else np.concatenate([p[key] for p in parts])
        for key in _PER_SERIES
    }
    merged.update(_merged_grid(parts))
    merged["_series_missing"] = _merged_missing(parts)
    merged["_series_missing_run"] = _merged_missing_runs(parts)
    merged["_interval_noise_centre"] = parts[0]["_interval_noise_centre"]
    merged["_interval_noise_lag"] = parts[0]["_interval_noise_lag"]
    state = SeriesState.from_attributes(merged, architecture)
    return _sorted_state(
        state.labels,
        state.history,
        state.transform,
        state.grid,
        state.missing,
        scale=(state.interval_scale, state.noise_centre, state.noise_lag),
        missing_run=state.missing_run,
    ).to_attributes()


def _merged_missing(parts: list[dict]) -> np.ndarray | None:
    """Which recent values of every series were missing (None: none was)."""
    masks = [part["_series_missing"] for part in parts]
    if all(mask is None for mask in masks):
        return None
    return np.concatenate(
        [
            np.zeros(part["_series_history"].shape[:2], dtype=bool)
            if mask is None
            else mask
            for part, mask in zip(parts, masks, strict=True)
        ]
    )


def _merged_missing_runs(parts: list[dict]) -> np.ndarray | None:
    """How many of every series' last values are missing (None: none is)."""
    runs = [part["_series_missing_run"] for part in parts]
    if all(run is None for run in runs):
        return None
    return np.concatenate(
        [
            np.zeros(len(part["series_"])) if run is None else run
            for part, run in zip(parts, runs, strict=True)
        ]
    )


def _merged_grid(parts: list[dict]) -> dict:
    """The time grid of all series: offsets from the earliest end of any."""
    none = {"_time_origin": None, "_time_step": None, "_time_offsets": None}
    if any(part["_time_offsets"] is None for part in parts):
        return none
    step = parts[0]["_time_step"]
    if any(part["_time_step"] != step for part in parts):
        return none
    origin = min(part["_time_origin"] for part in parts)
    grid = TimeGrid(origin, step, np.zeros(0))
    offsets = [
        part["_time_offsets"]
        + grid._offset_of(part["_time_origin"], np.asarray("the series"))
        for part in parts
    ]
    return {
        "_time_origin": origin,
        "_time_step": step,
        "_time_offsets": np.concatenate(offsets),
    }
