"""MCK402 mock-leaked-into-shared-state: a mock put into an imported module, class or ``sys.modules`` for good."""

from __future__ import annotations

import ast
import re
from typing import Callable, List, Optional, Set, Tuple

from mocklint.analysis.syntax.ast_scan import Ancestry, ancestry_of, dotted, fixture_aliases, own_nodes, statements
from mocklint.analysis.mock_values.leaks import (
    Place,
    bases_may,
    conftest_may,
    conftest_path_may,
    display_of,
    iterated,
    leak_index,
    may_be_mock_made,
    may_be_place,
    mock_made_by,
    place_of,
)
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.analysis.mock_values.candidates import MOCK_BODIES, CandidateIndex, candidate_index
from mocklint.rule import Rule, gate

#: imported things whose attributes are not shared state worth reporting (the mock library, pytest)
_NOT_SHARED = ("unittest.mock", "mock", "pytest", "_pytest", "builtins")
#: what a conftest.py that may restore a `sys.modules` entry mentions
_MODULES_MENTION = re.compile(r"sys\.modules")
_PATCH_DICTS = frozenset({"unittest.mock.patch.dict", "mock.patch.dict"})
# whole-``sys.modules`` uses that only read it
_READS = frozenset({"get", "keys", "items", "values", "__contains__"})
# ``sys.modules`` methods that put entries in
_FILLS = frozenset({"setdefault", "update"})


