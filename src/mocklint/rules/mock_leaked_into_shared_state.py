"""MCK402 mock-leaked-into-shared-state: a mock put into an imported module, class or ``sys.modules`` for good."""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Set, Tuple

import libcst as cst

from mocklint.analysis.ast_scan import Ancestry, ancestry_of, dotted, fixture_aliases, own_nodes, statements
from mocklint.analysis.leaks import (
    Place,
    bases_may,
    conftest_may,
    conftest_path_may,
    leak_index,
    may_be_place,
    mock_made_by,
    place_of,
)
from mocklint.analysis.names import dotted_name
from mocklint.analysis.source import code
from mocklint.analysis.tree import Site
from mocklint.analysis.mock_relevance import MOCK_BODIES
from mocklint.rule import Rule, gate

#: imported things whose attributes are not shared state worth reporting (the mock library, pytest)
_NOT_SHARED = ("unittest.mock", "mock", "pytest", "_pytest", "builtins")
#: what a conftest.py that may restore a `sys.modules` entry mentions
_MODULES_MENTION = re.compile(r"sys\.modules")
_PATCH_DICTS = frozenset({"unittest.mock.patch.dict", "mock.patch.dict"})
# whole-``sys.modules`` uses that only read it
_READS = frozenset({"get", "keys", "items", "values", "__contains__"})


