"""Whether a file can hold a mock at all, decided without libcst.

The mock rules (MCK1xx) report only on values ``analysis.mock_values.mocks`` infers to be
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
from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import libcst as cst

from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.ast_scan import node_fields, statements
from mocklint.analysis.pytest_model.fixture_defs import ModuleFacts
from mocklint.analysis.syntax.source import parse_python
from mocklint.analysis.mock_values.targets import Target, resolve_target
from mocklint.rule import gate, gate_all

#: the names every in-file mock source spells (MagicMock, AsyncMock, patch,
#: mock.patch.object, create_autospec, mocker, class_mocker, ...)
MOCK_SOURCE = gate(r"Mock", r"\bpatch\b", r"mocker\b", r"autospec")
#: the in-file sources of an AsyncMock (or a mock with AsyncMock children): the
#: class itself (``mocker.AsyncMock`` too), a patch over a coroutine function
#: (``_patch_may_make_async_mocks``; ``mocker.patch`` too), a spec with coroutine
#: methods (keyword, positional or autospec), a mock's async magic methods read
#: as attributes (``__aiter__`` gives a MagicMock; a class that defines them is
#: a source only as a spec), and a MagicMock entered with `async with` (its
#: `__aenter__` is an AsyncMock)
ASYNC_MOCK_SOURCE = gate(
    r"AsyncMock",
    gate_all(r"spec", r"[(,]\s*spec(?:_set)?\s*=(?!=)"),
    r"autospec",
    r"Mock\(\s*[\w.]+\s*[,)]",
    gate_all(r"__a", r"\.\s*__a(?:enter|exit|next)__\b"),
    # `async with MagicMock() as session`: __aenter__ is an AsyncMock, and so is what it gives
    # (a mock class by any name: `MockTransport` is none)
    gate_all(r"Mock\b", r"\basync\s+(?:with|for)\b"),
)
#: `patch` makes an AsyncMock only over a coroutine function it can read: a
#: dotted string target, or ``patch.object``/``patch.multiple`` on an imported
#: name or a module-level class (``analysis.mock_values.mocks.patch_target``)
_PATCH = gate(r"\bpatch\b")
#: the opening of a string target: (prefix, quote)
_STRING_TARGET_START = r"\s*\(\s*(?:target\s*=\s*)?([rRbBuUfF]*)(\"\"\"|\'\'\'|\"|\')"
_PLAIN_PREFIXES = frozenset("rRuU")
_DOTTED = re.compile(r"[\w.]*")
#: after a name of ``patch``: a string target
_AFTER_PATCH = re.compile(r"(\s*\.\s*multiple)?" + _STRING_TARGET_START)
#: after a name of ``patch``: ``.object(Holder`` (or ``.multiple``)
_OBJECT_TARGET = re.compile(r"\s*\.\s*(?:object|multiple)\s*\(\s*(?:target\s*=\s*)?([A-Za-z_][\w.]*)")
#: after ``patch.object(Holder``: the attribute, when it is a plain string
_ATTRIBUTE = re.compile(r"\s*,\s*(?:attribute\s*=\s*)?[rRuU]?[\"'](\w+)[\"']")
_TARGET_KEYWORD = re.compile(r"\btarget\s*=(?!=)")
_ASYNC_STATEMENT = gate(r"\basync\s+(?:with|for)\b")
#: the fields of a statement that hold other statements (``ast_scan.statements`` lists those)
_BLOCK_FIELDS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})

#: the last answer: the mock rules ask in turn about the same file
_last: Tuple[object, bool] = ((), False)


def may_hold_mocks(tree: ast.Module, source: str, path: Optional[str], asynchronous: bool = False) -> bool:
    """Whether ``analysis.mock_values.mocks`` could infer a mock anywhere in ``source`` (with
    ``asynchronous``, a mock that makes coroutines: an AsyncMock or its children)."""
    global _last
    key = (path, len(source), hash(source), asynchronous)
    if _last[0] == key:
        return _last[1]  # the mock rules ask in turn about the same file
    if asynchronous:
        found = bool(ASYNC_MOCK_SOURCE.search(source)) or (
            _PATCH.search(source) is not None and _patch_may_make_async_mocks(tree, source, path)
        )
        if not found:
            # a conftest fixture that hands out a mock which may be (or hold, or be configured
            # with) an AsyncMock; any mock, where `async with` may enter it (`__aenter__`)
            entered = _ASYNC_STATEMENT.search(source) is not None
            found = _requests(conftest_mock_values(path) if entered else conftest_async_mock_values(path), source)
    else:
        found = bool(MOCK_SOURCE.search(source)) or _requests(conftest_mock_fixtures(path), source)
    _last = (key, found)
    return found


def _patch_may_make_async_mocks(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    """Whether some ``patch`` in the file may make an AsyncMock: one over a
    coroutine function (``patch_may_replace_coroutine``), or any patched
    MagicMock entered with ``async with``/``async for`` (its ``__aenter__`` is an AsyncMock)."""
    return _ASYNC_STATEMENT.search(source) is not None or patch_may_replace_coroutine(tree, source, path)


def patch_may_replace_coroutine(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    """Whether some ``patch`` in the file may replace a coroutine function
    mocklint reads (``analysis.mock_values.mocks.patch_target``, with the same
    ``targets.resolve_target``).  A target written any other way than a plain
    dotted string counts as maybe."""
    directory = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    patch_names = {"patch"}
    imported: Dict[str, Set[Optional[str]]] = {}
    classes: Dict[str, List[ast.ClassDef]] = {}
    for statement, parent in statements(tree):
        kind = type(statement)
        if kind is ast.Import:
            for alias in statement.names:  # type: ignore[attr-defined]
                head = alias.name.split(".")[0]
                imported.setdefault(alias.asname or head, set()).add(alias.name if alias.asname else head)
        elif kind is ast.ImportFrom:
            module = statement.module if statement.level == 0 else None  # type: ignore[attr-defined]
            for alias in statement.names:  # type: ignore[attr-defined]
                imported.setdefault(alias.asname or alias.name, set()).add(f"{module}.{alias.name}" if module else None)
                if alias.asname and alias.name == "patch":
                    patch_names.add(alias.asname)
        elif kind is ast.ClassDef and parent is tree:
            classes.setdefault(statement.name, []).append(statement)  # type: ignore[arg-type,attr-defined]
    ends = [end for name in patch_names for end in _word_ends(source, name)]  # where each `patch` ends
    read: Set[int] = set()  # the `target=` keywords read below: any other may come after `new=`
    targets = "target" in source
    for end in ends:
        match = _AFTER_PATCH.match(source, end)
        if match is None:
            continue
        if targets:
            read.update(k.start() for k in _TARGET_KEYWORD.finditer(source, end, match.end()))
        multiple, prefix, quote = match.groups()
        literal = _DOTTED.match(source, match.end())
        closed = literal is not None and source.startswith(quote, literal.end())
        if multiple or not set(prefix) <= _PLAIN_PREFIXES or not closed:
            return True  # patch.multiple, an f-string, escapes, concatenation: maybe
        if target_may_be_coroutine(literal.group(), directory):  # type: ignore[union-attr]
            return True
    unread = [k.start() for k in _TARGET_KEYWORD.finditer(source) if k.start() not in read] if targets else []
    if unread and _patch_takes_target(tree, source, unread, patch_names | {"object", "multiple"}):
        return True  # `patch(new=..., target="...")`: a target not read above
    for end in ends:
        match = _OBJECT_TARGET.match(source, end)
        if match is not None:
            attribute = _ATTRIBUTE.match(source, match.end())
            if member_may_be_coroutine(match.group(1), attribute and attribute.group(1), imported, classes, directory):
                return True
    return False


def _word_ends(source: str, name: str) -> List[int]:
    """Where each occurrence of ``name`` as a word ends (``re``'s ``\\b``, without
    its slow scan: a pattern that starts with ``\\b`` loses the literal search)."""
    found: List[int] = []
    size = len(name)
    start = source.find(name)
    while start >= 0:
        end = start + size
        before = source[start - 1] if start else " "
        after = source[end] if end < len(source) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            found.append(end)
        start = source.find(name, end)
    return found


def _patch_takes_target(tree: ast.Module, source: str, offsets: List[int], callees: Set[str]) -> bool:
    """Whether a call of one of ``callees`` takes a ``target=`` keyword on a
    line of one of ``offsets`` (not ``Thread(target=...)``, nor ``target = ...``):
    only the statements on those lines are walked, their blocks left out."""
    lines = {source.count("\n", 0, offset) + 1 for offset in offsets}
    for statement, _ in statements(tree):
        start = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
        end = statement.end_lineno or statement.lineno
        if not any(start <= line <= end for line in lines):
            continue
        for field in node_fields(type(statement)):
            if field in _BLOCK_FIELDS:
                continue
            value = getattr(statement, field)
            for top in value if isinstance(value, list) else [value]:
                if not isinstance(top, ast.AST):
                    continue
                for node in ast.walk(top):
                    if type(node) is not ast.Call or not any(k.arg == "target" for k in node.keywords):  # type: ignore
                        continue
                    func = node.func  # type: ignore[attr-defined]
                    if (func.id if type(func) is ast.Name else getattr(func, "attr", None)) in callees:
                        return True
    return False


def target_may_be_coroutine(dotted: str, directory: str) -> bool:
    """Whether ``patch(dotted)`` replaces a coroutine function (an AsyncMock),
    resolved as ``analysis.mock_values.mocks.patch_target`` resolves it (``__main__.x`` is
    the linted file when it runs as a script: maybe)."""
    return dotted.startswith("__main__.") or resolve_target(dotted, directory) is Target.ASYNC_FUNCTION


def member_may_be_coroutine(
    holder: str,
    attribute: Optional[str],
    imported: Mapping[str, Iterable[Optional[str]]],
    classes: Mapping[str, Iterable[ast.ClassDef]],
    directory: str,
) -> bool:
    """Whether ``patch.object(holder, attribute)`` may replace a coroutine
    function: a method of a module-level class, or what the dotted holder
    resolves to through the file's imports (``imported``: what each name is
    imported as, None for a relative import); ``attribute`` None: not a plain
    string, so maybe.  A holder neither names is a value ``analysis.mock_values.mocks`` does not resolve."""
    head, dot, rest = holder.partition(".")
    if head in classes:
        if attribute is None or dot or any(_has_async_method(cls, attribute) for cls in classes[head]):
            return True
    for qualified in imported.get(head, ()):
        # `patch.object(testing.db.dialect, "do_execute")`: what the dotted holder resolves to
        if attribute is None or qualified is None:
            return True
        if resolve_target(f"{qualified}{dot}{rest}.{attribute}", directory) is Target.ASYNC_FUNCTION:
            return True
    return False


def _has_async_method(cls: ast.ClassDef, name: str) -> bool:
    return any(isinstance(s, ast.AsyncFunctionDef) and s.name == name for s in cls.body)


def _requests(fixtures: FrozenSet[str], source: str) -> bool:
    """Whether ``source`` names one of ``fixtures`` (as a word)."""
    return any(name in source and _word_ends(source, name) for name in fixtures)


def requests_fixtures(fixtures: FrozenSet[str], source: str) -> bool:
    """Whether ``source`` names one of ``fixtures`` (as a word)."""
    return _requests(fixtures, source)


def conftest_mock_values(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that hand out a
    mock as ``analysis.mock_values.mocks`` infers one (a fixture returning or yielding a
    value that holds one, ``mock_relevance.relevance``), outermost conftest
    first, each seeded with what the outer ones hand out; every fixture of
    a conftest mocklint cannot read."""
    return _conftest_values(path)[0]


