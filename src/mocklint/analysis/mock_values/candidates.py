"""The mock candidate index: which parts of a file can hold a mock, read on ``ast``.

The mock rules (MCK101-MCK103, MCK401-MCK404) report only on what
``analysis.mock_values.mocks`` infers, on the libcst tree, to be a mock, a
patcher or the coroutine an AsyncMock's call makes.  Before that parse the
engine has the file's ``ast`` tree; this module reads it once per file into
one index that all of these rules read (``might_report``, ``needed_bodies``).
It answers syntactic questions only:

- **Can the file hold a mock at all** (``may_hold_mocks``): its text names a
  mock source (``MOCK_SOURCE``: a mock class, ``patch``, ``create_autospec``,
  pytest-mock's fixtures), or a fixture of a conftest.py on its path that may
  hand one out (``conftest_mock_fixtures``: the fixtures the same scan finds
  to be candidate names in their own conftest, seeded with what the outer
  conftest files hand out, where any helper or class that mentions a name is
  one too, since a fixture may hand out what its helper makes; those
  requesting one; all those of a conftest ``ast`` cannot read).  Any other
  file holds no mock.
- **Which functions can hold one** (``CandidateIndex.keeps``).  A mock reaches
  an expression only through a name, so the bodies that can hold one are
  those that mention a *candidate name*, found by a flow-insensitive fixpoint
  over the whole file, by identifier alone (``x``, ``self.x`` and ``other.x``
  are one name):

  - seeds: the mock classes, ``patch``, ``create_autospec``, ``mock``,
    pytest-mock's fixtures, anything imported from the mock modules (by any
    alias), these names imported from any module under another name (a
    helper module may re-export them: ``from tests.helpers import AsyncMock
    as FakeSession``), and the conftest fixtures that may hand out a mock;
  - a statement whose value mentions a name adds what it binds (assignment,
    ``with`` and ``for`` targets, walrus, comprehension variables; so the
    attributes ``setUp``/``asyncSetUp`` assign) and the attributes its placing
    calls name (``patch.object(obj, "x")``, ``setattr``); a function it calls
    keeps its body, which may configure the mock (but the callers of a function
    are not kept for calling it: ``mocks`` follows no helper's result);
  - a decorated function that mentions a name is one, under its own name and
    the ``name=`` it may be registered as (a fixture may hand out the mock); a
    class whose bases or decorators mention one is one (a subclass of a mock
    class, a patched class), and every method of it is kept; a decorator that
    mentions one (``@patch``, ``parametrize``) makes the function's parameters
    names, for every method of a decorated class.

- **Where the rules' sites are** (``CandidateIndex.has``): whether the file has,
  at module level or in a body the index keeps, a statement of the shape a rule
  reports at (``Shape``: an ``await``, an ``async with``, a call made as a
  statement...) whose expression mentions a candidate name (any, in a method
  of a class whose header mentions one).  A site that mentions none cannot
  hold a mock; one whose body is dropped is not there for libcst.
- **Which expressions can hold one** (``CandidateIndex.mentions``): the same
  test for any expression, read where a given function reads it (MCK402
  asks it of the values put into shared state, and of those that restore it).
- **Whether the file may hand a mock to project code**
  (``CandidateIndex.hands_mocks_to_project``): ``analysis.under_test.reach``
  answers it; such a file is read whole, since the interprocedural findings
  follow fixtures, ``setUp`` and helpers that need not name a mock, and only
  there does ``under_test.matching`` run (``hands_mocks_to_project``: a file
  read for a site of its own is not worth summarising project modules for).

So it may decide that a file, a body or a site holds no mock, and spare it
the libcst parse.

It may not decide what a value *is*: whether a name holds a mock, an
AsyncMock or a patcher, what a ``patch`` target resolves to, whether a call
makes a coroutine.  Those are ``mocks``' questions, answered once on libcst; a
second answer here would hide findings wherever the two disagree.  So a
candidate name is one a mock *may* reach, and everything errs towards
keeping: a mock source named in a comment, a common attribute name, a helper
called with a mock all keep more than needed.  ``tests/test_prefilters.py``
holds it to that on the fixture suite, ``scripts/check_prefilters.py`` on real
projects.
"""

from __future__ import annotations

import ast
import enum
import os
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Set, Tuple

