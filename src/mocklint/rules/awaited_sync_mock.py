"""MCK102 awaited-sync-mock: awaiting a mock object, or the result of calling a sync mock."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from mocklint.analysis.mock_values.mock_fixes import replace_method
from mocklint.analysis.mock_values.mocks import Inferred, Kind, analysis_for
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.mock_values.targets import Target, awaited_at_every_call
from mocklint.analysis.syntax.tree import Site, child_site
from mocklint.analysis.mock_values.candidates import UNDER_TEST_BODIES, Shape, candidate_index
from mocklint.analysis.under_test import matching
from mocklint.analysis.under_test.summaries import Protocol
from mocklint.rule import Fix, Rule, gate, gate_all

# functions and event-loop methods that need an awaitable, with what they raise
_SCHEDULERS = {
    "asyncio.gather": "An asyncio.Future, a coroutine or an awaitable is required",
    "asyncio.ensure_future": "An asyncio.Future, a coroutine or an awaitable is required",
    "asyncio.create_task": "a coroutine was expected",
    "asyncio.wait_for": "An asyncio.Future, a coroutine or an awaitable is required",
    "asyncio.run": "a coroutine was expected",
}
_LOOP_METHODS = {
    "create_task": "a coroutine was expected",
    "run_until_complete": "An asyncio.Future, a coroutine or an awaitable is required",
}
_LOOP_FACTORIES = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop"})


class AwaitedSyncMock(Rule):
    """
    ## What it does
    Checks for `await X`, and for `asyncio.gather`, `asyncio.ensure_future`,
    `asyncio.create_task` and `asyncio.wait_for` of `X`, where `X` is a mock object
    or what calling a `Mock`/`MagicMock` returns; and for a `patch` whose `new=` or
    `new_callable=` puts a sync mock over a coroutine function (an `async def`
    found statically in the project or an installed package), reported at the
    patch.

    ## Why is this bad?
    Mocks are not awaitable. `await MagicMock().fetch()` fails with
    `TypeError: object MagicMock can't be used in 'await' expression`, and so does
    `await` on an `AsyncMock` that was not called (`await client.get` instead of
    `await client.get()`). Only calling an `AsyncMock` gives an awaitable.

    A `MagicMock` in an await position usually stands where the real object has a
    coroutine method: make that mock an `AsyncMock` (or the method:
    `client.get = AsyncMock(return_value=...)`), or give the sync mock an
    awaitable result (`side_effect=` an `async def`).

    ## Example
    ```python
    from unittest.mock import MagicMock

    async def test_fetch_user():
        client = MagicMock()
        client.get.return_value = {"name": "ada"}
        user = await client.get("/users/1")
        assert user["name"] == "ada"
    ```

    Use instead:
    ```python
    from unittest.mock import AsyncMock

    async def test_fetch_user():
        client = AsyncMock()
        client.get.return_value = {"name": "ada"}
        user = await client.get("/users/1")
        assert user["name"] == "ada"
    ```

    ## Across modules
    The mock is usually made in a test, a fixture (of the module or of a
    `conftest.py`), `setUp`/`asyncSetUp`, by `mocker` or by `patch`, and the
    `await` (or `asyncio.gather`/`create_task`/`wait_for`) that breaks is in the application code the test calls. mocklint
    reads the project's own modules (never importing them) and follows the
    mock through constructors that store it on `self`, function and method
    arguments, fixtures that build objects from it, attributes set on real
    objects and patched module globals, into the functions they call. It
    reports in the test file, on the line that configures the failing path,
    else where the mock is made, else at the call that hands it over, and
    names the application line. It stays silent where a demand is not made on
    every path (a branch, an early return, a `try` that catches `TypeError`),
    where the callee cannot be resolved or is decorated, and where the mock may
    be configured out of its sight.

    ## Known problems
    A mock created with `spec=`, `wraps=` or `side_effect=` is not reported: its
    results follow the spec or the function, which mocklint does not evaluate.

    ## Fix safety
    The fix is unsafe: for `await client.get(...)` where `client = MagicMock()`,
    it inserts `client.get = AsyncMock(return_value=MagicMock())` on the line
    after the statement that made the mock (importing `AsyncMock` next to
    `MagicMock` when the file does not have it yet). Awaiting `client.get(...)`
    then gives the `MagicMock` the call returned before, so configuration such
    as `client.get.return_value.status_code = 200` keeps its meaning; the other
    methods stay sync. It changes what the code under test receives, which is
    why it needs `--unsafe-fixes`. It is offered only when that place is
    certain: `client` is bound once, by a `Mock()` or `MagicMock()` on a line of
    its own, nothing assigns `client.get` elsewhere, and every call of
    `client.get` in the file is awaited (or passed to `asyncio.gather` and the
    like). Awaiting a mock object itself, a `patch(new=...)` over a coroutine
    function, and mocks from fixtures, `patch`, `with` targets or `self` get no fix.

    ## References
    - [unittest.mock: AsyncMock](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.AsyncMock)
    - [Python reference: await expressions](https://docs.python.org/3/reference/expressions.html#await)
    """

    fix_safety = "unsafe"
    code = "MCK102"
    name = "awaited-sync-mock"
    summary = "A mock object, or a sync mock's call result, is awaited"
    messages = {
        "call": (
            "`{expr!b}` returns {article} {kind}, which cannot be awaited",
            "{why!c}, so `{expr}` is {article} {kind}, not an awaitable: {consequence}. Make `{callee}` an "
            "`AsyncMock` (e.g. `{callee} = AsyncMock(return_value=...)`).",
        ),
        "value": (
            "`{expr!b}` returns a plain value, which cannot be awaited",
            "{why!c}: {consequence}. Make `{callee}` an `AsyncMock` (`{callee} = AsyncMock(return_value=...)`).",
        ),
        "patch": (
            "`{target}` is a coroutine function, patched with an unawaitable {kind}",
            "Its module awaits it (by `await` or through asyncio's `wait_for`, `gather`, `ensure_future`, "
            "`create_task`), but `{written}` replaces it with a {kind}, whose calls return nothing awaitable: "
            "that code raises `TypeError`. Use `new_callable=AsyncMock`, or `new=AsyncMock(return_value=...)`.",
        ),
        "object": (
            "`{expr!b}` is {article} {kind} object, which cannot be awaited",
            "{why!c}: {consequence}. {fix!c}.",
        ),
        "under_test": (
            "{accessed!b} is not awaitable, but `{entry}` {verb}",
            "{why!c}, so {access} is not awaitable; `{entry}` {verb} at {app_site}{via}, which fails with {error}.",
        ),
    }
    needed_bodies = UNDER_TEST_BODIES  # the bodies that may hold a mock, or all where it may reach project code
    gate = gate(
        r"\bawait\b", r"\bgather\b", r"ensure_future", r"create_task", r"wait_for", r"run_until_complete",
        # `asyncio.run(...)`, and `run(...)` imported from asyncio (the last part implies the others)
        gate_all(r"\basyncio\b", r"\brun\b", r"\A(?=[\s\S]*?\basyncio\b)[\s\S]*?\brun\b"),
        r"\bnew(?:_callable)?\s*=",
        # `patch(target, MagicMock())`: `new` given positionally
        gate_all(r"\bpatch\b", r"Mock\b", r"\A(?=[\s\S]*?Mock\b)[\s\S]*?\bpatch\b"),
        # a mock handed to project code that awaits it there
        r"Mock", r"\bmocker\b", r"\bdef test",
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A file where an ``await`` or asyncio scheduling names what may be a
        mock, or a patch that names one is given a ``new``, or that may hand one
        to project code (the file's ``candidates`` index)."""
        index = candidate_index(tree, source, path)
        return index.has(Shape.AWAIT) or index.has(Shape.REPLACE) or index.hands_mocks_to_project()

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._awaited_calls: List[Tuple[cst.Call, Site, str, Dict[str, str]]] = []

    def visit_Await(self, node: cst.Await, site: Site) -> None:
        self._check(node.expression, child_site(site, node.expression, "expression"), None)

    def finish(self) -> None:
        flagged = {id(call) for call, _, _, _ in self._awaited_calls}
        for call, site, variant, fields in self._awaited_calls:
            self.report(call, variant, autofix=self._fix(call.func, site, flagged), **fields)
        for finding in matching.findings(self.context):
            if finding.protocol is Protocol.AWAIT:
                verb, error = "awaits it", f"\"object {_type_name(finding.value)} can't be used in 'await' expression\""
            elif finding.protocol is Protocol.SCHEDULE:
                scheduler = finding.demand.where.scheduler
                verb = f"passes it to `{scheduler.rsplit('.', 1)[-1]}`"  # `asyncio.`: the app site shows it
                error = f"TypeError ({_SCHEDULERS.get(scheduler) or _LOOP_METHODS.get(scheduler.rsplit('.', 1)[-1], 'not awaitable')})"
            else:
                continue
            # the first sentence names the entry: the access need not say it is in there too
            accessed = finding.access.replace(f" in `{finding.entry}`", "")
            self.report(
                finding.node, "under_test", related=finding.related, verb=verb, error=error, accessed=accessed,
                **finding.fields(),
            )

    def _fix(self, callee: cst.BaseExpression, site: Site, flagged: Set[int]) -> Optional[Fix]:
        """``callee = AsyncMock(return_value=MagicMock())`` after the mock is made,
        when every call of ``callee`` where the mock lives is awaited (or scheduled)."""
        name = dotted_name(callee) if isinstance(callee, cst.Attribute) else None
        if name is None:
            return None
        return replace_method(self.context, callee, site, "AsyncMock", f"Make `{name}` an `AsyncMock`", flagged)

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        self._check_patch(node, site)
        error = self._scheduler_error(node, site)
        if error is None:
            return
        gather = self.context.resolve(site, node.func) == "asyncio.gather"
        for arg in node.args:
            if arg.keyword is not None:
                continue
            arg_site = child_site(child_site(site, arg, "args"), arg.value, "value")
            if arg.star == "*" and gather and isinstance(arg.value, (cst.ListComp, cst.GeneratorExp)):
                # asyncio.gather(*[worker.run(job) for job in jobs])
                self._check(arg.value.elt, child_site(arg_site, arg.value.elt, "elt"), error)
            elif not arg.star:
                self._check(arg.value, arg_site, error)
            if not gather:
                return  # only the first argument of the others is awaited

    def _scheduler_error(self, call: cst.Call, site: Site) -> Optional[str]:
        """What the function called raises for a non-awaitable argument, if it is one
        of asyncio's (``asyncio.run``, ``loop.run_until_complete``, ...)."""
        qualified = self.context.resolve(site, call.func)
        if qualified in _SCHEDULERS:
            return _SCHEDULERS[qualified]
        func = call.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _LOOP_METHODS:
            return None
        receiver = func.value
        if isinstance(receiver, cst.Call) and self.context.resolve(site, receiver.func) in _LOOP_FACTORIES:
            return _LOOP_METHODS[func.attr.value]
        if isinstance(receiver, cst.Name):
            bound = analysis_for(self.context).bound_value(receiver, site)
            if bound is not None and isinstance(bound[0], cst.Call):
                if self.context.resolve(bound[1], bound[0].func) in _LOOP_FACTORIES:
                    return _LOOP_METHODS[func.attr.value]
        return None

    def _check_patch(self, call: cst.Call, site: Site) -> None:
        """``patch(target, new=MagicMock())`` over a coroutine function."""
        if sum(arg.keyword is None for arg in call.args) < 2 and not any(
            arg.keyword is not None and arg.keyword.value in ("new", "new_callable") for arg in call.args
        ):
            return  # no `new`, positional or keyword: no call worth resolving
        analysis = analysis_for(self.context)
        new = analysis.patch_new(call, site)
        factory = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "new_callable"), None)
        if new is None and factory is None:
            return
        if isinstance(new, cst.Name):
            bound = analysis.bound_value(new, site)  # `fake = MagicMock(...)` first, then `new=fake`
            new = bound[0] if bound is not None else None
            if new is None:
                return
        if new is not None:
            if not isinstance(new, cst.Call) or not _returns_plain(new):
                return
            kind = analysis.constructor_kind(new.func, site)
            written = f"new={code(new)}"
        else:
            kind = analysis.constructor_kind(factory, site)  # type: ignore[arg-type]
            written = f"new_callable={code(factory)}"  # type: ignore[arg-type]
        if kind is None or kind is Kind.ASYNC_MOCK:
            return
        target = analysis.patch_target(call, site)
        if target is None or target[1] is not Target.ASYNC_FUNCTION:
            return
        if not awaited_at_every_call(target[0], analysis._directory(), script=analysis.path):
            return  # some caller wraps the call instead of awaiting it: the mock may never be awaited
        self.report(call, "patch", target=target[0], written=written, kind=kind.value)

    def _check(self, expr: cst.BaseExpression, site: Site, error: Optional[str]) -> None:
        """``error``: what the asyncio function raises; None for ``await`` itself."""
        inferred = analysis_for(self.context).kind_of(expr, site)
        if inferred is None or inferred.kind is Kind.COROUTINE:
            return
        if inferred.kind is Kind.VALUE:
            if isinstance(expr, cst.Call):
                type_name = inferred.why.rsplit("`", 2)[-2]
                self._awaited_calls.append(
                    (
                        expr,
                        site,
                        "value",
                        dict(
                            expr=_short(expr),
                            why=inferred.why,
                            callee=code(expr.func),
                            consequence=_consequence(type_name, error),
                        ),
                    )
                )
            return
        kind = inferred.kind.value
        article = "an" if kind[0] in "AEIOU" else "a"
        consequence = _consequence(kind, error)
        if isinstance(expr, cst.Call):
            fields = dict(
                expr=_short(expr),
                article=article,
                kind=kind,
                why=inferred.why,
                callee=code(expr.func),
                consequence=consequence,
            )
            self._awaited_calls.append((expr, site, "call", fields))  # reported in finish()
        else:
            text = code(expr)
            fix = (
                f"call it: `await {text}()`"
                if inferred.kind is Kind.ASYNC_MOCK
                else f"await an `AsyncMock` call instead, e.g. `{text} = AsyncMock()` and `await {text}()`"
            )
            self.report(
                expr, "object", expr=text, article=article, kind=kind, why=inferred.why, fix=fix, consequence=consequence
            )


