"""Warnings that point at the user's line, not at sklstm's or scikit-learn's.

``warnings.warn(..., stacklevel=n)`` needs to know how many frames lie
between the warning and the caller, and that number changes with every
wrapper in between (scikit-learn's ``_fit_context``, a ``Pipeline``, a
search). :func:`warn` counts them instead: the warning is attributed to the
first frame outside sklstm and scikit-learn, which is where the user called
``fit``, ``predict`` or ``load``.
"""

from __future__ import annotations

import inspect
import os
import warnings

import sklearn

_LIBRARY_FOLDERS = tuple(
    os.path.dirname(module_file) + os.sep
    for module_file in (__file__, sklearn.__file__)
)


def warn(message: str, category: type[Warning]) -> None:
    """Issue ``message`` as attributed to the first caller outside the libraries.

    Parameters
    ----------
    message : str
        What happened and what to do.
    category : type of Warning
        The warning's class.

    Examples
    --------
    >>> import warnings
    >>> from sklstm._warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("a message", UserWarning)
    >>> caught[0].filename.endswith("_warnings.py")  # the caller's file instead
    False
    """
    frame = inspect.currentframe()
    level = 1
    caller = frame.f_back if frame is not None else None
    while caller is not None and caller.f_code.co_filename.startswith(_LIBRARY_FOLDERS):
        caller = caller.f_back
        level += 1
    del frame, caller
    warnings.warn(message, category, stacklevel=level + 1)