from mocklint.analysis.mock_values.mocks import MOCKER_NAMES, MOCK_MODULES
from mocklint.analysis.pytest_model import project
from mocklint.analysis.syntax.ast_scan import LastTree, node_fields, subtree
from mocklint.analysis.syntax.bodies import BodyFilter, Function
from mocklint.analysis.syntax.source import parse_python
from mocklint.rule import gate

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.analysis.pytest_model.fixture_defs import ModuleFacts

#: the names every in-file mock source spells (MagicMock, AsyncMock, patch,
#: mock.patch.object, create_autospec, mocker, class_mocker, ...)
MOCK_SOURCE = gate(r"Mock", r"\bpatch\b", r"mocker\b", r"autospec")


class Shape(enum.Enum):
    """The syntax of the sites the mock rules report at."""

    #: ``await x``, and a call of one of asyncio's schedulers (``gather(...)``): MCK102
    AWAIT = "await"
    #: what ``async with`` enters or ``async for`` iterates: MCK101
    ENTER = "async with"
    #: an assignment to ``...__aenter__...``/``...__aiter__...``: MCK101
    CONFIGURE = "async protocol configured"
    #: a call made as a statement (or a list of them: ``[m.send(u) for u in users]``): MCK103
    DROP = "call as a statement"
    #: a call given two positional arguments or a ``new=``/``new_callable=``: a
    #: ``patch`` that may put a sync mock over a coroutine function (MCK102)
    REPLACE = "patch with a new"


_SEEDS = frozenset(
    {
        "Mock",
        "MagicMock",
        "AsyncMock",
        "NonCallableMock",
        "NonCallableMagicMock",
        "PropertyMock",
        "patch",
        "create_autospec",
        "mock",
        *MOCKER_NAMES,
    }
)
#: never names: every method mentions ``self``
_RECEIVERS_ONLY = frozenset({"self", "cls"})
#: calls that put a value into an attribute named by a string: with a name
#: among their arguments or in the callee (``patch.object(obj, "x")``,
#: ``monkeypatch.setattr("pkg.mod.x", mock)``), that attribute is one
_PLACING = frozenset({"patch", "object", "multiple", "setattr", "delattr"})
#: the asyncio functions and loop methods whose arguments are awaited, by their last name
_SCHEDULERS = frozenset({"gather", "ensure_future", "create_task", "wait_for", "run", "run_until_complete"})
_PROTOCOL_METHODS = frozenset({"__aenter__", "__aiter__"})
_NEW = frozenset({"new", "new_callable"})
_NAME, _ATTRIBUTE, _CONSTANT, _CALL = ast.Name, ast.Attribute, ast.Constant, ast.Call
_NAMED, _COMPREHENSION, _AWAIT = ast.NamedExpr, ast.comprehension, ast.Await

# Names are keys: ``x`` for a module-level name, ``<id>:x`` for a local of the
# function with that id (nested functions count as part of it), ``.x`` for an
# attribute of anything.  A mention of a plain name yields both its keys.

#: one statement (or header): (keys its value mentions, keys it binds then,
#: the names of the functions it calls)
_Entry = Tuple[FrozenSet[str], FrozenSet[str], FrozenSet[str]]
#: a site: its shape, the id of the function whose body holds it (None at
#: module level or in a class body), that function's key prefix, and the
#: expressions whose mentions decide it
_Site = Tuple[Shape, Optional[int], str, Sequence[ast.AST]]


