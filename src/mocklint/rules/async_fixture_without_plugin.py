"""MCK221 async-fixture-without-plugin: ``@pytest.fixture`` on ``async def`` where no plugin handles it."""

from __future__ import annotations

import ast
import os
import re
from typing import Optional

from mocklint.analysis.pytest_model.async_plugins import AsyncPlugins, async_plugins
from mocklint.analysis.pytest_model.project import ProjectModel, conftest_chain_matches, model_for_path
from mocklint.analysis.pytest_model.pytest_roles import decorator_target
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate_all

_PLAIN_FIXTURES = frozenset(
    {"pytest.fixture", "pytest.yield_fixture", "_pytest.fixtures.fixture", "_pytest.fixtures.yield_fixture"}
)
_UNHANDLED = "requested an async fixture '{fixture}', with no plugin or hook that handled it"
#: anyio and pytest-trio handle the async fixtures of the tests they run: near a mention of theirs, a test may be one
_ANYIO_OR_TRIO = re.compile(r"\b(?:anyio|trio)\b")


class AsyncFixtureWithoutPlugin(Rule):
    """
    ## What it does
    Checks `async def` fixtures made with `@pytest.fixture` (not
    `@pytest_asyncio.fixture`) in test modules, conftest.py files and plugin
    modules, where none of the plugins the tests run with handles them:

    - pytest-asyncio handles, in strict mode (the default), only the
      fixtures made with `@pytest_asyncio.fixture`; in auto mode
      (`asyncio_mode = auto`) every one;
    - anyio handles the async fixtures of the tests it runs (marked `anyio`
      or requesting `anyio_backend`), and pytest-trio those of tests marked
      `trio` (every one in `trio_mode`): near any mention of anyio or trio
      (the fixture's module, or for a conftest.py every file under its
      folder, and the conftest.py files above) mocklint stays silent.

    mocklint knows the plugins as MCK220 (async-test-without-plugin) does,
    and is as careful: it reports only when a plugin that runs coroutines is
    certainly there (or `[tool.mocklint] plugins` lists the plugins), nothing
    else may handle the fixture, and no conftest.py on the path (or plugin
    module of the project) has a hook that may (`pytest_fixture_setup`,
    `pytest_pyfunc_call`, ...).

    ## Why is this bad?
    Without a plugin, pytest calls the fixture function and hands the test
    what it returns: a coroutine (or an async generator), never awaited. The
    test works with that object instead of the value; pytest 8.4 warns
    (`PytestRemovedIn9Warning: 'test_x' requested an async fixture 'db', with
    no plugin or hook that handled it`) and pytest 9 fails the test at
    set-up with that message. Verified with pytest-asyncio in strict mode: an
    `asyncio`-marked test and a sync test requesting such a fixture get a
    coroutine (or async generator) object and fail their assertion on pytest 8.3.5 (0.26.0) and
    8.4.2 (1.0.0, with the warning), and error at set-up on pytest 9.2.0
    (1.5.0); with anyio 4.16, the fixture works for a test marked `anyio`
    and errors for a sync test.

    ## Example
    ```python
    # tests/conftest.py (requirements.txt: pytest-asyncio>=1.0)
    import pytest


    @pytest.fixture
    async def client():
        async with make_client() as client:
            yield client
    ```

    Use instead:
    ```python
    # tests/conftest.py (requirements.txt: pytest-asyncio>=1.0)
    import pytest_asyncio


    @pytest_asyncio.fixture
    async def client():
        async with make_client() as client:
            yield client
    ```

    Or set `asyncio_mode = auto` in the pytest configuration.

    ## Known problems
    A plugin installed only by a CI job, `-p` or `--asyncio-mode` on the
    command line or in `PYTEST_ADDOPTS` are not visible to mocklint.

    No fix is offered: `@pytest_asyncio.fixture` needs an import the module
    may not have, and the fixture, once run, may behave differently from the
    coroutine object the tests got so far.

    ## References
    - [pytest deprecations: sync test depending on async fixture](https://docs.pytest.org/en/stable/deprecations.html#sync-test-depending-on-async-fixture)
    - [pytest changelog 8.4.0: requesting an unhandled async fixture warns (#10839)](https://docs.pytest.org/en/stable/changelog.html#pytest-8-4-0-2025-06-02)
    - [pytest-asyncio: `pytest_asyncio.fixture`](https://pytest-asyncio.readthedocs.io/en/stable/reference/decorators/index.html)
    - [pytest-asyncio: modes (strict and auto)](https://pytest-asyncio.readthedocs.io/en/stable/concepts.html#test-discovery-modes)
    - [AnyIO: asynchronous fixtures](https://anyio.readthedocs.io/en/stable/testing.html#asynchronous-fixtures)
    """

    code = "MCK221"
    name = "async-fixture-without-plugin"
    summary = "An `async def` fixture made with `@pytest.fixture` that no plugin handles: its tests get a coroutine"
    messages = {
        "default": (
            'pytest 9 errors "' + _UNHANDLED + '"',
            "`@pytest.fixture` on `async def {fixture}`: {why}. Before pytest 9 its tests get a coroutine object "
            "instead of the value (pytest 8.4 warns). {fix!c}.",
        ),
    }
    gate = gate_all(r"\basync\s+def\b", r"fixture")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """An ``async def`` with a decorator, at module level or in a class."""
        model = _model(path)
        if model is None or path is None or not async_plugins(model).certain(os.path.abspath(path)):
            return False
        for statement in tree.body:
            body = statement.body if isinstance(statement, ast.ClassDef) else [statement]
            if any(isinstance(node, ast.AsyncFunctionDef) and node.decorator_list for node in body):
                return True
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.asynchronous is None:
            return
        if not any(self.context.resolve(site, decorator_target(d)) in _PLAIN_FIXTURES for d in node.decorators):
            return
        path = self.context.path
        model = _model(path)
        if model is None or path is None:
            return
        plugins = async_plugins(model)
        if not _unhandled(plugins, model, os.path.abspath(path), self.context.source):
            return
        if plugins.asyncio:
            why = "the tests run pytest-asyncio in strict mode, which handles only `@pytest_asyncio.fixture`"
            fix = "use `@pytest_asyncio.fixture`, or set `asyncio_mode = auto`"
        elif True in (plugins.anyio, plugins.trio):
            mark = "anyio" if plugins.anyio else "trio"
            runners = (("anyio", plugins.anyio), ("pytest-trio", plugins.trio))
            runner = " and ".join(name for name, used in runners if used)
            why = (
                f"the tests run {runner}, which handles only the async fixtures of tests marked `{mark}`, and no "
                "test near this fixture is"
            )
            fix = f"mark the tests using it `{mark}`"
        else:
            why = "none of the plugins `[tool.mocklint] plugins` lists runs coroutines"
            fix = "add pytest-asyncio and use `@pytest_asyncio.fixture`"
        self.report(node.name, fixture=node.name.value, why=why, fix=fix)


