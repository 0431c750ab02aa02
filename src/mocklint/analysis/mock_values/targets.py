"""What does a ``patch()`` target name?  Read statically, never imported.

``patch("pkg.client.fetch")`` makes an ``AsyncMock`` when ``fetch`` is a
coroutine function and a ``MagicMock`` otherwise (``shared/reference/
mock-semantics.md``, "What patch() picks by default").  This module finds the
definition by reading source files: the linted project's (found from the test
file's folder upwards) and the installed packages' (found on ``sys.path``
without importing anything), following ``from .x import y`` re-exports.

It answers only what it can see for certain: a plain ``async def`` (or one
under ``staticmethod``/``classmethod``), a plain ``def``, an ``async def``
generator (sync for ``patch``), or a class.  Anything decorated otherwise,
assigned, or not found is unknown.

``__main__.x`` names the script Python was started with, never a file on the
search path.  Executed: ``python test_x.py`` makes the test file ``__main__``,
and ``patch("__main__.fetch")`` replaces its own ``fetch``; under pytest (or
``python -m unittest``) ``__main__`` is the runner's module, and the same patch
raises ``AttributeError``.  So ``__main__`` is the linted file (``script``) when
that file runs as a script, which its ``if __name__ == "__main__":`` block
says, and unknown otherwise.
"""

from __future__ import annotations

import ast
import enum
import functools
import os
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from mocklint.analysis import reads
from mocklint.analysis.syntax.ast_scan import own_nodes
from mocklint.analysis.pytest_model.project import PROJECT_MARKERS
from mocklint.analysis.syntax.source import parse_python
from mocklint.files import read_file


class Target(enum.Enum):
    ASYNC_FUNCTION = "async def"
    SYNC_FUNCTION = "def"
    CLASS = "class"
    #: an instance of a plain project class, made at import (``ledger_client = Ledger()``):
    #: never awaitable, so ``patch()`` puts a MagicMock there
    INSTANCE = "instance"


_TRANSPARENT_DECORATORS = frozenset({"staticmethod", "classmethod"})
_MAX_HOPS = 4
_MAX_FILE_SIZE = 2_000_000


@functools.lru_cache(maxsize=512)
def _parse(path: str, mtime: float) -> Optional[ast.Module]:
    try:
        return parse_python(read_file(path, _MAX_FILE_SIZE))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _module_ast(path: str) -> Optional[ast.Module]:
    reads.record(path)
    try:
        return _parse(path, os.path.getmtime(path))
    except OSError:
        return None


@functools.lru_cache(maxsize=256)
def search_roots(directory: str, installed: bool = True) -> Tuple[str, ...]:
    """Folders where the project's top-level packages may live: each folder
    from ``directory`` up to the project root, and ``src/`` beside each, then
    (with ``installed``) the installed packages on ``sys.path``."""
    roots: List[str] = []
    current = os.path.abspath(directory)
    while True:
        roots.append(current)
        src = os.path.join(current, "src")
        if os.path.isdir(src):
            roots.append(src)
        if any(os.path.exists(os.path.join(current, marker)) for marker in PROJECT_MARKERS):
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if installed:
        roots.extend(p for p in sys.path if p and os.path.isdir(p) and not p.endswith(".zip"))
    seen: Dict[str, None] = {}
    for root in roots:
        seen.setdefault(root, None)
    return tuple(seen)


def _module_file(roots: Sequence[str], module: str) -> Optional[str]:
    found, probed = _find_module_file(tuple(roots), module)
    for candidate in probed:
        reads.record(candidate)  # a module created later in an earlier root would win
    return found


