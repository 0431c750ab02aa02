"""MCK206 funcargnames: reads of ``request/metafunc/item.funcargnames``, removed in pytest 6.1."""

from __future__ import annotations

from mocklint.analysis.pytest_model.removed_attribute import RemovedAttribute
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate


class Funcargnames(RemovedAttribute, Rule):
    """
    ## What it does
    Checks for reads of `funcargnames`, the old alias of `fixturenames` on
    `request`, `metafunc` and test items: `metafunc.funcargnames` in
    `pytest_generate_tests`, `request.funcargnames` in a fixture,
    `item.funcargnames` in a hook or a loop over `items`.

    ## Why is this bad?
    `funcargnames` was deprecated in pytest 5.0 (#466); pytest 6.0 turned the
    deprecation warning into an error and pytest 6.1 removed the attribute
    (#5585; the deprecations page lists it under 6.0). Reading it now raises
    `AttributeError: 'Metafunc' object has no attribute 'funcargnames'`. In
    `pytest_generate_tests` that happens while pytest collects the module, so
    every test in it errors. `fixturenames` holds the same list.

    ## Example
    ```python
    def pytest_generate_tests(metafunc):
        if "browser" in metafunc.funcargnames:
            metafunc.parametrize("browser", ["firefox", "chromium"])

    def test_uses_tmp_path(request, tmp_path):
        assert "tmp_path" in request.funcargnames
    ```

    Use instead:
    ```python
    def pytest_generate_tests(metafunc):
        if "browser" in metafunc.fixturenames:
            metafunc.parametrize("browser", ["firefox", "chromium"])

    def test_uses_tmp_path(request, tmp_path):
        assert "tmp_path" in request.fixturenames
    ```

    ## Known problems
    pytest's objects are recognised by where they come from, not by their type:
    mocklint reports reads on a function's parameter (`metafunc`, `request`,
    `item`), on the target of a loop over one (`for item in items`), and on
    `self.request`-like holders. A parameter that receives some other object
    with its own `funcargnames` gets a false alarm; add `# noqa: MCK206` there.
    A module that defines, assigns or mocks a `funcargnames` itself is not
    checked, and reads in compatibility branches (`getattr(metafunc,
    "fixturenames", None) or metafunc.funcargnames`, `if hasattr(...)`,
    `try: ... except AttributeError:`) are not reported.

    ## Fix safety
    The fix is safe: `fixturenames` is the attribute `funcargnames` was an
    alias of.

    ## References
    - [pytest deprecations: `funcargnames` alias for `fixturenames`](https://docs.pytest.org/en/stable/deprecations.html#funcargnames-alias-for-fixturenames)
    - [pytest changelog 6.1.0: removals (#5585)](https://docs.pytest.org/en/stable/changelog.html#pytest-6-1-0-2020-09-26)
    - [`Metafunc.fixturenames`](https://docs.pytest.org/en/stable/reference/reference.html#pytest.Metafunc)
    """

    fix_safety = "safe"
    code = "MCK206"
    name = "funcargnames"
    summary = "`funcargnames` stopped working in pytest 6.0 and was removed in 6.1; use `fixturenames`"
    messages = {
        "default": (
            "`{receiver!b}.funcargnames` raises `AttributeError`: pytest 6.1 removed it",
            "It stopped working in pytest 6.0 and was removed in 6.1; the error is raised{when}. "
            "Use `{receiver}.fixturenames`.",
        ),
    }
    gate = gate(r"\bfuncargnames\b")
    body_gate = gate  # the bodies holding what it reports, and what excuses it

    attribute = "funcargnames"
    guard_words = ("fixturenames", "funcargnames")

    def report_use(self, node: cst.Attribute, site: Site) -> None:
        receiver = code(node.value)
        when = ""
        for func in site.function_chain()[:1]:
            if func.name.value == "pytest_generate_tests":
                when = " while pytest collects the module, and none of its tests run"
        self.report(
            node.attr,
            "default",
            receiver=receiver,
            when=when,
            autofix=Fix("Rename to `fixturenames`", (Edit(node.attr, "fixturenames"),)),
        )
