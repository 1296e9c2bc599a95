"""What ``fit`` tells the user while it trains: a progress bar or one line per epoch.

``verbose=0`` says nothing. ``verbose=1`` draws one tqdm progress bar for the
whole fit (epochs done, current training and validation loss, time left) on
standard error; without tqdm installed it prints lines instead, after a note
saying how to get the bar. ``verbose=2`` (or more) prints one line per epoch
on standard output, as scikit-learn's own estimators do.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
import time
from collections.abc import Iterator

from sklstm._training import EpochReport

TQDM_MISSING_NOTE = (
    "verbose=1 draws a progress bar when tqdm is installed (pip install "
    "'sklstm[progress]'); printing one line per epoch instead."
)

#: The label an enclosing estimator gives the bars of the fits it runs.
_LABEL: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sklstm_progress_label", default=None
)


@contextlib.contextmanager
def progress_label(label: str) -> Iterator[None]:
    """Label the progress bars of the fits run inside the block with ``label``.

    An estimator that trains others (the forecaster and its networks) names
    itself on their bars instead of the class that runs the epochs.

    Examples
    --------
    >>> from sklstm._progress import current_label, progress_label
    >>> with progress_label("LSTMForecaster member 2/5"):
    ...     current_label("LSTMRegressor")
    'LSTMForecaster member 2/5'
    >>> current_label("LSTMRegressor")
    'LSTMRegressor'
    """
    token = _LABEL.set(label)
    try:
        yield
    finally:
        _LABEL.reset(token)


def current_label(default: str) -> str:
    """The label set by an enclosing :func:`progress_label`, else ``default``."""
    label = _LABEL.get()
    return default if label is None else label


@contextlib.contextmanager
def epoch_reporter(
    verbose: int, max_iter: int, *, description: str = "fit"
) -> Iterator[EpochReport | None]:
    """The reporter of one fit, closed (bar finished) when the block ends.

    Parameters
    ----------
    verbose : int
        0 silent, 1 progress bar, 2 or more one line per epoch.
    max_iter : int
        The epochs this fit may run: the length of the bar.
    description : str, default='fit'
        The label in front of the bar, unless an enclosing
        :func:`progress_label` gives another.

    Yields
    ------
    report : callable or None
        None when ``verbose`` is 0.

    Examples
    --------
    >>> from sklstm._progress import epoch_reporter
    >>> with epoch_reporter(2, max_iter=3) as report:
    ...     report(1, 0.5, None, None)  # doctest: +ELLIPSIS
    Epoch 1: loss = 0.500000 (...s)
    """
    if not verbose:
        yield None
        return
    if verbose == 1:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            print(TQDM_MISSING_NOTE)
        else:
            bar = tqdm(
                total=max_iter,
                desc=current_label(description),
                unit="epoch",
                leave=True,
            )
            finished = False
            try:
                yield _bar_report(bar)
                finished = True
            finally:
                _close(bar, finished)
            return
    yield _line_report()


def _bar_report(bar) -> EpochReport:
    def report(
        epoch: int, loss: float, validation_loss: float | None, score: float | None
    ) -> None:
        postfix = {"loss": f"{loss:.4g}"}
        if validation_loss is not None:
            postfix["val_loss"] = f"{validation_loss:.4g}"
        bar.set_postfix(postfix, refresh=False)
        bar.update(1)

    return report


def _close(bar, finished: bool) -> None:
    """Close the bar; full when the fit finished, also if it stopped early.

    A fit that early stopping ended at epoch 11 of 200 leaves its bar at
    11/11: it is done, not stuck. A fit that raised keeps its bar where the
    error stopped it.
    """
    if finished and 0 < bar.n < bar.total:
        bar.total = bar.n
        bar.refresh()
    bar.close()


def _line_report() -> EpochReport:
    started = time.perf_counter()

    def report(
        epoch: int, loss: float, validation_loss: float | None, score: float | None
    ) -> None:
        validation = (
            ""
            if validation_loss is None
            else f", validation loss = {validation_loss:.6f}, "
            f"validation R² = {score:.5f}"
        )
        print(
            f"Epoch {epoch}: loss = {loss:.6f}{validation} "
            f"({time.perf_counter() - started:.1f}s)",
            file=sys.stdout,
        )

    return report
