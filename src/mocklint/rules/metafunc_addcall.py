"""MCK208 metafunc-addcall: calls of the removed ``Metafunc.addcall``."""

from __future__ import annotations

from typing import List, Optional, Tuple

from mocklint.analysis.pytest_model.compat_guards import compat_guarded
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

_HOOK = "pytest_generate_tests"


class MetafuncAddcall(Rule):
    """
    ## What it does
    Checks for calls of `metafunc.addcall(...)`: on the first parameter of a
    `pytest_generate_tests` hook, or on a parameter named `metafunc` of any
    function (a helper the hook passes its `metafunc` to).

    ## Why is this bad?
    `Metafunc.addcall` was the predecessor of `metafunc.parametrize`. It was
    deprecated in pytest 3.3, became an error in pytest 4.0 and was removed in
    pytest 4.1. Calling it raises
    `AttributeError: 'Metafunc' object has no attribute 'addcall'` inside the
    hook, so pytest reports a collection error for every module the hook applies
    to, and none of their tests run.

    Each `addcall(funcargs, id=...)` call added one test case; `parametrize`
    takes all the cases at once: the argument names, one value (or one tuple of
    values) per former call, and the ids in `ids=`.

    A module that defines an `addcall` function or method itself (a fake
    `Metafunc` in a plugin's own tests) is not checked, nor are calls guarded by
    a version check, a `hasattr` test, a `try` that catches `AttributeError` or
    a `pytest.raises(AttributeError)` block.

    ## Example
    ```python
    def pytest_generate_tests(metafunc):
        if "size" in metafunc.fixturenames:
            metafunc.addcall({"size": 1}, id="small")
            metafunc.addcall({"size": 1000}, id="large")
    ```

    Use instead:
    ```python
    def pytest_generate_tests(metafunc):
        if "size" in metafunc.fixturenames:
            metafunc.parametrize("size", [1, 1000], ids=["small", "large"])
    ```

    ## Known problems
    A `Metafunc` stored under another name (`mf = metafunc`) is not followed.

    ## References
    - [pytest deprecations: `Metafunc.addcall`](https://docs.pytest.org/en/stable/deprecations.html#metafunc-addcall)
    - [pytest changelog 4.1.0 (#3083)](https://docs.pytest.org/en/stable/changelog.html#pytest-4-1-0-2019-01-05)
    - [`Metafunc.parametrize`](https://docs.pytest.org/en/stable/reference/reference.html#pytest.Metafunc.parametrize)
    """

    code = "MCK208"
    name = "metafunc-addcall"
    summary = "`Metafunc.addcall` was removed in pytest 4.1"
    messages = {
        "default": (
            "`{receiver}.addcall()` raises `AttributeError`: pytest 4.1 removed it, so collection fails",
            "pytest fails with `AttributeError: 'Metafunc' object has no attribute 'addcall'` (an error since "
            "pytest 4.0). {replacement!c}.",
        ),
    }
    body_gate = gate(r"addcall")
    gate = gate(r"\.\s*addcall\b")

    def __init__(self, context) -> None:  # type: ignore[no-untyped-def]
        super().__init__(context)
        self._calls: List[Tuple[cst.Call, str]] = []
        self._defines_addcall = False

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        if node.name.value == "addcall":
            self._defines_addcall = True

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "addcall" and isinstance(func.value, cst.Name)):
            return
        receiver = func.value.value
        owner = self.context.names.parameter_owner(site, receiver)
        if owner is None:
            return
        if receiver == "metafunc" or (owner.name.value == _HOOK and _first_argument(owner) == receiver):
            if not compat_guarded(site, ("addcall",)):
                self._calls.append((node, receiver))

    def finish(self) -> None:
        if self._defines_addcall:
            return
        for node, receiver in self._calls:
            self.report(node, receiver=receiver, replacement=_replacement(node, receiver))


def _first_argument(func: cst.FunctionDef) -> Optional[str]:
    """The hook's ``metafunc`` argument: the first parameter, after ``self`` for a method."""
    params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    return params[0] if params else None


def _replacement(call: cst.Call, receiver: str) -> str:
    """``metafunc.parametrize(...)`` written with the call's own argument names."""
    # addcall(funcargs=None, id=NOTSET, param=NOTSET)
    funcargs: Optional[cst.BaseExpression] = None
    has_id = has_param = False
    for index, arg in enumerate(call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        if keyword == "funcargs" or (keyword is None and index == 0 and not arg.star):
            funcargs = arg.value
        elif keyword == "id" or (keyword is None and index == 1 and not arg.star):
            has_id = True
        elif keyword == "param" or (keyword is None and index == 2 and not arg.star):
            has_param = True
    keys = _literal_keys(funcargs)
    ids = ", ids=[...]" if has_id else ""
    if has_param and not keys:
        return (
            f"call `{receiver}.parametrize(\"<fixture>\", [...]{ids}, indirect=True)` once: "
            "each former `param` reaches the fixture as `request.param`"
        )
    if keys:
        names = ", ".join(keys)
        one = "one value" if len(keys) == 1 else "one tuple of values"
        return f'call `{receiver}.parametrize("{names}", [...]{ids})` once, with {one} per former `addcall`'
    return f"call `{receiver}.parametrize(argnames, argvalues{ids})` once with all the cases"


def _literal_keys(node: Optional[cst.BaseExpression]) -> List[str]:
    if not isinstance(node, cst.Dict):
        return []
    keys: List[str] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return []
        value = element.key.evaluated_value
        if not isinstance(value, str):
            return []
        keys.append(value)
    return keys
