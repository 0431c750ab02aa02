"""Decide from CPython's ``ast`` whether every fixture a test module requests is
certainly provided, so that MCK301 need not parse the file with libcst.

The question is one-sided: ``certainly_provided`` answers True only when no
request of the module can miss; anything it does not understand (a request
by ``getfixturevalue``, a ``pytest_generate_tests`` hook, an imported fixture,
a fixture that requests its own name, a parametrize whose names it cannot read)
answers False and the file goes through the full analysis.  So the answer can
make mocklint faster, never quieter: a file it lets through unparsed is one in
which MCK301's full check would report nothing.

It reads requests the way ``fixture_defs`` does: the names of
``@pytest.mark.usefixtures("a", "b")`` decorators (any other spelling of
``usefixtures`` in the text, a ``pytestmark`` for one, makes it unsure), and
not the parameters that ``@patch(...)`` decorators without ``new`` fill
(pytest's ``num_mock_patch_args``).

Most test modules request only built-in fixtures, plugin fixtures and fixtures
of their conftest.py chain, which the project model knows already (it parses
each conftest once per process), so for most files this replaces a libcst
parse (about 10 ms per 1,000 lines) by a walk over the module's top-level
statements (a few microseconds).
"""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterator, List, Optional, Set, Tuple, Union

from mocklint.analysis.project import MAYBE, ProjectModel

#: text that makes a module's requests dynamic or indirect
_DYNAMIC_WORDS = ("getfixturevalue", "getfuncargvalue", "pytest_generate_tests", "pytest_plugins", "__test__")

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


class _Unsure(Exception):
    """Raised anywhere the walk meets something it does not model."""


def certainly_provided(tree: ast.Module, source: str, path: str, model: ProjectModel) -> bool:
    """Whether every fixture requested in the test module ``path`` is certainly
    provided (see the module docstring); False whenever unsure."""
    if any(word in source for word in _DYNAMIC_WORDS) or model.config.usefixtures:
        return False
    try:
        requests = _Requests(tree, path, model)
        provided = requests.all_provided()
    except _Unsure:
        return False
    # every `usefixtures` of the text must be a decorator read above (not a
    # `pytestmark`, a `request.applymarker`, a name in a string...)
    return provided and source.count("usefixtures") == requests.usefixtures_read


