"""MCK405 get-event-loop-in-sync-test: ``asyncio.get_event_loop()`` in sync tests, fixtures and test modules."""

from __future__ import annotations

import ast
import os
import re
from typing import List, Optional, Tuple

from mocklint.analysis.syntax.ast_scan import header_nodes, import_bindings, qualified_names, statements_on_lines, word_lines
from mocklint.analysis import reads
from mocklint.analysis.pytest_model.async_plugins import async_plugins
from mocklint.analysis.pytest_model.project import ProjectModel, model_for_path
from mocklint.analysis.pytest_model.pytest_roles import Role, is_test_module_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants
from mocklint.analysis.pytest_model.warning_filters import turned_into_errors
from mocklint.rule import Rule, gate

_GET_EVENT_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.events.get_event_loop"})
_GET_POLICY = frozenset({"asyncio.get_event_loop_policy", "asyncio.events.get_event_loop_policy"})
_SET_EVENT_LOOP = frozenset({"asyncio.set_event_loop", "asyncio.events.set_event_loop"})
#: what runs a loop and leaves no current one behind
_LOOP_CLEARING = frozenset({"asyncio.run", "asyncio.runners.run", "asyncio.Runner", "asyncio.runners.Runner"})
#: xunit-style and unittest set-up and tear-down, run like fixtures
_SETUP_NAMES = frozenset(
    {
        "setup_method", "teardown_method", "setup_function", "teardown_function",
        "setup_class", "teardown_class", "setup_module", "teardown_module",
        "setUp", "tearDown", "setUpClass", "tearDownClass", "setUpModule", "tearDownModule",
    }
)  # fmt: skip
#: exceptions whose handler catches the RuntimeError
_CATCHING = frozenset({"RuntimeError", "Exception", "BaseException"})
_DEPRECATION = ("DeprecationWarning", "Warning")
#: fixtures that make a loop and set it as the current one
_LOOP_FIXTURES = frozenset({"loop", "event_loop"})
#: bases whose set-up sets no loop
_PLAIN_BASES = frozenset({"unittest.TestCase", "unittest.case.TestCase", "object"})
_DEPRECATION_TEXT = "There is no current event loop"


#: asyncio.run(...), asyncio.Runner(...), IsolatedAsyncioTestCase, as a test module writes them
_CLEARS_LOOP_TEXT = re.compile(r"\basyncio\.(?:run|Runner)\(|\bIsolatedAsyncioTestCase\b")


def _suite_clears_loop(model: ProjectModel) -> bool:
    """Whether a test module of the project may run a loop that leaves none
    current (read as text, once per project model)."""
    found = model.derived.get(_suite_clears_loop)
    if found is None:
        modules = [path for path in model.files() if model.is_test_module(path)]
        found = (any(_CLEARS_LOOP_TEXT.search(model.text(path) or "") is not None for path in modules), modules)
        model.derived[_suite_clears_loop] = found
    clears, modules = found  # type: ignore[misc]
    for path in modules:
        reads.record(path)  # each linted file depends on them, not only the first to ask
    return bool(clears)


