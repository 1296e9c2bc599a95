"""Parameters that earlier versions had and this one chooses by itself."""

import json
import zipfile

import numpy as np

import sklstm
from sklstm import LSTMForecaster, LSTMRegressor

ROWS = np.random.default_rng(0).normal(size=(40, 2))


def _with_param(path, target, name, value):
    """A copy of a saved file whose estimator names one more parameter."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w") as copy:
        for member in source.namelist():
            data = source.read(member)
            if member == "model.json":
                document = json.loads(data)
                document["estimator"]["params"][name] = value
                data = json.dumps(document).encode()
            copy.writestr(member, data)
    return target


def test_fused_optimizer_is_chosen_automatically_not_a_parameter():
    for estimator in (LSTMRegressor(), LSTMForecaster()):
        assert "fused_optimizer" not in estimator.get_params()


def test_a_file_that_still_names_fused_optimizer_loads_and_predicts_the_same(
    tmp_path,
):
    model = LSTMRegressor(lookback=3, hidden_size=4, max_iter=2, random_state=0)
    model.fit(ROWS, ROWS[:, 0])
    sklstm.save(model, tmp_path / "model.zip")
    older = _with_param(
        tmp_path / "model.zip", tmp_path / "older.zip", "fused_optimizer", False
    )
    loaded = sklstm.load(older)
    np.testing.assert_array_equal(loaded.predict(ROWS), model.predict(ROWS))
    assert "fused_optimizer" not in loaded.get_params()
