"""Decide from CPython's ``ast`` whether every fixture a test module requests is
certainly provided, so that MCK301 need not parse the file with libcst.

The question is one-sided: ``certainly_provided`` answers True only when no
request of the module can miss; anything it does not understand (an imported
fixture, a fixture that requests its own name with nothing outer to extend, a
parametrize whose names it cannot read, a dynamic ``pytest_plugins``) answers
False and the file goes through the full analysis.  So the answer can make
mocklint faster, never quieter: a file it lets through unparsed is one in
which MCK301's full check would report nothing.

It reads what ``fixture_defs`` reads, the way it reads it:

- the parameters of tests and fixtures, without those ``@patch(...)``
  decorators without ``new`` fill (pytest's ``num_mock_patch_args``) and those
  hypothesis's ``@given`` fills; a test with a decorator ``fixture_defs``
  cannot read (one that resolves to no import, or to an import that is neither
  a ``pytest.mark`` nor a decorator known to keep the signature) is not
  checked at all, so its requests are not either.  Names resolve as
  ``names.NameResolver`` resolves them: through the imports of the module
  and its classes, wherever they are in the file;
- ``@pytest.mark.usefixtures("a", "b")`` and ``@pytest.mark.parametrize``
  decorators, of tests and of classes.  Every other whole-word
  ``usefixtures`` outside the bodies of functions (a ``pytestmark``, an alias,
  a module docstring) makes it unsure; one inside a body (a ``pytester``
  source, ``request.applymarker``) is nothing ``fixture_defs`` reads;
- literal ``getfixturevalue("name")`` calls of tests and fixtures, as requests;
- fixtures requesting their own name (an override): that name is looked up
  outside the scope that defines it;
- names module and class bodies assign from a call or a name: ``fixture_defs``
  counts them as *maybe* a fixture, never missing;
- a literal module-level ``pytest_plugins``: its fixtures are visible, as
  ``project.ModulePlugins`` resolves them.

``pytest_generate_tests`` hooks and ``__test__`` attributes are not read: they
only narrow what the full check looks at.

The full check also reports what pytest says about the names themselves, so
the walk is unsure of a test whose ``parametrize`` marks (its own, its
class's, its module's) name something it does not take, of an ``indirect`` or
unreadable ``parametrize``, and of a class with bases whose ``test*`` methods
take parameters (a unittest.TestCase's get none).

Most test modules request only built-in fixtures, plugin fixtures and fixtures
of their conftest.py chain, which the project model knows already (it parses
each conftest once per process), so for most files this replaces a libcst
parse (about 10 ms per 1,000 lines) by a walk over the module's top-level
statements (a few microseconds).
"""

from __future__ import annotations

import ast
import bisect
import os
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from mocklint.analysis.syntax.ast_scan import word_lines
from mocklint.analysis.syntax.bodies import Lines, body_start, candidates
from mocklint.analysis.pytest_model.fixture_defs import FIXTURE_LIKE, FIXTURE_QUALNAMES, TEST_DECORATORS, ModuleFacts
from mocklint.analysis.pytest_model.project import MAYBE, GlobalLevel, Level, ModulePlugins, ProjectModel

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]

#: compound statements whose blocks ``fixture_defs`` reads (a ``match`` or
#: ``try``/``except*`` block it does not: what is bound there is not seen)
_READ_BLOCKS = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)
#: values that make an assigned name *maybe* a fixture for ``fixture_defs``
_MAYBE_VALUES = (ast.Call, ast.Name, ast.Attribute, ast.Subscript, ast.IfExp, ast.BoolOp)
_PATCH = frozenset(q for q in TEST_DECORATORS if q.endswith(".patch"))
_PATCH_OBJECT = frozenset(q for q in TEST_DECORATORS if q.endswith(".patch.object"))
_GIVEN = "hypothesis.given"
_PARAMETRIZE = "pytest.mark.parametrize"


class _Unsure(Exception):
    """Raised anywhere the walk meets something it does not model."""


