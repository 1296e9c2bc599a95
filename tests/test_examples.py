"""Every example in examples/ runs to the end on a small budget and draws figures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))


def figures_named_in(script: Path) -> set[str]:
    """The figure files an example's docstring promises (``figures/NAME.png``)."""
    return set(re.findall(r"examples/figures/([\w.-]+\.png)", script.read_text()))


def test_the_gallery_holds_the_documented_examples():
    names = {script.name for script in SCRIPTS}
    assert {
        "quickstart.py",
        "plot_gates.py",
        "plot_intervals.py",
        "plot_pipeline_exogenous.py",
        "plot_grid_search.py",
        "plot_save_load.py",
    } <= names


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS, ids=[script.stem for script in SCRIPTS])
def test_example_runs_quickly_and_writes_its_figures(script):
    figures = EXAMPLES / "figures"
    promised = figures_named_in(script)
    if script.name.startswith("plot_"):
        assert promised, f"{script.name} names no examples/figures/*.png it writes"
    before = {name: _mtime(figures / name) for name in promised}
    environment = {
        **os.environ,
        "SKLSTM_EXAMPLE_QUICK": "1",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
    }
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=EXAMPLES.parent,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for name in promised:
        assert _mtime(figures / name) > before[name], f"{name} was not written"


def _mtime(path: Path) -> float:
    return path.stat().st_mtime_ns if path.exists() else -1
