"""Whether a file may hand a mock to the project's own code: decided on ``ast``.

The interprocedural findings of MCK101-MCK103 need a mock and a call into a
project module, made in one of two ways:

- the file calls a name it imported from a module of its own project that
  has async code (a relative import, or one whose top-level package is a
  project folder, found as ``patch()`` targets are, without the installed
  packages): ``MatrixClient(session)``, ``service.run(repo)``; a re-export
  through a package ``__init__`` counts when the package has async code too;
- the file requests a fixture of a conftest.py that imports project code and
  may hand out a mock or an object built from one (``client`` returning
  ``Client(mock_session)``; ``candidates.conftest_mock_fixtures`` follows
  the fixture chains).

Any other file is spared the libcst parse for them.  Like the gates, the
answer errs towards "maybe".

The mock candidate index (``candidates``) asks about each file: the answer
is kept for the file's tree (``LastTree``, dropped when the engine is done
with the file, so every file records its own dependencies), and the ``ast``
trees of the conftest files, which every test file below them asks about, are
kept by their text (``candidates.conftest_tree``; measured on aiogram's tests:
most of this check's cost was parsing the same conftest.py again for each file).
"""

from __future__ import annotations

import ast
import os
import re
from typing import Dict, FrozenSet, Optional, Set, Tuple

from mocklint.analysis.pytest_model import project

from mocklint.analysis import reads

from mocklint.analysis.mock_values import targets
from mocklint.analysis.syntax.ast_scan import LastTree, statements
from mocklint.analysis.mock_values.candidates import (
    conftest_mock_fixtures,
    conftest_tree,
    may_hold_mocks,
    requests_fixtures,
)
from mocklint.files import read_text


#: what only a mock can fail in: `await`, `async with`/`for`, and handing a value to
#: asyncio's schedulers (which sync code does too: `[create_task(a.run(i)) for i in ids]`)
_ASYNC_CODE = re.compile(r"\b(?:async|await|ensure_future|create_task|gather|wait_for|shield|run_until_complete)\b")
_ASYNC_MODULES: Dict[Tuple[str, int, int], bool] = {}
#: the answer of :func:`may_hand_mocks_to_project` for the file being linted, with its path
_ANSWER: "LastTree[bool]" = LastTree()


def _async_module(path: Optional[str]) -> bool:
    """Whether the module at ``path`` has async code (``async``/``await``), where
    only a mock can fail the way MCK101-MCK103 report (read as text, once per
    version of the file, and recorded as a dependency of the linted file)."""
    if path is None:
        return False
    reads.record(path)
    try:
        status = os.stat(path)
        key = (path, status.st_mtime_ns, status.st_size)
        if key not in _ASYNC_MODULES:
            if len(_ASYNC_MODULES) > 4096:
                _ASYNC_MODULES.clear()
            _ASYNC_MODULES[key] = _ASYNC_CODE.search(read_text(path, errors="replace")) is not None
        return _ASYNC_MODULES[key]
    except OSError:
        return False


def project_names(tree: ast.Module, path: Optional[str], every: bool = False) -> Set[str]:
    """The names ``tree`` binds by importing modules of its own project that
    have async code (``every``: any module of its project; a relative import
    of a package counts as maybe)."""
    wanted = (lambda module: module is not None) if every else _async_module
    if path is None:
        return set()
    roots = targets.search_roots(os.path.dirname(os.path.abspath(path)), installed=False)
    found: Set[str] = set()
    for statement, _ in statements(tree):
        if isinstance(statement, ast.ImportFrom):
            module = statement.module or ""
            if statement.level:
                found.update(alias.asname or alias.name for alias in statement.names if alias.name != "*")
                continue
            if not module or targets._module_file(roots, module.split(".", 1)[0]) is None:
                continue
            for alias in statement.names:
                # `from app.clients import matrix` imports a module; `from app.matrix import Client`, a name
                if wanted(targets._module_file(roots, f"{module}.{alias.name}")) or wanted(
                    targets._module_file(roots, module)
                ):
                    found.add(alias.asname or alias.name)
        elif isinstance(statement, ast.Import):
            for alias in statement.names:
                if targets._module_file(roots, alias.name.split(".", 1)[0]) is None:
                    continue
                if wanted(targets._module_file(roots, alias.name)):
                    found.add(alias.asname or alias.name.split(".", 1)[0])
    return found


def calls_project(tree: ast.Module, path: Optional[str], every: bool = False) -> bool:
    """Whether ``tree`` calls something it imported from its own project
    (from a module with async code, unless ``every``)."""
    names = project_names(tree, path, every)
    if not names:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            while isinstance(func, ast.Attribute):
                func = func.value
            if isinstance(func, ast.Name) and func.id in names:
                return True
    return False


def _object_fixtures(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures that may hand out a mock (``conftest_mock_fixtures``) defined
    in the conftest.py files above ``path`` that import project code."""
    mocky = conftest_mock_fixtures(path)
    if not mocky or not path:
        return frozenset()
    model = project.model_for_path(path)
    if model is None:
        return frozenset()
    found: Set[str] = set()
    for level in model.conftest_levels(os.path.dirname(os.path.abspath(path))):
        if level.facts is None:
            continue
        tree = conftest_tree(level.path, model.text(level.path) or "")
        if tree is None:
            found.update(set(level.facts.fixtures) & mocky)
            continue
        if project_names(tree, level.path):
            found.update(set(level.facts.fixtures) & mocky)
    return frozenset(found)


def may_hand_mocks_to_project(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    """A file that may hand a mock to project code (see the module's docstring)."""
    return _ANSWER.get(tree, lambda: _may_hand_mocks_to_project(tree, source, path), key=path)


def _may_hand_mocks_to_project(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    # an AsyncMock's call fails in sync code too, where it is dropped (MCK103)
    if calls_project(tree, path, every="AsyncMock" in source) and may_hold_mocks(source, path):
        return True
    return requests_fixtures(_object_fixtures(path), source)
