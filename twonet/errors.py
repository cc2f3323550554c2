"""TwoNet's domain errors, re-exported from :mod:`grid.errors`.

They live in :mod:`grid` (the bottom layer) so that :mod:`grid` and
:mod:`ingest` raise them without importing :mod:`twonet`.
"""

from grid.errors import *  # noqa: F403
from grid.errors import __all__  # noqa: F401