class MockLeakedIntoSharedState(Rule):
    """
    ## What it does
    Checks for a mock (`MagicMock()`, `Mock()`, `AsyncMock()`,
    `create_autospec(...)`, `mocker.MagicMock()`, or a name bound to one) assigned
    to state that outlives the test: an attribute of an imported module, class or
    object (`client_module.session = MagicMock()`,
    `SessionManager._instance = MagicMock()`, `setattr(settings, "CLIENT", mock)`)
    or an entry of `sys.modules` (`sys.modules["boto3"] = MagicMock()`), at the
    module level of a test module or in a test, a fixture or a set-up, when
    nothing in the module restores it.

    ## Why is this bad?
    Imported modules and classes live in `sys.modules`, shared by every test in
    the process. A plain assignment is not undone when the test ends: the mock
    stays in place for every test that runs later, so a test that needs the real
    object passes on its own and fails in the full run, or only in some orders.
    A mock put in `sys.modules` is what every later `import` of that name gets,
    test modules collected after this one included.

    `monkeypatch.setattr`, `monkeypatch.setitem`, `patch.object` and `patch.dict`
    record the original and put it back when the test ends. Attributes of objects
    the test makes itself (`self.client`, a local instance) are not shared, and
    are not reported.

    ## Example
    ```python
    import sys
    from unittest.mock import MagicMock

    import client_module

    sys.modules["boto3"] = MagicMock()

    def test_upload():
        client_module.session = MagicMock()
        client_module.upload("report.csv")
    ```

    Use instead:
    ```python
    import sys
    from unittest.mock import MagicMock

    import client_module

    def test_upload(monkeypatch):
        monkeypatch.setitem(sys.modules, "boto3", MagicMock())
        monkeypatch.setattr(client_module, "session", MagicMock())
        client_module.upload("report.csv")
    ```

    ## Known problems
    mocklint stays silent when anything in the module might restore the value: any
    other assignment or `del` of the same attribute, a `setattr`/`patch.object`/
    `monkeypatch` call naming it, `importlib.reload`, a whole-`sys.modules`
    snapshot or `patch.dict(sys.modules)` around the assignment; when a
    `conftest.py` on the path or a base class from another file mentions the module
    or class; and when the name cannot be resolved to an import.

    ## References
    - [pytest: monkeypatching](https://docs.pytest.org/en/stable/how-to/monkeypatch.html)
    - [unittest.mock: `patch.object`](https://docs.python.org/3/library/unittest.mock.html#patch-object)
    - [unittest.mock: `patch.dict`](https://docs.python.org/3/library/unittest.mock.html#patch-dict)
    - [Python: `sys.modules`](https://docs.python.org/3/library/sys.html#sys.modules)
    """

    code = "MCK402"
    name = "mock-leaked-into-shared-state"
    summary = "A mock replaces an attribute of an imported module or class, or a `sys.modules` entry, for good"
    messages = {
        "attribute": (
            "`{written}` is replaced by {kind} and never restored: {shared} by every test in the process, and the "
            "mock stays in place for every test that runs later; those that need the real `{attr}` fail only in the "
            "full run or in some orders; {fix}"
        ),
        "module": (
            "`{written}` is replaced by {kind} and never restored: {imports} that runs later in the same process "
            "(test modules collected after this one included) gets the mock instead of the real module, so tests "
            "fail only in the full run or in some orders; {fix}"
        ),
    }
    # A mock is made in the file: two literals, each found with `str.__contains__`.  (A second,
    # AND-ed part for the assignment would drop a tenth of these files, but as a regex
    # without a literal prefix it costs more than the parses it saves.)
    needed_bodies = MOCK_BODIES  # the bodies that may hold a mock
    gate = gate(r"Mock\(", r"create_autospec\(")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """``_check`` on the ``ast``, erring towards yes: an assignment of what
        may be a mock (``mock_made_by``) to ``sys.modules[...]`` or to an
        attribute of an imported name that no other assignment or ``del`` in
        the module restores, or such a ``setattr(holder, "name", mock)``
        statement, where the statement may run in a test's life (``place_of``)
        and, in a function, the name is not one of its own."""
        imported: Set[str] = set()
        aliases: Set[str] = set()  # `import ... as x`: x may be a mock constructor
        modules: Set[str] = set()  # names bound to `sys.modules`
        assigns: List[ast.stmt] = []  # Assign, and AnnAssign with a value: what may restore
        deletes: List[ast.Delete] = []
        setattrs: List[Tuple[ast.stmt, ast.expr, ast.expr]] = []
        imports: List[ast.stmt] = []
        annotated: List[ast.stmt] = []
        exprs: List[ast.stmt] = []
        lists = {_ASSIGN: assigns, _IMPORT: imports, _IMPORT_FROM: imports, _ANN_ASSIGN: annotated, _DELETE: deletes}
        if "setattr" in source:
            lists[_EXPR] = exprs
        which = lists.get
        for statement, _ in statements(tree):
            bucket = which(type(statement))
            if bucket is not None:
                bucket.append(statement)
        for statement in imports:
            from_import = type(statement) is _IMPORT_FROM
            for alias in statement.names:  # type: ignore[attr-defined]
                if alias.name == "*":
                    continue  # names resolve through explicit imports only
                bound = alias.asname or alias.name
                imported.add(bound if from_import else bound.split(".")[0])
                if alias.asname:
                    aliases.add(alias.asname)
                if alias.name.rsplit(".", 1)[-1] == "modules" and (from_import or alias.asname):
                    modules.add(bound)  # `from sys import modules`, `import sys.modules as loaded`
        assigns.extend(a for a in annotated if a.value is not None)  # type: ignore[attr-defined]
        for statement in exprs:
            call = statement.value  # type: ignore[attr-defined]
            if type(call) is ast.Call and type(call.func) is ast.Name and call.func.id == "setattr":
                if len(call.args) == 3 and not call.keywords and _attribute_name(call.args[1]):
                    # `setattr(holder, "name", mock)` stands for `holder.name = mock`
                    target = ast.Attribute(value=call.args[0], attr=call.args[1].value)
                    setattrs.append((statement, target, call.args[2]))
        found = [
            (statement, target, statement.value)  # type: ignore[attr-defined]
            for statement in assigns
            if type(statement) is _ASSIGN
            for target in statement.targets  # type: ignore[attr-defined]
            if type(target) in _TARGETS and _shared_target(target, imported, modules)
        ]
        found.extend(c for c in setattrs if _shared_target(c[1], imported, modules))
        if not found:
            return False
        mocks: Optional[Set[str]] = None
        restored: Optional[Set[str]] = None
        ancestry: Optional[Ancestry] = None
        fixtures: List[Set[str]] = []

        def fixture_names() -> Set[str]:
            if not fixtures:
                fixtures.append(fixture_aliases(tree))
            return fixtures[0]

        for statement, target, value in found:
            if type(value) is ast.Name:
                if mocks is None:
                    mocks = _names_assigned_a_mock(assigns, aliases)
                if value.id not in mocks:  # type: ignore[attr-defined]
                    continue
            elif not _may_be_mock_call(value, aliases):
                continue
            if type(target) is ast.Attribute:
                if restored is None:
                    if mocks is None:
                        mocks = _names_assigned_a_mock(assigns, aliases)
                    restored = _restored(assigns, deletes, mocks, aliases)
                parts = (dotted(target) or "").split(".")
                if any(".".join(parts[:n]) in restored for n in range(2, len(parts) + 1)):
                    continue
            if ancestry is None:
                ancestry = ancestry_of(tree)
            place, func = may_be_place(ancestry, statement, path, fixture_names)
            if not place:
                continue
            if func is not None and _binds_locally(func, _root(target), ancestry, statement):
                continue  # `x.attr = mock` of the function's own `x`: not an import
            holder = dotted(target.value) if type(target) is ast.Attribute else None  # type: ignore[attr-defined]
            if conftest_path_may(path, _MODULES_MENTION if holder is None else _mention(holder)):
                continue  # a conftest.py may restore it
            return True
        return False

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        for target in node.targets:
            self._check(target.target, node.value, site, target.target)

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        """``setattr(client_module, "session", MagicMock())``."""
        if not isinstance(node.func, cst.Name) or node.func.value != "setattr" or len(node.args) != 3:
            return
        if any(a.keyword is not None or a.star for a in node.args) or self.context.names.bindings(site, "setattr"):
            return
        holder, name, value = (a.value for a in node.args)
        if not isinstance(name, cst.SimpleString) or not isinstance(name.evaluated_value, str):
            return
        if not isinstance(holder, (cst.Name, cst.Attribute)) or not name.evaluated_value.isidentifier():
            return
        target = cst.Attribute(value=holder, attr=cst.Name(name.evaluated_value))
        parent = site.parent_site()
        if parent is None or not isinstance(parent.node, cst.Expr):
            return
        self._check(target, value, site, node)

    # -------------------------------------------------------------------------
    def _check(self, target: cst.BaseExpression, value: cst.BaseExpression, site: Site, report_at: cst.CSTNode) -> None:
        if isinstance(target, cst.Attribute):
            self._check_attribute(target, value, site, report_at)
        elif isinstance(target, cst.Subscript):
            self._check_module_entry(target, value, site, report_at)

    def _check_attribute(
        self, target: cst.Attribute, value: cst.BaseExpression, site: Site, report_at: cst.CSTNode
    ) -> None:
        holder = target.value
        holder_text = dotted_name(holder)
        if holder_text is None:
            return
        qualified = self.context.resolve(site, holder)
        if qualified is None or qualified == "sys.modules":
            return
        if any(qualified == m or qualified.startswith(m + ".") for m in _NOT_SHARED):
            return
        kind = mock_made_by(self.context, value, site)
        if kind is None:
            return
        place = place_of(self.context, site)
        if place is None:
            return
        written = f"{holder_text}.{target.attr.value}"
        if self._attribute_restored(written, report_at):
            return
        mention = _mention(holder_text)
        if conftest_may(self.context, mention):
            return
        if place.cls is not None and bases_may(self.context, place.cls, mention):
            return
        attr = target.attr.value
        self.report(
            report_at,
            "attribute",
            written=written,
            kind=kind,
            shared=_shared(holder_text),
            attr=attr,
            fix=_attribute_fix(place, holder_text, attr),
        )

    def _attribute_restored(self, written: str, reported: cst.CSTNode) -> bool:
        """Whether anything in the module may restore ``written`` (``a.b.c``) or
        one of its prefixes: another assignment of a non-mock, a ``del``, a call
        naming the attribute with its holder (``monkeypatch.setattr``,
        ``patch.object``, ``patch.multiple``, ``setattr``,
        ``addCleanup(setattr, ...)``) or as a dotted string (``patch("pkg.a.b.c")``),
        a reload."""
        index = leak_index(self.context)
        parts = written.split(".")
        prefixes = {".".join(parts[:n]) for n in range(2, len(parts) + 1)}
        holders = {".".join(parts[:n]) for n in range(1, len(parts))}
        attrs = set(parts[1:])
        for target, value, value_site in index.assigns:
            if dotted_name(target) in prefixes and mock_made_by(self.context, value, value_site) is None:
                return True
        for target, _ in index.deletes:
            if dotted_name(target) in prefixes:
                return True
        for call, _ in index.calls:
            if call is reported:
                continue
            callee = dotted_name(call.func) or ""
            if callee.split(".")[-1] == "reload":
                return True
            with_holder = any(dotted_name(arg.value) in holders for arg in call.args)
            for arg in call.args:
                if with_holder and arg.keyword is not None and arg.keyword.value in attrs:
                    return True
                text = arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else None
                if not isinstance(text, str):
                    continue
                if any(text.endswith("." + a) for a in attrs) or (with_holder and text in attrs):
                    return True
        return False

    def _check_module_entry(
        self, target: cst.Subscript, value: cst.BaseExpression, site: Site, report_at: cst.CSTNode
    ) -> None:
        if self.context.resolve(site, target.value) != "sys.modules" or len(target.slice) != 1:
            return
        index_node = target.slice[0].slice
        if not isinstance(index_node, cst.Index):
            return
        key = index_node.value
        kind = mock_made_by(self.context, value, site)
        if kind is None:
            return
        place = place_of(self.context, site)
        if place is None or self._module_entry_restored(key, site):
            return
        if conftest_may(self.context, _MODULES_MENTION):
            return
        if place.cls is not None and bases_may(self.context, place.cls, _MODULES_MENTION):
            return
        literal = key.evaluated_value if isinstance(key, cst.SimpleString) else None
        if isinstance(literal, str):
            imports = f"every `import {literal}`"
        else:
            imports = f"every import of the module `{code(key)}` names"
        self.report(
            report_at,
            "module",
            written=f"sys.modules[{code(key)}]",
            kind=kind,
            imports=imports,
            fix=_module_fix(place, code(key)),
        )

    def _module_entry_restored(self, key: cst.BaseExpression, site: Site) -> bool:
        """Whether anything in the module may restore ``sys.modules[key]``."""
        index = leak_index(self.context)
        literal = key.evaluated_value if isinstance(key, cst.SimpleString) else None

        def same(other: Optional[cst.BaseExpression]) -> bool:
            """``other`` may be the same key (a literal that differs is not)."""
            if other is None:
                return True
            text = other.evaluated_value if isinstance(other, cst.SimpleString) else None
            if not isinstance(text, str) or not isinstance(literal, str):
                return True
            return text == literal

        def keyed(subscript: cst.BaseExpression) -> Optional[Tuple[bool, Optional[cst.BaseExpression]]]:
            """(is ``sys.modules[...]``, its key) for a subscript target."""
            if not isinstance(subscript, cst.Subscript) or len(subscript.slice) != 1:
                return None
            element = subscript.slice[0].slice
            return (True, element.value if isinstance(element, cst.Index) else None)

        for target, value, value_site in index.assigns:
            found = keyed(target)
            if found and self.context.resolve(value_site, target.value) == "sys.modules":  # type: ignore[attr-defined]
                if same(found[1]) and mock_made_by(self.context, value, value_site) is None:
                    return True
        for target, del_site in index.deletes:
            found = keyed(target)
            if found and self.context.resolve(del_site, target.value) == "sys.modules" and same(found[1]):  # type: ignore[attr-defined]
                return True
        for node, use_site in _whole_uses(self.context, index):
            if not self._harmless_use(node, use_site, site, same):
                return True
        return False

    def _harmless_use(self, node: cst.BaseExpression, use: Site, assignment: Site, same: "object") -> bool:
        """Whether a use of the whole ``sys.modules`` cannot restore the entry."""
        parent = use.parent
        up = use.parent_site()
        if isinstance(parent, cst.Subscript) and use.field == "value":
            return True  # sys.modules[...]: the keyed cases are checked apart
        if isinstance(parent, cst.ComparisonTarget):
            return True  # `"x" in sys.modules`
        if isinstance(parent, cst.Attribute) and use.field == "value" and up is not None:
            grand = up.parent
            if parent.attr.value in _READS and isinstance(grand, cst.Call):
                return True
            if parent.attr.value == "pop" and isinstance(grand, cst.Call) and grand.args:
                return not same(grand.args[0].value)  # type: ignore[operator]
            return False
        if isinstance(parent, cst.Arg) and up is not None and isinstance(up.parent, cst.Call):
            call = up.parent
            call_site = up.parent_site()
            if call_site is None or call.args[0] is not parent:
                return False
            callee = dotted_name(call.func) or ""
            if callee.split(".")[-1] in ("setitem", "delitem") and len(call.args) > 1:
                return not same(call.args[1].value)  # type: ignore[operator]
            qualified = self.context.resolve(call_site, call.func) or ""
            is_dict = qualified in _PATCH_DICTS or callee.endswith("mocker.patch.dict")
            if is_dict:
                return not _encloses(call_site, assignment)
        return False


