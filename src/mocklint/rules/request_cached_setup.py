"""MCK209 request-cached-setup: calls of the removed ``FixtureRequest.cached_setup``."""

from __future__ import annotations

from typing import List, Optional, Tuple

from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.pytest_model.pytest_roles import Role
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

# cached_setup(setup, teardown=None, scope="module", extrakey=None)
_POSITIONS = ("setup", "teardown", "scope", "extrakey")
_LONG = "\0long"


class RequestCachedSetup(Rule):
    """
    ## What it does
    Checks for calls of `request.cached_setup(...)`, where `request` is a
    parameter of the enclosing function (a fixture, a test, an old
    `pytest_funcarg__` factory or a helper they pass their `request` to).

    ## Why is this bad?
    `request.cached_setup` was the predecessor of scoped fixtures. It was
    deprecated in pytest 3.9, became an error in pytest 4.0 and was removed in
    pytest 4.1. Calling it raises
    `AttributeError: 'SubRequest' object has no attribute 'cached_setup'`
    (`'TopRequest'` inside a test), so every test using the fixture errors at
    set-up.

    A fixture declares its scope itself and tears down after its `yield`: the
    `setup` callable becomes the code before the `yield`, the `teardown`
    callable the code after it, and `scope=` moves to `@pytest.fixture`
    (`cached_setup`'s default scope was `"module"`).

    A module that defines a `cached_setup` function or method itself is not
    checked, nor are calls guarded by a version check, a `hasattr` test, a
    `try` that catches `AttributeError` or a `pytest.raises(AttributeError)`
    block.

    ## Example
    ```python
    import pytest

    @pytest.fixture
    def db_session(request):
        return request.cached_setup(
            setup=Session.create, teardown=lambda session: session.close(), scope="module"
        )
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture(scope="module")
    def db_session():
        session = Session.create()
        yield session
        session.close()
    ```

    ## Known problems
    A request object stored under another name (`req = request`) or reached
    through an attribute (`self.request`) is not followed.

    ## References
    - [pytest deprecations: `cached_setup`](https://docs.pytest.org/en/stable/deprecations.html#cached-setup)
    - [pytest changelog 4.1.0 (#4489)](https://docs.pytest.org/en/stable/changelog.html#pytest-4-1-0-2019-01-05)
    - [How to use fixtures: scope and teardown](https://docs.pytest.org/en/stable/how-to/fixtures.html#teardown-cleanup-aka-fixture-finalization)
    """

    code = "MCK209"
    name = "request-cached-setup"
    summary = "`request.cached_setup` was removed in pytest 4.1"
    messages = {
        "fixture": (
            "`{receiver}.cached_setup()` raises `AttributeError`: pytest 4.1 removed it",
            "So fixture `{function}` raises, and every test using it errors (an error since pytest 4.0). "
            "{replacement!c}.",
        ),
        "funcarg": (
            "`{receiver}.cached_setup()` and the `pytest_funcarg__` prefix are gone since pytest 4.1",
            "Both are errors since pytest 4.0, so `{function}` is no fixture either. {replacement!c}.",
        ),
        "test": (
            "`{receiver}.cached_setup()` raises `AttributeError`: pytest 4.1 removed it",
            "So this test fails (an error since pytest 4.0). Move the set-up into a fixture: {replacement}, "
            "and request it.",
        ),
        "other": (
            "`{receiver}.cached_setup()` raises `AttributeError`: pytest 4.1 removed it",
            "It is an error since pytest 4.0. {replacement!c}.",
        ),
    }
    body_gate = gate(r"cached_setup")
    gate = gate(r"cached_setup\b")

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._calls: List[Tuple[cst.Call, str, cst.FunctionDef]] = []
        self._defines_cached_setup = False

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.name.value == "cached_setup":
            self._defines_cached_setup = True

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "cached_setup"):
            return
        if not (isinstance(func.value, cst.Name) and func.value.value == "request"):
            return
        owner = self.context.names.parameter_owner(site, "request")
        if owner is not None and not compat_guarded(site, ("cached_setup",)):
            self._calls.append((node, "request", owner))

    def finish(self) -> None:
        if self._defines_cached_setup:
            return
        for node, receiver, owner in self._calls:
            role = self.context.role(owner)
            setup, teardown, scope = _arguments(node)
            fixture = owner.name.value
            if fixture.startswith("pytest_funcarg__"):
                fixture = fixture[len("pytest_funcarg__"):] or fixture
            if owner.name.value.startswith("pytest_funcarg__") and fixture != owner.name.value:
                head = f"make `{fixture}` a `@pytest.fixture(scope={scope})`"
                self.report(
                    node, "funcarg", receiver=receiver, function=owner.name.value,
                    replacement=_steps(head, setup, teardown),
                )
            elif role is Role.FIXTURE:
                head = f"make `{fixture}` a `@pytest.fixture(scope={scope})`"
                self.report(
                    node, "fixture", receiver=receiver, function=owner.name.value,
                    replacement=_steps(head, setup, teardown),
                )
            elif role is Role.TEST:
                head = f"a `@pytest.fixture(scope={scope})`"
                self.report(node, "test", receiver=receiver, replacement=_steps(head, setup, teardown))
            else:
                head = f"use a `@pytest.fixture(scope={scope})`"
                self.report(node, "other", receiver=receiver, replacement=_steps(head, setup, teardown))


def _steps(head: str, setup: Optional[str], teardown: Optional[str]) -> str:
    if setup is None:
        create = "creates the value and `yield`s it"
    else:
        verb = "runs" if setup.endswith(")") else "computes"
        create = f"{verb} `{setup}` and `yield`s the result"
    if teardown is None:
        after = ""
    elif teardown == _LONG:
        after = ", and runs the `teardown` code after the `yield`"
    else:
        after = f", and tears it down with `{teardown}` after the `yield`"
    return f"{head} that {create}{after}"


def _arguments(call: cst.Call) -> Tuple[Optional[str], Optional[str], str]:
    """The ``setup`` and ``teardown`` callables as written, and the scope (a literal, quoted)."""
    found = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            continue
        if arg.keyword is not None:
            name: Optional[str] = arg.keyword.value
        else:
            name = _POSITIONS[index] if index < len(_POSITIONS) else None
        if name is not None:
            found[name] = arg.value
    setup = found.get("setup")
    teardown = found.get("teardown")
    scope = found.get("scope")
    setup_text: Optional[str] = None
    if isinstance(setup, (cst.Name, cst.Attribute)):
        setup_text = code(setup) + "()"
    elif isinstance(setup, cst.Lambda) and not setup.params.params and not isinstance(setup.params.star_arg, cst.Param):
        body = code(setup.body)
        setup_text = body if len(body) <= 60 and "\n" not in body else None
    teardown_text = code(teardown) if teardown is not None and not _is_none(teardown) else None
    if teardown_text is not None and (len(teardown_text) > 60 or "\n" in teardown_text):
        teardown_text = _LONG
    scope_text = '"module"'
    if isinstance(scope, cst.SimpleString) and isinstance(scope.evaluated_value, str):
        scope_text = f'"{scope.evaluated_value}"'
    elif scope is not None:
        scope_text = code(scope)
    return setup_text, teardown_text, scope_text


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
