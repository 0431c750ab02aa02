"""Shared logic of the rules about attributes pytest removed from its objects
(``request.getfuncargvalue``, ``metafunc.funcargnames``).

``RemovedAttribute`` is a mixin, not a rule: a rule class lists it before
``Rule`` and sets ``attribute``, ``guard_words`` and ``report_use``.  It finds
every read of ``<receiver>.<attribute>`` and reports it at the end of the file
unless

- the module gives that attribute a meaning of its own: a ``def`` or an
  assignment of that name (``def getfuncargvalue``, ``self.funcargnames = ...``,
  ``request.getfuncargvalue.return_value = ...``), a keyword argument of that
  name (``Mock(getfuncargvalue=...)``), an import of it, ``setattr(x, "name", ...)``
  or the name in a literal list (a mock's ``spec``);
- the receiver is not known to be an object pytest hands out
  (``compat_guards.PytestReceivers``);
- the read sits in a compatibility branch (``compat_guards.compat_guarded``);
- the read only continues into another attribute (``x.getfuncargvalue.called``):
  a real method has none of those, so the receiver is a mock.
"""

from __future__ import annotations

from typing import Any, ClassVar, List, Sequence, Tuple

from mocklint.analysis.pytest_model.compat_guards import (
    PytestReceivers,
    compat_guarded,
    string_values,
)
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.tree import Site

#: the libcst node types whose ``target`` an assignment binds, by name (its node types are final)
_TARGET_PARENTS = frozenset({"AssignTarget", "AnnAssign", "AugAssign"})


class RemovedAttribute:
    attribute: ClassVar[str]
    guard_words: ClassVar[Sequence[str]]

    context: Any  # provided by Rule

    def __init__(self, context: Any) -> None:
        super().__init__(context)  # type: ignore[call-arg]
        self._uses: List[Tuple[cst.Attribute, Site]] = []
        self._defined_here = False
        self._receivers = PytestReceivers(context.names)

    def report_use(self, node: cst.Attribute, site: Site) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- collection ---------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute, site: Site) -> None:
        if node.attr.value != self.attribute:
            return
        parent = site.parent
        if type(parent).__name__ in _TARGET_PARENTS and site.field == "target":
            self._defined_here = True
            return
        if isinstance(parent, (cst.Del, cst.AssignTarget)):
            self._defined_here = True
            return
        if isinstance(parent, cst.Attribute) and site.field == "value":
            # ``x.getfuncargvalue.return_value``: only a mock has attributes there;
            # an assignment through it configures the mock.
            self._defined_here = True
            return
        self._uses.append((node, site))

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.name.value == self.attribute:
            self._defined_here = True

    def visit_AssignTarget(self, node: cst.AssignTarget, site: Site) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.attribute:
            self._defined_here = True

    def visit_AnnAssign(self, node: cst.AnnAssign, site: Site) -> None:
        if isinstance(node.target, cst.Name) and node.target.value == self.attribute:
            self._defined_here = True

    def visit_Arg(self, node: cst.Arg, site: Site) -> None:
        if node.keyword is not None and node.keyword.value == self.attribute:
            self._defined_here = True

    def visit_ImportAlias(self, node: cst.ImportAlias, site: Site) -> None:
        imported = dotted_name(node.name) or ""
        local = node.asname.name if node.asname is not None else None
        if imported.rsplit(".", 1)[-1] == self.attribute or (
            isinstance(local, cst.Name) and local.value == self.attribute
        ):
            self._defined_here = True

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "setattr" and len(node.args) >= 2:
            if self.attribute in string_values([node.args[1].value]):
                self._defined_here = True

    def visit_List(self, node: cst.List, site: Site) -> None:
        self._literal_elements(node.elements)

    def visit_Tuple(self, node: cst.Tuple, site: Site) -> None:
        self._literal_elements(node.elements)

    def visit_Set(self, node: cst.Set, site: Site) -> None:
        self._literal_elements(node.elements)

    def _literal_elements(self, elements: Sequence[cst.BaseElement]) -> None:
        if self.attribute in string_values(element.value for element in elements):
            self._defined_here = True

    def visit_For(self, node: cst.For, site: Site) -> None:
        self._receivers.add_loop(node, site)

    # -- decision -----------------------------------------------------------
    def finish(self) -> None:
        if self._defined_here:
            return
        for node, site in self._uses:
            if not self._receivers.is_pytest_object(node.value, site):
                continue
            if compat_guarded(site, self.guard_words, fallback_handlers=True):
                continue
            self.report_use(node, site)
