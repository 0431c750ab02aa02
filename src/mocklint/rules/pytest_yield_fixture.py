"""MCK202 pytest-yield-fixture: ``@pytest.yield_fixture``, deprecated since pytest 6.2."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from mocklint.analysis.compat_guards import version_guarded
from mocklint.analysis.source import call_arguments, code
from mocklint.analysis.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

_YIELD_FIXTURE = frozenset({"pytest.yield_fixture", "_pytest.fixtures.yield_fixture"})


class PytestYieldFixture(Rule):
    """
    ## What it does
    Checks for uses of `pytest.yield_fixture`: as a decorator (`@pytest.yield_fixture`,
    `@pytest.yield_fixture(scope="module")`) or called
    (`pytest.yield_fixture(scope="module")(make_db)`), also after
    `from pytest import yield_fixture` or through an import alias.

    ## Why is this bad?
    `yield_fixture` has been a plain alias of `pytest.fixture` since pytest 3.0,
    when `@pytest.fixture` learnt to run `yield` fixtures, and it is deprecated
    since pytest 6.2 (#7988). Each use warns when it runs, for a decorator while
    pytest imports the test module: `PytestDeprecationWarning` on pytest 8.4,
    `PytestRemovedIn10Warning` on pytest 9.2, which scheduled the alias for
    removal (#14755). pytest's backwards-compatibility policy turns
    `PytestRemovedIn10Warning` into an error by default in pytest 10, and the
    module will then fail to import; under
    `-W error::pytest.PytestDeprecationWarning` (or `filterwarnings = error`) it
    already does.

    The replacement is a rename: `@pytest.fixture` takes the same arguments and
    runs `yield` fixtures, teardown included.

    ## Example
    ```python
    import pytest

    @pytest.yield_fixture(scope="module")
    def db():
        conn = connect()
        yield conn
        conn.close()
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture(scope="module")
    def db():
        conn = connect()
        yield conn
        conn.close()
    ```

    ## Known problems
    A `yield_fixture` stored in a variable first (`yf = pytest.yield_fixture`)
    is not followed, and uses in a branch chosen by a version check are not
    reported.

    ## Fix safety
    The fix is safe: `yield_fixture` is an alias of `fixture`. Only the
    `pytest.yield_fixture` spelling is fixed; a name imported with
    `from pytest import yield_fixture` is left to you, with its import.

    ## References
    - [pytest deprecations: the `yield_fixture` function/decorator](https://docs.pytest.org/en/stable/deprecations.html#yield-fixture-deprecated)
    - [pytest changelog 9.2.0: scheduled for removal (#14755)](https://docs.pytest.org/en/stable/changelog.html#pytest-9-2-0-2026-10-27)
    - [pytest changelog 6.2.0: deprecated (#7988)](https://docs.pytest.org/en/stable/changelog.html#pytest-6-2-0-2020-12-12)
    - [How to use yield fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html#yield-fixtures-recommended)
    """

    fix_safety = "safe"
    code = "MCK202"
    name = "pytest-yield-fixture"
    summary = "`pytest.yield_fixture` is a deprecated alias of `pytest.fixture`, scheduled for removal"
    messages = {
        "default": (
            "`{used}` is a deprecated alias of `pytest.fixture` (since pytest 6.2): it warns {when} "
            "(`PytestRemovedIn10Warning` since pytest 9.2 scheduled it for removal); "
            "write `{replacement}`{note}"
        ),
    }
    gate = gate(r"\byield_fixture\b")
    body_gate = gate  # the bodies holding what it reports, and what excuses it
    body_gate_name = "yield_fixture"


    def visit_Call(self, node: cst.Call, site: Site) -> None:
        if self._is_yield_fixture(node.func, site):
            self._report(node.func, site, node)

    def visit_Decorator(self, node: cst.Decorator, site: Site) -> None:
        if not isinstance(node.decorator, cst.Call) and self._is_yield_fixture(node.decorator, site):
            self._report(node.decorator, site, None)

    def _is_yield_fixture(self, expr: cst.BaseExpression, site: Site) -> bool:
        return self.context.resolve(site, expr) in _YIELD_FIXTURE and not version_guarded(site)

    def _report(self, target: cst.BaseExpression, site: Site, call: Optional[cst.Call]) -> None:
        written = code(target)
        new_callee = code(target.value) + ".fixture" if isinstance(target, cst.Attribute) else "pytest.fixture"
        arguments = ""
        if call is not None:
            arguments = f"({call_arguments(call)})"
        at = "@" if _decorates(site, call) else ""
        used = f"{at}{written}" + ("(...)" if call is not None and call.args else "()" if call is not None else "")
        note = ""
        if isinstance(target, cst.Name):
            new_callee, note = "fixture", " with `from pytest import fixture`"
        replacement = f"{at}{new_callee}{arguments}"
        when = "each time this code runs" if site.function_chain() else "while pytest imports this module"
        autofix = None
        if isinstance(target, cst.Attribute):
            autofix = Fix("Use `pytest.fixture`", (Edit(target.attr, "fixture"),))
        self.report(target, "default", used=used, replacement=replacement, note=note, when=when, autofix=autofix)


def _decorates(site: Site, call: Optional[cst.Call]) -> bool:
    """Whether the reported expression is a decorator (``site`` is the Call's or the Decorator's)."""
    if call is None:
        return True
    return isinstance(site.parent, cst.Decorator)

