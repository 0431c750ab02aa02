"""MCK401 patcher-started-without-stop: ``patch(...).start()`` in test set-up whose patcher is never stopped."""

from __future__ import annotations

import ast
import re
from typing import Iterator, List, Optional, Set, Tuple

from mocklint.analysis.mock_values.leaks import (
    PATCHERS,
    Place,
    bases_may,
    binding_scope,
    conftest_may,
    leak_index,
    place_of,
    related_classes,
    use_of,
    within,
)
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import call_arguments, code
from mocklint.analysis.syntax.tree import Site
from mocklint.analysis.mock_values.candidates import MOCK_BODIES
from mocklint.rule import Rule, gate

_STOPALL = re.compile(r"stopall")
_START = ".start()"
#: the last source asked about and its lines that mention ``patch``
_patch_lines_of: Tuple[Optional[str], str] = (None, "")


def _patch_lines(source: str) -> str:
    """The lines of ``source`` that mention ``patch``, joined: all that
    ``_assigned_a_patch`` needs, as its pattern never crosses a newline."""
    global _patch_lines_of
    if _patch_lines_of[0] is source:
        return _patch_lines_of[1]
    lines: List[str] = []
    found = source.find("patch")
    while found >= 0:
        end = source.find("\n", found)
        end = len(source) if end < 0 else end
        lines.append(source[source.rfind("\n", 0, found) + 1: end])
        found = source.find("patch", end)
    _patch_lines_of = (source, "\n".join(lines))
    return _patch_lines_of[1]


def _assigned_a_patch(stored: str, source: str) -> bool:
    """Whether ``source`` assigns ``stored`` (a name or an attribute's name) a ``patch(...)``."""
    # an annotation's scan stops at a colon that ends another `stored:`, where the search takes
    # over: a line repeating `stored:` is read once, not once per repetition
    name = re.escape(stored)
    pattern = (
        rf"\b{name}[ \t]*(?::[^=\n \t:]*(?:(?:[ \t]+(?![ \t:])|(?<!\b{name})[ \t]*:)[^=\n \t:]*)*)?"
        r"=[ \t]*[\w.]*patch\b"
    )
    return re.search(pattern, _patch_lines(source)) is not None


def _started(source: str) -> Iterator[str]:
    """What stands before each ``.start()`` of ``source``, past any whitespace:
    a word, or "" (a call, a subscript...)."""
    found = source.find(_START)
    while found >= 0:
        end = found
        while end > 0 and source[end - 1].isspace():
            end -= 1
        start = end
        while start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
            start -= 1
        yield source[start:end]
        found = source.find(_START, found + len(_START))


