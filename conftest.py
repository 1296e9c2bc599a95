"""Test-session settings shared by every test module."""

import os

# scikit-learn's array-API check only runs when SciPy's array-API mode is on;
# it must be set before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
