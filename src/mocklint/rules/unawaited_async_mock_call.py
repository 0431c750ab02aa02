"""MCK103 unawaited-async-mock-call: an AsyncMock call whose coroutine is dropped."""

from __future__ import annotations

import ast
from typing import Optional

from mocklint.analysis.mock_values.mocks import Kind, analysis_for
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, child_site
from mocklint.analysis.mock_values.candidates import UNDER_TEST_BODIES, Shape, candidate_index
from mocklint.analysis.under_test import matching
from mocklint.analysis.under_test.summaries import Protocol
from mocklint.rule import Rule, gate


class UnawaitedAsyncMockCall(Rule):
    """
    ## What it does
    Checks for calls of an `AsyncMock` used as a statement, so that the coroutine
    they return is dropped without being awaited.

    ## Why is this bad?
    Calling an `AsyncMock` does nothing until the coroutine it returns is
    awaited. Dropped, the call still counts for `assert_called_*` (which counts
    calls, not awaits), so the test passes while the code it meant to exercise
    never ran; only `RuntimeWarning: coroutine 'AsyncMockMixin._execute_mock_call'
    was never awaited` shows it, if anyone reads warnings. `assert_awaited_*` is
    the assertion that notices.

    ## Example
    ```python
    from unittest.mock import AsyncMock

    async def test_notifies():
        notifier = AsyncMock()
        notifier.send("deploy finished")
        notifier.send.assert_called_once()
    ```

    Use instead:
    ```python
    from unittest.mock import AsyncMock

    async def test_notifies():
        notifier = AsyncMock()
        await notifier.send("deploy finished")
        notifier.send.assert_awaited_once()
    ```

    ## Across modules
    The mock is usually made in a test, a fixture (of the module or of a
    `conftest.py`), `setUp`/`asyncSetUp`, by `mocker` or by `patch`, and the
    call whose coroutine is dropped that breaks is in the application code the test calls. mocklint
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

    ## References
    - [unittest.mock: AsyncMock.assert_awaited_once](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.AsyncMock.assert_awaited_once)
    - [asyncio: detect never-awaited coroutines](https://docs.python.org/3/library/asyncio-dev.html#detect-never-awaited-coroutines)
    """

    code = "MCK103"
    name = "unawaited-async-mock-call"
    summary = "An AsyncMock call's coroutine is never awaited"
    messages = {
        "under_test": (
            "{accessed!b} returns a coroutine that `{entry}` never awaits",
            "{why!c}, so {access} returns a coroutine; `{entry}` calls it without `await` at {app_site}{via}.",
        ),
        "default": (
            "`{call!b}` makes a coroutine that is never awaited, so nothing runs",
            "{why!c}, so the call returns a coroutine: it counts for `assert_called_*` but nothing runs, and only "
            "a \"never awaited\" RuntimeWarning tells. {fix!c}.",
        ),
    }
    needed_bodies = UNDER_TEST_BODIES  # the bodies that may hold a mock, or all where it may reach project code
    gate = gate(r"Mock\b", r"\bpatch\b", r"\bmocker\b", r"\bdef test", r"\bdef setUp", r"\bdef setup_method")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A file where a call made as a statement names what may be a mock,
        or that may hand one to project code (the file's ``candidates`` index)."""
        index = candidate_index(tree, source, path)
        return index.has(Shape.DROP) or index.hands_mocks_to_project()

    def finish(self) -> None:
        for finding in matching.findings(self.context):
            if finding.protocol is Protocol.DROP:
                # the first sentence names the entry: the access need not say it is in there too
                accessed = finding.access.replace(f" in `{finding.entry}`", "")
                self.report(finding.node, "under_test", related=finding.related, accessed=accessed, **finding.fields())

    def visit_Expr(self, node: cst.Expr, site: Site) -> None:
        value = node.value
        value_site = child_site(site, value, "value")
        if isinstance(value, (cst.ListComp, cst.SetComp)) and isinstance(value.elt, cst.Call):
            # `[notifier.send(user) for user in users]` as a statement: every coroutine is dropped
            value, value_site = value.elt, child_site(value_site, value.elt, "elt")
        if not isinstance(value, cst.Call):
            return
        inferred = analysis_for(self.context).kind_of(value, value_site)
        if inferred is None or inferred.kind is not Kind.COROUTINE:
            return
        in_async = any(func.asynchronous is not None for func in site.function_chain()[:1])
        fix = (
            f"write `await {code(value.func)}(...)` and assert with `assert_awaited_*`"
            if in_async
            else "await it from async code, and assert with `assert_awaited_*`"
        )
        text = code(value)
        if len(text) > 60 or "\n" in text:
            text = f"{code(value.func)}(...)"
        self.report(value, call=text, why=inferred.why, fix=fix)