def _model(path: Optional[str]) -> Optional[ProjectModel]:
    if not path:
        return None
    model = model_for_path(os.path.abspath(path))
    return model if model is not None and model.config.readable else None


def _unhandled(plugins: AsyncPlugins, model: ProjectModel, path: str, source: str) -> bool:
    """Whether no plugin the tests run with, and no hook, handles an async
    ``@pytest.fixture`` defined in ``path``."""
    if not plugins.certain(path):
        return False
    if plugins.asyncio is not False and plugins.asyncio_mode != "strict":
        return False  # auto, or a mode mocklint cannot read
    if plugins.trio is not False and plugins.trio_mode:
        return False
    return not _anyio_or_trio_near(model, path, source)  # anyio may come with httpx, starlette, ...


def _anyio_or_trio_near(model: ProjectModel, path: str, source: str) -> bool:
    """A mention of anyio or trio where a test using the fixture may be: its
    module, every file under a conftest.py's folder (the whole project for a
    plugin module), or a conftest.py above."""
    if _ANYIO_OR_TRIO.search(source) or conftest_chain_matches(os.path.dirname(path), _ANYIO_OR_TRIO):
        return True
    if model.is_test_module(path) and os.path.basename(path) != "conftest.py":
        return False
    folder = os.path.dirname(path) if os.path.basename(path) == "conftest.py" else model.root
    prefix = folder.rstrip(os.sep) + os.sep
    return any(
        other.startswith(prefix) and _ANYIO_OR_TRIO.search(model.text(other) or "") for other in model.files()
    )
