"""Does a project module certainly lack an attribute?  Read statically, never imported.

``patch("app.client.fetchh")`` imports ``app.client`` and reads ``fetchh``
from it; when the module has no such attribute, starting the patch raises
``AttributeError: <module 'app.client' ...> does not have the attribute
'fetchh'``.  This module answers "certainly missing" for modules of the linted
project only (found through ``targets.definition_file`` without the installed
packages), and only when the module's source leaves no way for the name to
appear at run time:

- no statement binds it at module level, in any branch: ``def``, ``class``,
  assignment targets of every kind, imports, ``for``/``with``/``except``
  targets, ``match`` captures, a ``global`` declaration in any function;
- no ``from x import *``, no module ``__getattr__``, no ``globals()``,
  ``vars()``, ``setattr()``, ``exec()``, ``sys.modules`` or ``__dict__``
  anywhere in the module (each may add names nobody can see);
- no submodule of that name beside a package's ``__init__.py`` (``patch``
  would import it), and the name is neither a dunder (``__file__``...) nor a
  builtin's (``open``: ``unittest.mock`` lets a module's be patched as if
  ``create=True`` were given).

Any doubt answers None.
"""

from __future__ import annotations

import ast
import builtins
import functools
import os
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Set

from mocklint.analysis import reads
from mocklint.analysis.mock_values.targets import definition_file, search_roots
from mocklint.analysis.syntax.source import parse_python
from mocklint.files import read_file

_MAX_FILE_SIZE = 2_000_000
#: calls and names through which a module may gain attributes no statement shows
_DYNAMIC_CALLS = frozenset({"globals", "vars", "setattr", "exec", "locals", "__import__"})
_DYNAMIC_ATTRIBUTES = frozenset({"__dict__", "modules"})  # `x.__dict__`, `sys.modules`
#: names ``unittest.mock`` patches on any module with ``create=True`` implied (its ``_builtins``)
_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_"))


@dataclass(frozen=True)
class Missing:
    """``attribute`` is certainly not an attribute of ``module`` (defined in ``path``)."""

    module: str
    path: str
    attribute: str
    #: the closest name the module does define, if one is close
    suggestion: Optional[str]


def missing_attribute(dotted: str, path: str, source: str) -> Optional[Missing]:
    """Whether ``dotted`` (``pkg.mod.attr``) names an attribute its project
    module certainly lacks, seen from the test file at ``path`` (whose text,
    maybe unsaved, is ``source``: a test may patch its own module)."""
    directory = os.path.dirname(os.path.abspath(path))
    module_name, _, attribute = dotted.rpartition(".")
    if module_name and module_name in _own_module_names(path, directory):
        return _judge(module_name, path, attribute, _names_in(source))
    located = definition_file(dotted, directory, installed=False)
    if located is None:
        return None
    path, attributes = located
    if len(attributes) != 1:
        return None
    attribute = attributes[0]
    if attribute.startswith("__") and attribute.endswith("__"):
        return None
    if os.path.basename(path) == "__init__.py" and _has_submodule(os.path.dirname(path), attribute):
        return None
    return _judge(dotted[: -len(attribute) - 1], path, attribute, _module_names(path))


def _judge(module: str, path: str, attribute: str, names: Optional[FrozenSet[str]]) -> Optional[Missing]:
    if names is None or attribute in names or (attribute.startswith("__") and attribute.endswith("__")):
        return None
    if attribute in _BUILTINS:
        return None  # `patch("app.client.open")`: mock creates a builtin's name on a module itself
    import difflib  # for a finding's hint: not on every start-up

    close = difflib.get_close_matches(attribute, sorted(names), n=1, cutoff=0.8)
    return Missing(module, path, attribute, close[0] if close else None)


def _own_module_names(path: str, directory: str) -> Set[str]:
    """The dotted names the linted file may be imported as, from each search root above it."""
    found: Set[str] = set()
    stem = os.path.splitext(os.path.abspath(path))[0]
    for root in search_roots(directory, installed=False):
        relative = os.path.relpath(stem, root)
        if relative.startswith(os.pardir):
            continue
        parts = relative.split(os.sep)
        if parts[-1] == "__init__":
            parts.pop()
        if parts and all(part.isidentifier() for part in parts):
            found.add(".".join(parts))
    return found


def _has_submodule(folder: str, name: str) -> bool:
    """A module or package ``name`` beside an ``__init__.py`` (any extension)."""
    candidate = os.path.join(folder, name)
    reads.record(candidate)
    reads.record(candidate + ".py")
    if os.path.exists(candidate) or os.path.exists(candidate + ".py"):
        return True
    try:
        entries = os.listdir(folder)
    except OSError:
        return True  # cannot tell
    return any(entry.startswith(name + ".") for entry in entries)


def _module_names(path: str) -> Optional[FrozenSet[str]]:
    """Every name the module at ``path`` may bind, or None when it may bind
    names no statement shows."""
    reads.record(path)
    try:
        return _names_of(path, os.path.getmtime(path))
    except OSError:
        return None


@functools.lru_cache(maxsize=256)
def _names_of(path: str, mtime: float) -> Optional[FrozenSet[str]]:
    try:
        source = read_file(path, _MAX_FILE_SIZE)
    except (OSError, ValueError):
        return None
    return _names_in(source)


def _names_in(source: str) -> Optional[FrozenSet[str]]:
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names: Set[str] = set()
    for node in ast.walk(tree):
        if _dynamic(node):
            return None
        if isinstance(node, ast.Global):
            names.update(node.names)
    for statement in tree.body:
        _bind_module_level(statement, names)
    return frozenset(names)


def _dynamic(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DYNAMIC_CALLS:
        return True
    if isinstance(node, ast.Attribute) and node.attr in _DYNAMIC_ATTRIBUTES:
        return True
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__getattr__"


def _bind_module_level(statement: ast.stmt, names: Set[str]) -> None:
    """Add the names ``statement`` binds in the module's scope (its nested
    blocks included, function and class bodies excluded)."""
    stack: List[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            continue
        if isinstance(node, ast.Lambda):
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            # their targets are local; a walrus inside binds in the module
            stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add(node.asname or node.name.split(".", 1)[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
