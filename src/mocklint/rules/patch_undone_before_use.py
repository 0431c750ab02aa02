"""MCK404 patch-undone-before-use: a fixture or helper returns a patch's mock from inside the ``with`` block."""

from __future__ import annotations

import ast
import bisect
import builtins
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from mocklint.analysis.syntax.ast_scan import (
    Ancestry,
    ancestry_of,
    fixture_aliases,
    may_be_fixture,
    own_nodes,
    statements,
    with_statements,
)
from mocklint.analysis.syntax.bodies import BodyFilter
from mocklint.analysis.mock_values.candidates import candidate_index
from mocklint.analysis.mock_values.mocks import MOCK_MODULES, PATCH_OBJECTS, PATCHERS
from mocklint.analysis.pytest_model.pytest_roles import Role
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, child_site, descendants, scope_types
from mocklint.rule import Edit, FileContext, Fix, Rule, gate_all

_PATCH_DICTS = frozenset(f"{p}.dict" for p in PATCHERS)
_PATCH_MULTIPLES = frozenset(f"{p}.multiple" for p in PATCHERS)
_ALL_PATCHES = PATCHERS | PATCH_OBJECTS | _PATCH_DICTS | _PATCH_MULTIPLES
_PATCH_ATTRIBUTES = frozenset({"patch", "object", "dict", "multiple"})
_AST_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_AST_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_BUILTINS = frozenset(dir(builtins))


def _may_be_patch(expr: ast.expr, patches: Set[str]) -> bool:
    """A call ``_enclosing_patches`` may resolve to one of ``_ALL_PATCHES``:
    ``x.patch(...)``, ``x.object(...)``... or a name an import binds (``patches``)."""
    if type(expr) is not ast.Call:
        return False
    func = expr.func  # type: ignore[attr-defined]
    if type(func) is ast.Attribute:
        return func.attr in _PATCH_ATTRIBUTES
    return type(func) is ast.Name and func.id in patches


def _patch_names(imports: List[ast.stmt]) -> Set[str]:
    """The names ``imports`` bind to something called ``patch``, ``object``,
    ``dict`` or ``multiple`` (``from unittest.mock import patch as p``)."""
    found: Set[str] = set()
    for statement in imports:
        for alias in statement.names:  # type: ignore[attr-defined]
            if type(statement) is ast.ImportFrom:
                if alias.name in _PATCH_ATTRIBUTES:
                    found.add(alias.asname or alias.name)
            elif alias.asname and alias.name.rsplit(".", 1)[-1] in _PATCH_ATTRIBUTES:
                found.add(alias.asname)
    return found


def _derived_ast(value: ast.expr, alias: str) -> bool:
    """``_derived`` on the ``ast``."""
    kind = type(value)
    if kind is ast.Name:
        return value.id == alias  # type: ignore[attr-defined]
    if kind is ast.Attribute:
        if value.attr in _VALUES or value.attr.startswith("assert_"):  # type: ignore[attr-defined]
            return False
        return _derived_ast(value.value, alias)  # type: ignore[attr-defined]
    if kind is ast.Subscript or kind is ast.Starred:
        return _derived_ast(value.value, alias)  # type: ignore[attr-defined]
    if kind is ast.Call:
        return _derived_ast(value.func, alias)  # type: ignore[attr-defined]
    if kind is ast.Tuple or kind is ast.List:
        return any(_derived_ast(element, alias) for element in value.elts)  # type: ignore[attr-defined]
    if kind is ast.Dict:
        return any(_derived_ast(element, alias) for element in value.values)  # type: ignore[attr-defined]
    return False


# attributes of a mock that are plain values, not mocks
_VALUES = frozenset(
    {"called", "call_count", "call_args", "call_args_list", "method_calls", "mock_calls", "await_count", "await_args",
     "await_args_list", "side_effect"}
)


