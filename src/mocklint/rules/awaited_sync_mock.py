"""MCK102 awaited-sync-mock: awaiting a mock object, or the result of calling a sync mock."""

from __future__ import annotations

import libcst as cst

from mocklint.analysis.mocks import Kind, analysis_for
from mocklint.analysis.source import code
from mocklint.analysis.targets import Target
from mocklint.analysis.tree import Site, child_site
from mocklint.rule import Rule, gate_all

_SCHEDULERS = frozenset({"asyncio.gather", "asyncio.ensure_future", "asyncio.create_task", "asyncio.wait_for"})


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

    ## Known problems
    A mock created with `spec=`, `wraps=` or `side_effect=` is not reported: its
    results follow the spec or the function, which mocklint does not evaluate.

    ## References
    - [unittest.mock: AsyncMock](https://docs.python.org/3/library/unittest.mock.html#unittest.mock.AsyncMock)
    - [Python reference: await expressions](https://docs.python.org/3/reference/expressions.html#await)
    """

    code = "MCK102"
    name = "awaited-sync-mock"
    summary = "A mock object, or a sync mock's call result, is awaited"
    messages = {
        "call": (
            "`{expr}` is {article} {kind}, not awaitable, because {why}: awaiting it raises \"object {kind} "
            "can't be used in 'await' expression\"; make `{callee}` an `AsyncMock` "
            "(e.g. `{callee} = AsyncMock(return_value=...)`)"
        ),
        "value": (
            "`{expr}` returns a plain value, not an awaitable, because {why}: awaiting it raises \"object "
            "{type_name} can't be used in 'await' expression\"; make `{callee}` an `AsyncMock` "
            "(`{callee} = AsyncMock(return_value=...)`)"
        ),
        "patch": (
            "`{target}` is a coroutine function, but `{written}` replaces it with a {kind}: code that awaits "
            "it raises \"object {kind} can't be used in 'await' expression\"; use `new_callable=AsyncMock`, "
            "or `new=AsyncMock(return_value=...)`"
        ),
        "object": (
            "`{expr}` is {article} {kind} object, not awaitable, because {why}: awaiting it raises \"object "
            "{kind} can't be used in 'await' expression\"; {fix}"
        ),
    }
    gate = gate_all(r"Mock\b|\bpatch\b|\bmocker\b", r"\bawait\b|\bgather\b|ensure_future|create_task|wait_for|\bnew(?:_callable)?\s*=|patch")

    def visit_Await(self, node: cst.Await, site: Site) -> None:
        self._check(node.expression, child_site(site, node.expression, "expression"))

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        self._check_patch(node, site)
        if self.context.resolve(site, node.func) not in _SCHEDULERS:
            return
        for arg in node.args:
            if arg.keyword is None and not arg.star:
                self._check(arg.value, child_site(child_site(site, arg, "args"), arg.value, "value"))
                if not self.context.resolve(site, node.func) == "asyncio.gather":
                    return  # only the first argument of the others is awaited

    def _check_patch(self, call: cst.Call, site: Site) -> None:
        """``patch(target, new=MagicMock())`` over a coroutine function."""
        analysis = analysis_for(self.context)
        new = analysis.patch_new(call, site)
        factory = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "new_callable"), None)
        if new is None and factory is None:
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
        self.report(call, "patch", target=target[0], written=written, kind=kind.value)

    def _check(self, expr: cst.BaseExpression, site: Site) -> None:
        inferred = analysis_for(self.context).kind_of(expr, site)
        if inferred is None or inferred.kind is Kind.COROUTINE:
            return
        if inferred.kind is Kind.VALUE:
            if isinstance(expr, cst.Call):
                type_name = inferred.why.rsplit("`", 2)[-2]
                self.report(
                    expr, "value", expr=_short(expr), why=inferred.why, type_name=type_name, callee=code(expr.func)
                )
            return
        kind = inferred.kind.value
        article = "an" if kind[0] in "AEIOU" else "a"
        if isinstance(expr, cst.Call):
            self.report(expr, "call", expr=_short(expr), article=article, kind=kind, why=inferred.why, callee=code(expr.func))
        else:
            text = code(expr)
            fix = (
                f"call it: `await {text}()`"
                if inferred.kind is Kind.ASYNC_MOCK
                else f"await an `AsyncMock` call instead, e.g. `{text} = AsyncMock()` and `await {text}()`"
            )
            self.report(expr, "object", expr=text, article=article, kind=kind, why=inferred.why, fix=fix)


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
