"""What a file's surroundings say: the conftest.py files on its path.

Read as text and never imported.  This is the seed of the pytest project
model; until that model exists, rules ask it one question: does a conftest.py
between the file and the project root contain something that changes what
the rule may claim?
"""

from __future__ import annotations

import functools
import os
from typing import Pattern

# A folder holding one of these is taken as the project root: conftest files
# above it are not loaded by pytest by default (confcutdir).
PROJECT_MARKERS = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg", ".git")


@functools.lru_cache(maxsize=4096)
def conftest_chain_matches(directory: str, pattern: Pattern[str]) -> bool:
    """Whether a conftest.py in ``directory`` or a parent, up to the project
    root, contains ``pattern``.  A match makes the caller stay silent, so a
    conftest that merely mentions the pattern errs on the safe side."""
    current = os.path.abspath(directory)
    while True:
        try:
            with open(os.path.join(current, "conftest.py"), encoding="utf-8", errors="replace") as handle:
                if pattern.search(handle.read()):
                    return True
        except OSError:
            pass
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent
