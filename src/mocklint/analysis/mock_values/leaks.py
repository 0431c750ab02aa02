"""What test code leaves behind for the tests that run after it.

Shared by MCK401 (a patcher started and never stopped) and MCK402 (a mock
assigned to shared state and never restored).  Both report only in code that
runs as part of a test's life: the module level of a test module, a test, a
fixture, or an xunit/unittest set-up (``setUp``, ``setup_method``,
``setUpClass``, ``setup_class``, ``setup_module``...), and both stay silent
whenever something they cannot follow might undo the change:

- a ``conftest.py`` on the file's path that mentions it (an autouse fixture or
  a hook may call ``patch.stopall()`` or restore the attribute);
- a base class from another file that mentions it, or that mocklint cannot
  read at all (its ``tearDown`` may undo it);
- a name or attribute that escapes: handed to a function, stored in a
  container, returned, used in any way mocklint does not model.

``LeakIndex`` is built once per file, lazily (only when a rule has a
candidate), and answers the questions both rules ask about the whole module:
every use of a name or attribute, every assignment, every call.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Pattern, Sequence, Set, Tuple

from mocklint.analysis import reads
from mocklint.analysis.syntax.ast_scan import Ancestry, may_be_fixture
from mocklint.analysis.mock_values.mocks import AUTOSPEC, MOCK_MODULES, MOCKER_NAMES
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver, dotted_name
from mocklint.analysis.pytest_model.project import conftest_chain_matches
from mocklint.analysis.pytest_model.pytest_roles import Role, function_role, is_test_module_path
from mocklint.analysis.mock_values.targets import definition_file, is_main_guard
from mocklint.analysis.syntax.tree import Frame, Site, walk
from mocklint.files import read_text

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.analysis.mock_values.candidates import CandidateIndex

#: ``patch``, ``patch.object``, ``patch.dict`` and ``patch.multiple``: ``.start()`` gives back a patch to stop
PATCHERS = frozenset(
    f"{module}.patch{suffix}" for module in MOCK_MODULES for suffix in ("", ".object", ".dict", ".multiple")
)

#: set-up methods of a test class, with the teardown that undoes them
CLASS_SETUPS: Dict[str, str] = {
    "setUp": "tearDown",
    "asyncSetUp": "asyncTearDown",
    "setUpClass": "tearDownClass",
    "setup_method": "teardown_method",
    "setup_class": "teardown_class",
}
#: module-level set-up functions of a test module, with their teardown
MODULE_SETUPS: Dict[str, str] = {
    "setup_module": "teardown_module",
    "setUpModule": "tearDownModule",
    "setup_function": "teardown_function",
}
#: base classes known not to undo anything a subclass sets up
_PLAIN_BASES = frozenset(
    {
        "unittest.TestCase",
        "unittest.case.TestCase",
        "unittest.IsolatedAsyncioTestCase",
        "unittest.async_case.IsolatedAsyncioTestCase",
    }
)


@dataclass(frozen=True)
class Place:
    """Where a statement runs in a test's life."""

    kind: str  # "module" | "test" | "fixture" | "setup"
    func: Optional[cst.FunctionDef]
    cls: Optional[cst.ClassDef]
    #: the function's name ("" at module level)
    name: str = ""
    #: the teardown matching a set-up ("tearDown" for "setUp"), else ""
    teardown: str = ""
    #: a method of a class with a base class (``self.addCleanup`` is there for a TestCase)
    unittest: bool = False
    #: a fixture that yields
    yields: bool = False


