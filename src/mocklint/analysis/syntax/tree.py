"""A fast, iterative walk over a libcst tree, and the ``Site`` of a node in it.

Why not ``libcst``'s own visitors: ``CSTNode.visit`` rebuilds every node it
passes through (``_visit_and_replace_children``), which costs about as much as
the parse itself, and ``MetadataWrapper`` deep-copies the tree before computing
anything.  mocklint only reads the tree, so it walks the dataclass fields
directly, skips the whitespace and punctuation subtrees no rule looks at, and
keeps an explicit stack so that 1,000-deep expressions cannot exhaust Python's
recursion limit.

Each visited node gets a ``Frame``: ``(node, parent_frame, field)`` where
``field`` is the name of the parent's field the node was reached through.  A
``Site`` wraps a frame and answers the questions rules ask about where a node
stands (its parent, its enclosing function, whether it sits in a decorator).
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Type

from mocklint.analysis.syntax.lazy_import import libcst as cst

# (node, parent frame, name of the parent's field holding the node)
Frame = Tuple["cst.CSTNode", Optional["Frame"], str]  # type: ignore[misc]

# Fields that only hold whitespace, comments or punctuation.  Skipping them
# keeps the walk to the nodes that carry meaning.
_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "trailing_whitespace",
        "comma",
        "semicolon",
        "equal",
        "dot",
        "colon",
        "star",
        "operator",
        "newline",
        "indent",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "asynchronous",
        "relative",
        "lbracket",
        "rbracket",
        "lbrace",
        "rbrace",
        "first_line",
    }
)

_child_fields_cache: Dict[type, Tuple[str, ...]] = {}


def child_fields(node_type: type) -> Tuple[str, ...]:
    """Names of the fields of ``node_type`` that can hold meaningful child nodes."""
    fields = _child_fields_cache.get(node_type)
    if fields is None:
        fields = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _child_fields_cache[node_type] = fields
    return fields


Handler = Callable[["cst.CSTNode", Frame], None]

# type -> is it a libcst node?  (isinstance against the CSTNode ABC is slow;
# the answer per concrete type never changes)
_IS_NODE_TYPE: Dict[type, bool] = {}


def walk(module: cst.Module, handlers: Dict[Type[cst.CSTNode], Sequence[Handler]]) -> None:
    """Visit every meaningful node of ``module`` once, calling the handlers of its type.

    Children are visited in field order, which is not always source order
    (a ``FunctionDef``'s body comes before its decorators): handlers must not
    depend on the order, and results are sorted by position afterwards.
    """
    stack: List[Tuple[cst.CSTNode, Optional[Frame], str]] = [(module, None, "")]
    pop = stack.pop
    push = stack.append
    get_handlers = handlers.get
    is_node = _IS_NODE_TYPE
    while stack:
        node, parent, field = pop()
        frame: Frame = (node, parent, field)
        node_type = type(node)
        node_handlers = get_handlers(node_type)
        if node_handlers:
            for handler in node_handlers:
                handler(node, frame)
        for name in child_fields(node_type):
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    item_type = type(item)
                    known = is_node.get(item_type)
                    if known is None:
                        known = is_node[item_type] = isinstance(item, cst.CSTNode)
                    if known:
                        push((item, frame, name))
            else:
                known = is_node.get(value_type)
                if known is None:
                    known = is_node[value_type] = isinstance(value, cst.CSTNode)
                if known:
                    push((value, frame, name))


# Fields of a function or class that are evaluated in the *enclosing* scope,
# by node type name (libcst is imported when a tree is first walked, not with this module)
_OUTER_FIELDS = {
    "FunctionDef": frozenset({"decorators", "returns", "name"}),
    "ClassDef": frozenset({"decorators", "bases", "keywords", "name"}),
    "Lambda": frozenset(),
}

#: the fields of a ``def`` outside its body
_HEADER_FIELDS = frozenset({"decorators", "name", "returns"})


class Site:
    """Where a node stands in the module: its ancestors and enclosing scopes."""

    __slots__ = ("frame",)

    def __init__(self, frame: Frame) -> None:
        self.frame = frame

    @property
    def node(self) -> cst.CSTNode:
        return self.frame[0]

    @property
    def field(self) -> str:
        """The parent's field through which this node was reached."""
        return self.frame[2]

    @property
    def parent(self) -> Optional[cst.CSTNode]:
        up = self.frame[1]
        return up[0] if up is not None else None

    def parent_site(self) -> Optional["Site"]:
        up = self.frame[1]
        return Site(up) if up is not None else None

    def ancestors(self) -> Iterator[Tuple[cst.CSTNode, str]]:
        """Yield ``(ancestor, field)`` from the parent outwards, where ``field``
        is the ancestor's field that leads down towards this node."""
        child = self.frame
        up = child[1]
        while up is not None:
            yield up[0], child[2]
            child = up
            up = up[1]

    def scopes(self) -> Iterator[cst.CSTNode]:
        """Scopes whose names are visible here, innermost first, ending with the Module.

        A function's decorators, defaults and annotations are evaluated in the
        enclosing scope, and a class body's names are not visible inside its
        methods; both are honoured.  (Node types are compared exactly: libcst's
        are final, and ``isinstance`` against them goes through ``ABCMeta``.)
        """
        function, lambda_, class_, module = cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.Module
        crossed_function = False
        child = self.frame
        up = child[1]
        while up is not None:
            ancestor = up[0]
            kind = type(ancestor)
            if kind is function or kind is lambda_:
                via = child[2]
                if via == "params" or via not in _OUTER_FIELDS[kind.__name__]:
                    crossed_function = True
                    yield ancestor
            elif kind is class_:
                if not crossed_function and child[2] not in _OUTER_FIELDS["ClassDef"]:
                    yield ancestor
            elif kind is module:
                yield ancestor
            child = up
            up = up[1]

    def enclosing_function(self) -> Optional[cst.FunctionDef]:
        """The innermost ``def`` whose body holds this node (not its decorators)."""
        function = cst.FunctionDef
        child = self.frame
        up = child[1]
        while up is not None:
            if type(up[0]) is function and child[2] not in _HEADER_FIELDS:
                return up[0]  # type: ignore[return-value]
            child = up
            up = up[1]
        return None

    def function_chain(self) -> List[cst.FunctionDef]:
        """Every ``def`` whose body holds this node, innermost first."""
        function = cst.FunctionDef
        return [
            ancestor  # type: ignore[misc]
            for ancestor, via in self.ancestors()
            if type(ancestor) is function and via not in _HEADER_FIELDS
        ]

    def enclosing_class(self) -> Optional[cst.ClassDef]:
        """The innermost class whose body holds this node directly or through methods."""
        class_ = cst.ClassDef
        for ancestor, via in self.ancestors():
            if type(ancestor) is class_ and via == "body":
                return ancestor  # type: ignore[return-value]
        return None

    def in_decorator(self) -> bool:
        return any(via == "decorators" for _, via in self.ancestors())


def child_site(site: Site, node: cst.CSTNode, field: str) -> Site:
    """The site of ``node``, a child of ``site``'s node reached through ``field``."""
    return Site((node, site.frame, field))


_SCOPE_TYPES: Tuple[type, ...] = ()


def scope_types() -> Tuple[type, ...]:
    """The node types whose bodies are a scope of their own: ``def``, ``class``
    and ``lambda`` (from libcst on first use, not when this module is imported)."""
    global _SCOPE_TYPES
    if not _SCOPE_TYPES:
        _SCOPE_TYPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    return _SCOPE_TYPES


def descendants(node: cst.CSTNode, stop_at: Tuple[type, ...] = ()) -> Iterator[cst.CSTNode]:
    """``node`` and every meaningful node below it, not descending into nodes
    of the ``stop_at`` types (yielded, but not entered)."""
    stack: List[cst.CSTNode] = [node]
    pop, push, is_node = stack.pop, stack.append, _IS_NODE_TYPE
    while stack:
        current = pop()
        yield current
        if stop_at and current is not node and isinstance(current, stop_at):
            continue
        for name in child_fields(type(current)):
            value = getattr(current, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for item in value:
                    known = is_node.get(type(item))
                    if known is None:
                        known = is_node[type(item)] = isinstance(item, cst.CSTNode)
                    if known:
                        push(item)
            else:
                known = is_node.get(value_type)
                if known is None:
                    known = is_node[value_type] = isinstance(value, cst.CSTNode)
                if known:
                    push(value)