class PatchUndoneBeforeUse(Rule):
    """
    ## What it does
    Checks for a fixture or helper function that returns the mock of a
    `with patch(...) as m:` block (also `patch.object`, `patch.dict`,
    `patch.multiple`, through any import of `unittest.mock` or `mock`) from
    inside that block: `return m`, `return m.return_value`, `return m, other`.
    A fixture that returns nothing from inside a `with patch(...)` block is
    reported too.

    ## Why is this bad?
    Leaving the `with` block, which `return` does, undoes the patch. The caller
    receives a mock that is no longer installed: the code under test finds the
    real object again, the real function runs (network, disk, clock), and
    assertions on the mock fail or, worse, pass for the wrong reason
    (`assert_not_called()`). In a pytest fixture the patch must stay active until
    the test ends: `yield` from inside the block (pytest resumes the fixture for
    teardown, which leaves the block), or use pytest-mock's `mocker.patch`,
    which undoes its patches after the test.

    ## Example
    ```python
    from unittest.mock import patch

    import pytest

    from shop import checkout

    @pytest.fixture
    def payment_gateway():
        with patch("shop.checkout.charge") as charge:
            charge.return_value = {"status": "ok"}
            return charge

    def test_order_is_paid(payment_gateway):
        assert checkout.pay(order_id=7) == "paid"
        payment_gateway.assert_called_once_with(7)
    ```

    Use instead:
    ```python
    from unittest.mock import patch

    import pytest

    from shop import checkout

    @pytest.fixture
    def payment_gateway():
        with patch("shop.checkout.charge") as charge:
            charge.return_value = {"status": "ok"}
            yield charge

    def test_order_is_paid(payment_gateway):
        assert checkout.pay(order_id=7) == "paid"
        payment_gateway.assert_called_once_with(7)
    ```

    A helper that runs the code under test inside the block before it returns
    the mock (`await run_test(processor)`, then `return push_frame` or
    `return push_frame, processor`) hands back what the mock recorded, and a
    caller that only asserts on it is right. It is reported only when a caller
    in the same module goes on to use the mock as a patch: it runs more code
    after the call (a statement that calls something other than the mock, an
    assertion or a builtin) and then reads the mock again. A caller that hands
    the mock to other code uses it as a plain mock.

    ## Known problems
    A function that returns something else from inside the block (an object
    built while the patch was active: `return Client()`) is not reported: a
    patch needed only while setting up is a real idiom. Patches entered through
    `ExitStack`, and attributes stored on `self` inside the block, are not
    followed. A helper that runs code inside the block is followed only to its
    callers in the same module, and code run inside an `assert` after the call
    (`assert checkout.pay(2) == "paid"`) is not counted as use.

    ## Fix safety
    A fixture whose `return` is the last statement of a `with` block that ends
    the function (and that has no other `return`, no `yield` and no return
    annotation) gets a fix: `return` becomes `yield`. It is safe in ruff's sense:
    the fixture hands out the same value and the test now runs with the patch
    in effect, which is what the fixture was written to do. A test that passed
    against the real object may then fail: that is the bug the early `return`
    hid. A helper function gets no fix: it must become a context manager or a
    fixture, which changes its callers.

    ## References
    - [unittest.mock: patch as a context manager](https://docs.python.org/3/library/unittest.mock.html#patch)
    - [pytest: yield fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html#yield-fixtures-recommended)
    - [pytest-mock: `mocker.patch`](https://pytest-mock.readthedocs.io/en/latest/usage.html)
    """

    fix_safety = "safe"
    code = "MCK404"
    name = "patch-undone-before-use"
    summary = "A fixture or helper returns a patch's mock from inside the `with` block, which undoes the patch"
    messages = {
        "fixture": (
            "fixture `{function}` returns inside its `with` patch, so its test runs unpatched",
            "It returns `{value}` from inside `with {patch}`, and leaving the block undoes the patch before the test "
            "runs: the test gets {gets} and runs against {real}. `yield {value}` inside the `with` block instead "
            "(or use pytest-mock's `mocker.patch`).",
        ),
        "fixture_nothing": (
            "fixture `{function}` returns inside its `with` patch, so its test runs unpatched",
            "It returns from inside `with {patch}`, and leaving the block undoes the patch before the test runs: the test runs against {real}. `yield` inside "
            "the `with` block instead (or use pytest-mock's `mocker.patch`).",
        ),
        "helper": (
            "`{function}()` returns inside its `with` patch, so its caller gets an undone patch",
            "It returns `{value}` from inside `with {patch}`, and leaving the block undoes the patch: its caller gets "
            "{gets}, and the code under test runs against {real}. Patch where the mock is used (a `with` block "
            "around the code under test, a `yield` fixture, or pytest-mock's `mocker.patch`).",
        ),
        "helper_reused": (
            "`{caller}` runs more code after `{function}()` returned, outside its patch",
            "`{function}()` returns `{value}` from inside `with {patch}`, and leaving the block undoes the patch: "
            "`{caller}` then reads the mock again, but that code ran against {real} and the mock recorded only "
            "what ran inside the block. Patch around all the code that should reach the mock (a `with` block "
            "around it, a `yield` fixture, or pytest-mock's `mocker.patch`).",
        ),
    }
    gate = gate_all(r"\bpatch\b", r"\breturn\b", r"\bwith\b")

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        #: helpers that ran code inside the block before returning the mock: reported by
        #: ``finish`` only when a caller uses the mock as a patch after the block ended
        self._recording: List[_Recording] = []

    @classmethod
    def needed_bodies(cls, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
        """The bodies that may hold a mock, and those that call a function
        returning from inside a ``with`` block: ``finish`` reads the callers."""
        keep = candidate_index(tree, source, path).keeps
        helpers = _returning_inside_with(tree)
        if not helpers:
            return keep
        calls = re.compile(r"\b(?:" + "|".join(re.escape(name) for name in sorted(helpers)) + r")\b")
        return lambda func, body: keep(func, body) or calls.search(body) is not None

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """``visit_Return`` on the ``ast``, erring towards yes: a ``return`` of
        the function that holds a ``with`` one of whose items calls what may be
        a ``patch`` (``_may_be_patch``), inside that block, returning what
        derives from the patch's ``as`` name, or nothing in what may be a fixture."""
        withs: List[ast.stmt] = []
        returns: List[ast.stmt] = []
        imports: List[ast.stmt] = []
        lists = {
            ast.Return: returns, ast.With: withs, ast.AsyncWith: withs, ast.Import: imports, ast.ImportFrom: imports
        }
        which = lists.get
        for statement, _ in statements(tree):
            bucket = which(type(statement))
            if bucket is not None:
                bucket.append(statement)
        if not withs or not returns:
            return False
        patches = _patch_names(imports)
        patched = {
            id(node): node
            for node in withs
            if any(_may_be_patch(item.context_expr, patches) for item in node.items)  # type: ignore[attr-defined]
        }
        if not patched:
            return False
        # the lines the patched blocks span, merged: a `return` elsewhere is not in one
        spans: List[Tuple[int, int]] = []
        for start, end in sorted((n.lineno, n.end_lineno or 10**9) for n in patched.values()):
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], end))
            else:
                spans.append((start, end))
        starts = [start for start, _ in spans]
        ancestry: Optional[Ancestry] = None
        fixtures: List[Set[str]] = []
        for node in returns:
            at = bisect.bisect_right(starts, node.lineno) - 1
            if at < 0 or node.lineno > spans[at][1]:
                continue
            if ancestry is None:
                ancestry = ancestry_of(tree)
            chain = ancestry.ancestors(node)
            if chain is None:
                return True
            enclosing: List[ast.stmt] = []
            func: Optional[ast.AST] = None
            for ancestor in chain:
                if type(ancestor) in _AST_SCOPES:
                    func = ancestor
                    break
                if id(ancestor) in patched:
                    enclosing.append(ancestor)  # type: ignore[arg-type]
            if not enclosing or func is None:
                continue
            value = node.value  # type: ignore[attr-defined]
            if value is None or (type(value) is ast.Constant and value.value is None):
                if not fixtures:
                    fixtures.append(fixture_aliases(tree))
                if may_be_fixture(func, fixtures[0]):
                    return True
                continue
            for block in enclosing:
                for item in block.items:  # type: ignore[attr-defined]
                    alias = item.optional_vars
                    if type(alias) is ast.Name and _may_be_patch(item.context_expr, patches):
                        if _derived_ast(value, alias.id):
                            return True
        return False

    def finish(self) -> None:
        for recording in self._recording:
            caller = self._reusing_caller(recording)
            if caller is not None:
                self.report(recording.node, "helper_reused", caller=caller, **recording.fields)

    def visit_Return(self, node: cst.Return, site: Site) -> None:
        func = site.enclosing_function()
        if func is None:
            return
        found = self._enclosing_patches(site, func)
        if not found:
            return
        role = self.context.role(func)
        if role is Role.TEST or _has_own_yield(func):
            return
        value = node.value
        if value is None or (isinstance(value, cst.Name) and value.value == "None"):
            if role is not Role.FIXTURE:
                return
            with_node, call, _ = found[0]
            fix = self._yield_fix(node, func, with_node)
            self.report(
                node, "fixture_nothing", function=func.name.value, patch=_short(call), real=self._real(call, site),
                autofix=fix,
            )
            return
        aliases = {alias for _, _, alias in found if alias is not None}
        for with_node, call, alias in found:
            if alias is None or not _derived(value, alias):
                continue
            fields = dict(
                function=func.name.value, value=_short_value(value), patch=_short(call), real=self._real(call, site),
            )
            if role is Role.FIXTURE:
                fix = self._yield_fix(node, func, with_node)
                self.report(node, "fixture", gets=self._gets(call, site), autofix=fix, **fields)
            elif self._ran_inside(site, with_node, value, aliases):
                self._recording.append(_Recording(node, func, fields, _mock_positions(value, aliases)))
            else:
                self.report(node, "helper", gets=self._gets(call, site), **fields)
            return

    # -- helpers that record inside the block ---------------------------------------
    def _ran_inside(self, site: Site, with_node: cst.With, value: cst.BaseExpression, aliases: Set[str]) -> bool:
        """Whether code other than the mock's own configuration ran inside the
        block before the ``return`` at ``site`` (or runs in what it returns)."""
        before = _before(site, with_node)
        if any(self._runs_code(small, aliases, site) for small in before):
            return True
        returned = [e.value for e in value.elements] if isinstance(value, (cst.Tuple, cst.List)) else [value]
        others = [element for element in returned if not any(_derived(element, a) for a in aliases)]
        return any(self._calls_code(element, aliases, site) for element in others)

    def _runs_code(self, small: cst.BaseSmallStatement, names: Set[str], site: Site) -> bool:
        """Whether a statement inside the block calls anything but the mocks
        ``names`` (configuring them is not running code)."""
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if all(any(_derived(t, n) for n in names) for t in targets):
                return False
            return small.value is not None and self._calls_code(small.value, names, site)
        if isinstance(small, cst.Expr) and any(_derived(_awaited(small.value), n) for n in names):
            return False  # `m.configure_mock(...)`, `m.reset_mock()`
        return self._calls_code(small, names, site)

    def _calls_code(self, node: cst.CSTNode, names: Set[str], site: Site) -> bool:
        calls = (n for n in descendants(node, stop_at=scope_types()) if isinstance(n, cst.Call))
        return any(self._is_code(call, names, site) for call in calls)

    def _is_code(self, call: cst.Call, names: Set[str], site: Site) -> bool:
        """A call of something other than the mocks ``names``, a builtin or
        the mock library (``MagicMock(...)``, ``call(...)``)."""
        func = call.func
        if any(_derived(func, name) for name in names):
            return False
        if isinstance(func, cst.Name) and func.value in _BUILTINS and not self.context.names.bindings(site, func.value):
            return False
        qualified = self.context.resolve(site, func) or ""
        return not any(qualified.startswith(module + ".") for module in MOCK_MODULES)

    def _reusing_caller(self, recording: "_Recording") -> Optional[str]:
        """The first function of the module that calls the helper and then uses
        the mock it gets as a patch (``_used_as_patch``)."""
        helper = recording.func
        method = self.context.site_of(helper).enclosing_class() is not None
        for frame in self.context.function_frames.values():
            func = frame[0]
            if func is helper or not isinstance(func, cst.FunctionDef):
                continue
            site = child_site(Site(frame), func.body, "body")
            statements = list(_in_order(func.body))
            for index, small in enumerate(statements):
                bound = _bound_by_call(small, helper.name.value, method, recording.positions)
                if bound and self._used_as_patch(statements[index + 1:], bound, site):
                    return func.name.value
        return None

    def _used_as_patch(self, rest: Sequence[cst.BaseSmallStatement], names: Set[str], site: Site) -> bool:
        """Whether, after the call bound the mock to ``names``, a statement runs
        code and a later one (or that one) reads the mock; handing the mock to
        other code first makes it a plain mock, not a patch."""
        ran = False
        for small in rest:
            if self._hands_over(small, names, site):
                return False
            if ran and _reads(small, names):
                return True
            ran = ran or self._runs_code_after(small, names, site)
        return False

    def _runs_code_after(self, small: cst.BaseSmallStatement, names: Set[str], site: Site) -> bool:
        """A statement whose own value is a call of code: ``checkout.pay(2)``,
        ``result = await processor.run(frames)`` (not an assertion's arguments)."""
        if isinstance(small, cst.Expr):
            value: Optional[cst.BaseExpression] = small.value
        elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            value = small.value
        else:
            return False
        value = _awaited(value) if value is not None else None
        return isinstance(value, cst.Call) and not _is_assertion(value.func) and self._is_code(value, names, site)

    def _hands_over(self, small: cst.BaseSmallStatement, names: Set[str], site: Site) -> bool:
        """Whether the statement passes the mock to code or stores it (``Service(m)``, ``obj.client = m``)."""
        if isinstance(small, cst.Assign) and any(_derived(small.value, n) for n in names):
            if any(isinstance(t.target, (cst.Attribute, cst.Subscript)) for t in small.targets):
                return True
        for call in descendants(small, stop_at=scope_types()):
            if not isinstance(call, cst.Call) or _is_assertion(call.func) or not self._is_code(call, names, site):
                continue
            if any(_derived(arg.value, n) for arg in call.args for n in names):
                return True
        return False

    def _enclosing_patches(self, site: Site, func: cst.FunctionDef) -> List[Tuple[cst.With, cst.Call, Optional[str]]]:
        """The patch calls of the ``with`` statements between the return and its function, innermost first."""
        found: List[Tuple[cst.With, cst.Call, Optional[str]]] = []
        current: Optional[Site] = site
        while current is not None:
            node = current.node
            if node is func or isinstance(node, scope_types()):
                break
            if isinstance(node, cst.With):
                for item in node.items:
                    call = item.item
                    if isinstance(call, cst.Call) and self.context.resolve(current, call.func) in _ALL_PATCHES:
                        alias = item.asname.name.value if item.asname is not None and isinstance(item.asname.name, cst.Name) else None
                        found.append((node, call, alias))
            current = current.parent_site()
        return found

    def _gets(self, call: cst.Call, site: Site) -> str:
        qualified = self.context.resolve(site, call.func)
        if qualified in _PATCH_DICTS:
            return "a dictionary whose patched values are already undone"
        if qualified in _PATCH_MULTIPLES:
            return "mocks that are no longer installed"
        return "a mock that is no longer installed"

    def _real(self, call: cst.Call, site: Site) -> str:
        qualified = self.context.resolve(site, call.func) or ""
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        if qualified in PATCHERS and positional and isinstance(positional[0], cst.SimpleString):
            target = positional[0].evaluated_value
            if isinstance(target, str):
                return f"the real `{target}`"
        if qualified in PATCH_OBJECTS and len(positional) >= 2 and isinstance(positional[1], cst.SimpleString):
            attribute = positional[1].evaluated_value
            if isinstance(attribute, str):
                return f"the real `{code(positional[0])}.{attribute}`"
        if qualified in _PATCH_DICTS and positional:
            held = positional[0]
            name = held.evaluated_value if isinstance(held, cst.SimpleString) else None
            return f"`{name if isinstance(name, str) else code(held)}` without the patched values"
        return "the real object"

    def _yield_fix(self, node: cst.Return, func: cst.FunctionDef, with_node: cst.With) -> Optional[Fix]:
        """``return`` -> ``yield`` when the fixture ends with that ``with`` block and that ``return``."""
        if func.asynchronous is not None or func.returns is not None:
            return None
        body = func.body
        if not isinstance(body, cst.IndentedBlock) or not body.body or body.body[-1] is not with_node:
            return None
        block = with_node.body
        if not isinstance(block, cst.IndentedBlock) or not block.body:
            return None
        last = block.body[-1]
        if not isinstance(last, cst.SimpleStatementLine) or last.body[-1] is not node:
            return None
        returns = [n for n in descendants(func.body, stop_at=scope_types()) if isinstance(n, cst.Return)]
        if len(returns) != 1:
            return None
        text = "yield" if node.value is None else f"yield {code(node.value)}"
        return Fix("Yield from inside the `with` block", (Edit(node, text),), safe=True)


