"""Which function bodies can hold a mock, decided on the ``ast`` tree.

The mock rules (MCK1xx, MCK4xx) report only on expressions ``analysis.mocks``
infers to be mocks (or patchers, or the coroutines their calls make), and a
mock reaches an expression only through a name: a mock class or ``patch``, a
variable or attribute assigned one, a parameter that a ``patch`` decorator or
a fixture fills.  So the bodies they need are those that mention such a name,
where the names are found by a flow-insensitive fixpoint over the whole file,
by identifier alone (``x`` and ``self.x`` and ``other.x`` are one name):

- seeds: the mock classes, ``patch``, ``create_autospec``, ``mock``,
  pytest-mock's fixtures, anything imported from the mock modules, and the
  fixtures of the file's conftest.py files that may hand out a mock;
- a statement whose value mentions a name adds what it binds (assignment,
  ``with`` and ``for`` targets, walrus) and the attributes its placing calls
  name (``patch.object(obj, "x")``, ``setattr``); a function it calls keeps its
  body, which may configure the mock (but the callers of a function are not
  kept for calling it: ``analysis.mocks`` follows no helper's result);
- a decorated function that mentions a name is one (a fixture may hand out
  the mock), a class whose bases or decorators mention one is one, and a
  decorator that mentions one (``@patch``, ``parametrize``) makes the
  function's parameters names, for every method of a decorated class.

Everything errs towards keeping a body: a name in a comment of a kept body, a
common attribute name, a helper called with a mock all keep more than needed.

The sites MCK101-MCK103 report at are decided more sharply, by value flow
as ``analysis.mocks`` follows it (``_holds``).  A value's *spine* is what it
infers from: a call's callee, an attribute's owner, down to a name (never an
argument, an operand, a subscript).  A spine holds a mock when its name does,
when an attribute path on the way was assigned one (``self.session``, one key
for every method of the class), when a call on the way makes one
(``MagicMock()``, ``mocker.patch(...)``, ``patch(...).start()``; a bare
``patch(...)`` is a patcher, a mock only as a ``with`` target), and it keeps
holding one through children and calls (not through ``assert_called_with``
or ``call_count``).  The names that hold one: the conftest fixtures that
return or yield one (``mock_sources.conftest_mock_values``), targets bound to a spine that holds one, the parameters of a function
with a ``patch`` decorator, and a fixture returning or yielding one (under its
``name=`` too).  A file where no ``await``ed or asyncio-scheduled value
(MCK102), no callee of a call made as a statement (MCK103), nothing ``async
with`` enters or ``async for`` iterates (MCK101) holds a mock is not parsed
for them; in a method of a class whose header mentions a name (a subclass of
``MagicMock``) every site counts.  MCK102 and MCK103 read only the bodies that
mention what holds a mock, or a name that makes one (``Relevance.reaching``):
every body that can change what ``analysis.mocks`` infers for their sites.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

from mocklint.analysis.ast_scan import node_fields
from mocklint.analysis.bodies import BodyFilter, Function
from mocklint.analysis.mocks import MOCKER_NAMES, MOCK_MODULES, may_be_child

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
_NAME, _ATTRIBUTE, _CONSTANT, _CALL_NODE = ast.Name, ast.Attribute, ast.Constant, ast.Call
_NAMED, _COMPREHENSION, _AWAIT, _RETURN, _YIELD = ast.NamedExpr, ast.comprehension, ast.Await, ast.Return, ast.Yield
#: the names whose calls make a mock or a patcher (by their last name: ``mock.patch.object``)
_MOCK = "mock"
_PATCHER = "patcher"
_STARTED = "patcher.start"
_MAKERS = {
    **{name: _MOCK for name in ("Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock")},
    **{name: _MOCK for name in ("PropertyMock", "create_autospec")},
    **{name: _PATCHER for name in ("patch", "object", "multiple", "dict")},
}
#: a step of a spine that calls
_CALL = "()"
#: a value as ``analysis.mocks`` follows it: (the name it starts from, that
#: name's keys, the steps from there outwards: ``.attr`` or ``_CALL``)
Spine = Optional[Tuple[str, FrozenSet[str], Tuple[str, ...]]]
#: the asyncio functions and loop methods MCK102 checks the arguments of
_SCHEDULERS = frozenset({"gather", "ensure_future", "create_task", "wait_for", "run", "run_until_complete"})

# Names are keys: ``x`` for a module-level name, ``<id>:x`` for a local of the
# function with that id (nested functions count as part of it), ``.x`` for an
# attribute of anything.  A mention of a plain name yields both its keys.

# One statement (or header): (keys its value mentions, keys it binds then,
# the names of the functions it calls).
_Entry = Tuple[FrozenSet[str], FrozenSet[str], FrozenSet[str]]


class _Scan:
    def __init__(self) -> None:
        self.entries: List[_Entry] = []
        # (function, header keys, every key it mentions, parameter keys)
        self.functions: List[Tuple[Function, FrozenSet[str], FrozenSet[str], FrozenSet[str]]] = []
        # (class, header keys, methods)
        self.classes: List[Tuple[ast.ClassDef, FrozenSet[str], List[Function]]] = []
        self.seeds: Set[str] = set()
        #: where a mock rule may report, as (the candidate function holding it, or
        #: None at module level; the keys it mentions): the awaited expressions
        #: and those asyncio schedules (MCK102), the calls made as statements (MCK103)
        #: (the spines of the callees, for the calls that MCK103 and MCK101 report
        #: on: a call is a coroutine only when what it calls is a mock)
        self.awaited: List[Tuple[Optional[int], List[Spine]]] = []
        self.dropped_calls: List[Tuple[Optional[int], List[Spine]]] = []
        #: what ``async with`` enters and ``async for`` iterates (MCK101)
        self.entered: List[Tuple[Optional[int], List[Spine]]] = []
        #: the names the asyncio schedulers go by here (``from asyncio import gather as g``)
        self.schedulers: Set[str] = set(_SCHEDULERS)
        #: value flow, as ``analysis.mocks`` follows it: (the spine of a value,
        #: the keys it is bound to, whether by a ``with``)
        self.flows: List[Tuple[Spine, FrozenSet[str], bool]] = []
        #: per function (the innermost), the spines of what it returns or yields
        self.returns: Dict[int, List[Spine]] = {}
        #: (function, the spines of its decorators, its parameter keys, the
        #: names it may be registered under as a fixture)
        self.heads: List[Tuple[Function, List[Spine], FrozenSet[str], FrozenSet[str]]] = []
        #: the functions at module level or in a class there (the ones whose
        #: bodies are kept or dropped), with every key they mention and their class
        self.candidates: List[Tuple[Function, FrozenSet[str], Optional[int]]] = []
        #: the names that make mocks (``Makers``), aliases included
        self.makers: Dict[str, str] = dict(_MAKERS)
        #: the id of the candidate function being scanned (None at module level)
        self.owner: Optional[int] = None
        #: the id of the innermost function being scanned
        self.current: Optional[int] = None
        #: the id of the innermost class being scanned
        self.klass: Optional[int] = None
        #: the key prefix of the current function's locals ("" at module level)
        self.prefix = ""
        #: names the current function declares ``global``/``nonlocal``
        self.declared: Set[str] = set()
        for seed in _SEEDS:
            self.seed(seed)

    def seed(self, name: str) -> None:
        self.seeds.update((name, "." + name))

    # -- keys ----------------------------------------------------------------
    def bound(self, target: ast.AST, into: Set[str]) -> None:
        for child in _nodes(target):
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
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.function(node)
        if isinstance(node, ast.ClassDef):
            header = self.expressions([*node.decorator_list, *node.bases, *(k.value for k in node.keywords)])
            methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
            self.classes.append((node, frozenset(header), methods))
            klass, self.klass = self.klass, id(node)
            mentioned = header | self.block(node.body)
            self.klass = klass
            return mentioned
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node)
            return {(a.asname or a.name).split(".")[0] for a in node.names}
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            self.declared.update(node.names)
            return set(node.names)
        if isinstance(node, ast.Assign):
            self.flow(node.value, node.targets)
            return self.simple([node.value], node.targets)
        if isinstance(node, ast.AnnAssign):
            if node.value is not None:
                self.flow(node.value, [node.target])
            return self.simple([node.value, node.annotation], [node.target])
        if isinstance(node, ast.AugAssign):
            return self.simple([node.value, node.target], [node.target])
        if isinstance(node, ast.AsyncFor):
            self.entered.append((self.owner, [self.callee(node.iter)]))
        elif isinstance(node, ast.AsyncWith):
            self.entered.append((self.owner, [self.callee(i.context_expr) for i in node.items]))
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return self.simple([node.iter], [node.target]) | self.block(node.body) | self.block(node.orelse)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            mentioned: Set[str] = set()
            for item in node.items:
                targets = [item.optional_vars] if item.optional_vars is not None else []
                self.flow(item.context_expr, targets, entered=True)
                mentioned |= self.simple([item.context_expr], targets)
            return mentioned | self.block(node.body)
        if isinstance(node, (ast.If, ast.While)):
            return self.simple([node.test], []) | self.block(node.body) | self.block(node.orelse)
        if isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            mentioned = self.block(node.body) | self.block(node.orelse) | self.block(node.finalbody)  # type: ignore[attr-defined]
            for handler in node.handlers:  # type: ignore[attr-defined]
                handler_target = [ast.Name(handler.name)] if handler.name else []
                mentioned |= self.simple([handler.type], handler_target)
                mentioned |= self.block(handler.body)
            return mentioned
        if isinstance(node, ast.Expr):
            call = node.value
            if isinstance(call, (ast.ListComp, ast.SetComp)):
                call = call.elt  # `[notifier.send(user) for user in users]`
            if isinstance(call, ast.Call):
                self.dropped_calls.append((self.owner, [self.callee(call)]))
        if type(node).__name__ == "Match":
            mentioned = self.simple([node.subject], [])  # type: ignore[attr-defined]
            for case in node.cases:  # type: ignore[attr-defined]
                mentioned |= self.simple([case.pattern, case.guard], [case.pattern])
                mentioned |= self.block(case.body)
            return mentioned
        return self.simple([node], [])

    def function(self, node: Function) -> Set[str]:
        # decorators and defaults belong to the enclosing scope
        header = self.expressions([*node.decorator_list, *node.args.defaults, *node.args.kw_defaults])
        outer = (self.prefix, self.declared, self.owner, self.current)
        self.current = id(node)
        if not self.prefix:  # a function at module level or a method: its own locals
            self.prefix, self.declared, self.owner = f"{id(node)}:", set(), id(node)
        args = node.args
        params: Set[str] = set()
        for a in (*getattr(args, "posonlyargs", ()), *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.arg not in _RECEIVERS_ONLY:
                params.add(self.prefix + a.arg if self.prefix else a.arg)
        body = self.block(node.body)
        self.prefix, self.declared, self.owner, self.current = outer
        everything = frozenset(header | body | params)
        self.functions.append((node, frozenset(header), everything, frozenset(params)))
        decorators: List[Spine] = []
        registered = {node.name}
        for decorator in node.decorator_list:
            decorators.append(self.spine(decorator))
            for keyword in decorator.keywords if isinstance(decorator, ast.Call) else ():
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    registered.add(keyword.value.value)  # `@pytest.fixture(name="client")`
        self.heads.append((node, decorators, frozenset(params), frozenset(registered)))
        if not outer[0]:
            self.candidates.append((node, everything, self.klass))
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
                    if alias.asname and alias.name in _MAKERS:
                        self.makers[alias.asname] = _MAKERS[alias.name]  # `import MagicMock as Fake`
            elif module == "unittest":
                for alias in node.names:
                    if alias.name == "mock":
                        self.seed(alias.asname or alias.name)
        else:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name in MOCK_MODULES or alias.name.split(".")[0] == "asynctest":
                    self.seed(alias.asname or alias.name.split(".")[0])

    def spine(self, node: Optional[ast.AST]) -> Spine:
        """What ``analysis.mocks`` follows to decide what ``node`` is: a call to
        its callee, an attribute to its owner, down to a name (never an
        argument, a subscript, an operand or an ``await``); None for anything else."""
        steps: List[str] = []
        while node is not None:
            if isinstance(node, ast.Call):
                steps.append(_CALL)
                node = node.func
            elif isinstance(node, ast.Attribute):
                steps.append("." + node.attr)
                node = node.value
            elif isinstance(node, ast.Name):
                return (node.id, self.root_keys(node.id), tuple(reversed(steps)))
            else:
                return None
        return None

    def root_keys(self, name: str) -> FrozenSet[str]:
        """The keys of ``name`` where a spine starts: ``self`` (and ``cls``) of
        a class's methods are one object, as ``analysis.mocks`` sees it."""
        if name in _RECEIVERS_ONLY and self.klass is not None:
            return frozenset({f"{self.klass}:self"})
        return frozenset({name, self.prefix + name}) if self.prefix else frozenset({name})

    def callee(self, node: ast.AST) -> Spine:
        """The spine of what the call ``node`` calls (None when no call)."""
        return self.spine(node.func) if isinstance(node, ast.Call) else None

    def flow(self, value: ast.AST, targets: List[ast.AST], entered: bool = False) -> None:
        """``target = value`` as ``analysis.mocks`` binds it: a name, or the last
        attribute of an attribute (``self.session = MagicMock()``)."""
        binds: Set[str] = set()
        for target in targets:
            if isinstance(target, ast.Name):
                self.bound(target, binds)
            elif isinstance(target, ast.Attribute):
                chain = self.spine(target)  # `self.session = MagicMock()`: `<class>:self.session`
                if chain is not None and _CALL not in chain[2]:
                    binds.update(key + "".join(chain[2]) for key in chain[1])
        spine = self.spine(value)
        if binds and spine is not None:
            self.flows.append((spine, frozenset(binds), entered))
            root, _, steps = spine
            last = steps[-1][1:] if steps else root
            if last in self.makers and _CALL not in steps:  # `Fake = MagicMock`: `Fake()` makes one
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.makers[target.id] = self.makers[last]

    def scheduled(self, call: ast.Call) -> List[Spine]:
        """The spines of what an asyncio scheduler awaits: its arguments
        (``gather(*[w.run(j) for j in jobs])``: the element)."""
        found: List[Spine] = []
        for arg in call.args:
            value = arg.value if isinstance(arg, ast.Starred) else arg
            if isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
                value = value.elt
            found.append(self.spine(value))
        return found

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
        stack = [value for value in values if value is not None]
        pop, push, extend = stack.pop, stack.append, stack.extend
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
            if kind is _CALL_NODE:
                func = child.func  # type: ignore[attr-defined]
                callee = func.id if type(func) is _NAME else func.attr if type(func) is _ATTRIBUTE else ""
                callees.add(callee)
                if callee in self.schedulers:
                    self.awaited.append((self.owner, self.scheduled(child)))  # type: ignore[arg-type]
                if callee in _PLACING:
                    for arg in child.args:  # type: ignore[attr-defined]
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            last = arg.value.rsplit(".", 1)[-1]
                            if last.isidentifier():
                                binds.add("." + last)
            elif kind is _NAMED or kind is _COMPREHENSION:
                self.bound(child.target, binds)  # type: ignore[attr-defined]  # `[m() for m in mocks]`
            elif kind is _AWAIT:
                self.awaited.append((self.owner, [self.spine(child.value)]))  # type: ignore[attr-defined]
            elif (kind is _RETURN or kind is _YIELD) and self.current is not None:
                self.returns.setdefault(self.current, []).append(self.spine(child.value))  # type: ignore[attr-defined]
            for name in node_fields(kind):
                value = getattr(child, name)
                if type(value) is list:
                    extend(item for item in value if isinstance(item, ast.AST))
                elif isinstance(value, ast.AST):
                    push(value)
        self.entries.append((frozenset(mentioned), frozenset(binds), frozenset(callees)))
        return mentioned | binds