class MockLeakedIntoSharedState(Rule):
    """
    ## What it does
    Checks for a mock (`MagicMock()`, `Mock()`, `AsyncMock()`,
    `create_autospec(...)`, `mocker.MagicMock()`, or a name bound to one) assigned
    to state that outlives the test: an attribute of an imported module, class or
    object (`client_module.session = MagicMock()`,
    `SessionManager._instance = MagicMock()`, `setattr(settings, "CLIENT", mock)`)
    or an entry of `sys.modules` (`sys.modules["boto3"] = MagicMock()`, also
    through `sys.modules.setdefault(name, mock)`, `sys.modules.update({...})`
    and a loop over a literal of mocks), at the module level of a test module
    or in a test, a fixture or a set-up, when nothing in the module restores it.

    `del sys.modules[name]` (or `sys.modules.pop(name)`) takes the mock out,
    which restores the entry only when there was none before: when the module
    itself imported `name` first, the real module is not put back.

    ## Why is this bad?
    Imported modules and classes live in `sys.modules`, shared by every test in
    the process. A plain assignment is not undone when the test ends: the mock
    stays in place for every test that runs later, so a test that needs the real
    object passes on its own and fails in the full run, or only in some orders.
    A mock put in `sys.modules` is what every later `import` of that name gets,
    test modules collected after this one included. Deleting the entry
    instead of putting back a module that was imported makes the next
    `import` run that module again: a second copy, whose classes and state
    differ from those of the first, which the code imported before keeps.

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
    or class; and when the name cannot be resolved to an import. A `del` counts
    as a restore unless the module imports the name at its top level before the
    mock is put in. `sys.modules.setdefault`/`update` are read as statements of
    their own, and loops only over a literal (or a name bound once to one).

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
            "`{written!b}` is mocked and never restored, so later tests get the mock",
            "It is replaced by {kind}: {shared} by every test in the process, and the mock stays in place for "
            "every test that runs later; those that need the real `{attr}` fail only in the full run or in some "
            "orders. {fix!c}.",
        ),
        "module": (
            "`{written!b}` is mocked and never restored, so later imports get the mock",
            "It is replaced by {kind}: {imports} that runs later in the same process (test modules collected "
            "after this one included) gets the mock instead of the real module, so tests fail only in the full "
            "run or in some orders. {fix!c}.",
        ),
        "module_call": (
            "`{written!b}` puts a mock into `sys.modules` for good, so later imports get it",
            "`{written}` puts {kind} into `sys.modules`{when}, and nothing takes it out: {imports} that runs "
            "later in the same process "
            "(test modules collected after this one included) gets the mock instead of the real module, so tests "
            "fail only in the full run or in some orders. {fix!c}.",
        ),
        "module_deleted": (
            "deleting the entry does not put back the `{module}` this module imported",
            "`{written}` is replaced by {kind}; once the entry is deleted, the next `import {module}` runs it "
            "again and makes a second copy, while the code that imported it before keeps the first (and what "
            "imported it during the test keeps the mock), so tests fail only in the full run or in some orders. "
            "{fix!c}.",
        ),
    }
    # A mock is made in the file: two literals, each found with `str.__contains__`.  (A second,
    # AND-ed part for the assignment would drop a tenth of these files, but as a regex
    # without a literal prefix it costs more than the parses it saves.)
    needed_bodies = MOCK_BODIES  # the bodies that may hold a mock
    gate = gate(r"Mock\(", r"create_autospec\(")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """``_check`` on the ``ast``, erring towards yes: an assignment to
        ``sys.modules[...]`` or to an attribute of an imported name, or a
        ``setattr(holder, "name", value)``, ``sys.modules.setdefault(name, value)``
        or ``sys.modules.update(...)`` statement, where the statement may run in
        a test's life (``place_of``) and, in a function, the name is not one of
        its own, the value may be a mock (``may_be_mock_made``: the file's
        candidate index says which names may make or hold one) and no other
        assignment or ``del`` in the module restores the attribute."""
        imported: Set[str] = set()
        modules: Set[str] = set()  # names bound to `sys.modules`
        assigns: List[ast.stmt] = []  # Assign, and AnnAssign with a value: what may restore
        deletes: List[ast.Delete] = []
        setattrs: List[Tuple[ast.stmt, ast.expr, ast.expr]] = []
        imports: List[ast.stmt] = []
        annotated: List[ast.stmt] = []
        exprs: List[ast.stmt] = []
        lists = {_ASSIGN: assigns, _IMPORT: imports, _IMPORT_FROM: imports, _ANN_ASSIGN: annotated, _DELETE: deletes}
        if "setattr" in source or "modules." in source:
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
                if alias.name.rsplit(".", 1)[-1] == "modules" and (from_import or alias.asname):
                    modules.add(bound)  # `from sys import modules`, `import sys.modules as loaded`
        assigns.extend(a for a in annotated if a.value is not None)  # type: ignore[attr-defined]
        for statement in exprs:
            call = statement.value  # type: ignore[attr-defined]
            if type(call) is not ast.Call:
                continue
            func = call.func
            if type(func) is ast.Name and func.id == "setattr":
                if len(call.args) == 3 and not call.keywords and _attribute_name(call.args[1]):
                    # `setattr(holder, "name", mock)` stands for `holder.name = mock`
                    target = ast.Attribute(value=call.args[0], attr=call.args[1].value)
                    setattrs.append((statement, target, call.args[2]))
            elif type(func) is ast.Attribute and func.attr in _FILLS:
                # `sys.modules.setdefault(name, mock)` stands for `sys.modules[name] = mock`
                entry = ast.Subscript(value=func.value, slice=ast.Constant(value=None))
                setattrs.extend((statement, entry, value) for value in _filled_values(call, assigns))
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
        ancestry = ancestry_of(tree)
        index = candidate_index(tree, source, path)
        restored: Optional[Set[str]] = None
        fixtures: List[Set[str]] = []

        def fixture_names() -> Set[str]:
            if not fixtures:
                fixtures.append(fixture_aliases(tree))
            return fixtures[0]

        for statement, target, value in found:
            place, func = may_be_place(ancestry, statement, path, fixture_names)
            if not place:
                continue
            if func is not None and _binds_locally(func, _root(target), ancestry, statement):
                continue  # `x.attr = mock` of the function's own `x`: not an import
            if not may_be_mock_made(index, value, ancestry.ancestors(statement), source):
                continue
            if type(target) is ast.Attribute:
                if restored is None:
                    restored = _restored(assigns, deletes, index, ancestry, source)
                parts = (dotted(target) or "").split(".")
                if any(".".join(parts[:n]) in restored for n in range(2, len(parts) + 1)):
                    continue
            holder = dotted(target.value) if type(target) is ast.Attribute else None  # type: ignore[attr-defined]
            if conftest_path_may(path, _MODULES_MENTION if holder is None else _mention(holder)):
                continue  # a conftest.py may restore it
            return True
        return False

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        for target in node.targets:
            self._check(target.target, node.value, site, target.target)

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        """``setattr(client_module, "session", MagicMock())``; ``sys.modules.setdefault(...)``
        and ``sys.modules.update(...)`` as statements."""
        parent = site.parent_site()
        if parent is None or not isinstance(parent.node, cst.Expr):
            return
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _FILLS:
            if self.context.resolve(site, func.value) == "sys.modules":
                self._check_modules_call(node, site)
            return
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
        self._check_entries([(key, value)], site, report_at, f"sys.modules[{code(key)}]", None)

    def _check_modules_call(self, call: cst.Call, site: Site) -> None:
        """``sys.modules.setdefault(name, mock)``, ``sys.modules.update({name: mock})``."""
        entries = _filled_entries(self.context, call, site)
        if not entries:
            return
        method = call.func.attr.value  # type: ignore[attr-defined]
        if method == "setdefault":
            key = entries[0][0]
            written = f"sys.modules.setdefault({code(key)}, ...)"
            when = f" whenever `{_literal_key(key) or code(key)}` is not imported yet"
        else:
            written, when = "sys.modules.update(...)", ""
        self._check_entries(entries, site, call, written, when)

    def _check_entries(
        self, entries: List[Tuple[cst.BaseExpression, cst.BaseExpression]], site: Site, report_at: cst.CSTNode,
        written: str, when: Optional[str],
    ) -> None:
        """Report the entries of ``sys.modules`` that get a mock and that nothing
        restores.  ``when``: None for an assignment, the condition of a call."""
        leaked = [(key, kind) for key, value in entries for kind in [mock_made_by(self.context, value, site)] if kind]
        place = place_of(self.context, site) if leaked else None
        if place is None or conftest_may(self.context, _MODULES_MENTION):
            return
        if place.cls is not None and bases_may(self.context, place.cls, _MODULES_MENTION):
            return
        unrestored: List[Tuple[cst.BaseExpression, str]] = []
        deleted: Optional[str] = None
        for key, kind in leaked:
            restore = self._module_entry_restored(key, site)
            imported = _imported_before(self.context, _literal_key(key), site)
            if restore == "restored" or (restore == "deleted" and imported is None):
                continue
            unrestored.append((key, kind))
            deleted = deleted or (imported if restore == "deleted" else None)
        if not unrestored:
            return
        key, kind = unrestored[0]
        fix = _module_fix(place, code(key))
        if deleted is not None:
            self.report(report_at, "module_deleted", written=written, kind=kind, module=deleted, fix=fix)
            return
        names = [name for k, _ in unrestored for name in _module_names(self.context, k, site)]
        if names and len(names) >= len(unrestored):
            imports = "every " + " or ".join(f"`import {name}`" for name in names)
        else:
            imports = f"every import of the module `{code(key)}` names"
        if when is None:
            self.report(report_at, "module", written=written, kind=kind, imports=imports, fix=fix)
        else:
            self.report(report_at, "module_call", written=written, kind=kind, when=when, imports=imports, fix=fix)

    def _module_entry_restored(self, key: cst.BaseExpression, site: Site) -> Optional[str]:
        """Whether anything in the module may restore ``sys.modules[key]``:
        "restored", "deleted" (only a ``del`` or ``pop`` takes the entry out),
        or None."""
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
                    return "restored"
        deleted = False
        for target, del_site in index.deletes:
            found = keyed(target)
            if found and self.context.resolve(del_site, target.value) == "sys.modules" and same(found[1]):  # type: ignore[attr-defined]
                deleted = True
        for node, use_site in _whole_uses(self.context, index):
            use = self._whole_use(node, use_site, site, same)
            if use == "restore":
                return "restored"
            deleted = deleted or use == "delete"
        return "deleted" if deleted else None

    def _whole_use(self, node: cst.BaseExpression, use: Site, assignment: Site, same: Callable[..., bool]) -> str:
        """What a use of the whole ``sys.modules`` may do to the entry: "read"
        (nothing), "delete" (``pop`` it) or "restore"."""
        parent = use.parent
        up = use.parent_site()
        if isinstance(parent, cst.Subscript) and use.field == "value":
            return "read"  # sys.modules[...]: the keyed cases are checked apart
        if isinstance(parent, cst.ComparisonTarget):
            return "read"  # `"x" in sys.modules`
        if isinstance(parent, cst.Attribute) and use.field == "value" and up is not None:
            grand = up.parent
            if parent.attr.value in _READS and isinstance(grand, cst.Call):
                return "read"
            if parent.attr.value == "pop" and isinstance(grand, cst.Call) and grand.args:
                return "delete" if same(grand.args[0].value) else "read"
            if parent.attr.value in _FILLS and isinstance(grand, cst.Call) and up.parent_site() is not None:
                filled = _filled_entries(self.context, grand, up.parent_site())  # type: ignore[arg-type]
                if filled and all(mock_made_by(self.context, v, use) is not None for _, v in filled):
                    return "read"  # it puts mocks in: a leak of its own, not a restore
            return "restore"
        if isinstance(parent, cst.Arg) and up is not None and isinstance(up.parent, cst.Call):
            call = up.parent
            call_site = up.parent_site()
            if call_site is None or call.args[0] is not parent:
                return "restore"
            callee = dotted_name(call.func) or ""
            if callee.split(".")[-1] in ("setitem", "delitem") and len(call.args) > 1:
                return "restore" if same(call.args[1].value) else "read"
            qualified = self.context.resolve(call_site, call.func) or ""
            is_dict = qualified in _PATCH_DICTS or callee.endswith("mocker.patch.dict")
            if is_dict:
                return "restore" if _encloses(call_site, assignment) else "read"
        return "restore"


def _filled_entries(context: object, call: cst.Call, site: Site) -> List[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """The ``(key, value)`` entries ``sys.modules.setdefault(key, value)`` or
    ``sys.modules.update(...)`` (a dict display, a name bound once to one, or
    keywords) puts in; empty when they cannot all be listed."""
    method = call.func.attr.value  # type: ignore[attr-defined]
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if any(a.star for a in call.args):
        return []
    if method == "setdefault":
        return [(positional[0], positional[1])] if len(positional) == 2 else []
    entries: List[Tuple[cst.BaseExpression, cst.BaseExpression]] = [
        (cst.SimpleString(repr(a.keyword.value)), a.value) for a in call.args if a.keyword is not None
    ]
    if len(positional) == 1:
        values = _dict_entries(context, positional[0], site)
        if values is None:
            return []
        entries[:0] = values
    return entries


def _dict_entries(
    context: object, expr: cst.BaseExpression, site: Site
) -> Optional[List[Tuple[cst.BaseExpression, cst.BaseExpression]]]:
    """The ``(key, value)`` pairs of a dict display, or of the one a name is bound to."""
    found = display_of(context, expr, site)
    display = found[0] if found is not None else None
    if not isinstance(display, cst.Dict) or not all(isinstance(e, cst.DictElement) for e in display.elements):
        return None
    return [(e.key, e.value) for e in display.elements]  # type: ignore[union-attr]


def _literal_key(key: cst.BaseExpression) -> Optional[str]:
    text = key.evaluated_value if isinstance(key, cst.SimpleString) else None
    return text if isinstance(text, str) else None


def _module_names(context: object, key: cst.BaseExpression, site: Site) -> List[str]:
    """The module names a key of ``sys.modules`` stands for: its text, or the
    literal values of the loop variable it is."""
    literal = _literal_key(key)
    if literal is not None:
        return [literal]
    values = iterated(context, key.value, site) if isinstance(key, cst.Name) else None
    names = [_literal_key(value) for value, _ in values or []]
    return [name for name in names if name is not None] if all(names) else []


def _imported_before(context: object, name: Optional[str], site: Site) -> Optional[str]:
    """``name`` when the module imports it (or a submodule of it) at its top
    level, unconditionally, before the statement at ``site`` runs: the real
    module is then in ``sys.modules`` when the mock replaces it."""
    if name is None:
        return None
    module: cst.Module = context.module  # type: ignore[attr-defined]
    in_function = bool(site.function_chain())
    statement = None if in_function else next((a for a, _ in site.ancestors() if isinstance(a, cst.BaseStatement)
                                              and any(a is s for s in module.body)), None)
    for top in module.body:
        if top is statement:
            break
        if not isinstance(top, cst.SimpleStatementLine):
            continue
        for small in top.body:
            if isinstance(small, cst.Import):
                imported = [dotted_name(alias.name) or "" for alias in small.names]
            elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
                imported = [dotted_name(small.module) or ""]
            else:
                continue
            if any(i == name or i.startswith(name + ".") for i in imported):
                return name
    return None


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


def _filled_values(call: ast.Call, assigns: List[ast.stmt]) -> List[ast.expr]:
    """What ``sys.modules.setdefault``/``update`` may put in, erring towards
    more: its value, the values of a dict display or of any dict display an
    assignment binds the argument's name to, its keyword values."""
    if call.func.attr == "setdefault":  # type: ignore[attr-defined]
        return call.args[1:2]
    values = [keyword.value for keyword in call.keywords]
    for argument in call.args[:1]:
        displays = [argument] if type(argument) is ast.Dict else [
            statement.value  # type: ignore[attr-defined]
            for statement in assigns
            if type(argument) is ast.Name and type(statement.value) is ast.Dict  # type: ignore[attr-defined]
            and any(type(t) is ast.Name and t.id == argument.id for t in _targets(statement))
        ]
        values.extend(v for display in displays for v in display.values)  # type: ignore[attr-defined]
    return values


def _targets(statement: ast.stmt) -> List[ast.expr]:
    """The targets of an ``Assign`` or ``AnnAssign``."""
    return statement.targets if type(statement) is _ASSIGN else [statement.target]  # type: ignore[attr-defined]


def _restored(
    assigns: List[ast.stmt], deletes: List[ast.Delete], index: CandidateIndex, ancestry: Ancestry, source: str
) -> Set[str]:
    """What ``_attribute_restored`` finds restored on the ``ast``, in part: the
    attributes (``a.b``) some assignment gives what is surely not a mock
    (``may_be_mock_made``), or that some ``del`` deletes, anywhere in the
    module.  An attribute restores itself and the attributes under it."""
    found: Set[str] = set()
    for statement in assigns:
        targets = _targets(statement)
        if not any(type(t) is ast.Attribute for t in targets):
            continue
        value = statement.value  # type: ignore[attr-defined]
        if not may_be_mock_made(index, value, ancestry.ancestors(statement), source):
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
