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
from typing import Dict, FrozenSet, Optional, Pattern, Set, Tuple

import libcst as cst

from mocklint.analysis import project
from mocklint.analysis.ast_scan import imported_as, statements
from mocklint.analysis.fixture_defs import ModuleFacts
from mocklint.analysis.targets import Target, resolve_target
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
#: the opening of a string target: (prefix, quote)
_STRING_TARGET_START = r"\s*\(\s*(?:target\s*=\s*)?([rRbBuUfF]*)(\"\"\"|\'\'\'|\"|\')"
_PLAIN_PREFIXES = frozenset("rRuU")
_DOTTED = re.compile(r"[\w.]*")
_OBJECT_TARGET = re.compile(r"\bpatch\s*\.\s*(?:object|multiple)\s*\(\s*(?:target\s*=\s*)?([A-Za-z_][\w.]*)")
#: after ``patch.object(Holder``: the attribute, when it is a plain string
_ATTRIBUTE = re.compile(r"\s*,\s*(?:attribute\s*=\s*)?[rRuU]?[\"'](\w+)[\"']")
_TARGET_KEYWORD = re.compile(r"\btarget\s*=(?!=)")
_ASYNC_STATEMENT = re.compile(r"\basync\s+(?:with|for)\b")

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
            _PATCH.search(source) is not None and _patch_may_make_async_mocks(tree, source, path)
        )
        # a conftest fixture that hands out a mock (its children may be AsyncMocks)
        found = found or _requests(conftest_mock_values(path), source)
    else:
        found = bool(MOCK_SOURCE.search(source)) or _requests_conftest_mocks(source, path)
    _last = (key, found)
    return found


def _patch_may_make_async_mocks(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    """Whether some ``patch`` in the file may make an AsyncMock: one over a
    coroutine function mocklint reads (``analysis.mocks.patch_target``, with
    the same ``targets.resolve_target``), or any patched MagicMock entered with
    ``async with``/``async for`` (its ``__aenter__`` is an AsyncMock).  A
    target written any other way than a plain dotted string counts as maybe."""
    if _ASYNC_STATEMENT.search(source):
        return True
    directory = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    patch_names = imported_as(tree, {"patch"})
    imported: Dict[str, Optional[str]] = {}
    classes: Dict[str, ast.ClassDef] = {}
    for statement, parent in statements(tree):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    imported[alias.asname] = alias.name
                else:
                    imported[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(statement, ast.ImportFrom):
            for alias in statement.names:
                absolute = statement.module if statement.level == 0 and statement.module else None
                imported[alias.asname or alias.name] = f"{absolute}.{alias.name}" if absolute else None
        elif isinstance(statement, ast.ClassDef) and parent is tree:
            classes[statement.name] = statement
    names = "|".join(sorted(map(re.escape, patch_names)))
    read: Set[int] = set()  # the `target=` keywords read below: any other may come after `new=`
    for match in re.finditer(r"\b(?:%s)(\s*\.\s*multiple)?%s" % (names, _STRING_TARGET_START), source):
        read.update(k.start() for k in _TARGET_KEYWORD.finditer(source, match.start(), match.end()))
        multiple, prefix, quote = match.groups()
        literal = _DOTTED.match(source, match.end())
        if multiple or not set(prefix) <= _PLAIN_PREFIXES or not source.startswith(quote, literal.end()):
            return True  # patch.multiple, an f-string, escapes, concatenation: maybe
        if resolve_target(literal.group(), directory) is Target.ASYNC_FUNCTION:
            return True
    if any(keyword.start() not in read for keyword in _TARGET_KEYWORD.finditer(source)):
        return True  # `patch(new=..., target="...")`: a target not read above
    for match in _OBJECT_TARGET.finditer(source):
        holder = match.group(1)
        head, dot, rest = holder.partition(".")
        attribute = _ATTRIBUTE.match(source, match.end())
        if head in classes:
            if attribute is None or dot or _has_async_method(classes[head], attribute.group(1)):
                return True
        elif head in imported:
            # `patch.object(testing.db.dialect, "do_execute")`: what the dotted holder resolves to
            qualified = imported[head]
            if attribute is None or qualified is None:
                return True
            if resolve_target(f"{qualified}{dot}{rest}.{attribute.group(1)}", directory) is Target.ASYNC_FUNCTION:
                return True
    return False


def _has_async_method(cls: ast.ClassDef, name: str) -> bool:
    return any(isinstance(s, ast.AsyncFunctionDef) and s.name == name for s in cls.body)


def _requests(fixtures: FrozenSet[str], source: str) -> bool:
    """Whether ``source`` names one of ``fixtures`` (as a word)."""
    return bool(fixtures) and re.search(r"\b(?:%s)\b" % "|".join(sorted(map(re.escape, fixtures))), source) is not None


def _requests_conftest_mocks(source: str, path: Optional[str]) -> bool:
    pattern = _conftest_mocks(path)[0]
    return pattern is not None and pattern.search(source) is not None


def conftest_mock_fixtures(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that may hand out a mock."""
    return _conftest_mocks(path)[1]


_NONE: Tuple[Optional[Pattern[str]], FrozenSet[str]] = (None, frozenset())


def conftest_mock_values(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that hand out a
    mock as ``analysis.mocks`` infers one (a fixture returning or yielding a
    value that holds one, ``mock_relevance.relevance``), outermost conftest
    first, each seeded with what the outer ones hand out; every fixture of
    a conftest mocklint cannot read."""
    if not path:
        return frozenset()
    model = project.model_for_path(path)
    if model is None:
        return frozenset()
    levels = model.conftest_levels(os.path.dirname(os.path.abspath(path)))
    key = ("mock values", tuple((level.path, id(level.facts)) for level in levels))
    if key in model.derived:
        for level in levels:
            model.text(level.path)  # recorded as a dependency of this file's result
        return model.derived[key][1]  # type: ignore[index,no-any-return]
    from mocklint.analysis.mock_relevance import relevance

    names: Set[str] = set()
    for level in levels:
        if level.facts is None:
            continue
        text = model.text(level.path) or ""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            names |= set(level.facts.fixtures)
            continue
        names |= relevance(tree, frozenset(names)).fixtures_handing_out_mocks()
    answer = frozenset(names)
    model.derived[key] = ([level.facts for level in levels], answer)  # the facts kept alive: ids stay unique
    return answer


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
