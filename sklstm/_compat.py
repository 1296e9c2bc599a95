"""The scikit-learn names sklstm relies on that are not (yet) public API.

Keeping them in one module means a scikit-learn release that moves them
needs one edit here. Each import notes what it is for.
"""

from __future__ import annotations

# Parameter validation in the style of scikit-learn's own estimators
# (``_parameter_constraints`` + ``_fit_context``). Public in spirit since 1.2,
# but still living in private modules as of scikit-learn 1.9.
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["Interval", "StrOptions", "_fit_context"]