def certainly_provided(tree: ast.Module, source: str, path: str, model: ProjectModel) -> bool:
    """Whether every fixture requested in the test module ``path`` is certainly
    provided (see the module docstring); False whenever unsure."""
    if model.config.usefixtures:
        return False
    try:
        requests = _Requests(tree, source, path, model)
        provided = requests.all_provided()
    except _Unsure:
        return False
    # every `usefixtures` that fixture_defs may read must be a decorator read above
    return provided and _usefixtures_all_read(tree, source, requests.usefixtures_read)


def _usefixtures_all_read(tree: ast.Module, source: str, read: int) -> bool:
    """Whether the ``read`` decorators are every ``usefixtures`` in ``source``
    outside the bodies of the module's functions and methods (``fixture_defs``
    reads decorators and module and class bodies only)."""
    count = source.count("usefixtures")
    if count == read:
        return True  # the common case: no other mention at all
    if "\r" in source.replace("\r\n", ""):
        return False  # a lone carriage return: ``Lines`` counts lines apart from CPython
    occurrences = word_lines(source, "usefixtures")
    lines = Lines(source)
    bodies: List[Tuple[int, int]] = []
    for func in candidates(tree):
        end = getattr(func, "end_lineno", None)
        start = body_start(func, lines) if end else None
        if start is not None and end is not None:
            bodies.append((start, end))
    bodies.sort()
    starts = [start for start, _ in bodies]
    count = 0
    for line in occurrences:
        index = bisect.bisect_right(starts, line) - 1
        if index < 0 or bodies[index][1] < line:
            count += 1
    return count == read


