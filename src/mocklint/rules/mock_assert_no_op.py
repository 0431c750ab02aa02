"""MCK403 mock-assert-no-op: an attribute of a mock that looks like an assertion but checks nothing."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Dict, FrozenSet, Iterator, Optional, Tuple, Union

from mocklint.analysis.mock_values import mocks
from mocklint.analysis.syntax.ast_scan import statements
from mocklint.analysis.mock_values.mocks import Inferred, Kind, MockAnalysis
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.mock_values.targets import Target, resolve_target
from mocklint.analysis.syntax.tree import Site, child_site, descendants
from mocklint.analysis.mock_values.candidates import MOCK_BODIES, candidate_index
from mocklint.rule import Edit, Fix, Rule, gate

# Names mock's deny list (Python 3.12+) rejects, with the assertion each stands for.
_SYNC: Dict[str, str] = {
    "called_once_with": "assert_called_once_with",
    "called_with": "assert_called_with",
    "called_once": "assert_called_once",
    "not_called": "assert_not_called",
    "has_calls": "assert_has_calls",
    "any_call": "assert_any_call",
}
# AsyncMock's assertions without their prefix: no Python version rejects them.
_ASYNC: Dict[str, str] = {
    "awaited": "assert_awaited",
    "awaited_once": "assert_awaited_once",
    "awaited_with": "assert_awaited_with",
    "awaited_once_with": "assert_awaited_once_with",
    "not_awaited": "assert_not_awaited",
    "has_awaits": "assert_has_awaits",
    "any_await": "assert_any_await",
}
_REAL_SYNC: FrozenSet[str] = frozenset({"assert_called", *_SYNC.values()})
_REAL_ASYNC: FrozenSet[str] = frozenset(_ASYNC.values())
# what a mock records of its calls: plain values, read to check them
_RECORDS = frozenset(
    {"called", "call_count", "call_args", "call_args_list", "await_count", "await_args", "await_args_list",
     "mock_calls", "method_calls"}
)
# an asserted assertion as the gate finds it: `assert m.assert_called_once()`,
# `self.assertTrue(m.assert_called())`; only that shape is reported (the gate must match every finding)
_ASSERTED = r"\bassert(?:True\(\s*|\s+)[\w.]+\.assert_\w+\s*\("
# the sync magic methods a MagicMock (NonCallableMagicMock, AsyncMock) has as plain MagicMock
# children on Python 3.10 to 3.13, spec or autospec above them or not (executed): the deny
# list, and so the version a no-op name on one raises from, is that of any child
_MAGIC_CHILDREN: FrozenSet[str] = frozenset(
    f"__{name}__"
    for name in (
        "enter exit iter next len bool contains getitem setitem delitem str int float complex index hash "
        "fspath sizeof round trunc floor ceil abs neg pos invert eq ne lt le gt ge "
        "add sub mul matmul truediv floordiv mod divmod pow lshift rshift and or xor "
        "radd rsub rmul rmatmul rtruediv rfloordiv rmod rdivmod rpow rlshift rrshift rand ror rxor "
        "iadd isub imul imatmul itruediv ifloordiv imod ipow ilshift irshift iand ior ixor"
    ).split()
)
# what comes after a misspelt prefix: `asset_called_once` -> `called_once`
_SUFFIXES: Dict[str, str] = {"called": "assert_called", **_SYNC, **_ASYNC}
# assertions whose meaning depends on the arguments: adding `()` would assert something else
_NEEDS_ARGUMENTS = frozenset(
    {
        "assert_called_with",
        "assert_called_once_with",
        "assert_any_call",
        "assert_has_calls",
        "assert_awaited_with",
        "assert_awaited_once_with",
        "assert_any_await",
        "assert_has_awaits",
    }
)
# prefixes mock rejects since 3.5 (`assert`, `assret`) and since 3.10 (the rest)
_ALWAYS_REJECTED = ("assert", "assret")
_REJECTED_FROM_310 = ("asert", "aseert", "assrt")

# where `python -O` leaves an asserted assertion (pytest rewrites its asserts and keeps them)
_DROPPED = " (and under `python -O`, outside pytest, the line is dropped, check and all)"

# when a no-op checks nothing, by Python version
_WHEN = {
    "3.12": " (and raises AttributeError from Python 3.12)",
    "3.10": " up to Python 3.9 (and raises AttributeError from Python 3.10)",
    "never": " on every Python version",
    "unsafe": " on every Python version (`unsafe=True` turns off mock's name checks)",
}


class MockAssertNoOp(Rule):
    """
    ## What it does
    Checks for attributes of a mock that look like assertions but are not:
    `called_once_with`, `called_with`, `called_once`, `not_called`,
    `has_calls` and `any_call` without their `assert_` prefix; AsyncMock's
    `awaited_once`, `awaited_once_with`, `not_awaited`, `has_awaits` (and
    the other `awaited` names) likewise; misspelt prefixes (`asset_`, `asssert_`,
    `asert_`, `aseert_`, `assrt_`, ...); the same names under `assert`
    (`assert mock_send.called_once_with(...)`); and a real assertion method
    that is referenced but never called (`mock_send.assert_called_once` as a
    statement, or `assert mock_send.assert_called_once`).

    It also checks for a comparison of what a mock recorded used as a
    statement (`mock_client.event.call_count == 3` without `assert`), and for
    a real assertion method whose result is asserted
    (`assert m.assert_called_once()`).

    Only receivers known to be mocks are checked: `Mock()`, `MagicMock()`,
    `AsyncMock()` and their children (magic methods such as `__enter__`
    included), `create_autospec(...)` and `patch(..., autospec=True)` mocks,
    `patch`/`patch.object` decorators and context managers, pytest-mock's
    `mocker.patch`, and fixtures of the same module that return a mock.

    ## Why is this bad?
    Any attribute of a mock that is not one of its own is a new child mock, so
    `mock_send.called_once_with("hi")` creates a child, calls it, and checks
    nothing: the test passes whatever the code did. What happens depends on the
    name and the Python version (executed on CPython 3.8 to 3.13):

    - `called_once_with`, `called_with`, `called_once`, `not_called`,
      `has_calls`, `any_call`: check nothing up to Python 3.11; from 3.12 mock
      raises `AttributeError: 'called_once_with' is not a valid assertion`;
    - `asert_`, `aseert_`, `assrt_`: check nothing up to Python 3.9; from 3.10
      mock raises `AttributeError`;
    - `asset_`, `asssert_` and other misspellings, AsyncMock's `awaited_once`
      and friends (whose calls return coroutines that are never awaited), and an
      assertion method that is not called (a bound method is always true): check
      nothing on every version.

    So the test either checks nothing or crashes on newer Pythons. A mock whose
    own `spec`/`spec_set` lacks the name (a list of names, a function, a class
    of the module) raises `AttributeError` for every one of these names on every
    version; children of `Mock(spec=C)` are not specced and behave as above.
    `Mock(unsafe=True)` turns the checks off: its no-ops pass on every version.
    An autospec'd mock specs its children, which raise `AttributeError` for
    these names on every version, but not its magic methods: on
    `create_autospec(Lock, instance=True)`, `lock.__enter__.called_once()`
    checks nothing up to 3.11 like any other child, and an uncalled
    `lock.__enter__.assert_called_once` nothing on every version.

    A comparison as a statement (`mock_client.event.call_count == 3`) is
    computed and thrown away: it checks nothing on every version. And every
    assertion method returns None when it passes (3.10 to 3.13), so
    `assert m.assert_called_once()` fails whatever the mock saw: with mock's
    `AssertionError` when the call is wrong, with `assert None` when it is
    right; under `python -O`, outside pytest, the line is dropped, check and all.

    ## Example
    ```python
    from unittest.mock import AsyncMock, patch

    from app import notify

    @patch("app.mailer.send")
    def test_welcome_mail(mock_send):
        notify.welcome("ada@example.com")
        mock_send.called_once_with("ada@example.com")

    async def test_audit():
        audit = AsyncMock()
        await notify.audited(audit)
        audit.record.awaited_once()
    ```

    Use instead:
    ```python
    from unittest.mock import AsyncMock, patch

    from app import notify

    @patch("app.mailer.send")
    def test_welcome_mail(mock_send):
        notify.welcome("ada@example.com")
        mock_send.assert_called_once_with("ada@example.com")

    async def test_audit():
        audit = AsyncMock()
        await notify.audited(audit)
        audit.record.assert_awaited_once()
    ```

    ## Known problems
    A receiver mocklint cannot tell is a mock (a mock built in another module
    and passed in, a `create_autospec`, a child of a mock that other code
    reconfigures) is not checked, nor are AsyncMock names on a mock whose flavour
    is unknown (a `patch` of a target mocklint cannot read).
    `assert not mock.called_once_with(...)` (which always fails) is left alone.

    ## Fix safety
    The fix writes the real assertion (`called_once_with` ->
    `assert_called_once_with`, `asset_called_once` -> `assert_called_once`,
    `assert m.called_once_with(x)` -> `m.assert_called_once_with(x)`, an uncalled
    `m.assert_called_once` -> `m.assert_called_once()`, a comparison statement
    -> `assert` it, `assert m.assert_called_once()` -> `m.assert_called_once()`).
    It is safe in ruff's
    sense: it keeps the meaning the author wrote, an assertion, and makes the
    code do it. The test then starts checking, so a test that passed may fail:
    that is the bug the no-op hid, not one the fix made. An assertion whose
    arguments are not written (`m.assert_called_with` never called) and an
    `assert` with a message get no fix.

    ## References
    - [unittest.mock: the `unsafe` argument and misspelt assertions](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.Mock)
    - [CPython issue #100690: from 3.12 mock rejects `called_once_with` and the other names of assertions without `assert_`](https://github.com/python/cpython/issues/100690)
    - [AsyncMock assertions](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.AsyncMock.assert_awaited)
    """

    fix_safety = "safe"
    code = "MCK403"
    name = "mock-assert-no-op"
    summary = "An attribute of a mock that looks like an assertion checks nothing"
    messages = {
        "call": (
            "`{written!b}` is not an assertion, so it checks nothing",
            "It {does}{misspelling}, and checks nothing{when}. Use `{real}`.",
        ),
        "attribute": (
            "`{written!b}` is not an assertion, so it checks nothing",
            "It is a child mock{misspelling}, always true, and checks nothing{when}. Use `{real}`.",
        ),
        "uncalled": (
            "`{written!b}` never calls the assertion, so it checks nothing",
            "A method is always true, on every Python version. Use `{real}`.",
        ),
        "specced": (
            "`{written!b}` raises AttributeError: the spec of `{receiver}` lacks it",
            "It is not an assertion{misspelling}: `{receiver}` has a spec without `{attribute}`, so it raises on every "
            "Python version. Use `{real}`.",
        ),
        "comparison": (
            "`{written!b}` is a comparison used as a statement, so it checks nothing",
            "Its result is thrown away, on every Python version. Use `assert {written}`.",
        ),
        "asserted": (
            "`{written!b}` can only fail: the assertion returns None",
            "`{attribute}()` returns None when it passes, so {check} fails when the mock saw what it expects, and mock raises when it did not{dropped}. "
            "Call the assertion as a statement: `{real}`.",
        ),
    }
    # literal first, the lookbehind after it: the regex engine scans for the literal fast
    needed_bodies = MOCK_BODIES  # the bodies that may hold a mock
    gate = gate(
        r"called_once(?<!assert_called_once)",
        r"called_with(?<!assert_called_with)",
        r"not_called(?<!assert_not_called)",
        r"has_calls(?<!assert_has_calls)",
        r"any_call(?<!assert_any_call)",
        r"awaited_once(?<!assert_awaited_once)",
        r"awaited_with(?<!assert_awaited_with)",
        r"not_awaited(?<!assert_not_awaited)",
        r"has_awaits(?<!assert_has_awaits)",
        r"any_await(?<!assert_any_await)",
        r"_called\b(?<!assert_called)(?<!assert_not_called)",
        r"_awaited\b(?<!assert_awaited)(?<!assert_not_awaited)",
        r"\.assert_\w+\b(?!\s*\()",
        r"\.awaited\b",
        # what a mock recorded, compared in a statement of its own
        r"call_count",
        r"await_count",
        r"\.called\b",
        r"call_args",
        r"await_args",
        r"mock_calls",
        r"method_calls",
        _ASSERTED,
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A statement of the shape ``_check`` reads, naming a no-op assertion,
        in a file that may hold a mock."""
        return candidate_index(tree, source, path).holds_mocks and any(
            isinstance(statement, (ast.Expr, ast.Assert)) and _may_be_no_op(statement)
            for statement, _ in statements(tree)
        )

    def visit_Expr(self, node: cst.Expr, site: Site) -> None:
        value = node.value
        value_site = child_site(site, value, "value")
        if isinstance(value, cst.Comparison):
            self._check_comparison(node, value, value_site)
            return
        if isinstance(value, cst.Call) and _is_assert_true(value):
            args = [a for a in value.args if not a.star]
            if args and args[0].keyword is None:
                self._check(args[0].value, value_site, replaced=value if len(args) == 1 else None, in_assert="assertTrue")
            return
        self._check(value, value_site, replaced=value, in_assert=None)

    def visit_Assert(self, node: cst.Assert, site: Site) -> None:
        replaced = node if node.msg is None and node.semicolon is cst.MaybeSentinel.DEFAULT else None
        self._check(node.test, child_site(site, node.test, "test"), replaced=replaced, in_assert="assert")

    def _check_comparison(self, statement: cst.Expr, comparison: cst.Comparison, site: Site) -> None:
        """``mock_client.event.call_count == 3`` as a statement: compared, and thrown away."""
        analysis = _analysis(self.context)
        for node in descendants(comparison, stop_at=(cst.Lambda,)):
            if not isinstance(node, cst.Attribute) or node.attr.value not in _RECORDS:
                continue
            if analysis.receiver(node.value, site, node.attr.value) is None:
                continue
            written = code(comparison)
            shown = written if len(written) <= 60 and "\n" not in written else f"{code(node)} ..."
            fix = None
            if "\n" not in written:
                fix = Fix(f"Assert `{shown}`", (Edit(statement, f"assert {written}"),), safe=True)
            self.report(node.attr, "comparison", written=shown, autofix=fix)
            return

    def _check_asserted(
        self, call: cst.Call, attr: cst.Attribute, site: Site, replaced: Optional[cst.CSTNode], in_assert: str
    ) -> None:
        """``assert m.assert_called_once()``: the method returns None when it passes."""
        name = attr.attr.value
        written = site.node if in_assert == "assertTrue" else site.parent
        if written is None or not re.search(_ASSERTED, code(written)):
            return  # a shape the gate does not read
        found = _analysis(self.context).receiver(attr.value, site, name)
        if found is None or (name in _REAL_ASYNC and found[0] is not Kind.ASYNC_MOCK):
            return
        shown = _shown(call, call)
        assert_true = in_assert == "assertTrue"
        real = code(call) if len(code(call)) <= 60 and "\n" not in code(call) else shown
        self.report(
            attr.attr,
            "asserted",
            written=f"self.assertTrue({shown})" if assert_true else f"assert {shown}",
            attribute=name,
            check="`assertTrue(None)`" if assert_true else "`assert None`",
            dropped="" if assert_true else _DROPPED,
            real=real,
            autofix=Fix(f"Call `{name}()`", (Edit(replaced, code(call)),), safe=True) if replaced is not None else None,
        )

    # -- the expression -------------------------------------------------------------
    def _check(self, expr: cst.BaseExpression, site: Site, replaced: Optional[cst.CSTNode], in_assert: Optional[str]) -> None:
        awaited = None
        if isinstance(expr, cst.Await):
            awaited, expr = expr, expr.expression
        call = expr if isinstance(expr, cst.Call) else None
        attr = call.func if call is not None else expr
        if not isinstance(attr, cst.Attribute):
            return
        name = attr.attr.value
        if call is not None and in_assert is not None and awaited is None and name in _REAL_SYNC | _REAL_ASYNC:
            self._check_asserted(call, attr, site, replaced, in_assert)
            return
        real, version = _meaning(name)
        uncalled = call is None and (name in _REAL_SYNC or name in _REAL_ASYNC)
        if real is None and not uncalled:
            return
        if uncalled and awaited is not None:
            return
        receiver = attr.value
        analysis = _analysis(self.context)
        found = analysis.receiver(receiver, site, name)
        if found is None:
            return
        kind, specced, unsafe = found
        if (name in _REAL_ASYNC or name in _ASYNC or (real in _REAL_ASYNC)) and kind is not Kind.ASYNC_MOCK:
            return  # AsyncMock names on a mock not known to be an AsyncMock
        if uncalled:
            specced = False  # assertion methods exist whatever the spec
        if specced is None:
            return  # a spec mocklint cannot read may hold the name
        shown = _shown(expr, call)
        written = f"{in_assert}({shown})" if in_assert == "assertTrue" else f"{in_assert} {shown}" if in_assert else shown
        if awaited is not None:
            written = f"await {shown}"
        target = real if real is not None else name
        arguments = "(...)" if call is not None and call.args else "()"
        needs = call is None and target in _NEEDS_ARGUMENTS
        if needs:
            arguments = "(...)"
        real_text = f"{code(receiver)}.{target}{arguments}"
        fix = self._fix(expr, call, attr, target, awaited, replaced, in_assert, needs)
        misspelling = ""
        if real is not None and name not in _SYNC and name not in _ASYNC:
            misspelling = f" (`{name.split('_', 1)[0]}_` is a misspelling of `assert_`)"
        if specced:
            self.report(
                attr.attr, "specced", written=written, misspelling=misspelling, receiver=code(receiver),
                attribute=name, real=real_text, autofix=fix,
            )
            return
        if uncalled:
            self.report(attr.attr, "uncalled", written=written, real=real_text, autofix=fix)
            return
        when = _WHEN["unsafe" if unsafe else version]
        if call is None:
            self.report(attr.attr, "attribute", written=written, misspelling=misspelling, when=when, real=real_text, autofix=fix)
            return
        does = "creates a child mock"
        if name in _ASYNC or real in _REAL_ASYNC:
            does = "calls a child AsyncMock and makes a coroutine that is never awaited"
        self.report(attr.attr, "call", written=written, misspelling=misspelling, does=does, when=when, real=real_text, autofix=fix)

    def _fix(
        self,
        expr: cst.BaseExpression,
        call: Optional[cst.Call],
        attr: cst.Attribute,
        target: str,
        awaited: Optional[cst.Await],
        replaced: Optional[cst.CSTNode],
        in_assert: Optional[str],
        needs_arguments: bool,
    ) -> Optional[Fix]:
        title = f"Use `{target}`"
        if call is not None:
            renamed = call.with_changes(func=attr.with_changes(attr=cst.Name(target)))
            if in_assert is None and awaited is None:
                return Fix(title, (Edit(attr.attr, target),), safe=True)
            if replaced is None:
                return None
            return Fix(title, (Edit(replaced, code(renamed)),), safe=True)
        if needs_arguments or replaced is None:
            return None
        text = f"{code(attr.value)}.{target}()"
        return Fix(f"Call `{target}()`" if target == attr.attr.value else title, (Edit(replaced, text),), safe=True)


def _may_be_no_op(statement: Union[ast.Expr, ast.Assert]) -> bool:
    """``visit_Expr``/``visit_Assert`` and ``_check`` on the ``ast``: whether the
    statement's expression names an assertion ``_check`` may report, or is a
    comparison of what a mock records (``_check_comparison``)."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Compare):
        return any(isinstance(n, ast.Attribute) and n.attr in _RECORDS for n in ast.walk(statement.value))
    expr = statement.value if isinstance(statement, ast.Expr) else statement.test
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("assertTrue", "assert_"):
        if isinstance(expr.func.value, ast.Name) and expr.func.value.id == "self":
            return any(_names_no_op(arg, asserted=True) for arg in expr.args if not isinstance(arg, ast.Starred))
    return _names_no_op(expr, asserted=isinstance(statement, ast.Assert))


def _names_no_op(expr: ast.expr, asserted: bool = False) -> bool:
    """``asserted``: under ``assert``, where a called real assertion is reported too."""
    awaited = isinstance(expr, ast.Await)
    if isinstance(expr, ast.Await):
        expr = expr.value
    call = isinstance(expr, ast.Call)
    attr = expr.func if isinstance(expr, ast.Call) else expr
    if not isinstance(attr, ast.Attribute):
        return False
    if _meaning(attr.attr)[0] is not None:
        return True
    real = attr.attr in _REAL_SYNC or attr.attr in _REAL_ASYNC
    return real and not awaited and (asserted or not call)


def _is_assert_true(call: cst.Call) -> bool:
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value in ("assertTrue", "assert_") and isinstance(func.value, cst.Name) and func.value.value == "self"


def _shown(expr: cst.BaseExpression, call: Optional[cst.Call]) -> str:
    if call is None:
        return code(expr)
    text = code(call)
    if len(text) > 60 or "\n" in text or call.args:
        return f"{code(call.func)}({'...' if call.args else ''})"
    return text


def _meaning(name: str) -> Tuple[Optional[str], str]:
    """The assertion ``name`` stands for, and from which Python version mock rejects it."""
    if name in _SYNC:
        return _SYNC[name], "3.12"
    if name in _ASYNC:
        return _ASYNC[name], "never"
    prefix, _, rest = name.partition("_")
    if not rest or rest not in _SUFFIXES or name.startswith(_ALWAYS_REJECTED):
        return None, ""
    if not (prefix.startswith("as") or prefix == "ssert") or _distance(prefix, "assert") > 2:
        return None, ""
    return _SUFFIXES[rest], "3.10" if name.startswith(_REJECTED_FROM_310) else "never"


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (adjacent transpositions count once)."""
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


# -- which expressions are mocks ------------------------------------------------------
@dataclass(frozen=True)
class _Child(Inferred):
    """A child of a mock whose own children mocklint's inference leaves unknown
    (an escaped or configured mock): still a mock, of a flavour not relied on."""


class _AnyMockAnalysis(MockAnalysis):
    """The mock inference, asked a weaker question: is this a mock at all?

    A ``patch`` of a target that cannot be read still makes a mock (a MagicMock
    or an AsyncMock); a child of a mock that escaped to other code is still a
    mock unless something assigns it.  Patches with ``spec``/``autospec`` are
    marked ``spec_class``: their children are specced, and raise for any name
    the spec lacks."""

    def patch_kind(self, call: cst.Call, site: Site, depth: int = 0) -> Optional[Inferred]:
        parts = self._patch_parts(call, site)
        if parts is None:
            return None
        _, keywords, _ = parts
        if "unsafe" in keywords:
            return None
        specced = any(k in keywords for k in ("spec", "spec_set", "autospec"))
        found = super().patch_kind(call, site, depth)
        if specced:
            if found is None:
                return Inferred(Kind.MAGIC_MOCK, "`patch` with a spec", opaque=True, spec_class=True)
            return Inferred(
                found.kind, found.why, opaque=True, spec=found.spec, spec_class=True,
                coroutine_function=found.coroutine_function,
            )
        if found is not None or self.patch_new(call, site) is not None or "new_callable" in keywords:
            return found
        # a target mocklint cannot read: a MagicMock or an AsyncMock, either way a mock
        return Inferred(Kind.MAGIC_MOCK, "`patch` replaces its target with a mock", opaque=False)

    def _with_target_kind(self, binding: mocks._Binding, name: str, depth: int) -> Optional[Inferred]:
        item = binding.value
        if isinstance(item, cst.Call):
            patched = self.patch_kind(item, binding.site, depth)
            if patched is not None and patched.spec_class:
                return patched  # keep the mark: the inherited method drops it
        return super()._with_target_kind(binding, name, depth)

    def _parameter_kind(self, binding: mocks._Binding, name: str, depth: int) -> Optional[Inferred]:
        func = binding.site.node
        if isinstance(func, cst.FunctionDef):
            patched = self._patch_parameters(func, binding.site, depth).get(name)
            if patched is not None and patched.spec_class:
                return patched
        return super()._parameter_kind(binding, name, depth)

    def _autospec_kind(self, call: cst.Call, site: Site) -> Optional[Inferred]:
        """Any ``create_autospec(...)``: a mock whose own children are specced
        (``spec_class``), with the class it specs when mocklint can read it."""
        found = super()._autospec_kind(call, site)
        if found is not None:
            return Inferred(found.kind, found.why, opaque=True, spec_class=True)
        if self.names.resolve(site, call.func) not in mocks.AUTOSPEC or not call.args or call.args[0].keyword:
            return None
        flag = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "instance"), None)
        instance = isinstance(flag, cst.Name) and flag.value == "True"
        kind = Kind.NON_CALLABLE_MAGIC_MOCK if instance else Kind.MAGIC_MOCK
        return Inferred(
            kind, f"`{code(call)}` is an autospec'd mock", opaque=True, spec=self._class_spec(call.args[0].value, site),
            spec_class=True,
        )

    def _class_spec(self, expr: cst.BaseExpression, site: Site) -> Optional[Tuple[str, str]]:
        """``("local", "C")`` or ``("qualified", "pkg.C")`` when ``expr`` names a class mocklint can read."""
        if isinstance(expr, cst.Name) and self._local_class(expr, site) is not None:
            return ("local", expr.value)
        qualified = self.names.resolve(site, expr)
        if qualified is not None and resolve_target(qualified, self._directory(), script=self.path) is Target.CLASS:
            return ("qualified", qualified)
        return None

    def _attribute_kind(
        self, attr: cst.Attribute, site: Site, depth: int, parent: Optional[Inferred] = None
    ) -> Optional[Inferred]:
        found = super()._attribute_kind(attr, site, depth, parent)
        if found is not None or depth > 30:
            return found
        root, path = mocks._split(attr)
        if root is None or self.reconfigured_path(root, path, site):
            return None
        if parent is None:
            parent = self._kind(attr.value, site, depth + 1)
        if parent is not None and parent.kind.is_mock and attr.attr.value in _MAGIC_CHILDREN:
            return self._magic_child(parent, attr.attr.value, site)
        if parent is None or not parent.kind.is_mock or parent.spec_class:
            return None
        if parent.spec is not None and not self._spec_has(parent.spec, attr.attr.value, site):
            return None  # reading a name the spec lacks raises
        kind = mocks._child_kind(parent.kind, attr.attr.value)
        if kind is None:
            return None
        # an opaque AsyncMock may be specced: its sync members are MagicMocks
        flavour = Kind.MAGIC_MOCK if kind is Kind.ASYNC_MOCK and parent.opaque else kind
        return _Child(flavour, parent.why, opaque=True)

    def _magic_child(self, parent: Inferred, name: str, site: Site) -> Optional[Inferred]:
        """``lock.__enter__``: a plain MagicMock child of a MagicMock (a ``Mock``
        has no magic methods), when its spec, if any, has the method."""
        if parent.kind not in (Kind.MAGIC_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK, Kind.ASYNC_MOCK):
            return None
        if parent.spec is not None:
            if not self._spec_has(parent.spec, name, site):
                return None  # a spec without it: reading it raises
        elif parent.opaque or parent.spec_class:
            return None  # a spec mocklint cannot read may lack it
        return _Child(Kind.MAGIC_MOCK, parent.why, opaque=True)

    def _spec_has(self, spec: Tuple[str, str], attr: str, site: Site) -> bool:
        """Whether the class of a constructor's ``spec=`` certainly has ``attr``
        (the child is then a plain mock: ``spec=`` does not spec children)."""
        if spec[0] == "local":
            owner = self._local_class(cst.Name(spec[1]), site)
            if owner is None or not isinstance(owner.body, cst.IndentedBlock):
                return False
            return any(attr in _bound_names(statement) for statement in owner.body.body)
        return resolve_target(f"{spec[1]}.{attr}", self._directory(), script=self.path) is not None

    def reconfigured_path(self, root: cst.Name, path: str, site: Site) -> bool:
        """``root.path`` is assigned, or it or an attribute on the way to it is
        configured dynamically (``setattr``, ``configure_mock``, a helper)."""
        key = self._owner(root.value, site)
        for assigned_path, value, assign_site in self._attr_assigns.get(root.value, []):
            if self._owner(root.value, assign_site) != key:
                continue
            if path == assigned_path:
                return True
            if value is None and (not assigned_path or path.startswith(assigned_path + ".")):
                return True
        return False

    # -- the question MCK403 asks -------------------------------------------------
    def receiver(self, expr: cst.BaseExpression, site: Site, name: str) -> Optional[Tuple[Kind, Optional[bool], bool]]:
        """``(kind, specced, unsafe)`` when ``expr`` is a mock: ``specced`` is True
        when its own spec lacks ``name`` (so reading it raises), None when a spec
        may hold it; ``unsafe`` when it was made with ``unsafe=True``."""
        inferred = self.kind_of(expr, site)
        if inferred is None or not inferred.kind.is_mock:
            return None
        root, path = mocks._split(expr)
        if root is not None and self.reconfigured_path(root, f"{path}.{name}" if path else name, site):
            return None  # `m.not_called = ...` or `m.configure_mock(...)`: the attribute may be real
        if name in _REAL_SYNC | _REAL_ASYNC or name in _RECORDS:
            return inferred.kind, False, False  # every mock has them, whatever its spec
        for prefix in _prefixes(expr):
            above = self.kind_of(prefix, site)
            if above is not None and above.spec_class:
                return None  # autospecced: children are specced too
            if isinstance(prefix, cst.Attribute) and prefix.attr.value in _MAGIC_CHILDREN:
                break  # a magic method is a plain MagicMock, whatever the spec above it
        if isinstance(inferred, _Child):
            return inferred.kind, False, False
        origin = self._origin(expr, site)
        if origin is None:
            return (inferred.kind, False, False) if not inferred.opaque else None
        call, call_site = origin
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        if any(a.star for a in call.args) or "wraps" in keywords or name in keywords:
            return None
        unsafe = isinstance(keywords.get("unsafe"), cst.Name) and keywords["unsafe"].value == "True"  # type: ignore[union-attr]
        positional = [a.value for a in call.args if a.keyword is None]
        spec = keywords.get("spec", keywords.get("spec_set", positional[0] if positional else None))
        if spec is None:
            return inferred.kind, False, unsafe
        # a spec that has the name makes it a real attribute; one mocklint cannot read may have it
        return (inferred.kind, True, unsafe) if self._spec_lacks(spec, call_site, name) else None

    def _origin(self, expr: cst.BaseExpression, site: Site) -> Optional[Tuple[cst.Call, Site]]:
        """The constructor call that made the mock ``expr`` holds, when there is one."""
        if isinstance(expr, cst.Call):
            return (expr, site) if self.constructor_kind(expr.func, site) is not None else None
        if isinstance(expr, cst.Name):
            key = self._scope_key(site, expr.value)
            bindings = self._bindings.get(key, []) if key else []
            if len(bindings) == 1 and bindings[0].how == "value" and isinstance(bindings[0].value, cst.Call):
                value, where = bindings[0].value, bindings[0].site
                if self.constructor_kind(value.func, where) is not None:
                    return value, where
            return None
        root, path = mocks._split(expr)
        if root is None or "." in path:
            return None
        key = self._owner(root.value, site)
        assigned = [
            (value, where)
            for assigned_path, value, where in self._attr_assigns.get(root.value, [])
            if assigned_path == path and self._owner(root.value, where) == key
        ]
        if len(assigned) == 1 and isinstance(assigned[0][0], cst.Call):
            value, where = assigned[0]
            if self.constructor_kind(value.func, where) is not None:  # type: ignore[union-attr]
                return value, where  # type: ignore[return-value]
        return None

    def _spec_lacks(self, spec: cst.BaseExpression, site: Site, name: str) -> Optional[bool]:
        """Whether the spec certainly lacks ``name`` (None: cannot tell)."""
        if isinstance(spec, (cst.List, cst.Tuple)):
            names = [e.value.evaluated_value if isinstance(e.value, cst.SimpleString) else None for e in spec.elements]
            if any(not isinstance(n, str) for n in names):
                return None
            return name not in names
        if isinstance(spec, cst.Name):
            owner = self._local_class(spec, site)
            if owner is not None:
                if owner.bases or not isinstance(owner.body, cst.IndentedBlock):
                    return None
                bound = [n for statement in owner.body.body for n in _bound_names(statement)]
                return None if "*" in bound else name not in bound
        qualified = self.names.resolve(site, spec)
        if qualified is None:
            return None
        found = resolve_target(qualified, self._directory(), script=self.path)
        if found in (Target.SYNC_FUNCTION, Target.ASYNC_FUNCTION):
            return True  # a function has no such attribute
        return None


def _bound_names(statement: cst.CSTNode) -> Iterator[str]:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        yield statement.name.value
    elif isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                yield small.target.value
    else:
        yield "*"  # anything else (an `if` in the class body) may bind any name: never "lacks"


def _prefixes(expr: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    while True:
        yield expr
        if isinstance(expr, cst.Attribute):
            expr = expr.value
        elif isinstance(expr, cst.Call):
            expr = expr.func
        else:
            return


def _analysis(context: object) -> _AnyMockAnalysis:
    cache = context.__dict__.setdefault("_analysis_cache", {})
    found = cache.get("any-mock")
    if found is None:
        found = _AnyMockAnalysis(context.module, context.names, context.path)  # type: ignore[attr-defined]
        cache["any-mock"] = found
    return found
