"""libcst, imported when a function first needs it, not when mocklint starts.

``import libcst`` costs more CPU than flake8's whole start-up, and most files
linted one at a time (pre-commit, an editor) never need it: the gates and
``might_report`` rule them out on the text and the ``ast`` tree.  So the
modules that use libcst in their functions import this stand-in instead::

    from mocklint.analysis.syntax.lazy_import import libcst as cst

The first attribute read through it (``cst.Name`` in a function) imports
libcst and binds the real module in its place in every mocklint module that
holds the stand-in, so later reads are plain module attribute reads (the hot
paths read ``cst.Name`` for every node).  Type checkers see the real module.

Only function bodies may read it: a ``cst.X`` at module or class level (a
tuple of node types, a base class, a default value) would import libcst with
the module.  ``tests/test_startup_imports.py`` checks that no entry point
imports libcst for a file that does not need it.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any


class _LazyModule:
    """Stands for the module ``name`` until an attribute is read through it."""

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        # the import statement's machinery, not importlib's: ``-X importtime`` shows it
        __import__(self._name)
        module = sys.modules[self._name]
        _replace(self, module)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<{self._name}, imported on first use>"


def _replace(stand_in: _LazyModule, module: ModuleType) -> None:
    """Bind ``module`` wherever a mocklint module holds ``stand_in`` (this one included)."""
    for name, loaded in list(sys.modules.items()):
        if name != "mocklint" and not name.startswith("mocklint."):
            continue
        namespace = getattr(loaded, "__dict__", None)
        if namespace is None:
            continue
        for key, value in list(namespace.items()):
            if value is stand_in:
                namespace[key] = module


if TYPE_CHECKING:
    import libcst
else:
    libcst = sys.modules["libcst"] if "libcst" in sys.modules else _LazyModule("libcst")
