"""MCK407 patch-target-missing: ``patch("pkg.mod.attr")`` of an attribute the project module does not define."""

from __future__ import annotations

import ast
import os
from typing import Optional

from mocklint.analysis.mock_values.mocks import MOCKER_NAMES, PATCH_OBJECTS, PATCHERS
from mocklint.analysis.mock_values.module_attributes import Missing, missing_attribute
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate


class PatchTargetMissing(Rule):
    """
    ## What it does
    Checks `patch("package.module.attribute")` and `patch.object(module,
    "attribute")` (from `unittest.mock`, the `mock` backport, or pytest-mock's
    `mocker`) whose module is a module of the linted project that certainly
    has no such attribute: no statement of it binds the name, and nothing in
    it can add names unseen (`from x import *`, a module `__getattr__`,
    `globals()`, `setattr()`, `sys.modules`, `exec()`), and no submodule has
    that name. Calls with `create=True` are not checked.

    ## Why is this bad?
    `patch()` imports the module and reads the attribute when the patch
    starts; a missing one raises

    ```
    AttributeError: <module 'app.client' from '.../app/client.py'> does not have the attribute 'fetchh'
    ```

    so the test fails on every run. It usually means a typo, a function that
    was renamed or moved to another module, or a name patched where it is
    defined instead of where it is used (`from app.http import fetch` in
    `app.client` makes `app.client.fetch` the name to patch: that one exists).
    The message suggests the closest name the module defines.

    A test may patch a function of its own module: that module is checked
    too, under the names pytest imports it as (`test_profile`, or
    `tests.test_profile` from the root).

    ## Example
    ```python
    # tests/test_profile.py
    from unittest.mock import patch

    def fetch_user(name):
        return {"name": name}

    def greeting(name):
        return "Hello " + fetch_user(name)["name"]

    @patch("test_profile.fetch_usr", return_value={"name": "Ann"})
    def test_greeting(fetch_user):
        assert greeting("x") == "Hello Ann"
    ```

    Use instead:
    ```python
    # tests/test_profile.py
    from unittest.mock import patch

    def fetch_user(name):
        return {"name": name}

    def greeting(name):
        return "Hello " + fetch_user(name)["name"]

    @patch("test_profile.fetch_user", return_value={"name": "Ann"})
    def test_greeting(fetch_user):
        assert greeting("x") == "Hello Ann"
    ```

    ## Fix safety
    When a defined name is close to the missing one, the fix writes it in the
    target. It is unsafe: the patch then takes effect, and the test may
    behave differently from what the author expected of the misspelt one.

    ## Known problems
    Only project modules are read (not installed packages), and only module
    attributes (`app.client.Client.get` is not checked). A module whose
    attribute another module sets at run time (`app.client.fetch = ...`
    elsewhere) gets a false alarm: add `create=True`, or `# noqa: MCK407`.

    ## References
    - [`unittest.mock.patch`](https://docs.python.org/3/library/unittest.mock.html#patch)
    - [Where to patch](https://docs.python.org/3/library/unittest.mock.html#where-to-patch)
    """

    fix_safety = "unsafe"
    code = "MCK407"
    name = "patch-target-missing"
    summary = "A `patch()` target names an attribute its project module does not define"
    messages = {
        "default": (
            "`{target!b}` raises `AttributeError`: `{module}` defines no `{attribute}`",
            "`{module}` ({path}) has no `{attribute}`, so the patch raises `AttributeError: <module '{module}'> "
            "does not have the attribute '{attribute}'`.{suggestion}",
        ),
    }
    gate = gate(r"\bpatch\b")
    body_gate = gate  # the bodies that call `patch` (`patch.object` included), unless the module renames it
    body_gate_name = "patch"

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call of ``patch``/``object`` with a dotted string argument, or two arguments."""
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name not in ("patch", "object"):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
                return True
            if name == "object" and len(node.args) >= 2:
                return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        kind = self._kind(node, site)
        if kind is None or not node.args or any(arg.star for arg in node.args):
            return
        if any(_creates(arg) for arg in node.args):
            return
        positional = [arg for arg in node.args if arg.keyword is None]
        if kind == "patch":
            target = positional[0].value if positional else None
            if not isinstance(target, cst.SimpleString) or not isinstance(target.evaluated_value, str):
                return
            dotted = target.evaluated_value
            shown = code(target)
        else:
            if len(positional) < 2 or not isinstance(positional[1].value, cst.SimpleString):
                return
            module = self.context.resolve(site, positional[0].value)
            attribute = positional[1].value.evaluated_value
            if module is None or not isinstance(attribute, str) or module.startswith("."):
                return
            target, dotted = positional[1].value, f"{module}.{attribute}"
            shown = f"{code(positional[0].value)}, {code(target)}"
        if not self.context.path:
            return
        missing = missing_attribute(dotted, self.context.path, self.context.source)
        if missing is None or (kind == "object" and missing.module != dotted.rsplit(".", 1)[0]):
            return
        self.report(
            target,
            target=f"{code(node.func)}({shown}" + (")" if kind == "patch" or len(positional) == 2 else ", ...)"),
            module=missing.module,
            path=self._shown_path(missing),
            attribute=missing.attribute,
            suggestion=f" Did you mean `{missing.suggestion}`?" if missing.suggestion else "",
            autofix=_autofix(target, missing),
        )

    def _kind(self, node: cst.Call, site: Site) -> Optional[str]:
        qualified = self.context.resolve(site, node.func)
        if qualified in PATCHERS:
            return "patch"
        if qualified in PATCH_OBJECTS:
            return "object"
        func = node.func
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and root.value in MOCKER_NAMES and isinstance(func, cst.Attribute):
            return {"patch": "patch", "patch.object": "object"}.get(code(func).split(".", 1)[-1])
        return None

    def _shown_path(self, missing: Missing) -> str:
        if self.context.path:
            try:
                return os.path.relpath(missing.path, os.path.dirname(os.path.abspath(self.context.path)))
            except ValueError:  # another drive (Windows)
                pass
        return missing.path


def _creates(arg: cst.Arg) -> bool:
    """``create=`` with anything but a literal ``False``/``None``: the attribute may be made."""
    if arg.keyword is None or arg.keyword.value != "create":
        return False
    return not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None"))


def _autofix(target: cst.SimpleString, missing: Missing) -> Optional[Fix]:
    """The closest defined name in place of the missing one, in a plain string."""
    if missing.suggestion is None:
        return None
    raw = target.value
    quote = target.quote
    body = raw[len(target.prefix) + len(quote): -len(quote)]
    if "\\" in body or not body.endswith(missing.attribute):
        return None
    fixed = body[: -len(missing.attribute)] + missing.suggestion
    return Fix(
        f"Patch `{missing.suggestion}`",
        (Edit(target, f"{target.prefix}{quote}{fixed}{quote}"),),
        safe=False,
    )
