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
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

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


def statements(tree: ast.AST) -> List[Tuple[ast.stmt, ast.AST]]:
    """Every statement in ``tree`` at any depth, with the node whose block holds it.

    Several rules ask in turn about the same file: the list of the last tree
    asked about is kept (with the tree itself, so that its id stays unique)."""
    global _last
    if _last[0] is tree:
        return _last[1]
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
    _last = (tree, found)
    return found


_last: Tuple[Optional[ast.AST], List[Tuple[ast.stmt, ast.AST]]] = (None, [])


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


def word_lines(source: str, word: str) -> List[int]:
    """The 1-based numbers of the lines where ``word`` occurs as a whole word."""
    starts = [0]
    starts.extend(m.end() for m in re.finditer("\n", source))
    return [bisect.bisect_right(starts, m.start()) for m in re.finditer(r"\b%s\b" % re.escape(word), source)]