def _whole_uses(context: object, index: "object") -> List[Tuple[cst.BaseExpression, Site]]:
    """Every expression ``sys.modules`` of the module."""
    found: List[Tuple[cst.BaseExpression, Site]] = []
    for node, use_site in index.attributes.get("modules", []):  # type: ignore[attr-defined]
        if context.resolve(use_site, node) == "sys.modules":  # type: ignore[attr-defined]
            found.append((node, use_site))
    return found


def _encloses(patch_site: Site, assignment: Site) -> bool:
    """Whether a ``patch.dict(...)`` at ``patch_site`` is a decorator or a ``with``
    item around the assignment (so it restores the dict after it)."""
    owner: Optional[cst.CSTNode] = None
    for ancestor, via in patch_site.ancestors():
        if isinstance(ancestor, cst.WithItem):
            continue
        if isinstance(ancestor, cst.With):
            owner = ancestor
            break
        if isinstance(ancestor, cst.Decorator):
            continue
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)) and via == "decorators":
            owner = ancestor
            break
        return False
    if owner is None:
        return False
    return any(ancestor is owner for ancestor, _ in assignment.ancestors())


def _mention(holder: str) -> "re.Pattern[str]":
    """What a conftest.py that may restore an attribute of ``holder`` (``a.b``) mentions: its last name."""
    return re.compile(rf"\b{re.escape(holder.split('.')[-1])}\b")


