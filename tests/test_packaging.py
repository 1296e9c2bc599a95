"""What an installed sklstm says about itself."""

from importlib.metadata import version

import sklstm


def test_installed_version_is_the_package_version():
    # pyproject.toml reads the version from sklstm.__version__: one source.
    assert version("sklstm") == sklstm.__version__
