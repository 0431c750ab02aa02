"""Which other files did linting this file depend on?

A file's findings can depend on files other than itself: the conftest.py
files on its path, the modules a ``patch()`` target names, the project model.
Every analysis that reads (or probes for) another file calls :func:`record`
with its path, *before* any in-process cache of its own, so that the CLI's
result cache can store the dependencies of each result and throw the result
away when one of them changes.  Outside :func:`recording` it costs one global
lookup.
"""

from __future__ import annotations

import contextlib
import os
from typing import Dict, Iterator, Optional, Tuple

#: (mtime in ns, size), or None when the file did not exist
Stamp = Optional[Tuple[int, int]]

_current: Optional[Dict[str, Stamp]] = None


def stamp(path: str) -> Stamp:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size)


def record(path: str) -> None:
    """Note that the current file's result depends on ``path`` (existing or not)."""
    if _current is not None and path not in _current:
        _current[path] = stamp(path)


@contextlib.contextmanager
def recording() -> Iterator[Dict[str, Stamp]]:
    """Collect the paths :func:`record` is given while the block runs."""
    global _current
    previous, _current = _current, {}
    try:
        yield _current
    finally:
        _current = previous