@dataclass(frozen=True)
class _Recording:
    """A helper's ``return`` of the mock from inside the block after code ran there."""

    node: cst.Return
    func: cst.FunctionDef
    #: the message fields but ``caller``
    fields: Dict[str, str]
    #: the positions of the returned tuple that hold the mock (None: the value is not a tuple)
    positions: Optional[Set[int]]


def _returning_inside_with(tree: ast.Module) -> Set[str]:
    """The names of the functions that return a value from inside a ``with`` block."""
    found: Set[str] = set()
    ancestry: Optional[Ancestry] = None
    for node, _ in with_statements(tree):
        returns = (n for n in own_nodes(node) if type(n) is ast.Return)
        if not any(n.value is not None for n in returns):  # type: ignore[attr-defined]
            continue
        ancestry = ancestry or ancestry_of(tree)
        func = next((a for a in ancestry.ancestors(node) or [] if type(a) in _AST_SCOPES), None)
        if type(func) in _AST_FUNCTIONS:
            found.add(func.name)  # type: ignore[union-attr]
    return found


def _before(site: Site, with_node: cst.With) -> List[cst.BaseSmallStatement]:
    """The statements of the block that run before the node at ``site``, in order."""
    found: List[cst.BaseSmallStatement] = []
    child = site.node
    for ancestor, _ in site.ancestors():
        if ancestor is with_node:
            break
        if isinstance(ancestor, (cst.IndentedBlock, cst.SimpleStatementSuite, cst.SimpleStatementLine)):
            earlier = ancestor.body[: next(i for i, s in enumerate(ancestor.body) if s is child)]
            found[:0] = list(_in_order(earlier))
        child = ancestor
    return found