class GetEventLoopInSyncTest(Rule):
    """
    ## What it does
    Checks for `asyncio.get_event_loop()` (and
    `asyncio.get_event_loop_policy().get_event_loop()`) called directly in a
    sync test, a sync fixture or an xunit/unittest set-up or tear-down method.

    At import of a test module or conftest.py (module level, class bodies), the
    call is reported where the project's `filterwarnings` turns
    `DeprecationWarning` into errors.

    A sync test or fixture is reported only where something in the suite
    leaves no current loop: the module itself or another test module runs
    `asyncio.run`/`asyncio.Runner` or has an `IsolatedAsyncioTestCase`, or the
    project runs pytest-asyncio 1.x. Elsewhere the call keeps working.

    ## Why is this bad?
    Outside a running loop, `get_event_loop()` creates a loop only while no
    code of the process has set the current loop yet. Anything that runs an
    event loop and cleans up after itself sets it to `None`: an
    `asyncio.run()`, a `unittest.IsolatedAsyncioTestCase`, and every test of
    pytest-asyncio 1.x (which dropped the `event_loop` fixture). From then on
    the call raises

    ```
    RuntimeError: There is no current event loop in thread 'MainThread'.
    ```

    so the sync test passes alone and fails after an async test: an
    order-dependent failure that `pytest -p randomly`, `-k` or a new async
    test elsewhere brings out. A sync fixture fails the same way even when an
    async test requests it, since it runs before pytest-asyncio sets its loop.

    On Python 3.12 and 3.13 the call also warns `DeprecationWarning: There is
    no current event loop` whenever it creates the loop; at import time, that
    is a collection error where warnings are errors, and Python 3.14 raises
    `RuntimeError` instead.

    Not reported: a call in a function that calls `asyncio.set_event_loop(...)`
    itself, or requests a `loop` or `event_loop` fixture (which set the
    current loop: pytest-aiohttp's, pytest-asyncio's before 1.0); in a method
    of a class that sets a loop in another method, or that has a base other
    than `unittest.TestCase` (`IsolatedAsyncioTestCase` and aiohttp's
    `AioHTTPTestCase` set one); in a `try` block that handles `RuntimeError`.

    ## Example
    ```python
    import asyncio

    def test_fetch_once():
        assert asyncio.run(fetch()) == 1

    def test_fetch_twice():
        loop = asyncio.get_event_loop()
        assert loop.run_until_complete(fetch()) == loop.run_until_complete(fetch())
    ```

    Use instead:
    ```python
    import asyncio

    def test_fetch_once():
        assert asyncio.run(fetch()) == 1

    def test_fetch_twice():
        with asyncio.Runner() as runner:  # Python 3.11+; else new_event_loop() and close()
            assert runner.run(fetch()) == runner.run(fetch())
    ```

    ## References
    - [`asyncio.get_event_loop`](https://docs.python.org/3/library/asyncio-eventloop.html#asyncio.get_event_loop)
    - [pytest-asyncio 1.0.0 changelog: the `event_loop` fixture removed](https://pytest-asyncio.readthedocs.io/en/stable/reference/changelog.html#id1)
    - [`asyncio.Runner`](https://docs.python.org/3/library/asyncio-runner.html#asyncio.Runner)
    """

    code = "MCK405"
    name = "get-event-loop-in-sync-test"
    summary = "`asyncio.get_event_loop()` in sync test code fails once an earlier test ran an event loop"
    messages = {
        "order": (
            "`{call!b}` raises `RuntimeError` once an earlier test ran a loop",
            "In sync {kind} `{name}`, `{call}` raises `RuntimeError: There is no current event loop` after a test "
            "that ran a loop (pytest-asyncio 1.x, `asyncio.run`). Use `asyncio.new_event_loop()`{alternative}.",
        ),
        "import": (
            "`{call!b}` at import warns `DeprecationWarning`, an error under `filterwarnings`",
            "It warns on Python 3.12+, a collection error under this project's `filterwarnings` (`RuntimeError` on "
            "3.14). Make the loop in a fixture with `asyncio.new_event_loop()`.",
        ),
    }
    gate = gate(r"\bget_event_loop\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call of a name imported as ``asyncio.get_event_loop`` (or of
        ``get_event_loop`` on a policy) in a test module or conftest.py."""
        if not _test_code_file(path):
            return False
        bindings = None
        for statement in statements_on_lines(tree, word_lines(source, "get_event_loop")):
            for node in header_nodes(statement):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                policy_call = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
                if policy_call and func.attr == "get_event_loop":  # type: ignore[union-attr]
                    return True  # get_event_loop_policy().get_event_loop()
                bindings = import_bindings(tree, source) if bindings is None else bindings
                if not _GET_EVENT_LOOP.isdisjoint(qualified_names(func, bindings)):
                    return True
        return False

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._calls: List[Tuple[cst.Call, Site]] = []
        self._clears_loop = "IsolatedAsyncioTestCase" in context.source

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if self._is_get_event_loop(node, site):
            self._calls.append((node, site))
        elif self.context.resolve(site, node.func) in _LOOP_CLEARING:
            self._clears_loop = True

    def _loop_cleared(self) -> bool:
        """Whether some test of the suite may leave no current loop: this module
        runs ``asyncio.run``/``asyncio.Runner`` or has an
        ``IsolatedAsyncioTestCase``, another test module of the project does, or
        the project runs pytest-asyncio 1.x, whose every test does.  Without any,
        the call keeps working (sanic's suite: nine sync tests that pass)."""
        if self._clears_loop:
            return True
        model = model_for_path(self.context.path) if self.context.path else None
        if model is None:
            return False
        return async_plugins(model).asyncio_at_least("1.0") is True or _suite_clears_loop(model)

    def finish(self) -> None:
        if not self._calls or not _test_code_file(self.context.path):
            return
        import_time: Optional[bool] = None
        for node, site in self._calls:
            if _handles_runtime_error(site):
                continue
            call = code(node)
            chain = site.function_chain()
            if not chain:
                if any(_never_at_import(ancestor) for ancestor, _ in site.ancestors()):
                    continue
                if import_time is None:
                    import_time = turned_into_errors(self.context.path, _DEPRECATION, _DEPRECATION_TEXT)
                if import_time:
                    self.report(node, "import", call=call)
                continue
            func = chain[0]
            kind = self._kind(func, site)
            if kind is None or _in_lambda(site, func) or self._loop_provided(func, node):
                continue
            if not self._loop_cleared():
                continue
            alternative = f" or an async {kind}" if kind != "set-up" else ""
            self.report(node, "order", call=call, kind=kind, name=func.name.value, alternative=alternative)

    def _is_get_event_loop(self, node: cst.Call, site: Site) -> bool:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get_event_loop" and isinstance(func.value, cst.Call):
            return self.context.resolve(site, func.value.func) in _GET_POLICY
        return self.context.resolve(site, func) in _GET_EVENT_LOOP

    def _kind(self, func: cst.FunctionDef, site: Site) -> Optional[str]:
        """"test", "fixture" or "set-up" for a sync function pytest runs outside a loop."""
        if func.asynchronous is not None:
            return None
        role = self.context.role(func)
        if role is Role.FIXTURE:
            return "fixture"
        if role is Role.TEST and self._in_test_module():
            return "test"
        if func.name.value in _SETUP_NAMES and self._in_test_module():
            return "set-up"
        return None

    def _loop_provided(self, func: cst.FunctionDef, call: cst.Call) -> bool:
        """Whether something sets the current loop for this function: itself
        (``asyncio.set_event_loop(...)``), a ``loop``/``event_loop`` fixture it
        requests (pytest-aiohttp's, pytest-asyncio's before 1.0), or its class:
        a base other than ``unittest.TestCase`` (``IsolatedAsyncioTestCase``,
        aiohttp's ``AioHTTPTestCase`` set one in ``setUp``) or a method of its own
        that sets one."""
        if any(param.name.value in _LOOP_FIXTURES for param in func.params.params):
            return True
        if _sets_loop(func, call, self.context):
            return True
        site = self.context.site_of(func)
        block = site.parent_site()
        owner = block.parent if block is not None else None
        if not isinstance(owner, cst.ClassDef):
            return False
        if any(self.context.resolve(site, base.value) not in _PLAIN_BASES for base in owner.bases):
            return True
        return any(
            isinstance(method, cst.FunctionDef) and method is not func and _sets_loop(method, call, self.context)
            for method in (owner.body.body if isinstance(owner.body, cst.IndentedBlock) else ())
        )

    def _in_test_module(self) -> bool:
        path = self.context.path
        return path is not None and os.path.basename(path) != "conftest.py" and _test_code_file(path)


def _test_code_file(path: Optional[str]) -> bool:
    """A test module or a conftest.py: the files pytest imports to collect tests."""
    if not path:
        return False
    if os.path.basename(path) == "conftest.py":
        return True
    model = model_for_path(path)
    return model.is_test_module(os.path.abspath(path)) if model is not None else is_test_module_path(path)


def _handles_runtime_error(site: Site) -> bool:
    """In the body of a ``try`` whose handlers catch ``RuntimeError`` (the
    ``try: get_event_loop() except RuntimeError: new_event_loop()`` idiom)."""
    for ancestor, via in site.ancestors():
        if isinstance(ancestor, cst.Try) and via == "body":
            for handler in ancestor.handlers:
                if handler.type is None or any(
                    isinstance(n, cst.Name) and n.value in _CATCHING for n in descendants(handler.type)
                ):
                    return True
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
            return False
    return False


def _never_at_import(node: cst.CSTNode) -> bool:
    """A lambda, or the ``if __name__ == "__main__":`` block, which pytest's import never runs."""
    if isinstance(node, cst.Lambda):
        return True
    return isinstance(node, cst.If) and any(
        isinstance(n, cst.Name) and n.value == "__name__" for n in descendants(node.test)
    )


def _in_lambda(site: Site, func: cst.FunctionDef) -> bool:
    for ancestor, _ in site.ancestors():
        if ancestor is func:
            return False
        if isinstance(ancestor, cst.Lambda):
            return True
    return False


def _sets_loop(func: cst.FunctionDef, call: cst.Call, context) -> bool:  # type: ignore[no-untyped-def]
    """Whether the function calls ``asyncio.set_event_loop(...)`` anywhere
    (a loop it set itself is what ``get_event_loop()`` returns)."""
    func_site = context.site_of(func)
    for node in descendants(func.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        if isinstance(node, cst.Call) and node is not call and context.resolve(func_site, node.func) in _SET_EVENT_LOOP:
            return True
    return False
