"""MCK406 patch-call-always-fails: ``patch()`` calls whose arguments ``unittest.mock`` always rejects."""

from __future__ import annotations

import ast
import os
from typing import List, Optional, Tuple

from mocklint.analysis.mock_values.mocks import MOCK_MODULES, MOCKER_NAMES, PATCH_OBJECTS, PATCHERS
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.mock_values.targets import resolve_target
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Edit, Fix, Rule, gate

#: the keywords ``unittest.mock`` takes for typos of ``autospec``/``spec_set`` (Python 3.10+)
_TYPOS = {"autospect": "autospec", "auto_spec": "autospec", "set_spec": "spec_set"}
_DEFAULTS = frozenset(f"{module}.DEFAULT" for module in MOCK_MODULES)
_PARAMETERS = ("target", "new", "spec", "create", "spec_set", "autospec", "new_callable")
#: literals that are never a string, by libcst node type name (its node types are final)
_NOT_STRINGS = frozenset({"Integer", "Float", "Imaginary", "List", "Tuple", "Dict", "Set", "Lambda"})
_OBJECT_PARAMETERS = ("target", "attribute", "new", "spec", "create", "spec_set", "autospec", "new_callable")


class PatchCallAlwaysFails(Rule):
    """
    ## What it does
    Checks `patch()` and `patch.object()` calls (from `unittest.mock`, the
    `mock` backport, or pytest-mock's `mocker`) whose arguments make them fail
    every time, decided from the call alone:

    - `new` together with `autospec`, `new` with `new_callable`, `autospec`
      with `new_callable`, `spec` with `autospec`;
    - the misspelt keywords `autospect=`, `auto_spec=` and `set_spec=`;
    - a target that is not a `"package.module.attribute"` string: a function,
      class or module object, a non-string literal, a string without a dot,
      or a string as the object of `patch.object()`;
    - more argument-injecting `@patch` decorators on a test than the test
      takes positional parameters.

    ## Why is this bad?
    None of these ever patches anything; the test fails before it checks
    anything, with an error that points into `unittest.mock`:

    - `ValueError: Cannot use 'new' and 'new_callable' together` (and
      `'autospec' and 'new_callable'`) when the patcher is made: for a
      decorator, at import, a collection error of the whole module;
    - `TypeError: autospec creates the mock for you. Can't specify autospec and new.`
      and `TypeError: Can't specify spec and autospec` when it starts;
    - `RuntimeError: 'autospect' might be a typo; use unsafe=True if this is intended`
      on Python 3.10 and later (before, the keyword silently configured an
      attribute of the mock, and `autospec` was never applied);
    - `TypeError: Need a valid target to patch. You supplied: ...` and
      `TypeError: 'x' must be the actual object to be patched, not a str`;
    - `TypeError: test_x() takes 1 positional argument but 2 were given` when
      each `@patch` decorator without `new` passes its mock as one more
      positional argument than the test has.

    `spec_set=True` with `autospec` and `new=DEFAULT` are valid and not
    reported; a `False` or `None` literal counts as not passed, as
    `unittest.mock` reads it.

    ## Example
    ```python
    from unittest import mock

    @mock.patch("app.billing.charge", mock.Mock(return_value=True), autospec=True)
    def test_checkout():
        ...
    ```

    Use instead:
    ```python
    from unittest import mock

    @mock.patch("app.billing.charge", autospec=True)
    def test_checkout(charge):
        charge.return_value = True
        ...
    ```

    ## Fix safety
    The misspelt keywords get an unsafe fix to `autospec=` / `spec_set=`: on
    Python 3.9 and earlier the call ran with the typo as a mock attribute, and
    the right keyword now specs the mock, which may make the test fail on a
    call the real object does not accept. The other findings have no fix: only
    the author knows which of the two arguments was meant.

    ## References
    - [`unittest.mock.patch`](https://docs.python.org/3/library/unittest.mock.html#patch)
    - [Where to patch](https://docs.python.org/3/library/unittest.mock.html#where-to-patch)
    - [CPython issue #87695: spec argument typos raise `RuntimeError`](https://github.com/python/cpython/issues/87695)
    """

    fix_safety = "unsafe"
    code = "MCK406"
    name = "patch-call-always-fails"
    summary = "A `patch()` call whose arguments `unittest.mock` rejects every time"
    messages = {
        "conflict": (
            "`{callee}()` cannot take both `{first}` and `{second}`: it always raises",
            "The call raises `{error}`. Pass only one of them.",
        ),
        "typo": (
            "`{keyword}=` makes `{callee}()` raise `RuntimeError: '{keyword}' might be a typo`",
            "Since Python 3.10 mock rejects names that look like misspellings. Use `{correct}=`.",
        ),
        "target": (
            "`{callee}({target!b})` raises `TypeError`: it needs a `'package.module.attribute'` string",
            "The call raises `TypeError: Need a valid target to patch`{hint}.",
        ),
        "object_string": (
            "`{callee}()` takes the object itself, so the string `{target!b}` raises `TypeError`",
            "The call raises `TypeError: ... must be the actual object to be patched, not a str`. Pass the object, "
            "or use `patch('{target_text}.attribute')`.",
        ),
        "injected": (
            "the `@patch` decorators pass {mocks}, but `{function}` takes {taken}",
            "Calling it raises `TypeError: {function}() takes {taken_n} positional argument{plural} but {given} "
            "given`. Add a parameter per mock.",
        ),
    }
    gate = gate(r"\bpatch\b")
    body_gate = gate  # the bodies that call `patch` (`patch.object` included), unless the module renames it
    body_gate_name = "patch"

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A call of an attribute or name ``patch``/``object`` with a keyword of
        interest, several arguments, a non-string first argument, or a test
        function decorated with a ``patch`` call."""
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ("patch", "object") and (node.keywords or node.args):
                    first = node.args[0] if node.args else None
                    keywords = {k.arg for k in node.keywords}
                    if keywords & {"autospec", "new", "new_callable", "spec", *_TYPOS} or len(node.args) >= 2:
                        return True
                    if first is not None and not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                        return True
                    if isinstance(first, ast.Constant) and "." not in str(first.value):
                        return True
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                isinstance(d, ast.Call) and "patch" in ast.dump(d.func) for d in node.decorator_list
            ):
                return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        kind = self._patch_kind(node, site)
        if kind is None or any(arg.star for arg in node.args):
            return
        callee = code(node.func)
        names = _OBJECT_PARAMETERS if kind == "object" else _PARAMETERS
        bound = _bind(node, names)
        if bound is None:
            return
        self._check_conflicts(node, bound, callee, site)
        self._check_typos(node, callee)
        self._check_target(node, bound, callee, kind, site)

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        injected = 0
        for decorator in node.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                if self.context.resolve(site, expr) is None or not _is_mark(self.context.resolve(site, expr)):
                    return  # an unknown decorator may change the signature
                continue
            kind = self._patch_kind(expr, site) if not self._is_mocker(expr) else None
            if kind is None:
                qualified = self.context.resolve(site, expr.func) or ""
                if _is_mark(qualified) or qualified.endswith((".patch.dict", ".patch.multiple")):
                    continue
                return
            bound = _bind(expr, _OBJECT_PARAMETERS if kind == "object" else _PARAMETERS)
            if bound is None:
                return
            if "new" not in bound:
                injected += 1
        params = node.params
        if injected == 0 or not isinstance(params.star_arg, cst.MaybeSentinel):
            return
        positional = [*params.posonly_params, *params.params]
        block = site.parent_site()
        owner = block.parent if block is not None and isinstance(block.node, cst.IndentedBlock) else None
        is_method = isinstance(owner, cst.ClassDef)
        own = positional[1:] if is_method and positional else positional
        if len(own) >= injected:
            return
        taken = len(positional)
        given = taken - len(own) + injected
        self.report(
            node.name,
            "injected",
            mocks=f"{injected} mock" + ("s" if injected > 1 else ""),
            function=f"{owner.name.value}.{node.name.value}" if isinstance(owner, cst.ClassDef) else node.name.value,
            taken=f"{len(own)}" + (" besides `self`" if is_method else ""),
            taken_n=taken,
            plural="" if taken == 1 else "s",
            given=f"{given} was" if given == 1 else f"{given} were",
        )

    # -- the checks -----------------------------------------------------------
    def _check_conflicts(self, node: cst.Call, bound: dict, callee: str, site: Site) -> None:
        new = bound.get("new")
        new_given = new is not None and self.context.resolve(site, new) not in _DEFAULTS
        new_callable = bound.get("new_callable")
        callable_given = new_callable is not None and not _is_none(new_callable)
        autospec = bound.get("autospec")
        autospec_given = autospec is not None and _given(autospec, self, site)
        spec = bound.get("spec")
        spec_given = spec is not None and _given(spec, self, site)
        conflicts: List[Tuple[bool, str, str, str]] = [
            (
                new_given and callable_given,
                "new",
                "new_callable",
                "ValueError: Cannot use 'new' and 'new_callable' together",
            ),
            (
                callable_given and autospec is not None and not _is_none(autospec),
                "autospec",
                "new_callable",
                "ValueError: Cannot use 'autospec' and 'new_callable' together",
            ),
            (
                new_given and autospec_given and not callable_given,
                "new",
                "autospec",
                "TypeError: autospec creates the mock for you. Can't specify autospec and new.",
            ),
            (
                spec_given and autospec_given and not callable_given,
                "spec",
                "autospec",
                "TypeError: Can't specify spec and autospec",
            ),
        ]
        for found, first, second, error in conflicts:
            if found:
                self.report(node, "conflict", callee=callee, first=first, second=second, error=error)
                return

    def _check_typos(self, node: cst.Call, callee: str) -> None:
        if any(arg.keyword is not None and arg.keyword.value == "unsafe" for arg in node.args):
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _TYPOS:
                keyword = arg.keyword.value
                correct = _TYPOS[keyword]
                fix = None
                if not any(a.keyword is not None and a.keyword.value == correct for a in node.args):
                    fix = Fix(f"Use `{correct}=`", (Edit(arg.keyword, correct),), safe=False)
                self.report(arg, "typo", keyword=keyword, callee=callee, correct=correct, autofix=fix)

    def _check_target(self, node: cst.Call, bound: dict, callee: str, kind: str, site: Site) -> None:
        target = bound.get("target")
        if target is None:
            return
        if kind == "object":
            if isinstance(target, cst.SimpleString) and isinstance(target.evaluated_value, str):
                self.report(
                    target, "object_string", callee=callee, target=code(target), target_text=target.evaluated_value
                )
            return
        if isinstance(target, (cst.SimpleString, cst.ConcatenatedString)):
            value = target.evaluated_value
            if isinstance(value, bytes):
                self.report(target, "target", callee=callee, target=code(target), hint="; decode it")
            elif isinstance(value, str) and "." not in value:
                hint = ": it names no module; write `'module.attribute'`"
                self.report(target, "target", callee=callee, target=code(target), hint=hint)
            return
        if type(target).__name__ in _NOT_STRINGS:
            self.report(target, "target", callee=callee, target=code(target), hint="")
        elif _is_none(target):
            self.report(target, "target", callee=callee, target="None", hint="")
        elif self._is_object(target, site):
            self.report(
                target,
                "target",
                callee=callee,
                target=code(target),
                hint="; to patch the object's attribute, use `patch.object(owner, 'name')`",
            )

    # -- helpers ----------------------------------------------------------------
    def _patch_kind(self, node: cst.Call, site: Site) -> Optional[str]:
        """"patch" or "object" for the patchers this rule checks, else None."""
        qualified = self.context.resolve(site, node.func)
        if qualified in PATCHERS:
            return "patch"
        if qualified in PATCH_OBJECTS:
            return "object"
        if self._is_mocker(node):
            written = code(node.func).split(".", 1)[-1]
            return {"patch": "patch", "patch.object": "object"}.get(written)
        return None

    def _is_mocker(self, node: cst.Call) -> bool:
        func = node.func
        while isinstance(func, cst.Attribute):
            func = func.value
        return isinstance(func, cst.Name) and func.value in MOCKER_NAMES and isinstance(node.func, cst.Attribute)

    def _is_object(self, target: cst.BaseExpression, site: Site) -> bool:
        """A module, function or class, never a string: one the module defines or
        imports, as far as its source can be read."""
        if isinstance(target, cst.Name):
            bindings = self.context.names.bindings(site, target.value)
            if bindings is not None and len(bindings) == 1 and bindings[0] is None:
                return any(
                    isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == target.value
                    for statement in self.context.module.body
                )
        qualified = self.context.resolve(site, target)
        if qualified is None:
            return False
        if isinstance(target, cst.Name) and self.context.names.bindings(site, target.value) == [target.value]:
            return True  # `import os`: the module itself
        directory = os.path.dirname(os.path.abspath(self.context.path)) if self.context.path else os.getcwd()
        return resolve_target(qualified, directory) is not None


def _bind(call: cst.Call, names: Tuple[str, ...]) -> Optional[dict]:
    """The call's arguments by parameter name (None when more positional
    arguments are given than the signature has)."""
    bound = {}
    positional = [arg for arg in call.args if arg.keyword is None]
    if len(positional) > len(names):
        return None
    for name, arg in zip(names, positional):
        bound[name] = arg.value
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in names:
            bound[arg.keyword.value] = arg.value
    return bound


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("None", "False")


def _given(node: cst.BaseExpression, rule: PatchCallAlwaysFails, site: Site) -> bool:
    """A ``spec``/``autospec`` value that is certainly neither None nor False:
    ``True``, a literal, or a name that is not a variable (an import, a def, a class)."""
    if isinstance(node, cst.Name):
        if node.value == "True":
            return True
        if node.value in ("None", "False"):
            return False
    if isinstance(node, (cst.SimpleString, cst.List, cst.Tuple, cst.Integer)):
        return True
    if rule.context.resolve(site, node) is not None:
        return True
    if isinstance(node, cst.Name):
        bindings = rule.context.names.bindings(site, node.value)
        if bindings is not None and len(bindings) == 1:
            return any(
                isinstance(statement, (cst.FunctionDef, cst.ClassDef)) and statement.name.value == node.value
                for statement in rule.context.module.body
            )
    return False


def _is_mark(qualified: Optional[str]) -> bool:
    return bool(qualified) and qualified.startswith("pytest.mark.")  # type: ignore[union-attr]