def _in_order(body: Union[cst.BaseSuite, Sequence[cst.CSTNode]]) -> Iterator[cst.BaseSmallStatement]:
    """The small statements of ``body`` in source order, those of compound
    statements included, those of nested functions and classes not."""
    statements = body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else body
    for statement in statements:
        if isinstance(statement, cst.BaseSmallStatement):
            yield statement
        elif isinstance(statement, cst.SimpleStatementLine):
            yield from statement.body
        elif isinstance(statement, cst.BaseCompoundStatement) and not isinstance(statement, scope_types()):
            for block in _blocks(statement):
                yield from _in_order(block)


def _blocks(node: cst.CSTNode) -> Iterator[cst.BaseSuite]:
    """The blocks of a compound statement: its body, ``else``/``elif``, handlers, ``finally``."""
    for name in ("body", "handlers", "orelse", "finalbody"):
        part = getattr(node, name, None)
        for piece in part if isinstance(part, (list, tuple)) else [part]:
            if isinstance(piece, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                yield piece
            elif isinstance(piece, cst.CSTNode):
                yield from _blocks(piece)


def _mock_positions(value: cst.BaseExpression, aliases: Set[str]) -> Optional[Set[int]]:
    """The positions of a returned tuple that hold a mock of ``aliases``."""
    if not isinstance(value, (cst.Tuple, cst.List)):
        return None
    return {i for i, e in enumerate(value.elements) if any(_derived(e.value, a) for a in aliases)}


def _bound_by_call(
    small: cst.BaseSmallStatement, helper: str, method: bool, positions: Optional[Set[int]]
) -> Optional[Set[str]]:
    """The names ``small`` binds to the mock the helper returns (empty when the
    result is not kept in names), or None when it does not call the helper."""
    calls = [n for n in descendants(small, stop_at=scope_types()) if isinstance(n, cst.Call) and _calls(n, helper, method)]
    if not calls:
        return None
    if not isinstance(small, cst.Assign) or len(small.targets) != 1 or _awaited(small.value) is not calls[0]:
        return set()
    target = small.targets[0].target
    if isinstance(target, cst.Name):
        return {target.value}
    if not isinstance(target, (cst.Tuple, cst.List)):
        return set()
    return {
        e.value.value
        for i, e in enumerate(target.elements)
        if isinstance(e.value, cst.Name) and (positions is None or i in positions)
    }


def _calls(call: cst.Call, helper: str, method: bool) -> bool:
    """``helper(...)``, or ``self.helper(...)``/``cls.helper(...)`` for a method."""
    func = call.func
    if method:
        return isinstance(func, cst.Attribute) and func.attr.value == helper and isinstance(func.value, cst.Name) \
            and func.value.value in ("self", "cls")
    return isinstance(func, cst.Name) and func.value == helper


def _awaited(value: cst.BaseExpression) -> cst.BaseExpression:
    return value.expression if isinstance(value, cst.Await) else value


def _is_assertion(func: cst.BaseExpression) -> bool:
    """``self.assertEqual``, ``assert_that``, ``m.assert_called_once``: checks, not code under test."""
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name.startswith(("assert", "fail"))


def _reads(node: cst.CSTNode, names: Set[str]) -> bool:
    """Whether ``node`` reads one of ``names`` (not an attribute or keyword of that name)."""
    skipped: Set[int] = set()
    for child in descendants(node, stop_at=scope_types()):
        if isinstance(child, cst.Attribute):
            skipped.add(id(child.attr))
        elif isinstance(child, cst.Arg) and child.keyword is not None:
            skipped.add(id(child.keyword))
        elif isinstance(child, cst.Name) and child.value in names and id(child) not in skipped:
            return True
    return False


def _derived(value: cst.BaseExpression, alias: str) -> bool:
    """``value`` is the mock named ``alias``, a child or call of it, or holds one."""
    if isinstance(value, cst.Name):
        return value.value == alias
    if isinstance(value, cst.Attribute):
        if value.attr.value in _VALUES or value.attr.value.startswith("assert_"):
            return False  # `m.call_count`: a value read while the patch is active
        return _derived(value.value, alias)
    if isinstance(value, cst.Subscript):
        return _derived(value.value, alias)
    if isinstance(value, cst.Call):
        return _derived(value.func, alias)
    if isinstance(value, (cst.Tuple, cst.List)):
        return any(_derived(element.value, alias) for element in value.elements)
    if isinstance(value, cst.Dict):
        return any(isinstance(e, cst.DictElement) and _derived(e.value, alias) for e in value.elements)
    return False


def _has_own_yield(func: cst.FunctionDef) -> bool:
    return any(isinstance(n, cst.Yield) for n in descendants(func.body, stop_at=scope_types()))


def _short(call: cst.Call) -> str:
    text = code(call)
    return text if len(text) <= 60 and "\n" not in text else f"{code(call.func)}(...)"


def _short_value(value: cst.BaseExpression) -> str:
    text = code(value)
    return text if len(text) <= 40 and "\n" not in text else "..."
