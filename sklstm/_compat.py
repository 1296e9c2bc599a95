"""The scikit-learn names sklstm relies on that are not (yet) public API.

Keeping them in one module means a scikit-learn release that moves them
needs one edit here. Each import notes what it is for and when it can go.
pyproject.toml bounds scikit-learn below the next minor release, which CI
(`make test` installs the newest release inside the bound) proves against.
"""

from __future__ import annotations

# Parameter validation in the style of scikit-learn's own estimators
# (``_parameter_constraints`` + ``_fit_context``). Public in spirit since 1.2,
# but still living in private modules as of scikit-learn 1.9. Can go when
# scikit-learn makes them public (or sklstm validates its parameters itself).
from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    Interval,
    InvalidParameterError,
    RealNotInt,
    StrOptions,
    validate_parameter_constraints,
)

# Sample-weight validation with scikit-learn's own messages (shape, negative
# and all-zero weights), which its estimator checks expect. Private as of 1.9;
# can go when scikit-learn publishes it (``sklearn.utils.validation``'s public
# list), or when the messages are written out here.
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Interval",
    "InvalidParameterError",
    "RealNotInt",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "validate_parameter_constraints",
]
