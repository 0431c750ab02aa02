"""How often each name is bound in a stretch of code, and which names are
changed in place there.

Two questions rest on it: whether a local of a function of the code under
test holds one value for good (``summaries``: a parameter never rebound, an
alias bound once), and whether a module constant of a test file still holds
the literal it was written with (``matching``).  Both need every way Python
binds a name, counted the same way:

- assignments (plain, annotated, augmented; each name of a tuple or list
  target), ``for`` targets (comprehensions' too), ``with ... as``, the walrus,
  ``except ... as``, ``def``, ``class``, ``import`` (``import a.b`` binds
  ``a``), and parameters of the functions and lambdas walked into;
- ``global`` and ``nonlocal`` count twice: the name is bound elsewhere too.

A name is *changed* when its value may differ from what it was bound to
without a new binding: deleted (``del X``), assigned through
(``X[0] = ...``, ``X.a.b = ...``, also as a ``for``/``with`` target), or
handed to a method that changes a list, dict or set in place
(``X.append(...)``, ``X["tags"].update(...)``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, List, Optional, Set

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import descendants

#: methods that change a list, dict or set in place
MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
    "update", "setdefault", "popitem", "add", "discard", "difference_update",
    "intersection_update", "symmetric_difference_update", "__setitem__", "__delitem__", "__iadd__",
})


@dataclass(frozen=True)
class Bindings:
    #: how many times each name is bound (``global``/``nonlocal``: twice)
    counts: Dict[str, int]
    #: the names changed in place or deleted (see the module docstring)
    changed: FrozenSet[str]

    def once(self, name: str) -> bool:
        """Whether ``name`` is bound exactly once and never changed in place."""
        return self.counts.get(name) == 1 and name not in self.changed


#: what each node type binds, by tag (built on first use: libcst is imported lazily); a type's
#: ``type()`` is looked up, since ``isinstance`` against libcst's node classes goes through
#: their ABC's ``__instancecheck__`` (a second per function of aiogram's code)
_KINDS: Dict[type, str] = {}


def _kinds() -> Dict[type, str]:
    if not _KINDS:
        for kind in (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr):
            _KINDS[kind] = "target"
        _KINDS.update({
            cst.WithItem: "with", cst.Del: "del", cst.Global: "global", cst.Nonlocal: "global",
            cst.ExceptHandler: "except", cst.ExceptStarHandler: "except", cst.FunctionDef: "def",
            cst.ClassDef: "def", cst.Param: "param", cst.ImportAlias: "import", cst.Attribute: "attribute",
        })
    return _KINDS


def bound_names(node: cst.CSTNode, nested: bool) -> Bindings:
    """The bindings in ``node`` (a function's body, a module); ``nested``: in the
    functions, lambdas and classes defined in it too (their own names count
    either way, their parameters only when walked into)."""
    stop = () if nested else (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    kinds = _kinds()
    counts: Dict[str, int] = {}
    changed: Set[str] = set()
    for found in descendants(node, stop_at=stop):
        kind = kinds.get(type(found))
        if kind is None:
            continue
        targets: List[cst.BaseExpression] = []
        names: List[str] = []
        if kind == "target":
            targets = [found.target]  # type: ignore[attr-defined]
        elif kind == "with":
            if found.asname is not None:  # type: ignore[attr-defined]
                targets = [found.asname.name]  # type: ignore[attr-defined]
        elif kind == "del":
            changed.update(name for name in (_root(t) for t in _elements(found.target)) if name is not None)  # type: ignore[attr-defined]
        elif kind == "global":
            names = [item.name.value for item in found.names]  # type: ignore[attr-defined]
            names += names  # never an alias
        elif kind == "except":
            if found.name is not None and type(found.name.name) is cst.Name:  # type: ignore[attr-defined]
                names = [found.name.name.value]  # type: ignore[attr-defined]
        elif kind == "def":
            names = [found.name.value]  # type: ignore[attr-defined]
        elif kind == "param":
            if found is not node:
                names = [found.name.value]  # type: ignore[attr-defined]
        elif kind == "import":
            asname = found.asname.name if found.asname is not None else None  # type: ignore[attr-defined]
            names = [asname.value if type(asname) is cst.Name else code(found.name).split(".", 1)[0]]  # type: ignore[attr-defined]
        elif found.attr.value in MUTATORS:  # type: ignore[attr-defined]  # (an attribute)
            root = _root(found.value)  # type: ignore[attr-defined]
            if root is not None:
                changed.add(root)
        for target in targets:
            names.extend(target_names(target))
            for element in _elements(target):
                root = _root(element) if type(element) is not cst.Name else None
                if root is not None:
                    changed.add(root)  # `X[0] = ...`, `X.a = ...`: assigned through
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return Bindings(counts, frozenset(changed))


def target_names(target: cst.BaseExpression) -> Iterator[str]:
    """The names an assignment to ``target`` binds (``a, *b = ...``: ``a`` and ``b``)."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def _elements(target: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The single targets ``target`` assigns or deletes (``del a, b[0]``: ``a``, ``b[0]``)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _elements(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _elements(target.value)
    else:
        yield target


def _root(expr: cst.BaseExpression) -> Optional[str]:
    """``X`` for ``X``, ``X[0]``, ``X.a.b``, ``X.get("k")``: the name whose value is reached."""
    while isinstance(expr, (cst.Attribute, cst.Subscript, cst.Call)):
        expr = expr.func if isinstance(expr, cst.Call) else expr.value
    return expr.value if isinstance(expr, cst.Name) else None