def _is_main_guard(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    text = [node.test.left, *(c.comparator for c in node.test.comparisons)]
    return any(isinstance(t, cst.Name) and t.value == "__name__" for t in text)


def place_of(context: object, site: Site) -> Optional[Place]:
    """The place of the statement at ``site``, or None when it is not one where
    a leak reaches later tests for certain (a helper, a nested function, a
    class body, a conftest's module level, a ``__main__`` block)."""
    path: Optional[str] = context.path  # type: ignore[attr-defined]
    names: NameResolver = context.names  # type: ignore[attr-defined]
    test_module = is_test_module_path(path)
    if any(_is_main_guard(ancestor) for ancestor, _ in site.ancestors()):
        return None
    chain = site.function_chain()
    if not chain:
        if site.enclosing_class() is not None or not test_module:
            return None
        return Place("module", None, None)
    if len(chain) != 1 or any(isinstance(a, cst.Lambda) for a, _ in site.ancestors()):
        return None
    func = chain[0]
    func_site: Site = context.site_of(func)  # type: ignore[attr-defined]
    owner = func_site.enclosing_class()
    if owner is not None:
        owner_site = _class_site(context, owner)
        if owner_site is None:
            return None  # a class inside a function, or nested classes
    elif func_site.enclosing_function() is not None:
        return None
    role = function_role(func, func_site, names)
    name = func.name.value
    unittest = owner is not None and any(not _is_object(arg.value) for arg in owner.bases)
    if role is Role.TEST:
        return Place("test", func, owner, name, unittest=unittest) if test_module else None
    if role is Role.FIXTURE:
        yields = any(isinstance(n, cst.Yield) for n in _own_nodes(func))
        return Place("fixture", func, owner, name, yields=yields)
    if owner is not None and name in CLASS_SETUPS:
        return Place("setup", func, owner, name, CLASS_SETUPS[name], unittest=unittest)
    if owner is None and name in MODULE_SETUPS and test_module:
        return Place("setup", func, None, name, MODULE_SETUPS[name])
    return None


def _is_object(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "object"


def _own_nodes(func: cst.FunctionDef) -> List[cst.CSTNode]:
    from mocklint.analysis.syntax.tree import descendants

    return list(descendants(func.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda)))


def _class_site(context: object, cls: cst.ClassDef) -> Optional[Site]:
    """A site inside the module for a class defined at module level, else None."""
    module: cst.Module = context.module  # type: ignore[attr-defined]
    if not any(statement is cls for statement in module.body):
        return None
    return Site((cls, (module, None, ""), "body"))


def conftest_may(context: object, pattern: Pattern[str]) -> bool:
    """Whether a conftest.py on the linted file's path mentions ``pattern``."""
    return conftest_path_may(context.path, pattern)  # type: ignore[attr-defined]


def conftest_path_may(path: Optional[str], pattern: Pattern[str]) -> bool:
    """Whether a conftest.py on the path of the file at ``path`` mentions ``pattern``."""
    if not path:
        return False
    return conftest_chain_matches(os.path.dirname(os.path.abspath(path)), pattern)


def bases_may(context: object, cls: cst.ClassDef, pattern: Pattern[str]) -> bool:
    """Whether a base class of ``cls`` may do what ``pattern`` describes: one
    defined in another file whose source mentions it, or one mocklint cannot
    read (a class of this module is followed to its own bases)."""
    module: cst.Module = context.module  # type: ignore[attr-defined]
    names: NameResolver = context.names  # type: ignore[attr-defined]
    path: Optional[str] = context.path  # type: ignore[attr-defined]
    directory = os.path.dirname(os.path.abspath(path)) if path else os.getcwd()
    seen: Set[int] = set()
    todo = [cls]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        site = _class_site(context, current)
        if site is None:
            return True
        for arg in current.bases:
            base = arg.value
            if _is_object(base):
                continue
            local = module_class(module, names, base)
            if local is not None:
                todo.append(local)
                continue
            qualified = names.resolve(site, base)
            if qualified is None:
                return True
            if qualified in _PLAIN_BASES:
                continue
            found = definition_file(qualified, directory, script=path)
            if found is None or len(found[1]) != 1:
                return True
            if _file_may(found[0], found[1][0], pattern):
                return True
    return False


def _file_may(path: str, class_name: str, pattern: Pattern[str]) -> bool:
    reads.record(path)
    try:
        mtime = os.path.getmtime(path)
    except OSError:
        return True
    return _file_may_cached(path, mtime, class_name, pattern)


@functools.lru_cache(maxsize=512)
def _file_may_cached(path: str, mtime: float, class_name: str, pattern: Pattern[str]) -> bool:
    try:
        text = read_text(path, errors="replace")
    except OSError:
        return True
    if not re.search(rf"^[ \t]*class[ \t]+{re.escape(class_name)}\b", text, re.M):
        return True  # re-exported from elsewhere: not followed
    return pattern.search(text) is not None


def module_class(module: cst.Module, names: NameResolver, expr: cst.BaseExpression) -> Optional[cst.ClassDef]:
    """The module-level class ``expr`` names, when that is the name's only binding."""
    if not isinstance(expr, cst.Name):
        return None
    found = [s for s in module.body if isinstance(s, cst.ClassDef) and s.name.value == expr.value]
    if len(found) != 1 or len(names.scope_bindings(module, expr.value)) != 1:
        return None
    return found[0]


def related_classes(module: cst.Module, names: NameResolver, cls: cst.ClassDef) -> List[cst.ClassDef]:
    """``cls`` and the module-level classes linked to it by inheritance, both ways."""
    classes = [s for s in module.body if isinstance(s, cst.ClassDef)]
    if not any(c is cls for c in classes):
        return [cls]
    links: Dict[int, Set[int]] = {id(c): set() for c in classes}
    for child in classes:
        for arg in child.bases:
            parent = module_class(module, names, arg.value)
            if parent is not None:
                links[id(child)].add(id(parent))
                links[id(parent)].add(id(child))
    by_id = {id(c): c for c in classes}
    found = {id(cls)}
    todo = [id(cls)]
    while todo:
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return [by_id[i] for i in found]


def within(site: Site, classes: List[cst.ClassDef]) -> bool:
    ids = {id(c) for c in classes}
    return any(id(ancestor) in ids for ancestor, _ in site.ancestors())


def binding_scope(names: NameResolver, site: Site, name: str) -> Optional[cst.CSTNode]:
    """The scope whose binding of ``name`` the code at ``site`` sees."""
    for scope in site.scopes():
        if names.scope_bindings(scope, name):
            return scope
    return None


# fields through which a Name is not an expression of the program (an attribute's
# name, a keyword, a def's or parameter's own name, an import alias)
_NOT_EXPRESSIONS = frozenset({"attr", "keyword", "name", "asname"})


class LeakIndex:
    """Every name use, attribute, assignment, deletion and call of a module."""

    def __init__(self, module: cst.Module, names: NameResolver) -> None:
        self.module = module
        self.names = names
        self.name_uses: Dict[str, List[Tuple[cst.Name, Site]]] = {}
        self.attributes: Dict[str, List[Tuple[cst.Attribute, Site]]] = {}
        #: (target, value, site of the Assign statement)
        self.assigns: List[Tuple[cst.BaseExpression, cst.BaseExpression, Site]] = []
        self.deletes: List[Tuple[cst.BaseExpression, Site]] = []
        self.calls: List[Tuple[cst.Call, Site]] = []
        walk(
            module,
            {
                cst.Name: [self._on_name],
                cst.Attribute: [self._on_attribute],
                cst.Assign: [self._on_assign],
                cst.AnnAssign: [self._on_ann_assign],
                cst.Del: [self._on_del],
                cst.Call: [self._on_call],
            },  # type: ignore[dict-item]
        )

    def _on_name(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Name)
        if frame[2] in _NOT_EXPRESSIONS:
            return
        self.name_uses.setdefault(node.value, []).append((node, Site(frame)))

    def _on_attribute(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Attribute)
        self.attributes.setdefault(node.attr.value, []).append((node, Site(frame)))

    def _on_assign(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Assign)
        for target in node.targets:
            self.assigns.append((target.target, node.value, Site(frame)))

    def _on_ann_assign(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.AnnAssign)
        if node.value is not None:
            self.assigns.append((node.target, node.value, Site(frame)))

    def _on_del(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Del)
        targets = node.target.elements if isinstance(node.target, (cst.Tuple, cst.List)) else None
        if targets is None:
            self.deletes.append((node.target, Site(frame)))
        else:
            self.deletes.extend((element.value, Site(frame)) for element in targets)

    def _on_call(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Call)
        self.calls.append((node, Site(frame)))

    # -- queries --------------------------------------------------------------
    def name_bindings(self, name: str, scope: cst.CSTNode) -> Optional[List[Tuple[cst.BaseExpression, Site]]]:
        """The values ``name`` is assigned in ``scope``, when plain assignments are
        all its bindings there (no parameter, loop, import, ``global``...)."""
        values = [
            (value, site)
            for target, value, site in self.assigns
            if isinstance(target, cst.Name)
            and target.value == name
            and binding_scope(self.names, site, name) is scope
        ]
        if not values or len(values) != len(self.names.scope_bindings(scope, name)):
            return None
        return values

    def uses_in_scope(self, name: str, scope: cst.CSTNode) -> List[Tuple[cst.Name, Site]]:
        return [
            (node, site)
            for node, site in self.name_uses.get(name, [])
            if binding_scope(self.names, site, name) is scope
        ]


def use_of(site: Site) -> str:
    """How the expression at ``site`` (a name, or ``self.attr``) is used:
    "bind" (assigned to), "start" (``x.start()``), "stop" (``x.stop``, called
    or handed on as a callback) or "escape" (anything else)."""
    parent = site.parent
    if isinstance(parent, cst.AssignTarget):
        return "bind"
    if isinstance(parent, cst.Attribute) and site.field == "value":
        attr = parent.attr.value
        if attr == "stop":
            return "stop"
        if attr == "start":
            up = site.parent_site()
            grand = up.parent if up is not None else None
            if isinstance(grand, cst.Call) and grand.func is parent:
                return "start"
    return "escape"


def leak_index(context: object) -> LeakIndex:
    """The file's LeakIndex, built once and shared by the rules."""
    cache: Dict[str, object] = context.__dict__.setdefault("_analysis_cache", {})
    found = cache.get("leaks")
    if found is None:
        found = LeakIndex(context.module, context.names)  # type: ignore[attr-defined]
        cache["leaks"] = found
    assert isinstance(found, LeakIndex)
    return found


#: ``name = ...Mock(`` or ``name: T = create_autospec(`` on one line, for the escaped ``name``
#: given to ``str.format``; an annotation's scan stops at a colon that ends another ``name:``,
#: where the search takes over: a line repeating ``name:`` is read once, not once per repetition
ASSIGNS_A_MOCK = (
    r"\b{name}[ \t]*(?::[^=\n \t:]*(?:(?:[ \t]+(?![ \t:])|(?<!\b{name})[ \t]*:)[^=\n \t:]*)*)?"
    r"=[ \t]*[\w.]*(?:Mock|create_autospec)\("
)


def mock_made_by(context: object, expr: cst.BaseExpression, site: Site, depth: int = 0) -> Optional[str]:
    """What makes ``expr`` a mock, written as a message says it ("a MagicMock",
    "a `create_autospec` mock"): a mock constructor or ``create_autospec`` call,
    a name whose every binding is one, or a loop variable every value of which
    is one (``for name, stub in {"a": MagicMock()}.items()``).  None for anything else."""
    from mocklint.analysis.mock_values.mocks import analysis_for

    names: NameResolver = context.names  # type: ignore[attr-defined]
    if isinstance(expr, cst.Call):
        kind = analysis_for(context).constructor_kind(expr.func, site)
        if kind is not None:
            return f"an {kind.value}" if kind.value[0] in "AEIOU" else f"a {kind.value}"
        qualified = names.resolve(site, expr.func)
        written = dotted_name(expr.func) or ""
        mocker = written.split(".", 1)[0] in MOCKER_NAMES and written.endswith(".create_autospec")
        if qualified in AUTOSPEC or (mocker and names.parameter_owner(site, written.split(".", 1)[0]) is not None):
            return "a `create_autospec` mock"
        return None
    if isinstance(expr, cst.Name) and depth == 0:
        values = iterated(context, expr.value, site)
        if values is not None:
            found = {mock_made_by(context, value, value_site, depth + 1) for value, value_site in values}
            return found.pop() if len(found) == 1 else None
        source: str = context.source  # type: ignore[attr-defined]
        bound = ASSIGNS_A_MOCK.format(name=re.escape(expr.value))
        if not re.search(bound, source):
            return None  # no `name = ...Mock(...)` in the file: not worth indexing it
        scope = binding_scope(names, site, expr.value)
        if scope is None:
            return None
        values = leak_index(context).name_bindings(expr.value, scope)
        if values is None:
            return None
        found = {mock_made_by(context, value, value_site, depth + 1) for value, value_site in values}
        if len(found) == 1:
            return found.pop()
    return None


def iterated(context: object, name: str, site: Site) -> Optional[List[Tuple[cst.BaseExpression, Site]]]:
    """The values a ``for`` loop around ``site`` gives ``name``, one per pass
    (with a site to read each at), when it iterates over a literal or a name
    bound once to one: a dict (its keys), its ``.keys()``, ``.values()`` or
    ``.items()`` unpacked into ``key, value``, a list, tuple or set of values,
    or of pairs unpacked.  None when ``name`` is not such a loop's variable."""
    for ancestor, via in site.ancestors():
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        if isinstance(ancestor, cst.For) and via == "body":
            position = _position_in(ancestor.target, name)
            if position is not None:
                return _loop_values(context, ancestor, site, position)
    return None


def _position_in(target: cst.BaseExpression, name: str) -> Optional[int]:
    """-1 when the loop target is ``name`` itself, its index in an unpacked pair, else None."""
    if isinstance(target, cst.Name):
        return -1 if target.value == name else None
    if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) == 2:
        found = [i for i, e in enumerate(target.elements) if isinstance(e.value, cst.Name) and e.value.value == name]
        return found[0] if found else None
    return None


