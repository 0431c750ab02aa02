"""MCK402 mock-leaked-into-shared-state: a mock put into an imported module, class or ``sys.modules`` for good."""

from __future__ import annotations

import ast
import re
from typing import List, Optional, Set, Tuple

import libcst as cst

from mocklint.analysis.ast_scan import statements
from mocklint.analysis.leaks import (
    ASSIGNS_A_MOCK,
    Place,
    bases_may,
    conftest_may,
    leak_index,
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
        """An assignment of a mock (``mock_made_by``) to a subscript
        (``sys.modules[...]``) or to an attribute of an imported name, or such
        a ``setattr(holder, "name", mock)`` statement."""
        imported: Set[str] = set()
        aliases: Set[str] = set()  # `import ... as x`: x may be a mock constructor
        candidates: List[Tuple[List[ast.expr], ast.expr]] = []
        for statement, _ in statements(tree):
            if isinstance(statement, (ast.Import, ast.ImportFrom)):
                for alias in statement.names:
                    if alias.name == "*":
                        return True
                    bound = alias.asname or alias.name
                    imported.add(bound.split(".")[0] if isinstance(statement, ast.Import) else bound)
                    if alias.asname:
                        aliases.add(alias.asname)
            elif isinstance(statement, ast.Assign):
                candidates.append((statement.targets, statement.value))
            elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                call = statement.value
                if isinstance(call.func, ast.Name) and call.func.id == "setattr" and len(call.args) == 3:
                    # `setattr(holder, "name", mock)` stands for `holder.name = mock`
                    candidates.append(([ast.Attribute(value=call.args[0], attr="name")], call.args[2]))
        assigned: Optional[Set[str]] = None
        for targets, value in candidates:
            if not any(_shared_target(target, imported) for target in targets):
                continue
            if isinstance(value, ast.Name) and assigned is None:
                # on the lines that make a mock only: the pattern opens with `\w+`, slow over a whole file
                assigned = {
                    m.group(1)
                    for line in source.splitlines()
                    if "Mock(" in line or "create_autospec(" in line
                    for m in _ASSIGNED_A_MOCK.finditer(line)
                }
            if _may_be_mock(value, assigned or set(), aliases):
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
        mention = re.compile(rf"\b{re.escape(holder_text.split('.')[-1])}\b")
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
        modules = re.compile(r"sys\.modules")
        if conftest_may(self.context, modules):
            return
        if place.cls is not None and bases_may(self.context, place.cls, modules):
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


#: ``name = ...Mock(`` or ``name = create_autospec(``, as ``mock_made_by`` reads a name's binding
_ASSIGNED_A_MOCK = re.compile(r"(\w+)" + ASSIGNS_A_MOCK)


def _shared_target(target: ast.expr, imported: Set[str]) -> bool:
    """A subscript, or an attribute of an imported name: what ``_check`` reads."""
    if isinstance(target, ast.Subscript):
        return True
    root = target
    while isinstance(root, ast.Attribute):
        root = root.value
    return root is not target and isinstance(root, ast.Name) and root.id in imported


def _may_be_mock(value: ast.expr, assigned: Set[str], aliases: Set[str]) -> bool:
    """``mock_made_by`` on the ``ast``, erring towards yes: a call of a mock
    constructor or ``create_autospec`` (or of a name imported under an alias),
    or a name the file assigns such a call (``assigned``)."""
    if isinstance(value, ast.Call):
        func = value.func
        last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        head = func
        while isinstance(head, ast.Attribute):
            head = head.value
        return last.endswith("Mock") or last == "create_autospec" or (isinstance(head, ast.Name) and head.id in aliases)
    return isinstance(value, ast.Name) and value.id in assigned


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
