"""A pytest plugin for ``test_pollution.py``: what a test run leaves behind.

Loaded with ``-p leak_detector`` into a pytest run over a copy of fixture files
(``$MOCKLINT_LEAK_ROOT``), it records where each patcher is started and where
each mock is made (the innermost frame in a file under that folder), and when
the session ends (every teardown done) it writes to ``$MOCKLINT_LEAK_REPORT``:

- ``patches``: ``[file, line]`` of every ``.start()`` whose patcher is still active;
- ``mocks``: ``[file, line, where]`` of every mock still held by shared state:
  an entry of ``sys.modules``, an attribute of a helper module under the folder
  (any ``.py`` file there that is not a test module or a conftest), of a class
  defined in one, or of an object one of them holds at module level.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, List, Optional, Tuple
from unittest import mock

ROOT = os.path.realpath(os.environ.get("MOCKLINT_LEAK_ROOT", os.getcwd()))
_HERE = os.path.realpath(__file__)

_started: Dict[int, Tuple[Any, Optional[Tuple[str, int]]]] = {}
_made: Dict[int, Tuple[Any, Optional[Tuple[str, int]]]] = {}


def _site() -> Optional[Tuple[str, int]]:
    frame = sys._getframe(1)
    while frame is not None:
        filename = os.path.realpath(frame.f_code.co_filename)
        if filename.startswith(ROOT + os.sep) and filename != _HERE:
            return os.path.relpath(filename, ROOT).replace(os.sep, "/"), frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _wrap_start(cls: Any) -> None:
    original = cls.start

    def start(self: Any) -> Any:
        _started[id(self)] = (self, _site())
        return original(self)

    cls.start = start


for _cls in (mock._patch, mock._patch_dict):  # type: ignore[attr-defined]
    _wrap_start(_cls)

_original_init = mock.NonCallableMock.__init__


def _init(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    _made[id(self)] = (self, _site())


mock.NonCallableMock.__init__ = _init  # type: ignore[method-assign]


def _is_helper(module: Any) -> bool:
    filename = getattr(module, "__file__", None)
    if not isinstance(filename, str):
        return False
    path = os.path.realpath(filename)
    base = os.path.basename(path)
    if not path.startswith(ROOT + os.sep) or path == _HERE:
        return False
    return not (base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py")


def _mocks_in(namespace: Dict[str, Any]) -> List[Tuple[str, Any]]:
    return [(name, value) for name, value in namespace.items() if isinstance(value, mock.NonCallableMock)]


def leaked_mocks() -> List[Tuple[str, Any]]:
    found: List[Tuple[str, Any]] = []
    for name, module in list(sys.modules.items()):
        if isinstance(module, mock.NonCallableMock):
            found.append((f"sys.modules[{name!r}]", module))
    for module in [m for m in list(sys.modules.values()) if not isinstance(m, mock.NonCallableMock)]:
        if not _is_helper(module):
            continue
        namespace = dict(vars(module))
        found.extend((f"{module.__name__}.{name}", value) for name, value in _mocks_in(namespace))
        for name, value in namespace.items():
            if isinstance(value, mock.NonCallableMock):
                continue
            owner = value if isinstance(value, type) else type(value)
            if getattr(owner, "__module__", None) != module.__name__:
                continue
            members = vars(value) if hasattr(value, "__dict__") else {}
            found.extend((f"{module.__name__}.{name}.{attr}", v) for attr, v in _mocks_in(dict(members)))
    return found


def pytest_sessionfinish(session: Any) -> None:
    active = mock._patch._active_patches  # type: ignore[attr-defined]
    patches = [
        list(site)
        for patcher, site in _started.values()
        if site is not None and any(patcher is other for other in active)
    ]
    mocks = []
    seen = set()
    for where, value in leaked_mocks():
        if id(value) in seen:
            continue
        seen.add(id(value))
        site = _made.get(id(value), (None, None))[1]
        if site is not None:
            mocks.append([site[0], site[1], where])
    report = os.environ.get("MOCKLINT_LEAK_REPORT")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            json.dump({"patches": sorted(patches), "mocks": sorted(mocks)}, handle)