#: per node type, the fields that may hold expressions (not ``ctx``, ``op``...)
def _nodes(node: ast.AST) -> List[ast.AST]:
    """Every node under ``node`` (``ast.walk`` without its generator and its
    visits of ``Load()`` and operator nodes: a third of the cost)."""
    out: List[ast.AST] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        for name in node_fields(type(current)):
            value = getattr(current, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return out


class Relevance:
    """What the scan of one file found: the functions whose bodies may hold a
    mock, and whether a mock may reach the sites the mock rules report at."""

    def __init__(self, scan: _Scan, values: Set[str], whole: Set[int], kept: Set[int]) -> None:
        self.kept = kept
        self._values = values
        self._whole = whole
        self._scan = scan
        self._reaching: Optional[Set[int]] = None

    def reaching(self) -> Set[int]:
        """The functions whose bodies MCK102 and MCK103 read: those that
        mention a mock as ``analysis.mocks`` infers them (a name, or an
        attribute path such as ``self.session`` that one is assigned to), or
        a name that makes one (``patch(..., new=MagicMock())``), and the
        fixtures that hand one out; so every body that can change what
        ``analysis.mocks`` infers for a site these rules report at."""
        if self._reaching is None:
            values, scan = self._values, self._scan
            plain = {key for key in values if "." not in key}
            paths = set()
            for key in values:
                if "." in key:
                    root, first = key.split(".", 2)[:2]
                    paths.add((root, "." + first))
            makers = {prefix + name for name in scan.makers for prefix in ("", ".")}
            registered = {id(func): names for func, _, _, names in scan.heads}
            self._reaching = {
                id(func)
                for func, everything, klass in scan.candidates
                if id(func) in self._whole
                or not everything.isdisjoint(plain)
                or not everything.isdisjoint(makers)
                or not registered[id(func)].isdisjoint(values)
                or any(first in everything and (root in everything or root == f"{klass}:self") for root, first in paths)
            }
        return self._reaching

    def fixtures_handing_out_mocks(self) -> Set[str]:
        """The names the module's fixtures (decorated functions) that return or
        yield a mock may be registered under."""
        values = self._values
        return {
            name
            for func, _, _, registered in self._scan.heads
            if func.decorator_list
            for name in registered
            if name in values
        }

    def _reached(self, sites: List[Tuple[Optional[int], List[Spine]]]) -> bool:
        # in a method of a class a mock makes (a subclass of MagicMock), `self` is one
        values, makers = self._values, self._scan.makers
        return any(
            owner in self._whole or any(_holds(spine, values, makers) is _MOCK for spine in spines)
            for owner, spines in sites
        )

    def awaits_mock(self) -> bool:
        """Some ``await`` (or asyncio scheduling) may be of a mock (MCK102)."""
        return self._reached(self._scan.awaited)

    def enters_mock(self) -> bool:
        """Something ``async with`` enters or ``async for`` iterates may be a mock (MCK101)."""
        return self._reached(self._scan.entered)

    def drops_mock_call(self) -> bool:
        """Some call made as a statement may be of a mock (MCK103)."""
        return self._reached(self._scan.dropped_calls)


def relevance(
    tree: ast.Module, fixtures: FrozenSet[str] = frozenset(), mock_fixtures: Optional[FrozenSet[str]] = None
) -> Relevance:
    """The relevance of ``tree``'s functions to mocks; ``fixtures``: the names
    of fixtures from elsewhere that may hand out a mock, or that may configure
    one; ``mock_fixtures``: those that hand one out as ``analysis.mocks``
    infers it (by default ``fixtures``)."""
    scan = _Scan()
    scan.block(tree.body)
    names: Set[str] = scan.seeds | fixtures
    callees: Set[str] = set()
    whole: Set[int] = set()
    changed = True
    while changed:
        size = (len(names), len(callees), len(whole))
        for mentioned, binds, called in scan.entries:
            if (binds and not binds <= names or not called <= callees) and not mentioned.isdisjoint(names):
                names |= binds
                callees |= called
        for func, header, everything, params in scan.functions:
            if not header.isdisjoint(names) or id(func) in whole:
                names |= params
            # a decorated function may be a fixture handing out the mock it mentions
            if func.decorator_list and func.name not in names and not everything.isdisjoint(names):
                names.add(func.name)
        for klass, header, methods in scan.classes:
            if not header.isdisjoint(names):
                names.add(klass.name)  # a subclass of a mock class, or a patched class
                whole.update(id(m) for m in methods)
        changed = size != (len(names), len(callees), len(whole))
    kept = {
        id(func)
        for func, _, everything, _ in scan.functions
        if id(func) in whole or func.name in names or func.name in callees or not everything.isdisjoint(names)
    }
    return Relevance(scan, _values(scan, set(fixtures if mock_fixtures is None else mock_fixtures)), whole, kept)


def _values(scan: _Scan, values: Set[str]) -> Set[str]:
    """The keys that may hold a mock as ``analysis.mocks`` infers one (from the
    fixtures of conftest files that may hand one out, ``values``): a name or
    attribute bound to a value that holds one (``_holds``), a ``with`` target
    of a patcher, the parameters of a function with a ``patch`` decorator, and
    a fixture (a decorated function) that returns or yields a mock, under the
    names it may be registered as."""
    makers = scan.makers
    changed = True
    while changed:
        size = len(values)
        for spine, binds, entered in scan.flows:
            if not binds <= values:
                held = _holds(spine, values, makers)
                if held is _MOCK or entered and held is _PATCHER:
                    values |= binds
        for func, decorators, params, registered in scan.heads:
            if not params <= values and any(_holds(d, values, makers) is not None for d in decorators):
                values |= params
            if func.decorator_list and not registered <= values:
                if any(_holds(r, values, makers) is _MOCK for r in scan.returns.get(id(func), ())):
                    values |= registered
        changed = size != len(values)
    return values


def _holds(spine: Spine, values: Set[str], makers: Dict[str, str]) -> Optional[str]:
    """What the value ``spine`` stands for may be, as ``analysis.mocks`` infers
    it: ``_MOCK`` (a mock, a child of one, what calling one gives), ``_PATCHER``
    (what ``patch(...)`` gives: ``with`` and ``.start()`` make it a mock), or None."""
    if spine is None:
        return None
    root, keys, steps = spine
    state: Optional[str] = _MOCK if not keys.isdisjoint(values) else None
    last = root
    path = ""  # while the steps are attributes: `self.session.post`
    for step in steps:
        if step is _CALL:
            path = None
            if state is _MOCK:
                continue  # what calling a mock gives: a mock, a coroutine or its return_value
            if state is _STARTED:
                state = _MOCK  # `patch(...).start()`
            elif last in makers:
                # `mocker.patch(...)` gives the mock, `patch(...)` a patcher
                state = _MOCK if makers[last] is _MOCK or root in MOCKER_NAMES else _PATCHER
            else:
                state = None
        else:
            last = step[1:]
            if path is not None:
                path += step
                if any(key + path in values for key in keys):
                    state = _MOCK  # `self.session = MagicMock()` then `self.session`
                    continue
            if state is _MOCK:
                state = _MOCK if may_be_child(last) else None  # not `assert_called_with`, `call_count`
            else:
                state = _STARTED if state is _PATCHER and last == "start" else None
    return state


#: the last answer: the mock rules ask in turn about the same file
_last: Tuple[object, Optional[ast.Module], Optional[Relevance]] = ((), None, None)


def file_relevance(tree: ast.Module, source: str, path: Optional[str]) -> Relevance:
    """``relevance`` of the linted file, with its conftest fixtures (asked by
    the mock rules' ``might_report`` and ``needed_bodies`` in turn: kept)."""
    global _last
    key = (path, len(source), hash(source))
    if _last[0] == key and _last[1] is tree and _last[2] is not None:
        return _last[2]  # it knows the functions of this very tree
    from mocklint.analysis.mock_sources import conftest_mock_fixtures, conftest_mock_values

    found = relevance(tree, conftest_mock_fixtures(path), conftest_mock_values(path))
    _last = (key, tree, found)
    return found


def mock_bodies(tree: ast.Module, source: str, path: Optional[str]) -> BodyFilter:
    """The body filter of the mock rules: the bodies that may hold a mock."""
    kept = file_relevance(tree, source, path).kept

    def keep(func: Function, body: str) -> bool:
        return id(func) in kept

    return keep


def _needed_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> BodyFilter:
    return mock_bodies(tree, source, path)


def _reached_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> BodyFilter:
    reaching = file_relevance(tree, source, path).reaching()

    def keep(func: Function, body: str) -> bool:
        return id(func) in reaching

    return keep


#: ``Rule.needed_bodies`` of the mock rules: ``needed_bodies = MOCK_BODIES``
MOCK_BODIES = classmethod(_needed_bodies)
#: ``Rule.needed_bodies`` of the rules that read only what ``analysis.mocks``
#: infers for a site (MCK102, MCK103): ``Relevance.reaching``
REACHED_BODIES = classmethod(_reached_bodies)