@functools.lru_cache(maxsize=4096)
def _find_module_file(roots: Tuple[str, ...], module: str) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The file of ``module`` and every path probed to find it (cached per process;
    the result cache re-checks the probed paths through their stamps)."""
    relative = module.replace(".", os.sep)
    probed: List[str] = []
    for root in roots:
        for candidate in (os.path.join(root, relative + ".py"), os.path.join(root, relative, "__init__.py")):
            probed.append(candidate)
            if os.path.isfile(candidate):
                return candidate, tuple(probed)
    return None, tuple(probed)


def resolve_target(dotted: str, directory: str, script: Optional[str] = None) -> Optional[Target]:
    """The kind of definition ``dotted`` (``pkg.mod.Class.method``) names, seen
    from a test file in ``directory`` (``script``: that file, which ``__main__``
    names when it runs as a script); None when unsure."""
    reads.record_search_path()  # installed packages are found on sys.path
    roots = search_roots(directory)
    if not _names_main(dotted):
        return _resolve(dotted, roots, 0)
    located = _script_module(dotted, script)
    if located is None:
        return None
    path, attributes = located
    tree = _module_ast(path)  # parsed once: `_script_module` read it
    return _in_module(tree, ["__main__"], attributes, path, roots, 0) if tree is not None else None


def _names_main(dotted: str) -> bool:
    return dotted.split(".", 1)[0] == "__main__"


def is_main_guard(node: ast.AST) -> bool:
    """``if __name__ == "__main__":`` (any comparison of ``__name__``)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    return any(isinstance(t, ast.Name) and t.id == "__name__" for t in (test.left, *test.comparators))


def _script_module(dotted: str, script: Optional[str]) -> Optional[Tuple[str, List[str]]]:
    """``script`` and the attribute path, for ``__main__.x`` when ``script`` runs
    as a script (it has a ``__main__`` block); None otherwise."""
    attributes = dotted.split(".")[1:]
    if script is None or not attributes:
        return None
    tree = _module_ast(script)
    if tree is None or not any(is_main_guard(statement) for statement in tree.body):
        return None
    return script, attributes


def _resolve(dotted: str, roots: Sequence[str], hops: int) -> Optional[Target]:
    if hops > _MAX_HOPS or _names_main(dotted):
        return None  # `__main__` is no file of the search path
    parts = dotted.split(".")
    # the longest prefix that is a module file, then attributes inside it
    for split in range(len(parts) - 1, 0, -1):
        module_file = _module_file(roots, ".".join(parts[:split]))
        if module_file is None:
            continue
        tree = _module_ast(module_file)
        if tree is None:
            return None
        return _in_module(tree, parts[:split], parts[split:], module_file, roots, hops)
    return None


def _in_module(
    tree: ast.Module, module: List[str], attributes: List[str], path: str, roots: Sequence[str], hops: int
) -> Optional[Target]:
    body: List[ast.stmt] = tree.body
    for index, name in enumerate(attributes):
        found = _definitions(body, name)
        if len(found) != 1:
            # re-exported through `from .x import name`?
            if not found and index == 0:
                source = _imported_from(body, name, module, path)
                if source is not None:
                    return _resolve(".".join([source, *attributes[1:]]), roots, hops + 1)
            return None
        node = found[0]
        last = index == len(attributes) - 1
        if isinstance(node, ast.ClassDef):
            if last:
                return Target.CLASS
            body = node.body
            continue
        if not last:
            return None
        if isinstance(node, ast.Assign) and index == 0:
            return Target.INSTANCE if _plain_instance(node.value, body, module, path, roots, hops) else None
        return _function_kind(node)
    return None


def _plain_instance(
    value: ast.expr, body: List[ast.stmt], module: List[str], path: str, roots: Sequence[str], hops: int
) -> bool:
    """Whether ``value`` is ``Cls()`` of a project class without bases, metaclass
    or ``__await__``: an object ``inspect.isawaitable`` says no to, whatever its
    arguments (what ``patch()`` looks at to choose an AsyncMock)."""
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name) or hops > _MAX_HOPS:
        return False
    name = value.func.id
    found = _definitions(body, name)
    if len(found) == 1 and isinstance(found[0], ast.ClassDef):
        cls = found[0]
        plain_bases = all(isinstance(b, ast.Name) and b.id == "object" for b in cls.bases)
        return plain_bases and not cls.keywords and not cls.decorator_list and not _definitions(cls.body, "__await__")
    if found:
        return False
    source = _imported_from(body, name, module, path)
    if source is None or "." not in source:
        return False
    source_module, class_name = source.rsplit(".", 1)
    module_file = _module_file(roots, source_module)
    tree = _module_ast(module_file) if module_file is not None else None
    if tree is None:
        return False
    call = ast.Call(func=ast.Name(id=class_name, ctx=ast.Load()), args=[], keywords=[])
    return _plain_instance(call, tree.body, source_module.split("."), module_file, roots, hops + 1)  # type: ignore[arg-type]