def _loop_values(
    context: object, loop: cst.For, site: Site, position: int
) -> Optional[List[Tuple[cst.BaseExpression, Site]]]:
    """The values of the loop's target at ``position`` (``-1``: the whole target)."""
    iterable, method = loop.iter, None
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Attribute) and not iterable.args:
        iterable, method = iterable.func.value, iterable.func.attr.value
    literal = display_of(context, iterable, site)
    if literal is None:
        return None
    if isinstance(literal[0], cst.Dict):
        pairs = [(e.key, e.value) for e in literal[0].elements if isinstance(e, cst.DictElement)]
        if len(pairs) != len(literal[0].elements):
            return None  # `**other`: values mocklint cannot list
        if method == "items" and position in (0, 1):
            return [(pair[position], literal[1]) for pair in pairs]
        if position == -1 and method in (None, "keys", "values"):
            return [(value if method == "values" else key, literal[1]) for key, value in pairs]
        return None
    if method is not None or not isinstance(literal[0], (cst.List, cst.Tuple, cst.Set)):
        return None
    elements = [e.value for e in literal[0].elements if not isinstance(e, cst.StarredElement)]
    if len(elements) != len(literal[0].elements):
        return None
    if position == -1:
        return [(element, literal[1]) for element in elements]
    pairs = [e.elements for e in elements if isinstance(e, (cst.Tuple, cst.List)) and len(e.elements) == 2]
    if len(pairs) != len(elements):
        return None
    return [(pair[position].value, literal[1]) for pair in pairs]


