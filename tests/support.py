"""Helpers shared by tests that run external programs."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(name: str) -> Path:
    """A cache folder outside the repository for things tests fetch from the
    package registry (``$MOCKLINT_TEST_CACHE`` or ``~/.cache/mocklint-tests``)."""
    base = os.environ.get("MOCKLINT_TEST_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "mocklint-tests")
    path = Path(base) / name
    path.mkdir(parents=True, exist_ok=True)
    return path
