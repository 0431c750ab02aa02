"""MCK219 pytest-asyncio-event-loop: event loop set-ups that pytest-asyncio 0.24-1.4 deprecated or dropped."""

from __future__ import annotations

import ast
import os
from typing import Optional

from mocklint.analysis.pytest_model.async_plugins import AsyncPlugins, async_plugins
from mocklint.analysis.pytest_model.project import model_for_path
from mocklint.analysis.pytest_model.pytest_roles import fixture_decorator
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_ASYNCIO_MARK = "pytest.mark.asyncio"
_SCOPE_ERROR = 'An asyncio pytest marker defines both "scope" and "loop_scope"'


class PytestAsyncioEventLoop(Rule):
    """
    ## What it does
    Checks test modules, conftest.py files and plugin modules of a project
    that runs pytest-asyncio for the event loop set-ups its releases took
    away:

    - a fixture registered as `event_loop` (a project's own loop) where the
      tests run pytest-asyncio 1.0 or later;
    - `@pytest.mark.asyncio(scope=...)` (also in `pytestmark`) where they run
      0.24 or later, and `scope=` together with `loop_scope=`;
    - a fixture registered as `event_loop_policy` where they run 1.4 or later.

    Which pytest-asyncio the tests run with is what MCK301 reads: the one
    installed next to mocklint, else the versions the project's declarations
    allow within the release line they pick (an unpinned requirement means the
    newest release, a lock file or `-c` constraint its pin). Where mocklint
    cannot tell whether every version allowed is on the affected side, it
    stays silent.

    A test or fixture *requesting* `event_loop` under pytest-asyncio 1.x is
    reported by MCK301 (fixture-not-found), which knows which definitions a
    test sees, and says "fixture 'event_loop' not found" as pytest does; a
    project's own `event_loop` fixture is reported here, at its definition,
    not at the tests requesting it.

    ## Why is this bad?
    pytest-asyncio 1.0 removed its `event_loop` fixture. A project's
    `event_loop` fixture used to replace the loop async tests ran in; since
    1.0 it is an ordinary fixture that pytest-asyncio never looks at, so async
    tests run in pytest-asyncio's own loop while the fixture makes a second
    one. Tests that use it (`event_loop.run_until_complete`, comparing it with
    `asyncio.get_running_loop()`, handing it to a client) fail or hang, and
    nothing warns. Verified with an `event_loop` override in conftest.py: a
    test asserting `asyncio.get_running_loop() is event_loop` passes under
    pytest-asyncio 0.26.0 (pytest 8.3.5) and fails with `AssertionError`
    under 1.0.0 (pytest 8.4.2) and 1.5.0 (pytest 9.2.0).

    pytest-asyncio 0.24 renamed the mark's `scope` argument `loop_scope`:
    `scope=` warns `PytestDeprecationWarning: The "scope" keyword argument to
    the asyncio marker has been deprecated` (a collection error where
    warnings are errors: seen on 0.24.0, 0.26.0, 1.0.0 and 1.5.0), and both
    together stop the run at collection: "An asyncio pytest marker defines
    both "scope" and "loop_scope", but it should only use "loop_scope"" (a
    `UsageError` on 0.24.0, 0.26.0 and 1.0.0, a collection failure on
    1.5.0). On 0.23.8 both run without a warning: `scope=` is the right
    spelling there, and nothing is reported.

    pytest-asyncio 1.4 deprecated overriding `event_loop_policy`: each test
    using it warns `PytestDeprecationWarning: Overriding the
    "event_loop_policy" fixture is deprecated` (an error at set-up where
    warnings are errors: seen on 1.4.0 and 1.5.0, not on 1.0.0); the
    `pytest_asyncio_loop_factories` hook replaces it.

    ## Example
    ```python
    # tests/test_api.py (requirements.txt: pytest-asyncio>=1.0)
    import pytest


    @pytest.mark.asyncio(scope="module")
    async def test_shared_loop():
        ...
    ```

    Use instead:
    ```python
    # tests/test_api.py (requirements.txt: pytest-asyncio>=1.0)
    import pytest


    @pytest.mark.asyncio(loop_scope="module")
    async def test_shared_loop():
        ...
    ```

    For a loop of another scope, replace the `event_loop` fixture with
    `loop_scope=` on the mark (and `asyncio_default_test_loop_scope` in the
    configuration); for another kind of loop, with the `event_loop_policy`
    fixture (1.0 to 1.3) or the `pytest_asyncio_loop_factories` hook (1.4 and
    later). Inside an async test or fixture, `asyncio.get_running_loop()` is
    the loop it runs in.

    ## Known problems
    `PYTEST_ADDOPTS`, the command line and a pytest-asyncio installed only in
    a CI job (declared nowhere mocklint reads) are not visible to mocklint.

    ## Fix safety
    The fix renames `scope=` to `loop_scope=` on a mark that does not give
    both, where the tests run pytest-asyncio 0.24 or later: pytest-asyncio
    reads the two the same way, so it is safe. Overrides of `event_loop` and
    `event_loop_policy` have no automatic fix: what replaces them depends on
    what the loop was for.

    ## References
    - [pytest-asyncio 1.0.0 changelog: the `event_loop` fixture removed](https://pytest-asyncio.readthedocs.io/en/stable/reference/changelog.html)
    - [pytest-asyncio: migrating from 0.23 to 0.24 (`loop_scope`)](https://pytest-asyncio.readthedocs.io/en/stable/how-to-guides/migrate_from_0_23.html)
    - [pytest-asyncio: how to change the event loop scope of tests](https://pytest-asyncio.readthedocs.io/en/stable/how-to-guides/change_default_test_loop.html)
    """

    fix_safety = "safe"
    code = "MCK219"
    name = "pytest-asyncio-event-loop"
    summary = "An `event_loop` override, `asyncio(scope=...)` or `event_loop_policy` override pytest-asyncio dropped"
    messages = {
        "override": (
            "fixture `event_loop` no longer sets the loop of async tests: pytest-asyncio 1.0 removed its own",
            "The tests run {version}: async tests and fixtures run in pytest-asyncio's own loop, and tests using "
            "this fixture get a second one. Use `loop_scope=` for the loop's scope and {custom} for its kind.",
        ),
        "scope": (
            "`scope=` of the asyncio mark is deprecated since pytest-asyncio 0.24: write `loop_scope=`",
            "The tests run {version}: it warns `PytestDeprecationWarning`, a collection error where warnings are "
            "errors.",
        ),
        "both": (
            'pytest-asyncio stops at collection: "' + _SCOPE_ERROR + '"',
            "The tests run {version}. Keep `loop_scope=` only.",
        ),
        "policy": (
            "overriding fixture `event_loop_policy` is deprecated since pytest-asyncio 1.4",
            "The tests run {version}: each test using it warns `PytestDeprecationWarning`, an error where warnings "
            "are errors. Implement the `pytest_asyncio_loop_factories` hook instead.",
        ),
    }
    gate = gate(r"\bevent_loop", r"\bscope\s*=")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A project that runs pytest-asyncio 0.24 or later."""
        plugins = _plugins(path)
        return plugins is not None and bool(plugins.asyncio_at_least("0.24"))

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        decorator = fixture_decorator(node, self.context.names, site)
        if decorator is None:
            return
        registered = _registered_name(node, decorator)
        if registered not in ("event_loop", "event_loop_policy"):
            return
        plugins = _plugins(self.context.path)
        if plugins is None:
            return
        if registered == "event_loop" and plugins.asyncio_at_least("1.0"):
            custom = "the `pytest_asyncio_loop_factories` hook"
            if not plugins.asyncio_at_least("1.4"):
                custom = "the `event_loop_policy` fixture (or, from 1.4, the `pytest_asyncio_loop_factories` hook)"
            self.report(node.name, "override", version=plugins.asyncio_label, custom=custom)
        elif registered == "event_loop_policy" and plugins.asyncio_at_least("1.4"):
            self.report(node.name, "policy", version=plugins.asyncio_label)

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        keywords = {arg.keyword.value: arg for arg in node.args if arg.keyword is not None}
        scope = keywords.get("scope")
        if scope is None or self.context.resolve(site, node.func) != _ASYNCIO_MARK:
            return
        plugins = _plugins(self.context.path)
        if plugins is None or not plugins.asyncio_at_least("0.24"):
            return
        if "loop_scope" in keywords:
            self.report(scope, "both", version=plugins.asyncio_label)
            return
        assert scope.keyword is not None
        fix = Fix("Rename `scope=` to `loop_scope=`", (Edit(scope.keyword, "loop_scope"),))
        self.report(scope, "scope", autofix=fix, version=plugins.asyncio_label)


def _plugins(path: Optional[str]) -> Optional[AsyncPlugins]:
    if not path:
        return None
    model = model_for_path(os.path.abspath(path))
    if model is None:
        return None
    plugins = async_plugins(model)
    return plugins if plugins.asyncio else None


def _registered_name(func: cst.FunctionDef, decorator: cst.Decorator) -> Optional[str]:
    """The name the fixture registers: ``name=`` when a literal, else the function's (None: unknown)."""
    expr = decorator.decorator
    if isinstance(expr, cst.Call):
        for arg in expr.args:
            if arg.keyword is not None and arg.keyword.value == "name":
                value = arg.value
                if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                    return value.evaluated_value
                return None
    return func.name.value