def display_of(context: object, expr: cst.BaseExpression, site: Site) -> Optional[Tuple[cst.BaseExpression, Site]]:
    """``expr`` when it is a dict, list, tuple or set display, or the one such
    display a name is bound to (by plain assignments only), with its site."""
    if isinstance(expr, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
        return expr, site
    if not isinstance(expr, cst.Name):
        return None
    scope = binding_scope(context.names, site, expr.value)  # type: ignore[attr-defined]
    values = leak_index(context).name_bindings(expr.value, scope) if scope is not None else None
    if values is None or len(values) != 1 or not isinstance(values[0][0], (cst.Dict, cst.List, cst.Tuple, cst.Set)):
        return None
    return values[0]


# -- the same questions on the ``ast`` tree, for ``might_report`` ---------------

_AST_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


def may_be_place(
    ancestry: Ancestry, statement: ast.stmt, path: Optional[str], aliases: Callable[[], Set[str]]
) -> Tuple[bool, Optional[ast.AST]]:
    """``place_of`` on the ``ast``, erring towards yes: whether the statement
    may run in a test's life, and the function holding it (None at module level
    or when unknown).  ``aliases`` gives ``fixture_aliases`` when needed."""
    chain = ancestry.ancestors(statement)
    if chain is None:
        return True, None
    if any(is_main_guard(a) for a in chain):
        return False, None
    test_module = is_test_module_path(path)
    functions = [i for i, a in enumerate(chain) if type(a) in _AST_FUNCTIONS]
    if not functions:
        return test_module and not any(type(a) is ast.ClassDef for a in chain), None
    if len(functions) != 1:
        return False, None
    at = functions[0]
    func = chain[at]
    owner = next((i for i in range(at + 1, len(chain)) if type(chain[i]) is ast.ClassDef), None)
    if owner is not None and chain[owner + 1] is not ancestry.tree:
        return False, func  # a method of a class that is not a module-level statement
    if may_be_fixture(func, aliases()):
        return True, func
    name: str = func.name  # type: ignore[attr-defined]
    if name.startswith("pytest_"):
        return False, func
    if name.startswith("test"):
        return test_module, func
    if owner is not None:
        return name in CLASS_SETUPS, func
    return test_module and name in MODULE_SETUPS, func


def may_be_mock_made(index: "CandidateIndex", value: ast.expr, chain: Optional[Sequence[ast.AST]], source: str) -> bool:
    """``mock_made_by`` on the ``ast``, erring towards yes, for the ``value``
    of a statement in the blocks ``chain`` (``Ancestry.ancestors``; None when
    unknown).  Which names may make or hold a mock is the candidate index's
    answer; this follows only what ``mock_made_by`` follows: a call whose
    callee mentions a candidate name, or a candidate name that is the
    variable of a ``for`` around the statement (``iterated``) or that the file
    assigns a mock's call on one line (``ASSIGNS_A_MOCK``)."""
    kind = type(value)
    if kind is not ast.Call and kind is not ast.Name:
        return False
    func = next((a for a in reversed(chain or ()) if type(a) in _AST_FUNCTIONS), None)
    if kind is ast.Call:
        return index.mentions([value.func], func)  # type: ignore[attr-defined]
    name: str = value.id  # type: ignore[attr-defined]
    if not index.mentions([value], func):
        return False
    if chain is None or _loop_variable(chain, name):
        return True
    return re.search(ASSIGNS_A_MOCK.format(name=re.escape(name)), source) is not None


def _loop_variable(chain: Sequence[ast.AST], name: str) -> bool:
    """Whether a ``for`` whose blocks hold the statement, in its own scope,
    binds ``name`` as its target or an element of it (``iterated`` on the ``ast``)."""
    for block in chain:
        kind = type(block)
        if kind in _AST_FUNCTIONS or kind is ast.ClassDef:
            return False
        if kind is ast.For or kind is ast.AsyncFor:
            target = block.target  # type: ignore[attr-defined]
            elements = target.elts if type(target) in (ast.Tuple, ast.List) else [target]
            if any(type(e) is ast.Name and e.id == name for e in elements):
                return True
    return False


__all__ = (
    "ASSIGNS_A_MOCK",
    "CLASS_SETUPS",
    "MODULE_SETUPS",
    "PATCHERS",
    "LeakIndex",
    "Place",
    "bases_may",
    "binding_scope",
    "conftest_may",
    "conftest_path_may",
    "display_of",
    "iterated",
    "leak_index",
    "may_be_mock_made",
    "may_be_place",
    "mock_made_by",
    "module_class",
    "place_of",
    "related_classes",
    "use_of",
    "within",
)
