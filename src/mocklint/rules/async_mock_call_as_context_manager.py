"""MCK101 async-mock-call-as-context-manager: `async with`/`async for` on the coroutine an AsyncMock call returns."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from mocklint.analysis.mock_values.mock_fixes import replace_method
from mocklint.analysis.mock_values.mocks import Kind, analysis_for
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import dotted_name
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, child_site
from mocklint.analysis.mock_values.candidates import UNDER_TEST_BODIES, Shape, candidate_index
from mocklint.analysis.under_test import matching
from mocklint.analysis.under_test.summaries import Protocol
from mocklint.rule import Fix, Rule, gate

_PROTOCOLS = {"__aenter__": "async with", "__aiter__": "async for"}
# what Python 3.11+ says (3.9 and 3.10 raise AttributeError: __aenter__)
_ERRORS = {
    "async with": (
        "\"'coroutine' object does not support the asynchronous context manager protocol\" "
        "(`AttributeError: __aenter__` before Python 3.11)"
    ),
    "async for": "\"'async for' requires an object with __aiter__ method, got coroutine\"",
}


class AsyncMockCallAsContextManager(Rule):
    """
    ## What it does
    Checks for `async with` and `async for` over the result of calling an
    `AsyncMock`, and for configuration that reveals the same mistake:
    `session.get.return_value.__aenter__.return_value = resp` where `session.get`
    is an `AsyncMock`.

    ## Why is this bad?
    Calling an `AsyncMock` returns a coroutine, and a coroutine is not an async
    context manager nor an async iterator. The test fails with
    `TypeError: 'coroutine' object does not support the asynchronous context
    manager protocol` (Python 3.11+; `AttributeError: __aenter__` before), far from
    the line that made the mock. Every child of an `AsyncMock` is an `AsyncMock`,
    and so is what `__aenter__` of any mock returns, so after
    `patch("aiohttp.ClientSession")` the `session` in `async with ClientSession() as
    session:` is an `AsyncMock` and `async with session.get(url):` fails.

    Configuring `session.get.return_value.__aenter__.return_value` does not help:
    the code under test enters the coroutine, never `return_value`.

    The usual fix found by searching, turning every `AsyncMock` into a
    `MagicMock`, breaks the methods the code awaits. Replace only the method used
    as a context manager: `session.get = MagicMock()` and configure
    `session.get.return_value.__aenter__.return_value`; awaited methods stay
    `AsyncMock`s.

    ## Example
    ```python
    from unittest.mock import AsyncMock

    async def test_fetch():
        session = AsyncMock()
        session.get.return_value.__aenter__.return_value.status = 200
        async with session.get("https://example.org") as response:
            assert response.status == 200
    ```

    Use instead:
    ```python
    from unittest.mock import AsyncMock, MagicMock

    async def test_fetch():
        session = AsyncMock()
        session.get = MagicMock()
        session.get.return_value.__aenter__.return_value.status = 200
        async with session.get("https://example.org") as response:
            assert response.status == 200
    ```

    ## Across modules
    The mock is usually made in a test, a fixture (of the module or of a
    `conftest.py`), `setUp`/`asyncSetUp`, by `mocker` or by `patch`, and the
    `async with`/`async for` that breaks is in the application code the test calls. mocklint
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
    Code that awaits the call and then enters the result
    (`async with await session.get(url)`) is correct with an `AsyncMock`; the
    configuration form is not reported when the file awaits the same method, nor
    when the mock stands for a real coroutine function (a patched `async def`),
    which the code under test can only use that way.

    ## Fix safety
    The fix is unsafe: it inserts `session.get = MagicMock()` on the line after
    the statement that made the mock (`session = AsyncMock()`), and imports
    `MagicMock` next to `AsyncMock` when the file does not have it yet. Calls of
    `session.get` then return a `MagicMock`, which `async with` and `async for`
    can use; the other methods stay `AsyncMock`s. It changes what the code under
    test receives from `session.get(...)`, which is why it needs
    `--unsafe-fixes`. It is offered only when that place is certain: `session` is
    bound once, by a mock constructor on a line of its own, nothing assigns
    `session.get` elsewhere, and every call of `session.get` in the file is
    entered (none awaited, no `assert_awaited*`). A mock from a fixture, a
    `patch`, a `with` target or `self` gets no fix.

    ## References
    - [unittest.mock: AsyncMock](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.AsyncMock)
    - [unittest.mock: Mocking asynchronous context managers](https://docs.python.org/3/library/unittest.mock-examples.html#mocking-asynchronous-context-manager)
    """

    fix_safety = "unsafe"
    code = "MCK101"
    name = "async-mock-call-as-context-manager"
    summary = "An AsyncMock call returns a coroutine, which `async with`/`async for` cannot use"
    messages = {
        "use": (
            "`{call!b}` returns a coroutine, so `{statement}` fails",
            "`{call}` returns a coroutine because {why}, and `{statement}` fails on it with {error}. "
            "Make the method a `MagicMock` (`{callee} = MagicMock()`) and configure "
            "`{callee}.return_value.{magic}`, so that awaited methods stay `AsyncMock`s.",
        ),
        "under_test": (
            "{access!b} returns a coroutine, so `{statement}` fails",
            "{why!c}, so {access} returns a coroutine; `{entry}` uses it in `{statement}` at {app_site}{via}, "
            "which fails.",
        ),
        "configure": (
            "`{callee!b}(...)` returns a coroutine, so this configuration is dead",
            "`{target}` is never used: {why}, so `{callee}(...)` returns a coroutine, which has no "
            "`return_value`, and code that uses it "
            "in `{statement}`{where} fails. Set `{callee} = MagicMock()` first, so that this configuration "
            "takes effect.",
        ),
    }
    needed_bodies = UNDER_TEST_BODIES  # the bodies that may hold a mock, or all where it may reach project code
    # the last four: a mock handed to project code that enters it there
    gate = gate(r"async\s+(?:with|for)\b", r"__aenter__", r"__aiter__", r"Mock", r"\bpatch\b", r"mocker\b", r"\bdef test")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A file where ``async with`` enters, ``async for`` iterates or an
        ``__aenter__``/``__aiter__`` configuration names what may be a mock, or
        that may hand one to project code (the file's ``candidates`` index)."""
        index = candidate_index(tree, source, path)
        return index.has(Shape.ENTER) or index.has(Shape.CONFIGURE) or index.hands_mocks_to_project()

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._awaited: Set[str] = set()
        self._configured: List[tuple] = []
        self._used: List[Tuple[cst.Call, Site, Dict[str, str]]] = []

    def visit_With(self, node: cst.With, site: Site) -> None:
        if node.asynchronous is None:
            return
        for item in node.items:
            item_site = child_site(child_site(site, item, "items"), item.item, "item")
            self._check_entered(item.item, item_site, "async with", _ERRORS["async with"], "__aenter__")

    def visit_For(self, node: cst.For, site: Site) -> None:
        if node.asynchronous is not None:
            self._check_entered(node.iter, child_site(site, node.iter, "iter"), "async for", _ERRORS["async for"], "__aiter__")

    def _check_entered(self, expr: cst.BaseExpression, site: Site, statement: str, error: str, magic: str) -> None:
        if not isinstance(expr, cst.Call):
            return
        inferred = analysis_for(self.context).kind_of(expr, site)
        if inferred is None or inferred.kind is not Kind.COROUTINE:
            return
        configure = "__aenter__.return_value" if magic == "__aenter__" else "__aiter__.return_value"
        fields = dict(
            call=_short(expr),
            why=inferred.why,
            statement=statement,
            error=error,
            callee=inferred.callee,
            magic=configure,
        )
        self._used.append((expr, site, fields))  # reported in finish(), when every use is known

    def visit_Await(self, node: cst.Await, site: Site) -> None:
        if isinstance(node.expression, cst.Call):
            self._awaited.add(code(node.expression.func))

    def visit_Assign(self, node: cst.Assign, site: Site) -> None:
        for target in node.targets:
            self._check_configuration(target.target, child_site(child_site(site, target, "targets"), target.target, "target"))

    def _check_configuration(self, target: cst.BaseExpression, site: Site) -> None:
        # `<callee>.return_value.__aenter__...` where <callee> is an AsyncMock
        node = target
        while isinstance(node, cst.Attribute):
            if node.attr.value in _PROTOCOLS:
                holder: cst.BaseExpression = node.value
                holder_site = site
                if isinstance(holder, cst.Name):
                    # `context = session.get.return_value` then `context.__aenter__...`
                    bound = analysis_for(self.context).bound_value(holder, site)
                    if bound is not None:
                        holder, holder_site = bound
                if isinstance(holder, cst.Attribute) and holder.attr.value == "return_value":
                    self._configured.append((target, holder_site, holder.value, node.attr.value))
                    return
            node = node.value

    def finish(self) -> None:
        analysis = analysis_for(self.context)
        entered = {id(expr) for expr, _, _ in self._used}
        for expr, site, fields in self._used:
            self.report(expr, "use", autofix=self._fix(expr.func, site, entered), **fields)
        # findings in the code under test; one on a configuring line that the
        # configure variant below also explains is said once, by that variant
        findings = [f for f in matching.findings(self.context) if f.protocol in (Protocol.ASYNC_WITH, Protocol.ASYNC_FOR)]
        configured = {id(target) for target, _, _, _ in self._configured}
        by_target: Dict[int, matching.Finding] = {}
        for finding in findings:
            targets = [t.target for t in finding.node.targets] if isinstance(finding.node, cst.Assign) else []
            shared = [t for t in targets if id(t) in configured]
            if shared:
                by_target[id(shared[0])] = finding
            else:
                self._report_under_test(finding)
        for target, site, callee, magic in self._configured:
            finding = by_target.get(id(target))
            callee_text = code(callee)
            inferred = analysis.kind_of(callee, site)
            if (
                callee_text in self._awaited  # `async with await callee()` is right with an AsyncMock
                or inferred is None
                or inferred.opaque
                or inferred.kind is not Kind.ASYNC_MOCK
                or inferred.coroutine_function  # it stands for an `async def`: `async with await` it, as configured
            ):
                if finding is not None:
                    self._report_under_test(finding)
                continue
            self.report(
                target,
                "configure",
                autofix=self._fix(callee, site, entered),
                target=code(target),
                why=_because(inferred.why, callee_text),
                callee=callee_text,
                statement=_PROTOCOLS[magic],
                where=f" (`{finding.entry}` at {finding.app_site})" if finding is not None else "",
            )

    def _report_under_test(self, finding: "matching.Finding") -> None:
        self.report(finding.node, "under_test", related=finding.related, statement=finding.protocol.value, **finding.fields())

    def _fix(self, callee: cst.BaseExpression, site: Site, entered: Set[int]) -> Optional[Fix]:
        """``callee = MagicMock()`` after the mock is made, when every call of
        ``callee`` where the mock lives is entered (none awaited, no await assertion)."""
        name = dotted_name(callee) if isinstance(callee, cst.Attribute) else None
        if name is None:
            return None
        return replace_method(self.context, callee, site, "MagicMock", f"Make `{name}` a `MagicMock`", entered)


def _short(call: cst.Call) -> str:
    text = code(call)
    if len(text) > 60 or "\n" in text:
        return f"{code(call.func)}(...)"
    return text


def _because(why: str, callee: str) -> str:
    """``why`` explains the root mock; say what that makes of ``callee``."""
    return f"{why}, which makes `{callee}` an AsyncMock too" if f"`{callee}`" not in why else why
