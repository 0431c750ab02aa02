"""MCK210 pytest-funcarg-prefix: fixtures still defined with the removed ``pytest_funcarg__`` prefix."""

from __future__ import annotations

import os
from typing import List, Set

from mocklint.analysis.pytest_model.pytest_roles import is_test_module_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

PREFIX = "pytest_funcarg__"


class PytestFuncargPrefix(Rule):
    """
    ## What it does
    Checks for module-level functions named `pytest_funcarg__<name>` in test
    modules and `conftest.py` files: the fixture syntax of pytest 2.

    ## Why is this bad?
    The `pytest_funcarg__` prefix was deprecated in pytest 3.0, became an error
    in pytest 4.0 and was removed in pytest 4.1. Since then pytest sees an
    ordinary function: no fixture `<name>` exists, and in a test module every
    test that requests it errors at set-up with `fixture '<name>' not found`.

    In a `conftest.py` it is worse: pytest registers the conftest as a plugin
    and validates every `pytest_*` function in it as a hook, so the whole run
    stops with `INTERNALERROR ... PluginValidationError: unknown hook
    'pytest_funcarg__<name>'`, whether a test requests the fixture or not.

    Decorate the function with `@pytest.fixture` and give it the fixture's
    name; its parameters (usually `request`) stay as they are.

    In test modules, functions that are used elsewhere in the module (for
    example registered with `data = pytest.fixture(pytest_funcarg__data)`), and
    modules that already define `<name>`, are not flagged. In a conftest.py only
    a `del pytest_funcarg__<name>` takes the function out of the hook check.

    ## Example
    ```python
    def pytest_funcarg__data(request):
        return SomeData()

    def test_data(data):
        assert data.ready
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture
    def data(request):
        return SomeData()

    def test_data(data):
        assert data.ready
    ```

    ## Known problems
    Plugin modules loaded through `pytest_plugins` or entry points are not
    checked: mocklint cannot tell them from ordinary modules.

    ## References
    - [pytest deprecations: `pytest_funcarg__` prefix](https://docs.pytest.org/en/stable/deprecations.html#pytest-funcarg-prefix)
    - [pytest changelog 4.1.0 (#4543)](https://docs.pytest.org/en/stable/changelog.html#pytest-4-1-0-2019-01-05)
    - [How to use fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html)
    """

    code = "MCK210"
    name = "pytest-funcarg-prefix"
    summary = "The `pytest_funcarg__` fixture prefix was removed in pytest 4.1"
    messages = {
        "module": (
            "`{function}` is no fixture since pytest 4.1: \"fixture '{fixture}' not found\"",
            "pytest 4.1 removed the `pytest_funcarg__` prefix (an error since 4.0): tests that request "
            "`{fixture}` from it error. Write `@pytest.fixture` and `def {fixture}({params}):`.",
        ),
        "conftest": (
            "`{function}` stops the run with \"unknown hook '{function}'\"",
            "pytest 4.1 removed the `pytest_funcarg__` prefix (an error since 4.0), and in a conftest.py pytest "
            "takes every `pytest_*` function for a hook. Write `@pytest.fixture` and `def {fixture}({params}):`.",
        ),
    }
    body_gate = gate(r"pytest_funcarg__")
    gate = gate(r"def\s+pytest_funcarg__")

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._candidates: List[cst.FunctionDef] = []
        self._used: Set[str] = set()
        self._deleted: Set[str] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        name = node.name.value
        if name.startswith(PREFIX) and len(name) > len(PREFIX) and isinstance(site.parent, cst.Module):
            if not node.decorators:
                self._candidates.append(node)

    def visit_Name(self, node: cst.Name, site: Site) -> None:
        # any other mention of the factory (registration, a call, an alias) means it is used
        if node.value.startswith(PREFIX) and not (isinstance(site.parent, cst.FunctionDef) and site.field == "name"):
            self._used.add(node.value)
            for ancestor, _ in site.ancestors():
                if isinstance(ancestor, cst.Del):
                    self._deleted.add(node.value)  # ``del pytest_funcarg__x``: gone again
                if not isinstance(ancestor, (cst.Element, cst.Tuple, cst.List)):
                    break

    def finish(self) -> None:
        path = self.context.path
        if not path:
            return
        conftest = os.path.basename(path) == "conftest.py"
        if not (conftest or is_test_module_path(path)):
            return
        module = self.context.module
        for node in self._candidates:
            function = node.name.value
            fixture = function[len(PREFIX):]
            if len(self.context.names.scope_bindings(module, function)) != 1:
                continue  # defined twice, or rebound: not the plain old factory
            if conftest:
                # pytest registers the conftest as a plugin and validates every
                # ``pytest_*`` routine in it as a hook, used elsewhere or not
                if function in self._deleted:
                    continue
            elif function in self._used or self.context.names.module_binds(module, fixture):
                continue
            params = code(node.params)
            variant = "conftest" if conftest else "module"
            self.report(node.name, variant, function=function, fixture=fixture, params=params)