def _mentions_fixture(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    while isinstance(target, ast.Attribute):
        if "fixture" in target.attr:
            return True
        target = target.value
    return isinstance(target, ast.Name) and "fixture" in target.id


def _is_pytest_mark(node: ast.expr) -> bool:
    """``@pytest.mark.anything``, called or not, spelled so."""
    target = node.func if isinstance(node, ast.Call) else node
    while isinstance(target, ast.Attribute):
        if isinstance(target.value, ast.Name):
            return target.value.id == "pytest" and target.attr == "mark"
        target = target.value
    return False


def _strings(node: ast.expr) -> Optional[List[str]]:
    """The names of a parametrize ``argnames`` literal, as ``fixture_defs``
    reads them: "a, b" split and stripped; ("a", "b") or ["a"] as they are."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [part.strip() for part in node.value.split(",") if part.strip()]
    literal = _literal_strings(node) if isinstance(node, (ast.Tuple, ast.List)) else None
    return list(literal) if literal is not None else None


def _literal_strings(node: Optional[ast.expr]) -> Optional[Tuple[str, ...]]:
    """A string, or a list or tuple of strings (``fixture_defs._strings``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return (node.value,)
    if isinstance(node, (ast.Tuple, ast.List)):
        found: List[str] = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            found.append(element.value)
        return tuple(found)
    return None


def _target_names(target: ast.expr) -> List[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []


def _dotted(node: ast.expr) -> Optional[Tuple[str, List[str]]]:
    """The root name and the attributes of ``a.b.c`` (``("a", ["b", "c"])``)."""
    attrs: List[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    attrs.reverse()
    return node.id, attrs


def _last_name(node: ast.expr) -> Optional[str]:
    """``c`` of ``a.b.c``; None when ``node`` is no dotted name."""
    dotted = _dotted(node)
    if dotted is None:
        return None
    root, attrs = dotted
    return attrs[-1] if attrs else root


def _starred(call: ast.Call) -> bool:
    return any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords)


def _accepted(qualname: str) -> bool:
    """Whether ``fixture_defs.test_function`` reads a decorator that resolves to ``qualname``."""
    return qualname.startswith("pytest.mark.") or qualname in TEST_DECORATORS


class _Scope:
    """The module, or one class: the fixtures defined unconditionally in it, and
    the names its functions request."""

    def __init__(
        self, parent: Optional["_Scope"], bases: Tuple[str, ...] = (), plain: bool = True
    ) -> None:
        self.parent = parent
        self.bases = bases
        #: whether fixture_defs sees the class and its bases are local names (or
        #: none, for a nested class), which MCK301 follows (see ``_Requests._followed``)
        self.plain = plain
        #: whether MCK301 checks the tests of this class (see ``_Requests._class_marks``)
        self.checked = True
        #: fixtures, and names bound so that they may be one
        self.fixtures: Set[str] = set()
        self.requests: Set[str] = set()
        #: names its fixtures request under their own name (looked up outside it)
        self.own_names: Set[str] = set()
        #: the marks of its ``pytestmark``, and the names its ``parametrize`` marks
        #: (there, or decorating a class) hand its tests directly
        self.marks: List[ast.expr] = []
        self.parametrized: Set[str] = set()


class _Requests:
    def __init__(self, tree: ast.Module, source: str, path: str, model: ProjectModel) -> None:
        self.tree = tree
        self.model = model
        self.path = path
        self.directory = os.path.dirname(path)
        self.module = _Scope(None)
        #: module-level classes by name, and every class scope in order (outer first)
        self.classes: Dict[str, _Scope] = {}
        self.scopes: List[Tuple[ast.ClassDef, _Scope]] = []
        self.functions: List[Tuple[_Function, _Scope, bool]] = []
        #: local names of pytest's `fixture` decorator (`from pytest import fixture`)
        self.fixture_names: Set[str] = set()
        #: name -> what the imports of the module and its classes bind it to
        self.imports: Dict[str, Set[str]] = {}
        #: the module's `pytest_plugins`, read as fixture_defs reads it
        self.plugins: Tuple[str, ...] = ()
        #: where fixtures from outside the module come from (``levels``): read when a name needs them
        self._levels: Optional[List[Union[GlobalLevel, Level]]] = None
        #: the `@pytest.mark.usefixtures(...)` decorators read
        self.usefixtures_read = 0
        #: function name -> whether pytest collects it as a test (kept with the model)
        names = model.derived.get("fixture_requests.test_names")
        if not isinstance(names, dict):
            names = model.derived["fixture_requests.test_names"] = {}
        self.test_names: Dict[str, bool] = names
        #: the tests checked, with the names each takes (for the marks of their module and classes)
        self.test_arguments: List[Tuple[_Scope, Set[str]]] = []
        #: lines naming getfixturevalue
        self.lookup_lines = word_lines(source, "getfixturevalue") if "getfixturevalue" in source else []

    @property
    def levels(self) -> List[Union[GlobalLevel, Level]]:
        """Plugins, built-ins and conftests, built on first use: a module whose
        tests request no fixture needs neither the conftest files read (nor
        libcst to parse them) nor the plugin tables."""
        if self._levels is None:
            key = ("fixture_requests.levels", self.directory)
            levels = self.model.derived.get(key)
            if not isinstance(levels, list):
                levels = self.model.derived[key] = [
                    self.model.global_level(),
                    *self.model.conftest_levels(self.directory),
                ]
            self._levels = list(levels)
        return self._levels

    # -- walk -------------------------------------------------------------------
    def all_provided(self) -> bool:
        for name, scope, outside in self.requests():
            if not (self._provided_outside(name, scope) if outside else self._provided(name, scope, set())):
                return False
        return True

    def requests(self) -> Set[Tuple[str, _Scope, bool]]:
        """Every name the module's checked tests and fixtures request, with the
        scope it is looked up from (True: outside that scope)."""
        self._body(self.tree.body, self.module, conditional=False, read=True)
        if self.plugins:
            self.levels.append(self._module_plugins())
        for mark in self.module.marks:
            self.module.parametrized.update(self._parametrized(mark) or ())
        for node, scope in self.scopes:
            self._class_marks(node, scope)
        for func, scope, conditional in self.functions:
            self._function(func, scope, conditional)
        self._tests_take_their_marks()
        module = self.module
        # a module's pytestmark marks every test, so its parametrize names are never requested
        found = {(name, module, False) for name in module.requests if name not in module.parametrized}
        found |= {(name, module, True) for name in module.own_names if name not in module.parametrized}
        for _, scope in self.scopes:
            if not scope.checked:
                continue
            # a test class runs the tests it inherits from local bases, in its own context
            owners = [scope, *self._local_bases(scope, 0)]
            ignored: Set[str] = set()
            outer: Optional[_Scope] = scope
            while outer is not None:
                for owner in [outer, *self._local_bases(outer, 0)]:
                    ignored |= owner.parametrized
                outer = outer.parent
            for owner in owners:
                found |= {(name, scope, False) for name in owner.requests if name not in ignored}
                found |= {(name, owner, True) for name in owner.own_names if name not in ignored}
        return found

    def _tests_take_their_marks(self) -> None:
        """Every name a module's or class's ``parametrize`` mark hands its tests
        (those it inherits from local bases included) must be taken by each of
        them, else pytest does not collect the module: a test that does not
        take one leaves the question to the full check."""
        taken_in: Dict[int, List[Set[str]]] = {}
        for scope, taken in self.test_arguments:
            taken_in.setdefault(id(scope), []).append(taken)
        for scope in [self.module, *(scope for _, scope in self.scopes if scope.checked)]:
            wanted: Set[str] = set()
            outer: Optional[_Scope] = scope
            while outer is not None:
                for owner in [outer, *self._checked_bases(outer)]:
                    wanted |= owner.parametrized
                outer = outer.parent
            if not wanted:
                continue
            owners = [scope, *self._checked_bases(scope)]
            if any(not wanted <= taken for owner in owners for taken in taken_in.get(id(owner), ())):
                raise _Unsure

    def _checked_bases(self, scope: _Scope) -> List[_Scope]:
        """The local bases of a class MCK301 checks (none for the module)."""
        if scope is self.module or not scope.checked:
            return []
        return self._local_bases(scope, 0)

    def _body(self, body: List[ast.stmt], scope: _Scope, conditional: bool, read: bool) -> None:
        """Walk a module or class body; ``read``: whether fixture_defs reads this block."""
        functions = self.functions
        for statement in body:
            kind = type(statement)  # ast's node types are final: `is` is exact, and faster
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                functions.append((statement, scope, conditional))  # type: ignore[arg-type]
            elif kind is ast.Expr or kind is ast.Pass:
                continue  # docstrings, calls
            elif kind is ast.ClassDef:
                self._class(statement, scope, read)  # type: ignore[arg-type]
            elif kind is ast.Assign or kind is ast.AnnAssign or kind is ast.AugAssign:
                self._assignment(statement, scope, read)  # type: ignore[arg-type]
            elif kind is ast.ImportFrom:
                self._import_from(statement)  # type: ignore[arg-type]
            elif kind is ast.Import:
                for alias in statement.names:  # type: ignore[attr-defined]
                    local = alias.asname or alias.name.split(".", 1)[0]  # `import a.b` binds `a`
                    self.imports.setdefault(local, set()).add(alias.name if alias.asname else local)
            else:
                inner = read and isinstance(statement, _READ_BLOCKS)
                if inner and isinstance(statement, (ast.For, ast.AsyncFor)):
                    scope.fixtures.update(_target_names(statement.target))  # bound in a loop: maybe a fixture
                for block in _blocks(statement):
                    self._body(block, scope, conditional=True, read=inner)

    def _import_from(self, statement: ast.ImportFrom) -> None:
        module = "." * (statement.level or 0) + (statement.module or "")
        separator = "" if module.endswith(".") else "."
        for alias in statement.names:
            if alias.name == "*":
                continue
            local = alias.asname or alias.name
            self.imports.setdefault(local, set()).add(f"{module}{separator}{alias.name}")
            if alias.name == "fixture" and statement.module in ("pytest", "pytest_asyncio") and not statement.level:
                self.fixture_names.add(local)

    def _assignment(
        self, statement: Union[ast.Assign, ast.AnnAssign, ast.AugAssign], scope: _Scope, read: bool
    ) -> None:
        value = statement.value
        if isinstance(value, ast.Call) and _mentions_fixture(value.func):
            raise _Unsure  # `db = pytest.fixture(make_db)`: the assignment form
        top = scope is self.module
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        for target in targets:
            if not isinstance(target, ast.Name):
                if value is not None and read:
                    scope.fixtures.update(_target_names(target))
                continue
            name = target.id
            if name == "pytest_plugins" and top:
                literal = _literal_strings(value)
                if literal is None or not read:
                    raise _Unsure  # a dynamic pytest_plugins, or one fixture_defs does not see
                self.plugins = tuple(part for text in literal for part in text.split(",") if part)
            elif name == "pytestmark" and value is not None:
                if read:
                    elements = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
                    for element in elements:
                        scope.requests.update(self._usefixtures(element))  # requested by each test it marks
                    scope.marks.extend(elements)
            elif name == "__all__" and top:
                continue
            elif read and isinstance(value, _MAYBE_VALUES):
                scope.fixtures.add(name)  # maybe a fixture (a factory's product): never missing

    def _module_plugins(self) -> ModulePlugins:
        """The module's ``pytest_plugins`` level, as MCK301 builds it (once per folder and value)."""
        key = ("fixture_requests.module_plugins", self.directory, self.plugins)
        level = self.model.derived.get(key)
        if not isinstance(level, ModulePlugins):
            facts = ModuleFacts(path=self.path, pytest_plugins=self.plugins)
            level = self.model.derived[key] = ModulePlugins(self.model, facts)
        return level

    def _class(self, node: ast.ClassDef, outer: _Scope, read: bool) -> None:
        """Walk a class.  MCK301 checks a test class only when its bases are
        local classes it can follow (or none, for a nested class) and its
        decorators are pytest marks, as ``fixture_defs.classdef`` decides; the
        classes it skips need no answer here, except as bases of one it checks."""
        top = outer is self.module
        bases = [base.id for base in node.bases if isinstance(base, ast.Name) and base.id != "object"]
        plain = (
            read
            and not node.keywords
            and all(isinstance(base, ast.Name) for base in node.bases)
            and (top or not bases)
        )
        scope = _Scope(outer, tuple(bases), plain)
        if top and read:
            self.classes[node.name] = scope  # the last definition, as in fixture_defs
        self.scopes.append((node, scope))
        for decorator in node.decorator_list:
            scope.requests.update(self._usefixtures(decorator))  # every test of the class requests them
        self._body(node.body, scope, conditional=False, read=read)
        if node.bases and any(
            isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
            and statement.name.startswith("test")
            and self._argnames(statement, True)
            for statement in node.body
        ):
            raise _Unsure  # maybe a unittest.TestCase method with parameters: unittest passes none

    def _followed(self, scope: _Scope, depth: int) -> bool:
        """Whether MCK301 can follow the class's bases (its ``_mro``), with
        every class of the module known."""
        if not scope.plain or depth > 20:
            return False
        for base in scope.bases:
            other = self.classes.get(base)
            if other is None or not self._followed(other, depth + 1):
                return False
        return True

    def _class_marks(self, node: ast.ClassDef, scope: _Scope) -> None:
        """Whether MCK301 may check the class (once every import is known), and
        the names its ``parametrize`` decorators hand its tests."""
        outer = scope.parent
        scope.checked = (
            (outer is None or outer.checked)
            and self._followed(scope, 0)
            and all(self._may_be_mark(decorator) for decorator in node.decorator_list)
            and self.model.is_test_class_name(node.name)
        )
        for mark in [*node.decorator_list, *scope.marks]:
            scope.parametrized.update(self._parametrized(mark) or ())

    def _local_bases(self, scope: _Scope, depth: int) -> List[_Scope]:
        if depth > 20:
            raise _Unsure
        found: List[_Scope] = []
        for base in scope.bases:
            other = self.classes.get(base)
            if other is None:
                raise _Unsure
            found.extend([other, *self._local_bases(other, depth + 1)])
        return found

    def _function(self, func: _Function, scope: _Scope, conditional: bool) -> None:
        in_class = scope is not self.module
        decorators = func.decorator_list
        if not decorators:  # the common case: a test, a helper or a hook
            if func.name != "pytest_generate_tests" and self._is_test(func.name):
                taken = self._argnames(func, in_class)
                scope.requests.update(taken)
                self.test_arguments.append((scope, set(taken)))
                if self.lookup_lines:
                    scope.requests.update(self._lookups(func))
            return
        used = [name for decorator in decorators for name in self._usefixtures(decorator)]
        # only pytest's own decorator counts as defining a fixture; the parameters
        # of a function any decorator may make a fixture count as requests all the same
        fixture = next((d for d in decorators if self._is_pytest_fixture(d)), None)
        requests = self._argnames(func, in_class)
        if fixture is not None or any(self._may_be_fixture(d) for d in decorators):
            name = func.name
            if isinstance(fixture, ast.Call):
                for keyword in fixture.keywords:
                    if keyword.arg == "name":
                        if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                            raise _Unsure
                        name = keyword.value.value
                    elif keyword.arg is None:
                        raise _Unsure  # **options
            if fixture is not None and not conditional:
                scope.fixtures.add(name)
            if name in requests:
                # an override: pytest hands it the definition the scope's own one shadows
                scope.own_names.add(name)
                requests = [request for request in requests if request != name]
        elif func.name == "pytest_generate_tests" or not self._is_test(func.name):
            return  # a hook or a helper: pytest requests nothing for it
        elif self._unchecked(decorators):
            return  # fixture_defs cannot read its signature: MCK301 checks none of its requests
        else:
            requests = self._given(decorators, requests)
            # `@patch("x")` (no `new`) hands its mock to the first parameters
            # left, which pytest does not request (``num_mock_patch_args``)
            requests = requests[self._patch_count(decorators) :]
            taken = set(requests)
            self.test_arguments.append((scope, taken))
            for decorator in decorators:
                names = self._parametrized(decorator)
                if names is None and _is_parametrize(decorator):
                    raise _Unsure  # indirect, or names it cannot read: each must resolve, or be taken
                if names is not None:
                    if not taken.issuperset(names):
                        raise _Unsure  # a name the test may not use: pytest's collection error
                    requests = [name for name in requests if name not in names]
        scope.requests.update(requests, used, self._lookups(func))

    def _is_test(self, name: str) -> bool:
        found = self.test_names.get(name)
        if found is None:
            found = self.test_names[name] = self.model.is_test_function_name(name)
        return found

    # -- decorators -----------------------------------------------------------------
    def _resolutions(self, node: ast.expr) -> Set[str]:
        """What ``NameResolver`` may resolve ``node`` to: through any import
        binding its root name; an empty set when it can only answer None."""
        dotted = _dotted(node)
        if dotted is None:
            return set()
        root, attrs = dotted
        return {".".join([bound, *attrs]) for bound in self.imports.get(root, ())}

    def _only(self, node: ast.expr, wanted: frozenset) -> bool:
        """Whether every resolution of ``node`` is in ``wanted`` or a decorator
        fixture_defs does not read (which leaves the test unchecked)."""
        return all(r in wanted or not _accepted(r) for r in self._resolutions(node))

    def _unchecked(self, decorators: List[ast.expr]) -> bool:
        """Whether some decorator makes ``fixture_defs`` give up on the test's
        signature: it resolves to no import, or only to imports it does not read."""
        for decorator in decorators:
            if isinstance(decorator, ast.Name) and decorator.id in ("staticmethod", "classmethod"):
                continue  # the builtins, unless rebound
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if not any(_accepted(r) for r in self._resolutions(target)):
                return True
        return False

    def _may_be_mark(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        return any(r.startswith("pytest.mark.") for r in self._resolutions(target))

    def _may_be_fixture(self, decorator: ast.expr) -> bool:
        """Whether ``fixture_defs`` may take ``decorator`` for a fixture decorator."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        last = _last_name(target)
        if last is None:
            return False
        if FIXTURE_LIKE.match(last):
            return True
        # `a.b.c` resolves to a name ending in `.c`: one of pytest's only when `c` looks like a fixture
        return isinstance(target, ast.Name) and any(r in FIXTURE_QUALNAMES for r in self._resolutions(target))

    def _parametrized(self, decorator: ast.expr) -> Optional[List[str]]:
        """The names a ``@pytest.mark.parametrize(...)`` hands the test directly;
        None when unsure (they stay requested)."""
        if not (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "parametrize"
            and decorator.args
        ):
            return None
        if any(k.arg in ("indirect", "argnames") or k.arg is None for k in decorator.keywords):
            return None
        if not self._only(decorator.func, frozenset({_PARAMETRIZE})) or any(
            r.startswith("pytest.mark.") and r != _PARAMETRIZE for r in self._resolutions(decorator.func)
        ):
            return None
        return _strings(decorator.args[0])

    def _usefixtures(self, decorator: ast.expr) -> List[str]:
        """The names ``@pytest.mark.usefixtures("a", "b")`` requests; unsure of
        any other spelling of it."""
        call = decorator if isinstance(decorator, ast.Call) else None
        target = call.func if call is not None else decorator
        if not (isinstance(target, ast.Attribute) and target.attr == "usefixtures"):
            return []
        if call is None or call.keywords or not _is_pytest_mark(target):
            raise _Unsure
        names = []
        for arg in call.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                raise _Unsure  # a starred list, a name
            names.append(arg.value)
        self.usefixtures_read += 1
        return names

    def _given(self, decorators: List[ast.expr], requests: List[str]) -> List[str]:
        """``requests`` without the arguments hypothesis's ``@given`` supplies
        (by keyword, or the last ones by position), as ``fixture_defs`` drops them."""
        for decorator in decorators:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if _last_name(target) != "given" and _GIVEN not in self._resolutions(target):
                continue
            if not self._only(target, frozenset({_GIVEN})):
                raise _Unsure
            if not isinstance(decorator, ast.Call):
                return []  # a test it cannot read: nothing is checked
            if _starred(decorator):
                return []
            named = {k.arg for k in decorator.keywords}
            if decorator.args and named:
                return []
            if decorator.args:
                requests = requests[: max(len(requests) - len(decorator.args), 0)]
            requests = [name for name in requests if name not in named]
        return requests

    def _patch_count(self, decorators: List[ast.expr]) -> int:
        """How many of a test's ``patch``/``patch.object`` decorators hand it a
        mock, as ``fixture_defs.test_function`` counts them: without ``new``,
        positional or keyword.  (Counting one that turns out not to be
        mock's ``patch`` checks fewer names, where MCK301 checks none: its
        signature is unknown to it.)"""
        count = 0
        for decorator in decorators:
            if not isinstance(decorator, ast.Call):
                continue
            func = decorator.func
            is_object = isinstance(func, ast.Attribute) and func.attr == "object"
            inner = func.value if is_object else func  # type: ignore[union-attr]
            last = inner.id if isinstance(inner, ast.Name) else inner.attr if isinstance(inner, ast.Attribute) else ""
            if last == "multiple":
                raise _Unsure  # a signature MCK301 reads its own way
            if last != "patch":
                continue
            if _starred(decorator):
                raise _Unsure
            if not self._only(func, _PATCH_OBJECT if is_object else _PATCH):
                raise _Unsure
            if len(decorator.args) <= (2 if is_object else 1) and not any(k.arg == "new" for k in decorator.keywords):
                count += 1
        return count

    def _is_pytest_fixture(self, node: ast.expr) -> bool:
        """``@pytest.fixture``, ``@pytest_asyncio.fixture`` or ``@fixture`` imported from them, called or not."""
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Name):
            return target.id in self.fixture_names
        return (
            isinstance(target, ast.Attribute)
            and target.attr == "fixture"
            and isinstance(target.value, ast.Name)
            and target.value.id in ("pytest", "pytest_asyncio")
        )

    def _lookups(self, func: _Function) -> List[str]:
        """The literal names ``x.getfixturevalue("name")`` calls in ``func`` look up."""
        lines = self.lookup_lines
        index = bisect.bisect_left(lines, func.lineno)
        if index == len(lines) or lines[index] > (getattr(func, "end_lineno", None) or lines[-1]):
            return []
        args = func.args
        params = {arg.arg for arg in (*getattr(args, "posonlyargs", []), *args.args, *args.kwonlyargs)}
        found: List[str] = []
        for node in ast.walk(func):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "getfixturevalue"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in params
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append(node.args[0].value)
        return found

    @staticmethod
    def _argnames(func: _Function, in_class: bool) -> List[str]:
        args = func.args
        positional = [*args.posonlyargs, *args.args] if args.posonlyargs else args.args
        if args.defaults:
            positional = positional[: len(positional) - len(args.defaults)]
        names = [arg.arg for arg in positional]
        if in_class and names:
            if not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list):
                del names[0]
        if args.kwonlyargs:
            names.extend(arg.arg for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is None)
        return names

    # -- lookup -------------------------------------------------------------------
    def _provided_outside(self, name: str, scope: _Scope) -> bool:
        """``name`` requested by a fixture of ``scope`` under its own name: the
        definition it extends is outside ``scope`` (an outer class, the module,
        a conftest.py, a plugin)."""
        if scope.parent is not None:
            return self._provided(name, scope.parent, set())
        return self._external_provided(name, scope, set())

    def _provided(self, name: str, scope: _Scope, seen: Set[str]) -> bool:
        if name == "request":
            return True
        current: Optional[_Scope] = scope
        while current is not None:
            if name in current.fixtures or any(name in self._class_fixtures(base, 0) for base in current.bases):
                return True
            current = current.parent
        return self._external_provided(name, scope, seen)

    def _class_fixtures(self, name: str, depth: int) -> Set[str]:
        scope = self.classes.get(name)
        if scope is None or depth > 20:
            return set()
        found = set(scope.fixtures)
        for base in scope.bases:
            found |= self._class_fixtures(base, depth + 1)
        return found

    def _external_provided(self, name: str, scope: _Scope, seen: Set[str]) -> bool:
        """Provided by a built-in, a plugin or a conftest.py fixture, and so is
        everything that fixture requests in turn (as MCK301's check decides:
        a name found nowhere but excused is no miss either)."""
        if name in seen:
            return True  # already being checked further up
        levels = self.levels
        entries = [entry for level in levels for entry in level.entries(name)]
        thorough = [entry for level in levels for entry in level.entries(name, True)]
        if not entries:
            return bool(thorough) or self.model.order_dependent(name)
        seen = seen | {name}
        for entry in entries:
            for dependency in getattr(entry, "argnames", None) or ():
                if dependency == name:
                    if (
                        len(entries) < 2
                        and MAYBE not in entries
                        and len(thorough) == len(entries)
                        and not self.model.order_dependent(name)
                    ):
                        return False  # requests itself with nothing outer: a recursion
                    continue  # an override of an outer definition, found above
                if not self._provided(dependency, scope, seen):
                    return False
        return True


def _is_parametrize(decorator: ast.expr) -> bool:
    """``@<anything>.parametrize(...)``: maybe pytest's."""
    return (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Attribute)
        and decorator.func.attr == "parametrize"
    )


def _blocks(statement: ast.stmt) -> Iterator[List[ast.stmt]]:
    """The statement lists inside a compound statement at module or class level."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(statement, field, None)
        if isinstance(block, list):
            yield block
    for handler in getattr(statement, "handlers", ()) or ():
        yield handler.body
    for case in getattr(statement, "cases", ()) or ():
        yield case.body
