"""mocklint: a static linter for mock misuse and pytest mistakes in test code.

The analysis core (``mocklint.engine``, ``mocklint.analysis``, ``mocklint.rules``)
knows nothing of flake8; ``mocklint.flake8_plugin`` is the one adapter that does.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
