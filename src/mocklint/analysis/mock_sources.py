"""Whether a file can hold a mock at all, decided without libcst.

The mock rules (MCK1xx) report only on values ``analysis.mocks`` infers to be
mocks, and every such value comes from one of two places:

- this file: a mock class (``MagicMock``, ``AsyncMock``, ...), ``patch`` in any
  form, ``create_autospec``, or pytest-mock's ``mocker`` fixtures, all of
  which name themselves in the text;
- a fixture defined in a conftest.py on the file's path that returns or
  yields a mock, which the file requests by name.

So a file whose text names no mock source, and which mentions no fixture
defined by a conftest.py that itself names a mock source, holds no mock: the
mock rules skip its libcst parse.  Like the gates, the answer errs towards
"maybe": any mention counts, in a comment or a string too.
"""

from __future__ import annotations

import ast
import os
import re
from typing import FrozenSet, Optional, Pattern, Set, Tuple

import libcst as cst

from mocklint.analysis import project
from mocklint.analysis.ast_scan import statements
from mocklint.analysis.fixture_defs import ModuleFacts
from mocklint.rule import gate, gate_all

#: the names every in-file mock source spells (MagicMock, AsyncMock, patch,
#: mock.patch.object, create_autospec, mocker, class_mocker, ...)
MOCK_SOURCE = gate(r"Mock", r"\bpatch\b", r"mocker\b", r"autospec")
#: the in-file sources of an AsyncMock (or a mock with AsyncMock children): the
#: class itself, a patch over a coroutine function, a spec with coroutine
#: methods (keyword, positional or autospec), the async magic methods, and a
#: MagicMock entered with `async with` (its `__aenter__` is an AsyncMock)
ASYNC_MOCK_SOURCE = gate(
    r"AsyncMock",
    r"mocker\b",
    gate_all(r"spec", r"[(,]\s*spec(?:_set)?\s*=(?!=)"),
    r"autospec",
    r"Mock\(\s*[\w.]+\s*[,)]",
    r"__a(?:enter|exit|iter|next)__",
    # `async with MagicMock() as session`: __aenter__ is an AsyncMock, and so is what it gives
    gate_all(r"Mock", r"\basync\s+(?:with|for)\b"),
)
#: `patch` makes an AsyncMock only over a coroutine function it can read: a
#: dotted string target, or ``patch.object``/``patch.multiple`` on an imported
#: name or a module-level class (``analysis.mocks.patch_target``)
_PATCH = re.compile(r"\bpatch\b")
_STRING_TARGET = r"\s*\(\s*(?:target\s*=\s*)?[rRbBuUfF]*[\"']"
_OBJECT_TARGET = re.compile(r"\bpatch\s*\.\s*(?:object|multiple)\s*\(\s*(?:target\s*=\s*)?([A-Za-z_]\w*)")

#: the last answer: the mock rules ask in turn about the same file
_last: Tuple[object, bool] = ((), False)


def may_hold_mocks(tree: ast.Module, source: str, path: Optional[str], asynchronous: bool = False) -> bool:
    """Whether ``analysis.mocks`` could infer a mock anywhere in ``source`` (with
    ``asynchronous``, a mock that makes coroutines: an AsyncMock or its children)."""
    global _last
    key = (path, len(source), hash(source), asynchronous)
    if _last[0] == key:
        return _last[1]  # the mock rules ask in turn about the same file
    if asynchronous:
        found = bool(ASYNC_MOCK_SOURCE.search(source)) or (
            _PATCH.search(source) is not None and _patch_may_make_async_mocks(tree, source)
        )
    else:
        found = bool(MOCK_SOURCE.search(source))
    found = found or _requests_conftest_mocks(source, path)
    _last = (key, found)
    return found


def _patch_may_make_async_mocks(tree: ast.Module, source: str) -> bool:
    """Whether some ``patch`` in the file has a target mocklint can read."""
    patch_names = {"patch"}
    readable: Set[str] = set()
    for statement, parent in statements(tree):
        if isinstance(statement, ast.Import):
            readable.update((alias.asname or alias.name).split(".")[0] for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom):
            readable.update(alias.asname or alias.name for alias in statement.names)
            patch_names.update(alias.asname for alias in statement.names if alias.name == "patch" and alias.asname)
        elif isinstance(statement, ast.ClassDef) and parent is tree:
            readable.add(statement.name)
    for name in patch_names:
        if re.search(r"\b%s(?:\s*\.\s*multiple)?%s" % (re.escape(name), _STRING_TARGET), source):
            return True
    return any(match.group(1) in readable for match in _OBJECT_TARGET.finditer(source))


def _requests_conftest_mocks(source: str, path: Optional[str]) -> bool:
    pattern = _conftest_mocks(path)[0]
    return pattern is not None and pattern.search(source) is not None


def conftest_mock_fixtures(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that may hand out a mock."""
    return _conftest_mocks(path)[1]


_NONE: Tuple[Optional[Pattern[str]], FrozenSet[str]] = (None, frozenset())


def _conftest_mocks(path: Optional[str]) -> Tuple[Optional[Pattern[str]], FrozenSet[str]]:
    """A pattern for the fixtures defined in the conftest files above ``path``
    that name a mock source (None when there are none), and their names."""
    if not path:
        return _NONE
    model = project.model_for_path(path)
    if model is None:
        return _NONE
    levels = model.conftest_levels(os.path.dirname(os.path.abspath(path)))
    # kept on the model (dropped with it); the facts in the key change when a conftest does
    key = ("mock fixtures", tuple((level.path, id(level.facts)) for level in levels))
    if key in model.derived:
        for level in levels:
            model.text(level.path)  # recorded as a dependency of this file's result
        return model.derived[key][1]  # type: ignore[index,no-any-return]
    names: Set[str] = set()
    for level in levels:
        text = model.text(level.path) or ""
        if level.facts is None or not MOCK_SOURCE.search(text):
            continue
        names |= _mock_fixtures(level.facts)
    pattern = re.compile(r"\b(?:%s)\b" % "|".join(sorted(map(re.escape, names)))) if names else None
    answer = (pattern, frozenset(names))
    model.derived[key] = ([level.facts for level in levels], answer)  # the facts kept alive: ids stay unique
    return answer


def _mock_fixtures(facts: "ModuleFacts") -> Set[str]:
    """The fixtures of a conftest that may hand out a mock: those whose code
    names a mock source, or a module-level name or helper of the conftest
    whose code does, or that request such a fixture (to the fixpoint)."""
    module = facts.module
    if module is None:
        return set(facts.fixtures)
    mocky: Set[str] = set()
    for statement in module.body:
        text = module.code_for_node(statement)
        if MOCK_SOURCE.search(text):
            for node in _bound_names(statement):
                mocky.add(node)
    found: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, definitions in facts.fixtures.items():
            if name in found:
                continue
            for fixture in definitions:
                if fixture.func is None or set(fixture.argnames or ()) & found or fixture.argnames is None:
                    found.add(name)
                    break
                text = module.code_for_node(fixture.func)
                if MOCK_SOURCE.search(text) or any(re.search(r"\b%s\b" % re.escape(m), text) for m in mocky):
                    found.add(name)
                    break
            changed = changed or name in found
    return found


def _bound_names(statement: "cst.CSTNode") -> Set[str]:
    """The names a module-level libcst statement binds (defs, classes, assignment targets)."""
    bound: Set[str] = set()
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        bound.add(statement.name.value)
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            targets = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = [small.target]
            for target in targets:
                if isinstance(target, cst.Name):
                    bound.add(target.value)
    return bound