def conftest_async_mock_values(path: Optional[str]) -> FrozenSet[str]:
    """Those of ``conftest_mock_values`` whose mock may be an AsyncMock, have
    AsyncMock children or results, or be configured with one in the conftest
    (``Relevance.fixtures_handing_out_async_mocks``); each seeded with what
    the outer conftest files hand out that may be one."""
    return _conftest_values(path)[1]


_NO_VALUES: Tuple[FrozenSet[str], FrozenSet[str]] = (frozenset(), frozenset())


def _conftest_values(path: Optional[str]) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    if not path:
        return _NO_VALUES
    model = project.model_for_path(path)
    if model is None:
        return _NO_VALUES
    levels = model.conftest_levels(os.path.dirname(os.path.abspath(path)))
    key = ("mock values", tuple((level.path, id(level.facts)) for level in levels))
    if key in model.derived:
        for level in levels:
            model.text(level.path)  # recorded as a dependency of this file's result
        return model.derived[key][1]  # type: ignore[index,no-any-return]
    from mocklint.analysis.mock_values.mock_relevance import relevance

    names: Set[str] = set()
    asynchronous: Set[str] = set()
    for level in levels:
        if level.facts is None:
            continue
        text = model.text(level.path) or ""
        try:
            tree = parse_python(text)
        except (SyntaxError, ValueError):
            names |= set(level.facts.fixtures)
            asynchronous |= set(level.facts.fixtures)
            continue
        found = relevance(tree, frozenset(names), None, frozenset(asynchronous), level.path)
        names |= found.fixtures_handing_out_mocks()
        asynchronous |= found.fixtures_handing_out_async_mocks()
    answer = (frozenset(names), frozenset(asynchronous))
    model.derived[key] = ([level.facts for level in levels], answer)  # the facts kept alive: ids stay unique
    return answer


def conftest_mock_fixtures(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that may hand out
    a mock (their code names a mock source)."""
    if not path:
        return frozenset()
    model = project.model_for_path(path)
    if model is None:
        return frozenset()
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
        if level.facts is None or not (names or MOCK_SOURCE.search(text)):
            continue
        names |= _mock_fixtures(level.facts, frozenset(names))
    answer = frozenset(names)
    model.derived[key] = ([level.facts for level in levels], answer)  # the facts kept alive: ids stay unique
    return answer


def _mock_fixtures(facts: "ModuleFacts", outer: FrozenSet[str] = frozenset()) -> Set[str]:
    """The fixtures of a conftest that may hand out a mock: those whose code
    names a mock source, or a module-level name or helper of the conftest
    whose code does, or that request such a fixture, here or in ``outer``
    (those of the conftest files above it), to the fixpoint."""
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
                if fixture.func is None or set(fixture.argnames or ()) & (found | outer) or fixture.argnames is None:
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
