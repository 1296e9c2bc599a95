"""Files as sklstm 0.2 wrote them (format 1), made from today's forecasters.

Until sklstm 0.2 a forecaster of one series kept ``_recent_y``, ``_recent_X``
and ``_index_end``, and one of many series ``_series_recent_y``,
``_series_recent_X``, its seasons and kinds apart and its time offsets; the
tests that check such files still load build them here from a fitted model.
"""

import json

from test_persistence import _good_file, _npz_bytes, _write


def format_1_file(tmp_path, model, edit=None):
    """A format-1 file of ``model``; ``edit(document)`` changes it further."""
    document, arrays = _good_file(tmp_path, model)
    document["format_version"] = 1
    document["weights"] = "weights.npz"
    fitted = document["estimator"]["fitted"]
    fitted["n_iter_"] = model.n_iter_
    assert fitted.pop("_series_missing") is None  # 0.2 knew no missing values
    assert fitted.pop("_series_missing_run") is None  # nor runs of them
    assert fitted.pop("_series_drift") is None  # nor drifts
    # Nor interval scales: its intervals pooled the errors unscaled.
    fitted.pop("_series_interval_scale")
    arrays.pop("_series_interval_scale")
    fitted.pop("_interval_noise_centre")
    fitted.pop("_interval_noise_lag")
    # Nor rule forecasts calibrated apart.
    fitted.pop("_calibration_by_rule", None)
    arrays.pop("_calibration_by_rule", None)
    fitted.pop("shrinkage_")  # Nor a shrinkage toward the last value.
    history = arrays.pop("_series_history")
    del fitted["_series_history"]
    lookback = fitted["_architecture"]["lookback"]
    one = len(model.series_) == 1 and model.series_[0] == 0
    if one and model._series_season is None:
        scaling = arrays.pop("_series_scaling")
        assert scaling.tolist() == [[0.0, 1.0]]
        for name in ("series_", "_series_scaling", "_time_offsets"):
            fitted.pop(name, None)
        arrays.pop("_time_offsets", None)
        arrays["_recent_y"], arrays["_recent_X"] = history[0, :, 0], history[0, :, 1:]
        fitted.update(_recent_y=True, _recent_X=True)
        fitted["_index_end"] = fitted.pop("_time_origin", None)
    else:
        arrays["_series_recent_y"] = history[:, :, 0]
        arrays["_series_recent_X"] = history[:, -lookback:, 1:]
        fitted.update(_series_recent_y=True, _series_recent_X=True)
        fitted["_series_time_origin"] = fitted.pop("_time_origin", None)
        if "_time_offsets" in arrays:
            arrays["_series_time_offsets"] = arrays.pop("_time_offsets")
        fitted["_series_time_offsets"] = fitted.pop("_time_offsets", None)
        if "_series_season" in arrays:
            season = arrays.pop("_series_season")
            arrays["_series_season"] = season[:, 1:]
            arrays["_series_multiplicative"] = season[:, 0]
            fitted["_series_multiplicative"] = True
            fitted["season_length_"] = season.shape[1] - 1
    fitted["_index_step"] = fitted.pop("_time_step", None)
    if edit is not None:
        edit(document)
    return _write(
        tmp_path / "old.zip", json.dumps(document), {"weights.npz": _npz_bytes(arrays)}
    )