def _root(expr: ast.expr) -> str:
    """The name a chain of attributes (or a subscript of one) starts from ("" if none)."""
    if type(expr) is ast.Subscript:
        expr = expr.value  # type: ignore[attr-defined]
    while type(expr) is ast.Attribute:
        expr = expr.value  # type: ignore[attr-defined]
    return expr.id if type(expr) is ast.Name else ""  # type: ignore[attr-defined]


def _attribute_name(expr: ast.expr) -> bool:
    value = getattr(expr, "value", None) if type(expr) is ast.Constant else None
    return isinstance(value, str) and value.isidentifier()


def _shared_target(target: ast.expr, imported: Set[str], modules: Set[str]) -> bool:
    """What ``_check`` may report on: ``sys.modules[...]`` (through any import
    of ``sys`` or of ``modules``), or an attribute of a chain of names that
    starts from an imported name."""
    kind = type(target)
    if kind is ast.Subscript:
        held = target.value  # type: ignore[attr-defined]
        if type(held) is ast.Name:
            return held.id in modules
        return type(held) is ast.Attribute and held.attr == "modules" and type(held.value) is ast.Name \
            and held.value.id in imported
    if kind is not ast.Attribute:
        return False
    root = target.value  # type: ignore[attr-defined]
    while type(root) is ast.Attribute:
        root = root.value
    return type(root) is ast.Name and root.id in imported


