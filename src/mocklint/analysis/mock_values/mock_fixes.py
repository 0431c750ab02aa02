"""The fix the async mock rules share: give one method of a mock another kind.

``session = AsyncMock()`` whose ``session.post(...)`` is entered with ``async
with`` gets ``session.post = MagicMock()`` on the line after; a ``client =
MagicMock()`` whose ``client.get(...)`` is awaited gets ``client.get =
AsyncMock(return_value=MagicMock())``.  The other methods keep their kind.

The fix is offered only where its place is certain: the mock is a name bound
once, by a constructor call on a statement line of its own, and nothing
assigns or configures the method (or an attribute on the way to it) anywhere.
A mock from a fixture, a ``patch``, a ``with`` target or ``self`` gets none.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

from mocklint.analysis.mock_values.mocks import analysis_for
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants
from mocklint.rule import Edit, FileContext, Fix


class Calls:
    """Every call of a dotted name in one scope (``session.post(...)``), and the
    names whose await assertions are used there (``session.post.assert_awaited()``)."""

    def __init__(self, scope: cst.CSTNode) -> None:
        self.calls: Dict[str, List[cst.Call]] = {}
        self.await_checked: Set[str] = set()
        for node in descendants(scope):
            if isinstance(node, cst.Call):
                name = dotted_name(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
                if name is not None:
                    self.calls.setdefault(name, []).append(node)
            elif isinstance(node, cst.Attribute) and node.attr.value.startswith(("assert_await", "await_")):
                owner = dotted_name(node.value) if isinstance(node.value, (cst.Name, cst.Attribute)) else None
                if owner is not None:
                    self.await_checked.add(owner)


def _calls_in(context: FileContext, scope: cst.CSTNode) -> Calls:
    """The :class:`Calls` of ``scope``, built once per file and scope."""
    cache: Dict[str, object] = context.__dict__.setdefault("_analysis_cache", {})
    per_scope = cache.setdefault("calls", {})
    assert isinstance(per_scope, dict)
    found = per_scope.get(id(scope))
    if found is None:
        found = per_scope[id(scope)] = Calls(scope)
    return found


def replace_method(
    context: FileContext, callee: cst.BaseExpression, site: Site, kind: str, title: str, flagged: Set[int]
) -> Optional[Fix]:
    """``<callee> = <kind>(...)`` on a line of its own after the statement that
    made the mock ``callee`` belongs to, or None when that place is not certain,
    or when a call of ``callee`` in the scope of that statement is not among
    ``flagged`` (node ids: the calls the rule reports, all of which the new kind
    serves).

    ``kind`` is ``"MagicMock"`` (for MCK101: no call may be awaited, nor its
    awaits asserted) or ``"AsyncMock"`` (for MCK102, which keeps the awaited
    result the sync mock it was: ``AsyncMock(return_value=MagicMock())``)."""
    dotted = dotted_name(callee) if isinstance(callee, cst.Attribute) else None
    if dotted is None:
        return None
    root_name, path = dotted.split(".", 1)
    root = cst.Name(root_name)
    if root_name in ("self", "cls"):
        return None
    analysis = analysis_for(context)
    bound = analysis.bound_value(root, site)
    if bound is None:
        return None
    value, bind_site = bound
    if not isinstance(value, cst.Call):
        return None
    constructed = analysis.constructor_kind(value.func, bind_site)
    if constructed is None or analysis.reconfigured(root, path, site):
        return None
    line = _statement_line(bind_site, root_name)
    if line is None:
        return None
    calls = _calls_in(context, bind_site.enclosing_function() or context.module)
    if not all(id(call) in flagged for call in calls.calls.get(dotted, [])):
        return None
    if kind == "MagicMock" and dotted in calls.await_checked:
        return None
    spelled = _spelling(context, value.func, bind_site, kind)
    if spelled is None:
        return None
    constructor, import_edit = spelled
    if kind == "AsyncMock":
        if constructed.value not in ("MagicMock", "Mock"):
            return None
        # the awaited result stays what the sync call returned (a child of the same kind)
        text = f"{dotted} = {constructor}(return_value={code(value.func)}())"
    else:
        text = f"{dotted} = {constructor}()"
    edits: Tuple[Edit, ...] = (Edit(line, text, new_line=True),)
    if import_edit is not None:
        edits += (import_edit,)
    return Fix(title, edits, safe=False)


def _statement_line(bind_site: Site, name: str) -> Optional[cst.SimpleStatementLine]:
    """The statement line of ``name = ...`` when it stands on a line of its own in a block."""
    statement = bind_site.node
    if isinstance(statement, cst.Assign):
        if len(statement.targets) != 1 or not isinstance(statement.targets[0].target, cst.Name):
            return None
    elif isinstance(statement, cst.AnnAssign):
        if not isinstance(statement.target, cst.Name):
            return None
    else:
        return None
    line_site = bind_site.parent_site()
    if line_site is None or not isinstance(line_site.node, cst.SimpleStatementLine):
        return None
    if not isinstance(line_site.parent, (cst.IndentedBlock, cst.Module)):
        return None
    return line_site.node


def _spelling(
    context: FileContext, func: cst.BaseExpression, site: Site, kind: str
) -> Optional[Tuple[str, Optional[Edit]]]:
    """How to write the constructor ``kind`` from the same place the mock's own
    constructor came from, and the edit of an import that must name it too."""
    if isinstance(func, cst.Attribute):
        return f"{code(func.value)}.{kind}", None  # mock.MagicMock -> mock.AsyncMock; mocker. likewise
    if not isinstance(func, cst.Name):
        return None
    names = context.names
    qualified = names.resolve(site, func)
    if qualified is None or "." not in qualified:
        return None
    module = qualified.rsplit(".", 1)[0]
    if names.resolve_name(site, kind) == f"{module}.{kind}":
        return kind, None
    if names.bindings(site, kind) is not None or names.star_imports:
        return None
    # `from unittest.mock import AsyncMock` -> `from unittest.mock import AsyncMock, MagicMock`
    for statement in context.module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or small.relative or small.module is None:
                continue
            if dotted_name(small.module) != module or isinstance(small.names, cst.ImportStar):
                continue
            aliases = list(small.names)
            if not any(_local_name(alias) == func.value for alias in aliases):
                continue
            last = aliases[-1]
            node = last.asname.name if last.asname is not None else last.name
            return kind, Edit(node, f"{code(node)}, {kind}")
    return None


def _local_name(alias: cst.ImportAlias) -> str:
    """The name ``alias`` binds: ``AsyncMock``, or ``AM`` for ``AsyncMock as AM``."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return code(alias.name)
