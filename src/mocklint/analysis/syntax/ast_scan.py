"""Cheap questions about CPython's ``ast`` tree, for ``Rule.might_report``.

A full ``ast.walk`` visits every expression node (2.4 million on the benchmark
corpus, about 2 s); the walks here visit statements only (32,000 functions
in a quarter of a second), which is what rules need to rule a file out
before the libcst parse.
"""

from __future__ import annotations

import ast
import bisect
import re
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    TypeVar,
    Union,
)

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]
T = TypeVar("T")

_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")

#: fields whose nodes are leaves (``Load()``, ``Add()``...) or that hold no node
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "is_async", "level"})
_NODE_FIELDS: Dict[type, Tuple[str, ...]] = {}


def node_fields(kind: type) -> Tuple[str, ...]:
    """The fields of an ``ast`` node type that may hold expressions or
    statements: without ``ctx`` and operators, leaves that make a third of
    all nodes and that no walk here needs."""
    fields = _NODE_FIELDS.get(kind)
    if fields is None:
        fields = _NODE_FIELDS[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)  # type: ignore[attr-defined]
    return fields


class LastTree(Generic[T]):
    """One value computed from the tree of the file being linted, which
    several rules ask about in turn: kept with the tree itself (so that its
    id stays unique) and a key, until the next tree or ``forget_all``.

    The engine calls ``forget_all`` when it is done with a file: a tree kept
    past its file would make every later garbage collection of the host walk
    it (flake8 runs pyflakes and pycodestyle on the next files: a hundred
    thousand nodes of a large module, a second and a half over the
    benchmark corpus)."""

    _all: ClassVar[List["LastTree[Any]"]] = []

    def __init__(self) -> None:
        self.tree: Optional[ast.AST] = None
        self.key: object = None
        self.value: Optional[T] = None
        LastTree._all.append(self)

    def get(self, tree: ast.AST, compute: Callable[[], T], key: object = None) -> T:
        if self.value is None or self.tree is not tree or self.key != key:
            self.value = compute()
            self.tree, self.key = tree, key
        return self.value

    @classmethod
    def forget_all(cls) -> None:
        for cache in cls._all:
            cache.tree = cache.key = cache.value = None


_STATEMENTS: "LastTree[List[Tuple[ast.stmt, ast.AST]]]" = LastTree()


def statements(tree: ast.AST) -> List[Tuple[ast.stmt, ast.AST]]:
    """Every statement in ``tree`` at any depth, with the node whose block holds it
    (kept for the tree of the file being linted: several rules ask in turn)."""
    return _STATEMENTS.get(tree, lambda: _statements(tree))