def _may_be_mock_call(value: ast.expr, aliases: Set[str]) -> bool:
    """A call ``mock_made_by`` may call a mock's making: of a mock constructor or
    ``create_autospec`` (by its last name), or through a name imported under an alias."""
    if type(value) is not ast.Call:
        return False
    func = value.func  # type: ignore[attr-defined]
    kind = type(func)
    last = func.attr if kind is ast.Attribute else func.id if kind is ast.Name else ""
    if last.endswith("Mock") or last == "create_autospec":
        return True
    while type(func) is ast.Attribute:
        func = func.value
    return type(func) is ast.Name and func.id in aliases


def _names_assigned_a_mock(assigns: List[ast.stmt], aliases: Set[str]) -> Set[str]:
    """The names some assignment binds to what may be a mock: ``mock_made_by``
    follows a name only to calls assigned to it."""
    found: Set[str] = set()
    for statement in assigns:
        if _may_be_mock_call(statement.value, aliases):  # type: ignore[attr-defined]
            targets = _targets(statement)
            found.update(t.id for t in targets if type(t) is ast.Name)
    return found


def _may_be_mock(value: ast.expr, mocks: Set[str], aliases: Set[str]) -> bool:
    """``mock_made_by`` on the ``ast``, erring towards yes: a call that may make a
    mock, or a name some assignment binds to one (``mocks``)."""
    if type(value) is ast.Name:
        return value.id in mocks  # type: ignore[attr-defined]
    return _may_be_mock_call(value, aliases)