def _mentions_fixture(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    while isinstance(target, ast.Attribute):
        if "fixture" in target.attr:
            return True
        target = target.value
    return isinstance(target, ast.Name) and "fixture" in target.id


def _is_pytest_mark(node: ast.expr) -> bool:
    """``@pytest.mark.anything``, called or not."""
    target = node.func if isinstance(node, ast.Call) else node
    while isinstance(target, ast.Attribute):
        if isinstance(target.value, ast.Name):
            return target.value.id == "pytest" and target.attr == "mark"
        target = target.value
    return False


def _strings(node: ast.expr) -> Optional[List[str]]:
    """The names of a parametrize ``argnames`` literal: "a,b", ("a", "b"), ["a"]."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [part.strip() for part in node.value.split(",") if part.strip()]
    if isinstance(node, (ast.Tuple, ast.List)):
        names: List[str] = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                return None
            names.append(element.value.strip())
        return names
    return None


class _Scope:
    """The module, or one class: the fixtures defined unconditionally in it, and
    the names its functions request."""

    def __init__(
        self, parent: Optional["_Scope"], bases: Tuple[str, ...] = (), followed: bool = True, checked: bool = True
    ) -> None:
        self.parent = parent
        self.bases = bases
        #: whether MCK301 can follow its bases (so a subclass can be checked)
        self.followed = followed
        #: whether MCK301 checks the tests of this class (see ``_Requests._class``)
        self.checked = checked
        self.fixtures: Set[str] = set()
        self.requests: List[str] = []


class _Requests:
    def __init__(self, tree: ast.Module, path: str, model: ProjectModel) -> None:
        self.tree = tree
        self.model = model
        self.directory = os.path.dirname(path)
        self.module = _Scope(None)
        #: module-level classes by name, and every class scope in order
        self.classes: Dict[str, _Scope] = {}
        self.scopes: List[_Scope] = []
        #: local names of pytest's `fixture` decorator (`from pytest import fixture`)
        self.fixture_names: Set[str] = set()
        #: where fixtures from outside the module come from: plugins, built-ins, conftests
        self.levels = [model.global_level(), *model.conftest_levels(self.directory)]
        #: the `@pytest.mark.usefixtures(...)` decorators read
        self.usefixtures_read = 0

    # -- walk -------------------------------------------------------------------
    def all_provided(self) -> bool:
        return all(self._provided(name, scope, set()) for name, scope in self.requests())

    def requests(self) -> List[Tuple[str, _Scope]]:
        """Every name the module's checked tests and fixtures request, with the
        scope it is looked up from."""
        self._body(self.tree.body, self.module, conditional=False)
        requests = [(name, self.module) for name in self.module.requests]
        for scope in self.scopes:
            if scope.checked:
                # a test class runs the tests it inherits from local bases, in its own context
                for owner in [scope, *self._local_bases(scope, 0)]:
                    requests.extend((name, scope) for name in owner.requests)
        return requests

    def _body(self, body: List[ast.stmt], scope: _Scope, conditional: bool) -> None:
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._function(statement, scope, conditional)
            elif isinstance(statement, ast.ClassDef):
                self._class(statement, scope)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                self._assignment(statement)
            elif isinstance(statement, ast.ImportFrom):
                if statement.module in ("pytest", "pytest_asyncio"):
                    self.fixture_names.update(
                        alias.asname or alias.name for alias in statement.names if alias.name == "fixture"
                    )
            else:
                for block in _blocks(statement):
                    self._body(block, scope, conditional=True)

    def _assignment(self, statement: Union[ast.Assign, ast.AnnAssign, ast.AugAssign]) -> None:
        value = statement.value
        if isinstance(value, ast.Call) and _mentions_fixture(value.func):
            raise _Unsure  # `db = pytest.fixture(make_db)`: the assignment form

    def _class(self, node: ast.ClassDef, outer: _Scope) -> None:
        """Walk a class.  MCK301 checks a test class only when its bases are
        local classes it can follow (or none, for a nested class) and its
        decorators are pytest marks, as ``fixture_defs.classdef`` decides; the
        classes it skips need no answer here, except as bases of one it checks."""
        top = outer is self.module
        bases = [base.id for base in node.bases if isinstance(base, ast.Name) and base.id != "object"]
        followed = (
            not node.keywords
            and all(isinstance(base, ast.Name) for base in node.bases)
            and (all(base in self.classes and self.classes[base].followed for base in bases) if top else not bases)
        )
        checked = (
            followed
            and outer.checked
            and all(_is_pytest_mark(decorator) for decorator in node.decorator_list)
            and self.model.is_test_class_name(node.name)
        )
        scope = _Scope(outer, tuple(bases), followed, checked)
        if top:
            self.classes[node.name] = scope
        self.scopes.append(scope)
        for decorator in node.decorator_list:
            scope.requests.extend(self._usefixtures(decorator))  # every test of the class requests them
        self._body(node.body, scope, conditional=False)

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
        # only pytest's own decorator counts as defining a fixture; the parameters
        # of every decorated function count as requests all the same
        fixture = next((d for d in decorators if self._is_pytest_fixture(d)), None)
        requests = self._argnames(func, in_class)
        if fixture is not None:
            name = func.name
            if isinstance(fixture, ast.Call):
                for keyword in fixture.keywords:
                    if keyword.arg == "name":
                        if not (isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str)):
                            raise _Unsure
                        name = keyword.value.value
                    elif keyword.arg is None:
                        raise _Unsure  # **options
            if name in requests:
                raise _Unsure  # an override of an outer fixture of the same name, or a recursion
            if not conditional:
                scope.fixtures.add(name)
        elif not (self.model.is_test_function_name(func.name) or decorators):
            return  # a helper: pytest requests nothing for it
        else:
            # `@patch("x")` (no `new`) hands its mock to the first parameters
            # left, which pytest does not request (``num_mock_patch_args``)
            requests = requests[self._patch_count(decorators) :]
        used = [name for decorator in decorators for name in self._usefixtures(decorator)]
        for decorator in decorators:
            if not isinstance(decorator, ast.Call):
                continue
            if not (isinstance(decorator.func, ast.Attribute) and decorator.func.attr == "parametrize"):
                continue
            names = _strings(decorator.args[0]) if decorator.args else None
            if names is None or any(k.arg in ("indirect", "argnames") or k.arg is None for k in decorator.keywords):
                continue  # its names stay requested: unsure means "check them"
            requests = [name for name in requests if name not in names]
        scope.requests.extend(requests + used)

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

    @staticmethod
    def _patch_count(decorators: List[ast.expr]) -> int:
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
            if is_object:
                func = func.value  # type: ignore[union-attr]
            last = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if last == "multiple" or last == "given":
                raise _Unsure  # signatures MCK301 reads its own way
            if last != "patch":
                continue
            if any(isinstance(a, ast.Starred) for a in decorator.args) or any(k.arg is None for k in decorator.keywords):
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

    @staticmethod
    def _argnames(func: _Function, in_class: bool) -> List[str]:
        args = func.args
        positional = [*getattr(args, "posonlyargs", []), *args.args]
        if args.defaults:
            positional = positional[: -len(args.defaults)]
        if in_class and positional and not any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list):
            positional = positional[1:]
        keyword_only = [arg for arg, default in zip(args.kwonlyargs, args.kw_defaults) if default is None]
        return [arg.arg for arg in (*positional, *keyword_only)]

    # -- lookup -------------------------------------------------------------------
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