def _statements(tree: ast.AST) -> List[Tuple[ast.stmt, ast.AST]]:
    found: List[Tuple[ast.stmt, ast.AST]] = []
    stack: List[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for field in _BLOCKS:
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for child in block:
                if isinstance(child, ast.stmt):
                    found.append((child, node))
                stack.append(child)
    return found


def functions(tree: ast.AST) -> Iterator[Tuple[Function, ast.AST]]:
    """Every function definition in ``tree``, nested ones included, with the
    node whose body holds it (the module, a class, a function, a block)."""
    for statement, parent in statements(tree):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement, parent


def imported_as(tree: ast.AST, names: Set[str]) -> Set[str]:
    """``names`` and the names ``from ... import`` gives them anywhere in
    ``tree`` (``from pytest import fixture as make_fixture``)."""
    found = set(names)
    for statement, _ in statements(tree):
        if isinstance(statement, ast.ImportFrom):
            found.update(a.asname for a in statement.names if a.asname and a.name in names)
    return found


def own_nodes(func: ast.AST) -> List[ast.AST]:
    """The nodes of ``func`` that are its own: not those of the functions,
    lambdas and classes nested in it (a ``yield`` there is theirs)."""
    found: List[ast.AST] = []
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def with_statements(tree: ast.AST) -> Iterator[Tuple[Union[ast.With, ast.AsyncWith], ast.AST]]:
    """Every ``with`` and ``async with`` statement in ``tree``."""
    for statement, parent in statements(tree):
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            yield statement, parent


def word_lines(source: str, *words: str) -> List[int]:
    """The 1-based numbers of the lines where one of the identifiers ``words``
    occurs as a whole word, in order, each once (lines counted as CPython's
    ``ast`` counts them: ``\r\n``, ``\r`` and ``\n`` each end one).

    Each pattern opens with the literal, which the regex engine scans for
    fast, and newlines are counted only up to each occurrence: a megabyte
    without the word costs a tenth of a millisecond, where a table of every
    line start costs a hundred times more."""
    if len(words) == 1:
        return _word_lines(source, words[0])
    return sorted({line for word in words for line in _word_lines(source, word)})


_NEWLINE = re.compile(r"\r\n?|\n")


def _word_lines(source: str, word: str) -> List[int]:
    # a lone carriage return ends a line too: rare, so counted the slow way only then
    lone_cr = "\r" in source and "\r" in source.replace("\r\n", "")
    found: List[int] = []
    line, counted = 1, 0
    for match in re.finditer(re.escape(word) + r"\b", source):
        start = match.start()
        before = source[start - 1] if start else " "
        if before.isalnum() or before == "_":
            continue
        if lone_cr:
            line += sum(1 for _ in _NEWLINE.finditer(source, counted, start))
        else:
            line += source.count("\n", counted, start)
        counted = start
        if not found or found[-1] != line:
            found.append(line)
    return found


def block_statements_on_lines(node: ast.AST, lines: Sequence[int]) -> Iterator[ast.stmt]:
    """The statements directly in the blocks of ``node`` (a module or a
    statement: its body, ``else``, ``finally``, ``except`` and ``case``
    blocks) in which one of ``lines`` (sorted, not empty) falls, their
    decorators included."""
    blocks: List[Sequence[ast.stmt]] = [getattr(node, field, ()) for field in ("body", "orelse", "finalbody")]
    blocks.extend(child.body for child in getattr(node, "handlers", ()))
    blocks.extend(child.body for child in getattr(node, "cases", ()))
    last = lines[-1]
    for block in blocks:
        for statement in block:
            decorators = getattr(statement, "decorator_list", None)
            start = decorators[0].lineno if decorators else statement.lineno
            if start > last:
                break  # a block is in source order
            index = bisect.bisect_left(lines, start)
            if index < len(lines) and lines[index] <= (statement.end_lineno or start):
                yield statement


def statements_on_lines(tree: ast.AST, lines: Sequence[int]) -> Iterator[ast.stmt]:
    """The statements of ``tree``, at any depth, in which one of ``lines``
    (sorted) falls.  A statement spans the statements in its blocks, so only
    the statements on those lines are visited, not all of them."""
    stack = list(block_statements_on_lines(tree, lines)) if lines else []
    while stack:
        statement = stack.pop()
        yield statement
        stack.extend(block_statements_on_lines(statement, lines))


def header_nodes(statement: ast.stmt, skip: Tuple[type, ...] = ()) -> List[ast.AST]:
    """The nodes of ``statement`` outside the blocks it holds (a statement in
    them comes on its own in ``statements_on_lines``): a ``with``'s items, an ``if``'s
    test, a ``def``'s decorators and defaults, an ``except``'s types, a
    ``case``'s pattern and guard.  Nodes of a type in ``skip`` are not entered."""
    roots: List[ast.AST] = []
    for field in node_fields(type(statement)):
        value = getattr(statement, field, None)
        if field in ("body", "orelse", "finalbody"):
            continue
        if field == "handlers":
            roots.extend(handler.type for handler in value if handler.type is not None)
        elif field == "cases":
            for case in value:
                roots.append(case.pattern)
                if case.guard is not None:
                    roots.append(case.guard)
        elif isinstance(value, list):
            roots.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            roots.append(value)
    return subtree(roots, skip)


def subtree(roots: Iterable[ast.AST], skip: Tuple[type, ...] = ()) -> List[ast.AST]:
    """Every node under ``roots``, the roots included (``ast.walk`` without its
    generator and its visits of ``Load()`` and operator nodes: a third of the
    cost).  Nodes of a type in ``skip`` are left out, with what they hold."""
    found: List[ast.AST] = []
    stack = list(roots)
    while stack:
        node = stack.pop()
        if skip and isinstance(node, skip):
            continue
        found.append(node)
        for field in node_fields(type(node)):
            value = getattr(node, field, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return found


def import_bindings(tree: ast.AST, source: str) -> Dict[str, Set[str]]:
    """Each name an import anywhere in ``tree`` binds, with the qualified names
    it may stand for, as ``NameResolver`` records them (``import pytest as pt``:
    ``pt`` -> ``pytest``; ``from _pytest import outcomes``: ``outcomes`` ->
    ``_pytest.outcomes``).  Only imports make a name resolve to something.
    Only the statements on lines with the word ``import`` are visited."""
    found: Dict[str, Set[str]] = {}
    for statement in statements_on_lines(tree, word_lines(source, "import")):
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                if alias.asname:
                    found.setdefault(alias.asname, set()).add(alias.name)
                else:
                    head = alias.name.split(".", 1)[0]
                    found.setdefault(head, set()).add(head)
        elif isinstance(statement, ast.ImportFrom):
            module = "." * (statement.level or 0) + (statement.module or "")
            sep = "" if module.endswith(".") else "."
            for alias in statement.names:
                if alias.name != "*":
                    found.setdefault(alias.asname or alias.name, set()).add(f"{module}{sep}{alias.name}")
    return found


def dotted(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a name or a chain of attributes on one, else None
    (``names.dotted_name`` on the ``ast``)."""
    parts: List[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)  # type: ignore[attr-defined]
    return ".".join(reversed(parts))


def qualified_names(node: ast.AST, bindings: Mapping[str, Set[str]]) -> List[str]:
    """The qualified names the ``Name`` or ``Attribute`` chain ``node`` may
    stand for through the imports in ``bindings`` (``import_bindings``): none
    when its first name is not imported."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return []
    rest = "".join("." + part for part in reversed(parts))
    return [head + rest for head in bindings.get(node.id, ())]


def import_attributes(statement: ast.stmt, bindings: Mapping[str, Set[str]]) -> List[str]:
    """The qualified names the dotted names an import statement spells may
    stand for through the imports in ``bindings``: libcst sees ``import
    pytest.config`` and ``from pytest.config import x`` as ``Attribute`` nodes
    (``pytest.config``), which resolve like any other."""
    if isinstance(statement, ast.Import):
        paths = [alias.name for alias in statement.names]
    elif isinstance(statement, ast.ImportFrom) and statement.module:
        paths = [statement.module]
    else:
        return []
    found: List[str] = []
    for path in paths:
        head, *parts = path.split(".")
        for qualified in bindings.get(head, ()):
            for part in parts:
                qualified += "." + part
                found.append(qualified)
    return found


#: the last names of the fixture decorators: ``fixture``, ``yield_fixture``
FIXTURE_NAMES = frozenset({"fixture", "yield_fixture"})


def fixture_aliases(tree: ast.AST) -> Set[str]:
    """The names imports bind to something called ``fixture`` or
    ``yield_fixture`` (``from pytest import fixture as make``)."""
    found: Set[str] = set()
    for statement, _ in statements(tree):
        kind = type(statement)
        if kind is ast.ImportFrom or kind is ast.Import:
            for alias in statement.names:  # type: ignore[attr-defined]
                if kind is ast.ImportFrom and alias.name in FIXTURE_NAMES:
                    found.add(alias.asname or alias.name)
                elif alias.asname and alias.name.rsplit(".", 1)[-1] in FIXTURE_NAMES:
                    found.add(alias.asname)  # `import pytest.fixture as make`: a name that resolves
    return found


def may_be_fixture(func: ast.AST, aliases: Set[str]) -> bool:
    """``pytest_roles.fixture_decorator`` on the ``ast``, erring towards yes:
    a decorator of ``func`` may be pytest's fixture decorator."""
    decorators = func.decorator_list  # type: ignore[attr-defined]
    return any(may_be_fixture_decorator(decorator, aliases) for decorator in decorators)


def may_be_fixture_decorator(decorator: ast.expr, aliases: Set[str]) -> bool:
    """Whether ``decorator`` (called or not) is ``x.fixture``, ``x.yield_fixture``
    or a name in ``aliases`` (``fixture_aliases``)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    if isinstance(target, ast.Attribute):
        return target.attr in FIXTURE_NAMES
    return isinstance(target, ast.Name) and target.id in aliases


def ancestry_of(tree: ast.AST) -> "Ancestry":
    """The ``Ancestry`` of ``tree``, kept for the tree of the file being linted (rules ask in turn)."""
    return _ANCESTRY.get(tree, lambda: Ancestry(tree))


class Ancestry:
    """The nodes around each statement of a module (from ``statements``)."""

    def __init__(self, tree: ast.AST) -> None:
        self.tree = tree
        self._parents: Dict[int, ast.AST] = {id(s): p for s, p in statements(tree)}
        self._clauses: Optional[Dict[int, ast.AST]] = None

    def ancestors(self, statement: ast.AST) -> Optional[List[ast.AST]]:
        """The nodes whose blocks hold ``statement``, innermost first, ending
        with the module (an ``except`` clause or a ``case`` among them); None
        when unknown."""
        found: List[ast.AST] = []
        node = statement
        while node is not self.tree:
            parent = self._parents.get(id(node))
            if parent is None:
                if self._clauses is None:
                    self._clauses = {
                        id(clause): s
                        for s, _ in statements(self.tree)
                        for clause in (*getattr(s, "handlers", ()), *getattr(s, "cases", ()))
                    }
                parent = self._clauses.get(id(node))
                if parent is None:
                    return None
            found.append(parent)
            node = parent
        return found


_ANCESTRY: "LastTree[Ancestry]" = LastTree()