class _Scan:
    """One walk over a module, recording what the fixpoint (``_names``) reads."""

    def __init__(self, seeds: FrozenSet[str]) -> None:
        self.entries: List[_Entry] = []
        #: (function, header keys, every key it mentions, parameter keys, names it may be registered under)
        self.functions: List[Tuple[Function, FrozenSet[str], FrozenSet[str], FrozenSet[str], FrozenSet[str]]] = []
        #: (class, header keys, every key it mentions, methods)
        self.classes: List[Tuple[ast.ClassDef, FrozenSet[str], FrozenSet[str], List[Function]]] = []
        self.seeds: Set[str] = set(seeds)
        self.sites: List[_Site] = []
        #: the names the asyncio schedulers go by here (``from asyncio import gather as g``)
        self.schedulers: Set[str] = set(_SCHEDULERS)
        #: the key prefix of the current function's locals ("" at module level)
        self.prefix = ""
        #: names the current function declares ``global``/``nonlocal``
        self.declared: Set[str] = set()
        #: the id of the function at module level or method being scanned (None outside one)
        self.owner: Optional[int] = None
        for seed in _SEEDS:
            self.seed(seed)

    def seed(self, name: str) -> None:
        self.seeds.update((name, "." + name))

    def site(self, shape: Shape, nodes: Sequence[ast.AST]) -> None:
        self.sites.append((shape, self.owner, self.prefix, nodes))

    # -- keys ----------------------------------------------------------------
    def bound(self, target: ast.AST, into: Set[str]) -> None:
        for child in subtree((target,)):
            if isinstance(child, ast.Name):
                if child.id in _RECEIVERS_ONLY:
                    continue
                local = self.prefix and child.id not in self.declared
                into.add(self.prefix + child.id if local else child.id)
            elif isinstance(child, ast.Attribute):
                into.add("." + child.attr)

    # -- statements ----------------------------------------------------------
    def block(self, statements: List[ast.stmt]) -> Set[str]:
        mentioned: Set[str] = set()
        for statement in statements:
            mentioned |= self.statement(statement)
        return mentioned

    def statement(self, node: ast.stmt) -> Set[str]:
        """Record ``node`` and return every key it mentions, targets included."""
        kind = type(node)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            return self.function(node)  # type: ignore[arg-type]
        if kind is ast.ClassDef:
            header = self.expressions([*node.decorator_list, *node.bases, *(k.value for k in node.keywords)])  # type: ignore[attr-defined]
            methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]  # type: ignore[attr-defined]
            everything = header | self.block(node.body)  # type: ignore[attr-defined]
            self.classes.append((node, frozenset(header), frozenset(everything), methods))  # type: ignore[arg-type]
            return everything
        if kind is ast.Import or kind is ast.ImportFrom:
            self.imports(node)
            return {(a.asname or a.name).split(".")[0] for a in node.names}  # type: ignore[attr-defined]
        if kind is ast.Global or kind is ast.Nonlocal:
            self.declared.update(node.names)  # type: ignore[attr-defined]
            return set(node.names)  # type: ignore[attr-defined]
        if kind is ast.Assign:
            configured = [t for t in node.targets if type(t) is _ATTRIBUTE and _configures_protocol(t)]  # type: ignore[attr-defined]
            if configured:
                self.site(Shape.CONFIGURE, configured)
            return self.simple([node.value], node.targets)  # type: ignore[attr-defined]
        if kind is ast.AnnAssign:
            return self.simple([node.value, node.annotation], [node.target])  # type: ignore[attr-defined]
        if kind is ast.AugAssign:
            return self.simple([node.value, node.target], [node.target])  # type: ignore[attr-defined]
        if kind is ast.For or kind is ast.AsyncFor:
            if kind is ast.AsyncFor:
                self.site(Shape.ENTER, [node.iter])  # type: ignore[attr-defined]
            mentioned = self.simple([node.iter], [node.target])  # type: ignore[attr-defined]
            return mentioned | self.block(node.body) | self.block(node.orelse)  # type: ignore[attr-defined]
        if kind is ast.With or kind is ast.AsyncWith:
            if kind is ast.AsyncWith:
                self.site(Shape.ENTER, [item.context_expr for item in node.items])  # type: ignore[attr-defined]
            mentioned = set()
            for item in node.items:  # type: ignore[attr-defined]
                targets = [item.optional_vars] if item.optional_vars is not None else []
                mentioned |= self.simple([item.context_expr], targets)
            return mentioned | self.block(node.body)  # type: ignore[attr-defined]
        if kind is ast.If or kind is ast.While:
            return self.simple([node.test], []) | self.block(node.body) | self.block(node.orelse)  # type: ignore[attr-defined]
        if kind is ast.Try or kind.__name__ == "TryStar":
            mentioned = self.block(node.body) | self.block(node.orelse) | self.block(node.finalbody)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                handler_target = [ast.Name(handler.name)] if handler.name else []
                mentioned |= self.simple([handler.type], handler_target)
                mentioned |= self.block(handler.body)
            return mentioned
        if kind is ast.Expr:
            call = node.value  # type: ignore[attr-defined]
            if type(call) is ast.ListComp or type(call) is ast.SetComp:
                call = call.elt  # `[notifier.send(user) for user in users]`
            if type(call) is _CALL:
                self.site(Shape.DROP, [call.func])
        elif kind.__name__ == "Match":
            mentioned = self.simple([node.subject], [])  # type: ignore[attr-defined]
            for case in node.cases:  # type: ignore[attr-defined]
                mentioned |= self.simple([case.pattern, case.guard], [case.pattern])
                mentioned |= self.block(case.body)
            return mentioned
        return self.simple([node], [])

    def function(self, node: Function) -> Set[str]:
        # decorators and defaults belong to the enclosing scope
        header = self.expressions([*node.decorator_list, *node.args.defaults, *node.args.kw_defaults])
        outer = (self.prefix, self.declared, self.owner)
        if not self.prefix:  # a function at module level or a method: its own locals
            self.prefix, self.declared, self.owner = _prefix(node), set(), id(node)
        args = node.args
        params: Set[str] = set()
        for a in (*getattr(args, "posonlyargs", ()), *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.arg not in _RECEIVERS_ONLY:
                params.add(self.prefix + a.arg if self.prefix else a.arg)
        body = self.block(node.body)
        self.prefix, self.declared, self.owner = outer
        everything = frozenset(header | body | params)
        self.functions.append((node, frozenset(header), everything, frozenset(params), _registered(node)))
        return set(everything)

    def expressions(self, nodes: List[Optional[ast.expr]]) -> Set[str]:
        """Keys in a header (decorators, defaults, bases), whose calls count
        like those of a statement."""
        return self.simple(list(nodes), [])

    def imports(self, node: ast.stmt) -> None:
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module == "asyncio":
                self.schedulers.update(a.asname for a in node.names if a.asname and a.name in _SCHEDULERS)
            if module in MOCK_MODULES or module.split(".")[0] in ("pytest_mock", "asynctest"):
                for alias in node.names:
                    self.seed(alias.asname or alias.name)
            elif module == "unittest":
                for alias in node.names:
                    if alias.name == "mock":
                        self.seed(alias.asname or alias.name)
            else:  # a seed re-exported by a helper module, under another name
                for alias in node.names:
                    if alias.asname and alias.name in _SEEDS:
                        self.seed(alias.asname)
        else:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name in MOCK_MODULES or alias.name.split(".")[0] == "asynctest":
                    self.seed(alias.asname or alias.name.split(".")[0])

    def simple(self, values: List[Optional[ast.AST]], targets: List[ast.AST]) -> Set[str]:
        """Record one statement: the expressions it reads and the targets it binds.

        Its calls count with the statement: when it mentions a name, the
        functions it calls keep their bodies, and an attribute a placing call
        names (``patch.object(obj, "x")``) becomes one."""
        mentioned: Set[str] = set()
        binds: Set[str] = set()
        callees: Set[str] = set()
        prefix = self.prefix
        for target in targets:
            self.bound(target, binds)
        # one walk over the expressions, dispatched on the exact node type
        # (`ast.walk` with an `isinstance` chain costs twice as much)
        stack: List[object] = [value for value in values if value is not None]
        pop, push, extend = stack.pop, stack.append, stack.extend
        fields_of = _FIELDS
        while stack:
            child = pop()
            kind = type(child)
            if kind is _NAME:
                mentioned.add(child.id)  # type: ignore[attr-defined]
                if prefix:
                    mentioned.add(prefix + child.id)  # type: ignore[attr-defined]
                continue
            if kind is _ATTRIBUTE:
                mentioned.add("." + child.attr)  # type: ignore[attr-defined]
                push(child.value)  # type: ignore[attr-defined]
                continue
            if kind is _CONSTANT:
                continue
            if kind is _CALL:
                self.call(child, callees, binds)  # type: ignore[arg-type]
            elif kind is _NAMED or kind is _COMPREHENSION:
                self.bound(child.target, binds)  # type: ignore[attr-defined]  # `[m() for m in mocks]`
            elif kind is _AWAIT:
                self.site(Shape.AWAIT, [child.value])  # type: ignore[attr-defined]
            fields = fields_of.get(kind)
            if fields is None:
                if not isinstance(child, ast.AST):
                    continue  # None, or a name (`Global.names`, `keyword.arg`): pushed unsorted, dropped here
                fields = fields_of[kind] = node_fields(kind)
            for name in fields:
                value = getattr(child, name)
                if type(value) is list:
                    extend(value)
                elif value is not None:
                    push(value)
        self.entries.append((frozenset(mentioned), frozenset(binds), frozenset(callees)))
        return mentioned | binds

    def call(self, call: ast.Call, callees: Set[str], binds: Set[str]) -> None:
        """A call in a statement: its callee's last name, the attribute a placing
        call names, and the sites it makes (a scheduler's, a ``patch`` with a new)."""
        func = call.func
        callee = func.id if type(func) is _NAME else func.attr if type(func) is _ATTRIBUTE else ""  # type: ignore[attr-defined]
        callees.add(callee)
        if callee in self.schedulers:
            self.site(Shape.AWAIT, [call])
        args, keywords = call.args, call.keywords
        if len(args) + sum(k.arg is None for k in keywords) >= 2 or any(k.arg in _NEW for k in keywords):
            self.site(Shape.REPLACE, [func])
        if callee in _PLACING:
            for arg in args:
                if type(arg) is _CONSTANT and isinstance(arg.value, str):  # type: ignore[attr-defined]
                    last = arg.value.rsplit(".", 1)[-1]  # type: ignore[attr-defined]
                    if last.isidentifier():
                        binds.add("." + last)


#: ``node_fields`` per node type, for the walk in ``_Scan.simple`` (a local dict lookup)
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _configures_protocol(target: ast.Attribute) -> bool:
    """``x.return_value.__aenter__.return_value = ...``: an attribute path through an async protocol method."""
    node: ast.AST = target
    while type(node) is _ATTRIBUTE:
        if node.attr in _PROTOCOL_METHODS:  # type: ignore[attr-defined]
            return True
        node = node.value  # type: ignore[attr-defined]
    return False


def _registered(func: Function) -> FrozenSet[str]:
    """The names a decorated function may be registered under as a fixture:
    its own, and a string ``name=`` of its decorators (``@pytest.fixture(name="client")``)."""
    names = {func.name}
    for decorator in func.decorator_list:
        for keyword in decorator.keywords if isinstance(decorator, ast.Call) else ():
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                names.add(keyword.value.value)
    return frozenset(names)


def _prefix(func: Optional[Function]) -> str:
    """The key prefix of the locals of ``func``, a function at module level or
    a method (the functions nested in it share it); "" for none."""
    return f"{id(func)}:" if func is not None else ""


def _mentions(nodes: Sequence[ast.AST], prefix: str) -> Set[str]:
    """The keys ``nodes`` mention, as ``_Scan.simple`` records them."""
    found: Set[str] = set()
    for child in subtree(nodes):
        kind = type(child)
        if kind is _NAME:
            found.add(child.id)  # type: ignore[attr-defined]
            if prefix:
                found.add(prefix + child.id)  # type: ignore[attr-defined]
        elif kind is _ATTRIBUTE:
            found.add("." + child.attr)  # type: ignore[attr-defined]
    return found


class CandidateIndex:
    """The answers for one file (see the module's docstring), each computed
    when first asked: a rule that only needs ``holds_mocks`` costs no scan."""

    def __init__(self, tree: ast.Module, source: str, path: Optional[str]) -> None:
        self._tree, self.source, self.path = tree, source, path
        #: whether the file may hold a mock at all; when not, nothing else is scanned
        self.holds_mocks = may_hold_mocks(source, path)
        #: the candidate names (keys), the methods of classes whose header mentions
        #: one, the functions whose bodies may hold a mock, and the sites
        self._scanned: Optional[Tuple[FrozenSet[str], FrozenSet[int], FrozenSet[int], List[_Site]]] = None
        self._shapes: Dict[Shape, bool] = {}
        self._hands: Optional[bool] = None

    def _scan(self) -> Tuple[FrozenSet[str], FrozenSet[int], FrozenSet[int], List[_Site]]:
        if self._scanned is None:
            if self.holds_mocks:
                scan = _Scan(conftest_mock_fixtures(self.path))
                scan.block(self._tree.body)
                self._scanned = (*_names(scan), scan.sites)
            else:
                self._scanned = (frozenset(), frozenset(), frozenset(), [])
        return self._scanned

    @property
    def kept(self) -> FrozenSet[int]:
        """The ids of the functions whose bodies may hold a mock."""
        return self._scan()[2]

    def keeps(self, func: Function, body: str = "") -> bool:
        """Whether the body of ``func`` may hold a mock (a ``BodyFilter``)."""
        return id(func) in self._scan()[2]

    def has(self, shape: Shape) -> bool:
        """Whether the file has a site of ``shape`` that mentions a candidate
        name, at module level or in a body the index keeps (any site of a
        method of a class whose header mentions one)."""
        found = self._shapes.get(shape)
        if found is None:
            names, whole, _, sites = self._scan()
            found = self._shapes[shape] = any(
                kind is shape and (owner in whole or not names.isdisjoint(_mentions(nodes, prefix)))
                for kind, owner, prefix, nodes in sites
            )
        return found

    def mentions(self, nodes: Sequence[ast.AST], func: Optional[Function]) -> bool:
        """Whether ``nodes`` mention a candidate name, read in ``func`` (the
        function at module level or the method whose body holds them, None
        outside one) as a site of ``has`` is: in a method of a class whose
        header mentions one, whatever they mention."""
        names, whole, _, _ = self._scan()
        if func is not None and id(func) in whole:
            return True
        return not names.isdisjoint(_mentions(nodes, _prefix(func)))

    def hands_mocks_to_project(self) -> bool:
        """Whether the file may hand a mock to its project's own code
        (``analysis.under_test.reach``)."""
        if self._hands is None:
            from mocklint.analysis.under_test.reach import may_hand_mocks_to_project  # reach reads this module

            self._hands = may_hand_mocks_to_project(self._tree, self.source, self.path)
        return self._hands


def _names(scan: _Scan, helpers: bool = False) -> Tuple[FrozenSet[str], FrozenSet[int], FrozenSet[int]]:
    """The fixpoint over ``scan``: the candidate names, the methods of the
    classes whose header mentions one, and the functions whose bodies are kept.
    With ``helpers``, any function or class that mentions a name is one too
    (a conftest's fixture may hand out what its helper makes)."""
    names: Set[str] = set(scan.seeds)
    callees: Set[str] = set()
    whole: Set[int] = set()
    changed = True
    while changed:
        size = (len(names), len(callees), len(whole))
        for mentioned, binds, called in scan.entries:
            if (binds and not binds <= names or not called <= callees) and not mentioned.isdisjoint(names):
                names |= binds
                callees |= called
        for func, header, everything, params, registered in scan.functions:
            if not header.isdisjoint(names) or id(func) in whole:
                names |= params
            # a decorated function may be a fixture handing out the mock it mentions
            if (helpers or func.decorator_list) and not registered <= names and not everything.isdisjoint(names):
                names |= registered
        for klass, header, everything, methods in scan.classes:
            if not header.isdisjoint(names):
                names.add(klass.name)  # a subclass of a mock class, or a patched class
                whole.update(id(m) for m in methods)
            elif helpers and klass.name not in names and not everything.isdisjoint(names):
                names.add(klass.name)
        changed = size != (len(names), len(callees), len(whole))
    kept = {
        id(func)
        for func, _, everything, _, registered in scan.functions
        if id(func) in whole or func.name in callees or not registered.isdisjoint(names) or not everything.isdisjoint(names)
    }
    return frozenset(names), frozenset(whole), frozenset(kept)


#: the index of the file being linted: the mock rules ask in turn about it
_FILE: "LastTree[CandidateIndex]" = LastTree()


def candidate_index(tree: ast.Module, source: str, path: Optional[str]) -> CandidateIndex:
    """The ``CandidateIndex`` of the linted file, computed once for its tree."""
    return _FILE.get(tree, lambda: CandidateIndex(tree, source, path), key=path)


def hands_mocks_to_project(source: str, path: Optional[str]) -> bool:
    """For the analyses on libcst: whether the file being linted (``source`` at
    ``path``) may hand a mock to project code, as its index answered for a mock
    rule's ``might_report`` or ``needed_bodies``; True when no index was built
    for this very text (a rule run without asking them)."""
    index = _FILE.value
    if index is None or index.path != path or index.source is not source:
        return True
    return index.hands_mocks_to_project()


def _mock_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
    return candidate_index(tree, source, path).keeps


def _under_test_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
    index = candidate_index(tree, source, path)
    return None if index.hands_mocks_to_project() else index.keeps


#: ``Rule.needed_bodies`` of the mock rules: the bodies that may hold a mock
MOCK_BODIES = classmethod(_mock_bodies)
#: ``Rule.needed_bodies`` of the rules that follow mocks into project code
#: (MCK101-MCK103): every body of a file that may hand one there, since a
#: fixture, ``setUp`` or helper that names no mock may decide what it gets
UNDER_TEST_BODIES = classmethod(_under_test_bodies)


# -- the file and its conftest.py files ----------------------------------------------
def may_hold_mocks(source: str, path: Optional[str]) -> bool:
    """Whether ``source`` names a mock source, or requests a fixture of a
    conftest.py above ``path`` that may hand out a mock."""
    return MOCK_SOURCE.search(source) is not None or requests_fixtures(conftest_mock_fixtures(path), source)


def requests_fixtures(fixtures: FrozenSet[str], source: str) -> bool:
    """Whether ``source`` names one of ``fixtures`` (as a word)."""
    return any(name in source and _word_ends(source, name) for name in fixtures)


def _word_ends(source: str, name: str) -> List[int]:
    """Where each occurrence of ``name`` as a word ends (``re``'s ``\\b``, without
    its slow scan: a pattern that starts with ``\\b`` loses the literal search)."""
    found: List[int] = []
    size = len(name)
    start = source.find(name)
    while start >= 0:
        end = start + size
        before = source[start - 1] if start else " "
        after = source[end] if end < len(source) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            found.append(end)
        start = source.find(name, end)
    return found


def conftest_mock_fixtures(path: Optional[str]) -> FrozenSet[str]:
    """The fixtures of the conftest.py files above ``path`` that may hand out a
    mock (``_handing_out``), outermost conftest first, each read with what the
    outer ones hand out as seeds; kept on the project model, and recorded as
    dependencies of the linted file."""
    if not path:
        return frozenset()
    model = project.model_for_path(path)
    if model is None:
        return frozenset()
    levels = model.conftest_levels(os.path.dirname(os.path.abspath(path)))
    # dropped with the model; the facts in the key change when a conftest does
    key = ("mock candidates", tuple((level.path, id(level.facts)) for level in levels))
    if key in model.derived:
        for level in levels:
            model.text(level.path)  # recorded as a dependency of this file's result
        return model.derived[key][1]  # type: ignore[index,no-any-return]
    names: Set[str] = set()
    for level in levels:
        text = model.text(level.path) or ""
        if level.facts is None or not (names or MOCK_SOURCE.search(text)):
            continue
        names |= _handing_out(conftest_tree(level.path, text), level.facts, frozenset(names))
    answer = frozenset(names)
    model.derived[key] = ([level.facts for level in levels], answer)  # the facts kept alive: ids stay unique
    return answer


def _handing_out(tree: Optional[ast.Module], facts: "ModuleFacts", outer: FrozenSet[str]) -> Set[str]:
    """The fixtures of a conftest (its ``tree``, None when ``ast`` cannot read
    it: every fixture) that may hand out a mock: those that are candidate
    names of its own index (seeded with ``outer``, those of the conftest files
    above; any helper or class that mentions one is one, since a fixture may
    hand out what it makes), those whose definition mocklint cannot read, and
    those requesting one of these, to the fixpoint."""
    if tree is None:
        return set(facts.fixtures)
    scan = _Scan(outer)
    scan.block(tree.body)
    names = _names(scan, helpers=True)[0]
    found: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, definitions in facts.fixtures.items():
            if name not in found and any(
                fixture.func is None
                or fixture.argnames is None
                or fixture.attr in names
                or fixture.name in names
                or not (found | outer).isdisjoint(fixture.argnames)
                for fixture in definitions
            ):
                found.add(name)
                changed = True
    return found


#: conftest.py trees by path and text (None: not Python that ``ast`` parses)
_CONFTEST_TREES: Dict[Tuple[str, str], Optional[ast.Module]] = {}


def conftest_tree(path: str, text: str) -> Optional[ast.Module]:
    """The ``ast`` of a conftest.py's ``text``, parsed once per text (every
    test file below it asks); None when it does not parse."""
    key = (path, text)
    if key not in _CONFTEST_TREES:
        if len(_CONFTEST_TREES) > 256:
            _CONFTEST_TREES.clear()
        try:
            _CONFTEST_TREES[key] = parse_python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            _CONFTEST_TREES[key] = None
    return _CONFTEST_TREES[key]