def _consequence(type_name: str, error: Optional[str]) -> str:
    if error is None:
        return f"awaiting it raises \"object {type_name} can't be used in 'await' expression\""
    return f"asyncio raises `TypeError` (\"{error}\")"


def _returns_plain(constructor: cst.Call) -> bool:
    """Whether calling the mock built by ``constructor`` returns a mock or a literal,
    never something awaitable: no ``side_effect``/``wraps``/spec, and a
    ``return_value`` (if any) that is a literal."""
    for arg in constructor.args:
        if arg.star or arg.keyword is None:
            return False
        keyword = arg.keyword.value
        if keyword in ("side_effect", "wraps", "spec", "spec_set"):
            return False
        if keyword == "return_value" and not isinstance(
            arg.value, (cst.Integer, cst.Float, cst.SimpleString, cst.Dict, cst.List, cst.Tuple, cst.Name)
        ):
            return False
        if keyword == "return_value" and isinstance(arg.value, cst.Name) and arg.value.value not in ("None", "True", "False"):
            return False
    return True


def _short(call: cst.Call) -> str:
    text = code(call)
    if len(text) > 60 or "\n" in text:
        return f"{code(call.func)}(...)"
    return text


def _type_name(value: Inferred) -> str:
    """The class name Python's error message shows for ``value``."""
    return value.value_type or value.kind.value