def _definitions(body: List[ast.stmt], name: str) -> List[ast.stmt]:
    """Every statement of ``body`` that binds ``name`` (defs, classes, assignments, imports)."""
    found: List[ast.stmt] = []
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and statement.name == name:
            found.append(statement)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found.append(statement)
        elif isinstance(statement, (ast.If, ast.Try, ast.With)):
            # conditional definitions: unknown which one runs
            if any(_definitions(block, name) for block in _blocks(statement)):
                found.extend([statement, statement])
    return found


def _blocks(statement: ast.stmt) -> List[List[ast.stmt]]:
    blocks: List[List[ast.stmt]] = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(statement, field, None)
        if isinstance(value, list):
            blocks.append(value)
    for handler in getattr(statement, "handlers", []) or []:
        blocks.append(handler.body)
    return blocks


def _imported_from(body: List[ast.stmt], name: str, module: List[str], path: str) -> Optional[str]:
    """``pkg.x`` when the module does ``from .x import name`` (or ``from pkg.x import name``)."""
    for statement in body:
        if not isinstance(statement, ast.ImportFrom):
            continue
        for alias in statement.names:
            if (alias.asname or alias.name) != name or alias.name == "*":
                continue
            if statement.level:
                package = module if path.endswith("__init__.py") else module[:-1]
                base = package[: len(package) - (statement.level - 1)] if statement.level > 1 else package
                prefix = ".".join(base)
                source = f"{prefix}.{statement.module}" if statement.module else prefix
            else:
                source = statement.module or ""
            return f"{source}.{alias.name}" if source else None
    return None


def _function_kind(node: ast.stmt) -> Optional[Target]:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    decorators = [d.id if isinstance(d, ast.Name) else None for d in node.decorator_list]
    if any(d not in _TRANSPARENT_DECORATORS for d in decorators):
        return None  # a wrapper may change what patch() sees
    if isinstance(node, ast.AsyncFunctionDef):
        if any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_nodes(node)):
            return Target.SYNC_FUNCTION  # an async generator function: patch() gives a MagicMock
        return Target.ASYNC_FUNCTION
    return Target.SYNC_FUNCTION


def definition_file(
    dotted: str, directory: str, installed: bool = True, script: Optional[str] = None
) -> Optional[Tuple[str, List[str]]]:
    """The file defining the module part of ``dotted``, and the attribute path
    inside it (``script``: as for :func:`resolve_target`)."""
    if installed:
        reads.record_search_path()
    if _names_main(dotted):
        return _script_module(dotted, script)
    roots = search_roots(directory, installed)
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        found = _module_file(roots, ".".join(parts[:split]))
        if found is not None:
            return found, parts[split:]
    return None


#: asyncio's functions that fail at once when handed a sync mock's call instead of a coroutine
#: (``TypeError``, executed on Python 3.10 and 3.13), as ``await`` does
_SCHEDULERS = frozenset({"gather", "ensure_future", "create_task"})
#: ``asyncio.wait_for`` returns a coroutine awaiting its argument: that fails when it is awaited
_WAITERS = frozenset({"wait_for"})
#: the keywords that hand asyncio's functions their awaitable
_HANDED = frozenset({"fut", "coro", "coro_or_future"})


