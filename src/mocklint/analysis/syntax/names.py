"""Name resolution: which imported thing does a name or dotted expression stand for?

libcst's ``QualifiedNameProvider`` answers this, but it needs ``ScopeProvider``
and a ``MetadataWrapper`` (a deep copy of the tree), which together cost about
fifteen times the parse (``shared/reference/performance-facts.md``).  Rules only
need imports, so this module records every *binding* of a name per scope during
the engine's single walk and resolves names afterwards:

- a name resolves to a qualified name ``Q`` when, in the innermost scope that
  binds it, every binding is an import of ``Q``;
- any other binding there (an assignment, a parameter, a ``def``, a ``global``
  statement, ...) makes the name unknown, and unknown never yields a finding.

Resolution is flow-insensitive on purpose: ``import pytest`` at the bottom of a
module still binds ``pytest`` for the functions above it at run time.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple, Union

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Frame, Site

# A binding is either the qualified name an import gives, or None for anything else.
Binding = Optional[str]

#: what ``unittest.mock`` offers, which other modules re-export (``kombu.tests.case.Mock``)
_MOCK_API = frozenset(
    {
        "Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock", "PropertyMock",
        "patch", "create_autospec", "mock_open", "sentinel", "call", "ANY", "DEFAULT", "seal",
    }
)


def _canonical(binding: Binding) -> Binding:
    """The ``mock`` backport is ``unittest.mock``'s API under another name: a
    fallback import of one or the other (``try: from unittest.mock import
    AsyncMock`` / ``except ImportError: from mock import AsyncMock``) is one name."""
    if binding == "mock":
        return "unittest.mock"
    if binding is not None and binding.startswith("mock."):
        return "unittest." + binding
    return binding


def _reexported_mock(qualified: str, directory: str) -> Optional[str]:
    """``unittest.mock.Mock`` for ``kombu.tests.case.Mock`` when that module
    imports it from ``unittest.mock`` (or the backport), read without importing
    (``targets`` caches the parse and records the files read for the result cache)."""
    from mocklint.analysis.mock_values import targets

    located = targets.definition_file(qualified, directory)
    if located is None or len(located[1]) != 1:
        return None
    path, (name,) = located
    tree = targets._module_ast(path)
    if tree is None:
        return None
    module = qualified.rsplit(".", 1)[0].split(".")
    source = targets._imported_from(tree.body, name, module, path)
    canonical = _canonical(source)
    return canonical if canonical is not None and canonical.startswith("unittest.mock.") else None


def dotted_name(node: cst.BaseExpression) -> Optional[str]:
    """``a.b.c`` for a chain of Names and Attributes, else None."""
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _module_name(node: Union[cst.Attribute, cst.Name]) -> str:
    name = dotted_name(node)
    assert name is not None  # import targets are always dotted names
    return name


def _target_names(target: cst.BaseExpression) -> List[cst.Name]:
    """Names bound by an assignment target (``a``, ``a, b``, ``[a, *b]``)."""
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[cst.Name] = []
        for element in target.elements:
            names.extend(_target_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


class NameResolver:
    """Collects bindings during the walk and resolves names after it."""

    #: the libcst node types whose bindings ``handle`` records, by name (``handled_types``)
    HANDLED_TYPE_NAMES: Tuple[str, ...] = (
        "Import",
        "ImportFrom",
        "AssignTarget",
        "AnnAssign",
        "AugAssign",
        "For",
        "CompFor",
        "WithItem",
        "NamedExpr",
        "FunctionDef",
        "ClassDef",
        "Param",
        "ExceptHandler",
        "Global",
        "Nonlocal",
        "MatchAs",
        "MatchStar",
    )

    @classmethod
    def handled_types(cls) -> Tuple[type, ...]:
        """The node types whose bindings ``handle`` records (named, so that
        importing this module does not import libcst)."""
        return tuple(getattr(cst, name) for name in cls.HANDLED_TYPE_NAMES)

    def __init__(self, directory: Optional[str] = None) -> None:
        # scope node id -> name -> bindings
        self._scopes: Dict[int, Dict[str, List[Binding]]] = {}
        self._module_star_imports: List[str] = []
        #: the linted file's folder, where re-exported mock names are looked up
        self.directory = directory

    # -- collection ---------------------------------------------------------
    def _bind(self, frame: Frame, name: str, binding: Binding, *, outer: bool = False) -> None:
        """Record a binding in the scope of ``frame``'s node (or the one around it)."""
        site = Site(frame)
        scopes = site.scopes()
        scope = next(scopes)
        if outer and scope is frame[0]:
            scope = next(scopes)
        self._scopes.setdefault(id(scope), {}).setdefault(name, []).append(binding)

    def handle(self, node: cst.CSTNode, frame: Frame) -> None:  # noqa: C901 - a flat dispatch
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                if alias.asname is not None:
                    for target in _target_names(alias.asname.name):  # type: ignore[arg-type]
                        self._bind(frame, target.value, full)
                else:
                    head = full.split(".", 1)[0]
                    self._bind(frame, head, head)
        elif isinstance(node, cst.ImportFrom):
            dots = "." * len(node.relative)
            module = dots + (_module_name(node.module) if node.module is not None else "")
            if isinstance(node.names, cst.ImportStar):
                self._module_star_imports.append(module)
                return
            for alias in node.names:
                imported = _module_name(alias.name)
                local = imported
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                sep = "" if module.endswith(".") else "."
                self._bind(frame, local, f"{module}{sep}{imported}")
        elif isinstance(node, cst.AssignTarget):
            for name in _target_names(node.target):
                self._bind(frame, name.value, None)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor)):
            for name in _target_names(node.target):
                self._bind(frame, name.value, None)
        elif isinstance(node, cst.WithItem):
            if node.asname is not None:
                for name in _target_names(node.asname.name):
                    self._bind(frame, name.value, None)
        elif isinstance(node, cst.NamedExpr):
            for name in _target_names(node.target):
                self._bind(frame, name.value, None)
        elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            self._bind(frame, node.name.value, None, outer=True)
        elif isinstance(node, cst.Param):
            self._bind(frame, node.name.value, None)
        elif isinstance(node, cst.ExceptHandler):
            if node.name is not None and isinstance(node.name.name, cst.Name):
                self._bind(frame, node.name.name.value, None)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                self._bind(frame, item.name.value, None)
        elif isinstance(node, (cst.MatchAs, cst.MatchStar)):
            if node.name is not None:
                self._bind(frame, node.name.value, None)

    # -- queries ------------------------------------------------------------
    def bindings(self, site: Site, name: str) -> Optional[Sequence[Binding]]:
        """The bindings of ``name`` in the innermost scope around ``site`` that has any."""
        for scope in site.scopes():
            found = self._scopes.get(id(scope), {}).get(name)
            if found:
                return found
        return None

    def resolve_name(self, site: Site, name: str) -> Optional[str]:
        """The qualified name ``name`` stands for at ``site``, or None when unsure."""
        found = self.bindings(site, name)
        if not found:
            return None
        first = found[0]
        if first is None:
            return None
        if any(b != first for b in found):
            first = _canonical(first)
            if any(_canonical(b) != first for b in found):
                return None
        head, _, last = first.rpartition(".")
        if last in _MOCK_API and head and _canonical(head) != "unittest.mock" and self.directory is not None:
            return _reexported_mock(first, self.directory) or first
        return first

    def resolve(self, site: Site, node: cst.BaseExpression) -> Optional[str]:
        """Qualified name of a ``Name`` or ``Attribute`` chain at ``site``."""
        parts: List[str] = []
        while isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name):
            return None
        head = self.resolve_name(site, node.value)
        if head is None:
            return None
        parts.append(head)
        return ".".join(reversed(parts))

    def module_binds(self, module: cst.Module, name: str) -> bool:
        """Whether the module scope binds ``name`` in any way."""
        return bool(self._scopes.get(id(module), {}).get(name))

    def scope_bindings(self, scope: cst.CSTNode, name: str) -> Sequence[Binding]:
        """The bindings of ``name`` in exactly ``scope`` (a Module, FunctionDef, Lambda or ClassDef)."""
        return self._scopes.get(id(scope), {}).get(name, ())

    def parameter_owner(self, site: Site, name: str) -> Optional[cst.FunctionDef]:
        """The ``def`` of which ``name`` at ``site`` is a parameter, when that
        parameter is the name's only binding in the scope that binds it."""
        for scope in site.scopes():
            found = self.scope_bindings(scope, name)
            if not found:
                continue
            if len(found) != 1 or not isinstance(scope, cst.FunctionDef):
                return None
            params = scope.params
            every = (*params.posonly_params, *params.params, *params.kwonly_params, params.star_arg, params.star_kwarg)
            if any(isinstance(p, cst.Param) and p.name.value == name for p in every):
                return scope
            return None
        return None

    @property
    def star_imports(self) -> Sequence[str]:
        return self._module_star_imports