class PatcherStartedWithoutStop(Rule):
    """
    ## What it does
    Checks for `patch(...).start()`, `patch.object(...).start()`,
    `patch.dict(...).start()` and `patch.multiple(...).start()` in a test, a
    fixture, a set-up method or function (`setUp`, `setUpClass`, `setup_method`,
    `setup_class`, `setup_module`, ...) or at the module level of a test module,
    whose patcher is never stopped: no `.stop()` on the name or attribute that
    holds it, anywhere in the module or class; no `addCleanup(patcher.stop)` or
    `request.addfinalizer(patcher.stop)`; no `patch.stopall()`.

    ## Why is this bad?
    A started patcher stays active until something stops it, and the end of a
    test does not. Every test that runs later in the same process sees the mock
    instead of the real object: a test that passes on its own fails in the full
    run, or only when the test order changes (`pytest -p randomly`, `-k`, a new
    test file), far from the code that caused it.

    `patch()` as a decorator or a context manager stops itself. A started
    patcher needs its stop registered right away: `self.addCleanup(patcher.stop)`
    in a `TestCase`, `yield` and then `patcher.stop()` in a fixture, a stop in the
    matching teardown (`tearDown`, `teardown_method`, `teardown_class`,
    `teardown_module`), or pytest-mock's `mocker.patch`, which undoes itself.

    ## Example
    ```python
    import unittest
    from unittest.mock import patch

    class TestCheckout(unittest.TestCase):
        def setUp(self):
            self.charge = patch("shop.gateway.charge").start()

        def test_pays(self):
            self.charge.return_value = "ok"
    ```

    Use instead:
    ```python
    import unittest
    from unittest.mock import patch

    class TestCheckout(unittest.TestCase):
        def setUp(self):
            patcher = patch("shop.gateway.charge")
            self.charge = patcher.start()
            self.addCleanup(patcher.stop)

        def test_pays(self):
            self.charge.return_value = "ok"
    ```

    ## Known problems
    mocklint stays silent when the patcher escapes where it cannot follow it
    (stored in a list, returned, handed to a function), when `stopall` appears
    anywhere in the module or in a `conftest.py` on its path, and when a base
    class from another file (or one it cannot read) might stop it. A stop that
    runs only on some paths counts as a stop.

    ## References
    - [unittest.mock: `patch` methods: start and stop](https://docs.python.org/3/library/unittest.mock.html#patch-methods-start-and-stop)
    - [unittest: `addCleanup`](https://docs.python.org/3/library/unittest.html#unittest.TestCase.addCleanup)
    - [pytest: teardown in yield fixtures](https://docs.pytest.org/en/stable/how-to/fixtures.html#yield-fixtures-recommended)
    """

    code = "MCK401"
    name = "patcher-started-without-stop"
    summary = "A patcher is started in a test, fixture or set-up and never stopped, so the patch leaks into later tests"
    messages = {
        "default": (
            "`{started!b}` is never stopped, so the patch leaks into later tests",
            "It patches {target}, and the patch stays active, after {when}, for every test that runs later in the "
            "same process: those tests get the mock and fail only in the full run or in some orders. {fix!c}.",
        ),
    }
    needed_bodies = MOCK_BODIES  # the bodies that may hold a mock
    gate = gate(r"\.start\(\)")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A file without ``stopall`` where some ``.start()`` follows a call
        (``patch(...).start()``), or a name or attribute the file assigns a
        ``patch(...)``: not a thread's, a server's or a mock's ``start``."""
        if "stopall" in source:
            return False
        checked: Set[str] = set()
        for stored in _started(source):
            if not stored:
                return True
            if stored not in checked:
                checked.add(stored)
                if _assigned_a_patch(stored, source):
                    return True
        return False

    def visit_Call(self, node: cst.Call, site: Site) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "start" or node.args:
            return
        found = self._patcher(func.value, site)
        if found is None:
            return
        patch_call, patch_site, holder = found
        place = place_of(self.context, site)
        if place is None or self._may_be_stopped(place, holder):
            return
        self.report(
            node,
            "default",
            started=_short_start(node, patch_call, holder),
            target=self._target(patch_call, patch_site),
            when=_when(place),
            fix=_fix(place, holder, patch_call),
        )

    # -- which patcher is started -------------------------------------------
    def _patcher(
        self, receiver: cst.BaseExpression, site: Site
    ) -> Optional[Tuple[cst.Call, Site, Optional[cst.BaseExpression]]]:
        """(the patch call, its site, the name or attribute holding it) when
        ``receiver`` is a patcher whose every use mocklint can see; else None."""
        if isinstance(receiver, cst.Call):
            return (receiver, site, None) if self._is_patch(receiver, site) else None
        names = self.context.names
        stored = receiver.attr.value if isinstance(receiver, cst.Attribute) else getattr(receiver, "value", "")
        if not isinstance(stored, str) or not _assigned_a_patch(stored, self.context.source):
            return None  # never assigned a `patch(...)`: a thread, a server, a mock's `start`
        index = leak_index(self.context)
        if isinstance(receiver, cst.Name):
            scope = binding_scope(names, site, receiver.value)
            if scope is None:
                return None
            values = index.name_bindings(receiver.value, scope)
            if values is None or not all(isinstance(v, cst.Call) and self._is_patch(v, s) for v, s in values):
                return None
            uses = [use_of(use_site) for _, use_site in index.uses_in_scope(receiver.value, scope)]
            if any(use not in ("bind", "start") for use in uses):
                return None  # stopped, or escapes to code mocklint does not follow
            value, value_site = values[0]
            assert isinstance(value, cst.Call)
            return value, value_site, receiver
        if isinstance(receiver, cst.Attribute) and isinstance(receiver.value, cst.Name):
            owner = site.enclosing_class()
            if owner is None or receiver.value.value not in ("self", "cls", owner.name.value):
                return None
            classes = related_classes(self.context.module, names, owner)
            attr = receiver.attr.value
            patches: List[Tuple[cst.Call, Site]] = []
            for target, value, value_site in index.assigns:
                if isinstance(target, cst.Attribute) and target.attr.value == attr and within(value_site, classes):
                    if not (isinstance(value, cst.Call) and self._is_patch(value, value_site)):
                        return None
                    patches.append((value, value_site))
            if not patches:
                return None
            for node, use_site in index.attributes.get(attr, []):
                use = use_of(use_site)
                if within(use_site, classes):
                    if use not in ("bind", "start"):
                        return None
                elif use == "stop":
                    return None  # `.stop()` of an attribute of that name elsewhere: stay silent
            return patches[0][0], patches[0][1], receiver
        return None

    def _is_patch(self, call: cst.Call, site: Site) -> bool:
        return self.context.resolve(site, call.func) in PATCHERS

    # -- what may stop it ------------------------------------------------------
    def _may_be_stopped(self, place: Place, holder: Optional[cst.BaseExpression]) -> bool:
        if _STOPALL.search(self.context.source) or conftest_may(self.context, _STOPALL):
            return True
        if place.cls is not None:
            extra = f"|\\b{re.escape(holder.attr.value)}\\b" if isinstance(holder, cst.Attribute) else ""
            if bases_may(self.context, place.cls, re.compile(f"stopall{extra}")):
                return True
        return False

    def _target(self, call: cst.Call, site: Site) -> str:
        qualified = self.context.resolve(site, call.func) or ""
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        first = positional[0] if positional else keywords.get("target") or keywords.get("in_dict")
        if first is None:
            return "its target"
        if qualified.endswith(".patch.object"):
            attribute = positional[1] if len(positional) > 1 else keywords.get("attribute")
            if isinstance(attribute, cst.SimpleString) and isinstance(attribute.evaluated_value, str):
                return f"`{code(first)}.{attribute.evaluated_value}`"
            return f"an attribute of `{code(first)}`"
        if qualified.endswith(".patch.dict"):
            return f"the dict `{_unquoted(first)}`"
        if qualified.endswith(".patch.multiple"):
            return f"attributes of `{_unquoted(first)}`"
        return f"`{_unquoted(first)}`"