def awaited_at_every_call(dotted: str, directory: str, script: Optional[str] = None) -> bool:
    """Whether every call of the coroutine function ``dotted`` in its own module
    is awaited, and there is one: ``await name(...)``, ``await self.name(...)``,
    or handed to asyncio's ``gather``, ``ensure_future`` or ``create_task``, or
    to an awaited ``wait_for`` (``script``: as for :func:`resolve_target`).

    A sync mock patched over it then fails in that code.  A call that is not
    awaited on the spot (wrapped in a context manager object, handed to a
    project's own scheduler, to a ``wait_for`` nobody awaits) makes the answer
    no: the mock may never be awaited at all.
    """
    located = definition_file(dotted, directory, script=script)
    if located is None:
        return False
    path, attributes = located
    tree = _module_ast(path)
    if tree is None or not attributes:
        return False
    name = attributes[-1]
    modules, functions = _asyncio_names(tree)
    calls: List[ast.Call] = []
    awaited: Set[int] = set()
    for node in ast.walk(tree):  # breadth first: an `await` or a wrapper before the calls it holds
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            awaited.add(id(node.value))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None) == name:
            calls.append(node)
        wrapper = _asyncio_function(func, modules, functions)
        if wrapper in _SCHEDULERS or (wrapper in _WAITERS and id(node) in awaited):
            handed = node.args if wrapper == "gather" else node.args[:1]
            handed = [*handed, *(k.value for k in node.keywords if k.arg in _HANDED)]
            awaited.update(id(call) for call in _calls_handed(handed))
    return bool(calls) and all(id(call) in awaited for call in calls)


def _asyncio_names(tree: ast.Module) -> Tuple[Set[str], Dict[str, str]]:
    """The names the module binds to ``asyncio`` and to its functions, at its top level."""
    modules: Set[str] = set()
    functions: Dict[str, str] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Import):
            modules.update(alias.asname or alias.name for alias in statement.names if alias.name == "asyncio")
        elif isinstance(statement, ast.ImportFrom) and statement.module == "asyncio" and not statement.level:
            functions.update((alias.asname or alias.name, alias.name) for alias in statement.names)
    return modules, functions


def _asyncio_function(func: ast.expr, modules: Set[str], functions: Dict[str, str]) -> Optional[str]:
    """``wait_for`` for ``asyncio.wait_for`` (through the module's imports), else None."""
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in modules:
        return func.attr
    return functions.get(func.id) if isinstance(func, ast.Name) else None


def _calls_handed(arguments: Sequence[ast.expr]) -> Iterator[ast.Call]:
    """The calls among ``arguments``: themselves, or the elements of a (starred) list,
    tuple or comprehension (``gather(*[fetch(u) for u in urls])``)."""
    for argument in arguments:
        if isinstance(argument, ast.Starred):
            argument = argument.value
        if isinstance(argument, (ast.List, ast.Tuple)):
            yield from _calls_handed(argument.elts)
        elif isinstance(argument, (ast.ListComp, ast.GeneratorExp)):
            yield from _calls_handed([argument.elt])
        elif isinstance(argument, ast.Call):
            yield argument


def configures_parameter(dotted: str, directory: str, position: Optional[int], keyword: Optional[str]) -> bool:
    """Whether the function ``dotted`` sets attributes on (or reconfigures) the
    argument passed at ``position`` or as ``keyword``: an imported test helper
    such as ``def use_magic_get(session): session.get = MagicMock()``.

    Unknown functions (not found, not plain functions) are taken not to: they
    are the code under test or libraries, which use mocks rather than set them up.
    """
    located = definition_file(dotted, directory, installed=False)  # helpers live in the project
    if located is None:
        return False
    path, attributes = located
    tree = _module_ast(path)
    if tree is None or len(attributes) != 1:
        return False
    found = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == attributes[0]]
    if len(found) != 1:
        return False
    func = found[0]
    params = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
    target = keyword if keyword is not None else (params[position] if position is not None and position < len(params) else None)
    if target is None:
        return True  # *args/**kwargs: it could do anything with it
    for node in ast.walk(func):
        targets: List[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for assigned in targets:
            root = assigned
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name) and root.id == target and assigned is not root:
                return True
        if isinstance(node, ast.Call):
            callee = node.func
            if isinstance(callee, ast.Attribute) and callee.attr in ("configure_mock", "attach_mock", "mock_add_spec"):
                return True
            if any(isinstance(arg, ast.Name) and arg.id == target for arg in node.args) and isinstance(
                callee, (ast.Name, ast.Attribute)
            ):
                last = callee.id if isinstance(callee, ast.Name) else callee.attr
                if last in ("setattr", "object", "configure"):
                    return True
    return False