def _targets(statement: ast.stmt) -> List[ast.expr]:
    """The targets of an ``Assign`` or ``AnnAssign``."""
    return statement.targets if type(statement) is _ASSIGN else [statement.target]  # type: ignore[attr-defined]


def _restored(assigns: List[ast.stmt], deletes: List[ast.Delete], mocks: Set[str], aliases: Set[str]) -> Set[str]:
    """What ``_attribute_restored`` finds restored on the ``ast``, in part: the
    attributes (``a.b``) some assignment gives what is surely not a mock, or
    that some ``del`` deletes, anywhere in the module.  An attribute restores
    itself and the attributes under it."""
    found: Set[str] = set()
    for statement in assigns:
        targets = _targets(statement)
        value = statement.value  # type: ignore[attr-defined]
        if any(type(t) is ast.Attribute for t in targets) and not _may_be_mock(value, mocks, aliases):
            found.update(dotted(t) or "" for t in targets if type(t) is ast.Attribute)
    for deleted in deletes:
        for target in deleted.targets:
            elements = target.elts if type(target) in (ast.Tuple, ast.List) else [target]  # type: ignore[attr-defined]
            found.update(dotted(e) or "" for e in elements if type(e) is ast.Attribute)
    found.discard("")
    return found


def _binds_locally(func: ast.AST, name: str, ancestry: Ancestry, statement: ast.stmt) -> bool:
    """Whether ``func``'s own scope binds ``name`` other than by an import (a
    parameter, an assignment, a loop...), when that scope is the statement's
    innermost: then ``name`` there resolves to no import."""
    chain = ancestry.ancestors(statement) or []
    if next((a for a in chain if type(a) in _SCOPES), None) is not func:
        return False
    arguments = func.args  # type: ignore[attr-defined]
    every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg, arguments.kwarg)
    if any(a is not None and a.arg == name for a in every):
        return True
    for child in func.body:  # type: ignore[attr-defined]
        if type(child) in _SCOPES:
            if child.name == name:  # type: ignore[attr-defined]
                return True
            continue
        if any(type(n) is ast.Name and n.id == name and type(n.ctx) is ast.Store  # type: ignore[attr-defined]
               for n in own_nodes(child)):
            return True
    return False


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGN, _ANN_ASSIGN, _EXPR, _DELETE = ast.Assign, ast.AnnAssign, ast.Expr, ast.Delete
_IMPORT, _IMPORT_FROM = ast.Import, ast.ImportFrom
#: the targets ``_check`` reads
_TARGETS = (ast.Attribute, ast.Subscript)


def _shared(holder: str) -> str:
    head = holder.split(".", 1)[0]
    if holder == head:
        return f"`{holder}` is imported, so it is shared"
    return f"`{holder}` is reached through the imported `{head}`, so it is shared"


def _attribute_fix(place: Place, holder: str, attr: str) -> str:
    if place.kind == "module":
        return (
            f"set it in a fixture with `monkeypatch.setattr({holder}, \"{attr}\", ...)`, or use "
            f"`patch.object({holder}, \"{attr}\")` as a decorator, which restore it"
        )
    if place.unittest:
        return (
            f"use `patcher = patch.object({holder}, \"{attr}\", ...)`, `patcher.start()` and "
            f"`self.addCleanup(patcher.stop)`, or `with patch.object(...)`, which restore it"
        )
    if place.kind == "setup":
        return (
            f"keep the original and put it back in `{place.teardown}`, or use "
            f"`patch.object({holder}, \"{attr}\", ...)`, which restores it"
        )
    return (
        f"use `monkeypatch.setattr({holder}, \"{attr}\", ...)` or `patch.object({holder}, \"{attr}\", ...)`, "
        "which restore it"
    )


def _module_fix(place: Place, key: str) -> str:
    if place.kind == "module":
        return (
            f"stub it in a fixture with `monkeypatch.setitem(sys.modules, {key}, ...)` or "
            f"`patch.dict(sys.modules, {{{key}: ...}})`, which restore it, and import the code that needs it there"
        )
    if place.unittest:
        return f"use `patch.dict(sys.modules, {{{key}: ...}})` with `self.addCleanup(patcher.stop)`, which restores it"
    return (
        f"use `monkeypatch.setitem(sys.modules, {key}, ...)` or `patch.dict(sys.modules, {{{key}: ...}})`, "
        "which restore it"
    )