def _unquoted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.SimpleString) and isinstance(expr.evaluated_value, str):
        return expr.evaluated_value
    return code(expr)


def _short_start(start: cst.Call, patch_call: cst.Call, holder: Optional[cst.BaseExpression]) -> str:
    if holder is not None:
        return f"{code(holder)}.start()"
    return f"{code(patch_call.func)}({call_arguments(patch_call)}).start()"


def _when(place: Place) -> str:
    if place.kind == "module":
        return "this module is imported (pytest imports every test module before running any test)"
    if place.kind == "test":
        return "this test"
    if place.kind == "fixture":
        return f"the tests that use the fixture `{place.name}`"
    if place.cls is not None:
        return f"the tests of `{place.cls.name.value}` (it is started in `{place.name}`)"
    return f"this module's tests (it is started in `{place.name}`)"


def _fix(place: Place, holder: Optional[cst.BaseExpression], patch_call: cst.Call) -> str:
    stop = f"{code(holder)}.stop" if holder is not None else "patcher.stop"
    keep = "" if holder is not None else f"keep the patcher (`patcher = {code(patch_call.func)}(...)`) and "
    if place.kind == "module":
        return "start it in a fixture that calls `patcher.stop()` after its `yield`, or use `patch` as a decorator"
    if place.kind == "test":
        written = code(patch_call.func)
        return f"use `with {written}(...):` around the code that needs it, or {keep}call `{stop}()` in a `finally`"
    if place.kind == "fixture":
        where = "after its `yield`" if place.yields else "after a `yield` (or `request.addfinalizer(" + stop + ")`)"
        return f"{keep}call `{stop}()` {where}"
    if place.name in ("setUp", "asyncSetUp") and place.unittest:
        return f"{keep}add `self.addCleanup({stop})` right after the start"
    if place.name == "setUpClass" and place.unittest:
        return f"{keep}add `cls.addClassCleanup({stop})`, or call `{stop}()` in `tearDownClass`"
    if place.name == "setUpModule":
        return f"{keep}add `unittest.addModuleCleanup({stop})`, or call `{stop}()` in `tearDownModule`"
    return f"{keep}call `{stop}()` in `{place.teardown}`"
