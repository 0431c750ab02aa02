"""MCK205 getfuncargvalue: ``request.getfuncargvalue(...)``, removed in pytest 5.1."""

from __future__ import annotations

from mocklint.analysis.pytest_model.removed_attribute import RemovedAttribute
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import call_arguments, code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate


class Getfuncargvalue(RemovedAttribute, Rule):
    """
    ## What it does
    Checks for uses of `getfuncargvalue`, the old name of
    `request.getfixturevalue`: `request.getfuncargvalue("tmp_path")` in a test
    or fixture, also through `self.request` or a helper's parameter, and the
    bound method passed around (`getattr(request, "getfixturevalue",
    request.getfuncargvalue)`, whose default is evaluated eagerly).

    ## Why is this bad?
    pytest 3.0 renamed `getfuncargvalue` to `getfixturevalue`, and pytest 5.1
    removed the old name. Calling it raises
    `AttributeError: 'SubRequest' object has no attribute 'getfuncargvalue'`
    (`'TopRequest'` inside a test): the test errors, and every test that uses a
    fixture calling it errors at setup. The rename is mechanical: the arguments
    and the result are the same.

    ## Example
    ```python
    import pytest

    @pytest.fixture
    def workdir(request):
        return request.getfuncargvalue("tmp_path") / "work"

    def test_backend(request):
        backend = request.getfuncargvalue("db_backend")
        assert backend.ping()
    ```

    Use instead:
    ```python
    import pytest

    @pytest.fixture
    def workdir(request):
        return request.getfixturevalue("tmp_path") / "work"

    def test_backend(request):
        backend = request.getfixturevalue("db_backend")
        assert backend.ping()
    ```

    ## Known problems
    pytest's objects are recognised by where they come from, not by their type:
    mocklint reports reads on a function's parameter (`request`, `item`, a
    helper's argument), on the target of a loop over one, and on
    `self.request`-like holders. A parameter that receives some other object
    with its own `getfuncargvalue` method (a fake request built in another
    module) gets a false alarm; add `# noqa: MCK205` there. A module that defines,
    assigns or mocks a `getfuncargvalue` itself is not checked at all, and uses in
    compatibility branches (`if hasattr(request, "getfixturevalue"): ... else:
    ...`, `try: ... except AttributeError:`, `pytest.raises(AttributeError)`) are
    not reported: they never fail on a current pytest.

    ## Fix safety
    The fix is safe: `getfixturevalue` is the same method under its current
    name (renamed in pytest 3.0).

    ## References
    - [pytest changelog 5.1.0: removals (#5180)](https://docs.pytest.org/en/stable/changelog.html#pytest-5-1-0-2019-08-15)
    - [pytest changelog (3.0.0: `getfuncargvalue` renamed to `getfixturevalue`)](https://docs.pytest.org/en/stable/changelog.html)
    - [`request.getfixturevalue`](https://docs.pytest.org/en/stable/reference/reference.html#pytest.FixtureRequest.getfixturevalue)
    """

    fix_safety = "safe"
    code = "MCK205"
    name = "getfuncargvalue"
    summary = "`request.getfuncargvalue` was removed in pytest 5.1; use `getfixturevalue`"
    messages = {
        "call": (
            "`{receiver!b}.getfuncargvalue()` raises `AttributeError`: pytest 5.1 removed it",
            "It was renamed `getfixturevalue` in pytest 3.0. Use `{receiver}.getfixturevalue({arguments})`.",
        ),
        "read": (
            "`{receiver!b}.getfuncargvalue` raises `AttributeError`: pytest 5.1 removed it",
            "It was renamed `getfixturevalue` in pytest 3.0. Use `{receiver}.getfixturevalue`.",
        ),
    }
    gate = gate(r"\bgetfuncargvalue\b")
    body_gate = gate  # the bodies holding what it reports, and what excuses it

    attribute = "getfuncargvalue"
    guard_words = ("getfixturevalue", "getfuncargvalue")

    def report_use(self, node: cst.Attribute, site: Site) -> None:
        receiver = code(node.value)
        call = site.parent if isinstance(site.parent, cst.Call) and site.field == "func" else None
        if call is None:
            self.report(node.attr, "read", receiver=receiver, autofix=_rename_fix(node.attr))
            return
        self.report(node.attr, "call", receiver=receiver, arguments=call_arguments(call), autofix=_rename_fix(node.attr))


def _rename_fix(attr: cst.Name) -> Fix:
    return Fix("Rename to `getfixturevalue`", (Edit(attr, "getfixturevalue"),))
