"""mocklint: a static linter for mock misuse and pytest mistakes in test code.

The analysis core (``mocklint.engine``, ``mocklint.analysis``, ``mocklint.rules``)
knows nothing of flake8; ``mocklint.flake8_plugin`` is the one adapter that does.
"""

from __future__ import annotations

__version__ = "0.1.0"

#: the folder of the result cache, in the project root (``mocklint.cache``); here, so that the
#: flake8 plugin can name it in its help without importing the cache
CACHE_DIR_NAME = ".mocklint_cache"

__all__ = ["CACHE_DIR_NAME", "__version__"]
