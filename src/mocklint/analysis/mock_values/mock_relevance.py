"""Which function bodies can hold a mock, decided on the ``ast`` tree.

The mock rules (MCK1xx, MCK4xx) report only on expressions ``analysis.mock_values.mocks``
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
  kept for calling it: ``analysis.mock_values.mocks`` follows no helper's result);
- a decorated function that mentions a name is one (a fixture may hand out
  the mock), a class whose bases or decorators mention one is one, and a
  decorator that mentions one (``@patch``, ``parametrize``) makes the
  function's parameters names, for every method of a decorated class.

Everything errs towards keeping a body: a name in a comment of a kept body, a
common attribute name, a helper called with a mock all keep more than needed.

The sites MCK101-MCK103 report at are decided more sharply, by value flow
as ``analysis.mock_values.mocks`` follows it (``_holds``).  A value's *spine* is what it
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
holds a mock (MCK102; in a method of a class whose header mentions a name,
a subclass of ``MagicMock``, every site counts) is not parsed for it.

MCK101 and MCK103 report only the call of an AsyncMock (a coroutine), so
they follow a sharper flow (``_AsyncFlow``): a value may be an AsyncMock (or
a mock with AsyncMock children or results) only from a key that may hold
one, from a call that makes one as ``analysis.mock_values.mocks`` reads its arguments
(``AsyncMock()``, ``create_autospec``, a mock class with a spec or whose
``return_value=`` is one, ``patch`` with a spec, ``new=`` one, ``new_callable=``
``AsyncMock``, or over what resolves to a coroutine function), from an async
magic method of a mock (``__aenter__``; so what ``async with`` binds a mock
to), or through an attribute path assigned one (in a fixture too, for the
name that fixture hands out); the children and results of a sync mock are
sync.  A file where no callee of a call made as a statement (MCK103), of
nothing ``async with`` enters or ``async for`` iterates, and of no result
whose ``__aenter__``/``__aiter__`` is configured (MCK101), may be one is not
parsed for them; nor, for MCK102's ``patch(..., new=MagicMock())``, a file
where no patch with a sync mock as ``new`` replaces what resolves to a
coroutine function.  MCK102 and MCK103 read only the bodies that
mention what holds a mock, or a name that makes one (``Relevance.reaching``):
every body that can change what ``analysis.mock_values.mocks`` infers for their sites.
"""

from __future__ import annotations

import ast
import os
from typing import Dict, FrozenSet, List, Optional, Set, Tuple, Union

from mocklint.analysis.syntax.ast_scan import LastTree, dotted, node_fields, subtree
from mocklint.analysis.syntax.bodies import BodyFilter, Function
from mocklint.analysis.mock_values.mocks import MOCKER_NAMES, MOCK_MODULES, may_be_child

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
#: what the arguments of a call that makes a mock or a patcher may make of it
#: (``Facts``): True, an AsyncMock or a mock with AsyncMock children (a spec);
#: False, a sync mock; or the things that decide, any of which may make it
#: one: a spine (``new=``, ``return_value=``), ``("target", dotted)`` and
#: ``("object", holder, attribute)`` (what ``patch`` replaces is a coroutine
#: function), ``("maker", name)`` (``new_callable=`` an AsyncMock class)
Facts = Union[bool, Tuple[object, ...]]
#: a value as ``analysis.mock_values.mocks`` follows it: (the name it starts from, that
#: name's keys, the steps from there outwards: ``.attr`` or ``_CALL``, and per
#: call step, (the maker kind its callee had when scanned, its ``Facts``), or
#: None when its callee made nothing then)
Spine = Optional[Tuple[str, FrozenSet[str], Tuple[str, ...], Tuple[Optional[Tuple[str, Facts]], ...]]]
#: the makers whose mock is an AsyncMock whatever their arguments
_ASYNC_MAKERS = frozenset({"AsyncMock"})
#: the makers whose mock is an AsyncMock when their spec is a coroutine function (else none)
_AUTOSPECS = frozenset({"create_autospec"})
#: the children a MagicMock (or an AsyncMock) makes AsyncMocks by default
_ASYNC_MAGICS = frozenset({"__aenter__", "__aexit__", "__anext__"})
#: what the async value flow (``_AsyncFlow``) finds a spine holds: a mock that
#: may be an AsyncMock or have AsyncMock children or results; a mock that is
#: none of these (a Mock or MagicMock without a spec: only its async magic
#: methods are AsyncMocks); a patcher, or a started one, of either
_ASYNC, _SYNC = "async mock", "sync mock"
_PATCHER_ASYNC, _PATCHER_SYNC = "async patcher", "sync patcher"
_STARTED_ASYNC, _STARTED_SYNC = "started async patcher", "started sync patcher"
#: a flow from ``async with``: the target is what ``__aenter__`` gives
_ASYNC_WITH = "async with"
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
        #: value flow, as ``analysis.mock_values.mocks`` follows it: (the spine of a value,
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
        #: those whose mock is an AsyncMock whatever the arguments, aliases included
        self.async_makers: Set[str] = set(_ASYNC_MAKERS)
        #: those that make an AsyncMock of a coroutine function (``create_autospec``), aliases included
        self.autospecs: Set[str] = set(_AUTOSPECS)
        #: what each name is imported as anywhere in the file (None: a relative import)
        self.imported: Dict[str, Set[Optional[str]]] = {}
        #: the classes defined at module level (``patch.object(Service, "fetch")``)
        self.module_classes: Dict[str, List[ast.ClassDef]] = {}
        #: the ``__aenter__``/``__aiter__`` configured on a call's result (MCK101):
        #: (owner, the spine of what is called, or the keys of the name the result is bound to)
        self.configured: List[Tuple[Optional[int], Spine, FrozenSet[str]]] = []
        #: the calls that may put a mock in place with ``new=``/``new_callable=``
        #: (or positionally) (MCK102), with the last name of their callee
        self.replacing: List[Tuple[str, ast.Call]] = []
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
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return self.function(node)
        if isinstance(node, ast.ClassDef):
            if self.klass is None and not self.prefix:
                self.module_classes.setdefault(node.name, []).append(node)
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
            for target in node.targets:
                if type(target) is _ATTRIBUTE:
                    self.configuring(target)  # type: ignore[arg-type]
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
                self.flow(item.context_expr, targets, entered=_ASYNC_WITH if type(node) is ast.AsyncWith else True)
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
            for alias in node.names:
                absolute = f"{module}.{alias.name}" if node.level == 0 and module else None
                self.imported.setdefault(alias.asname or alias.name, set()).add(absolute)
            if module == "asyncio":
                self.schedulers.update(a.asname for a in node.names if a.asname and a.name in _SCHEDULERS)
            if module in MOCK_MODULES or module.split(".")[0] in ("pytest_mock", "asynctest"):
                for alias in node.names:
                    self.seed(alias.asname or alias.name)
                    if alias.asname and alias.name in _MAKERS:
                        self.makers[alias.asname] = _MAKERS[alias.name]  # `import MagicMock as Fake`
                        if alias.name in _ASYNC_MAKERS:
                            self.async_makers.add(alias.asname)
                        elif alias.name in _AUTOSPECS:
                            self.autospecs.add(alias.asname)
            elif module == "unittest":
                for alias in node.names:
                    if alias.name == "mock":
                        self.seed(alias.asname or alias.name)
        else:
            for alias in node.names:  # type: ignore[attr-defined]
                head = alias.name.split(".")[0]
                self.imported.setdefault(alias.asname or head, set()).add(alias.name if alias.asname else head)
                if alias.name in MOCK_MODULES or alias.name.split(".")[0] == "asynctest":
                    self.seed(alias.asname or alias.name.split(".")[0])

    def spine(self, node: Optional[ast.AST]) -> Spine:
        """What ``analysis.mock_values.mocks`` follows to decide what ``node`` is: a call to
        its callee, an attribute to its owner, down to a name (never an
        argument, a subscript, an operand or an ``await``); None for anything else."""
        steps: List[str] = []
        facts: List[Optional[Tuple[str, Facts]]] = []
        while node is not None:
            kind = type(node)
            if kind is _CALL_NODE:
                steps.append(_CALL)
                func = node.func  # type: ignore[attr-defined]
                last = _last_name(func) or ""
                made = self.makers.get(last)
                facts.append(None if made is None else (made, self.call_facts(node, last, made)))  # type: ignore
                node = func
            elif kind is _ATTRIBUTE:
                steps.append("." + node.attr)  # type: ignore[attr-defined]
                node = node.value  # type: ignore[attr-defined]
            elif kind is _NAME:
                name = node.id  # type: ignore[attr-defined]
                return (name, self.root_keys(name), tuple(reversed(steps)), tuple(reversed(facts)))
            else:
                return None
        return None

    def call_facts(self, call: ast.Call, last: str, made: str) -> Facts:
        """What the arguments of ``call``, a call of the maker ``last``, may
        make of its mock, as ``analysis.mock_values.mocks`` reads them (``Facts``)."""
        if last in self.async_makers:
            return True
        args, keywords = call.args, call.keywords
        if last in self.autospecs:
            # `create_autospec(fetch)` of a coroutine function (`_autospec_kind`), no mock else
            spec = dotted(args[0]) if args and type(args[0]) is not ast.Starred else None
            return (("spec", spec),) if spec is not None else False
        if any(type(arg) is ast.Starred for arg in args) or any(k.arg is None for k in keywords):
            # `Mock(**kwargs)` has no spec it reads, and opaque children (`_spec_of`,
            # `_call_kind`); `patch(*args)` is no patch it reads (`_patch_parts`)
            return False
        named = {k.arg: k.value for k in keywords}
        if made is not _PATCHER:
            # a mock class: a spec (positional or keyword) may give it AsyncMock children,
            # and `return_value=` decides what calling it gives
            if args or "spec" in named or "spec_set" in named:
                return True
            spine = self.spine(named["return_value"]) if "return_value" in named else None
            return (spine,) if spine is not None else False
        if last == "dict":
            return False  # `patch.dict` makes no mock
        if last == "multiple":
            return True
        # `patch` (`analysis.mock_values.mocks.patch_kind`): `new=` decides, then a spec, then `new_callable=`, then the target
        is_object = last == "object"
        new = named.get("new")
        if new is None and len(args) >= (3 if is_object else 2):
            new = args[2 if is_object else 1]
        if new is not None:
            spine = self.spine(new)
            return (spine,) if spine is not None else False
        if "spec" in named or "spec_set" in named or "autospec" in named:
            return True
        factory = named.get("new_callable")
        if factory is not None:
            name = _last_name(factory)
            return (("maker", name),) if name is not None else True
        target = _patch_target(call, is_object)
        return (target,) if target is not None else False

    def configuring(self, target: ast.Attribute) -> None:
        """``X.return_value.__aenter__.return_value = ...`` (or ``__aiter__``),
        as MCK101 reads it: what the protocol method is configured on is the
        result of calling ``X``, or a name bound to one."""
        node: ast.AST = target
        while type(node) is _ATTRIBUTE:
            holder = node.value  # type: ignore[attr-defined]
            if node.attr in ("__aenter__", "__aiter__"):  # type: ignore[attr-defined]
                if type(holder) is _ATTRIBUTE and holder.attr == "return_value":
                    self.configured.append((self.owner, self.spine(holder.value), frozenset()))
                    return
                if type(holder) is _NAME:
                    self.configured.append((self.owner, None, self.root_keys(holder.id)))
            node = holder

    def root_keys(self, name: str) -> FrozenSet[str]:
        """The keys of ``name`` where a spine starts: ``self`` (and ``cls``) of
        a class's methods are one object, as ``analysis.mock_values.mocks`` sees it."""
        if name in _RECEIVERS_ONLY and self.klass is not None:
            return frozenset({f"{self.klass}:self"})
        return frozenset({name, self.prefix + name}) if self.prefix else frozenset({name})

    def callee(self, node: ast.AST) -> Spine:
        """The spine of what the call ``node`` calls (None when no call)."""
        return self.spine(node.func) if isinstance(node, ast.Call) else None

    def flow(self, value: ast.AST, targets: List[ast.AST], entered: bool = False) -> None:
        """``target = value`` as ``analysis.mock_values.mocks`` binds it: a name, or the last
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
            root, _, steps, _ = spine
            last = steps[-1][1:] if steps else root
            if last in self.makers and _CALL not in steps:  # `Fake = MagicMock`: `Fake()` makes one
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.makers[target.id] = self.makers[last]
                        if last in self.async_makers:
                            self.async_makers.add(target.id)
                        elif last in self.autospecs:
                            self.autospecs.add(target.id)

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
            if kind is _CALL_NODE:
                func = child.func  # type: ignore[attr-defined]
                callee = func.id if type(func) is _NAME else func.attr if type(func) is _ATTRIBUTE else ""
                callees.add(callee)
                if len(child.args) >= 2 or child.keywords:  # type: ignore[attr-defined]
                    self.replacing.append((callee, child))  # type: ignore[arg-type]
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


#: ``node_fields`` per node type, for the walk in ``_Scan.simple`` (a local dict lookup)
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _patch_target(call: ast.Call, is_object: bool) -> Optional[Tuple[str, ...]]:
    """What a ``patch``/``patch.object`` call replaces, as ``analysis.mock_values.mocks.patch_target``
    reads it: ``("target", dotted)``, ``("object", holder, attribute)``, or None
    when it reads none (a target that is no plain string, a holder that is no name)."""
    args = call.args
    named = {k.arg: k.value for k in call.keywords}
    if is_object:
        holder = args[0] if args else named.get("target")
        attribute = args[1] if len(args) > 1 else named.get("attribute")
        name = attribute.value if type(attribute) is _CONSTANT else None  # type: ignore[union-attr]
        spelled = dotted(holder) if holder is not None and isinstance(name, str) else None
        return ("object", spelled, name) if spelled is not None else None  # type: ignore[return-value]
    target = args[0] if args else named.get("target")
    spelled = target.value if type(target) is _CONSTANT else None  # type: ignore[union-attr]
    if not isinstance(spelled, str) or "." not in spelled:
        return None
    return ("target", spelled)


def _last_name(node: ast.AST) -> Optional[str]:
    """The name a callee goes by: ``patch`` for ``mock.patch``, ``f`` for ``f``."""
    kind = type(node)
    return node.id if kind is _NAME else node.attr if kind is _ATTRIBUTE else None  # type: ignore[attr-defined]


class Relevance:
    """What the scan of one file found: the functions whose bodies may hold a
    mock, and whether a mock may reach the sites the mock rules report at."""

    def __init__(
        self,
        scan: _Scan,
        values: Set[str],
        whole: Set[int],
        kept: Set[int],
        async_seeds: FrozenSet[str] = frozenset(),
        path: Optional[str] = None,
    ) -> None:
        self.kept = kept
        self._values = values
        self._whole = whole
        self._scan = scan
        self._reaching: Optional[Set[int]] = None
        self._async_seeds = async_seeds
        self._path = path
        self._async: Optional[_AsyncFlow] = None

    def reaching(self) -> Set[int]:
        """The functions whose bodies MCK102 and MCK103 read: those that
        mention a mock as ``analysis.mock_values.mocks`` infers them (a name, or an
        attribute path such as ``self.session`` that one is assigned to), or
        a name that makes one (``patch(..., new=MagicMock())``), and the
        fixtures that hand one out; so every body that can change what
        ``analysis.mock_values.mocks`` infers for a site these rules report at."""
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

    def _flow(self) -> "_AsyncFlow":
        if self._async is None:
            directory = os.path.dirname(os.path.abspath(self._path)) if self._path else os.getcwd()
            self._async = _AsyncFlow(self._scan, self._values, self._async_seeds, directory)
        return self._async

    def _reached_async(self, sites: List[Tuple[Optional[int], List[Spine]]]) -> bool:
        """Whether some site calls what may be an AsyncMock (its call: a coroutine).

        Unlike ``_reached``, a method of a class whose header mentions a mock
        (``class WriterMock(AsyncMock)``) is read like any other: ``analysis.mock_values.mocks``
        infers no ``self`` to be a mock (nor the parameters of a method that
        is no test), and ``self.session`` only by the flow followed here."""
        if not sites:
            return False
        state = self._flow().state
        return any(state(spine) is _ASYNC for _, spines in sites for spine in spines)

    def enters_async_mock_call(self) -> bool:
        """Something ``async with`` enters or ``async for`` iterates may be the
        call of an AsyncMock (MCK101)."""
        return self._reached_async(self._scan.entered)

    def drops_async_mock_call(self) -> bool:
        """Some call made as a statement may be of an AsyncMock (MCK103)."""
        return self._reached_async(self._scan.dropped_calls)

    def configures_async_mock_call(self) -> bool:
        """Some ``__aenter__``/``__aiter__`` is configured on the result of a
        call of what may be an AsyncMock (MCK101): ``X.return_value.__aenter__...``,
        or a name bound to ``X.return_value``."""
        configured = self._scan.configured
        if not configured:
            return False
        flow = self._flow()
        for _, spine, keys in configured:
            if spine is not None and flow.state(spine) is _ASYNC:
                return True
            for bound, binds, entered in self._scan.flows if keys else ():
                if entered or binds.isdisjoint(keys) or bound is None or bound[2][-1:] != (".return_value",):
                    continue
                if flow.state((bound[0], bound[1], bound[2][:-1], bound[3])) is _ASYNC:
                    return True
        return False

    def patches_sync_mock_over_coroutine(self) -> bool:
        """Some ``patch`` with ``new=`` (or positionally) a call of a sync mock
        class or a name, or with ``new_callable=`` one, replaces what may be a
        coroutine function (MCK102, as ``AwaitedSyncMock._check_patch`` reads it)."""
        makers = self._scan.makers
        for callee, call in self._scan.replacing:
            if makers.get(callee) is not _PATCHER or callee in ("dict", "multiple"):
                continue
            args, named = call.args, {k.arg: k.value for k in call.keywords}
            if None in named or any(type(arg) is ast.Starred for arg in args):
                continue  # `analysis.mock_values.mocks` reads no such patch
            is_object = callee == "object"
            new = named.get("new")
            if new is None and len(args) >= (3 if is_object else 2):
                new = args[2 if is_object else 1]
            if new is None:
                new = named.get("new_callable")
                if new is None:
                    continue
            elif type(new) is _NAME:
                new = None  # bound to a call of a sync mock class, maybe
            elif type(new) is _CALL_NODE:
                new = new.func  # type: ignore[attr-defined]
            else:
                continue
            if new is not None:
                if makers.get(_last_name(new) or "") is not _MOCK:
                    continue  # no mock class (`new=lambda: ...`, `new=object()`)
            target = _patch_target(call, is_object)
            if target is not None and self._flow().resolves_async(target):
                return True
        return False

    def fixtures_handing_out_async_mocks(self) -> Set[str]:
        """The names of the module's fixtures that hand out a mock which may be
        an AsyncMock, have AsyncMock children or results, or be configured with
        one (``session.get = AsyncMock()`` before ``return session``): all
        those handing out a mock when any key of the module may hold one."""
        return self.fixtures_handing_out_mocks() if self._flow().asyncs else set()


def relevance(
    tree: ast.Module,
    fixtures: FrozenSet[str] = frozenset(),
    mock_fixtures: Optional[FrozenSet[str]] = None,
    async_fixtures: Optional[FrozenSet[str]] = None,
    path: Optional[str] = None,
) -> Relevance:
    """The relevance of ``tree``'s functions to mocks; ``fixtures``: the names
    of fixtures from elsewhere that may hand out a mock, or that may configure
    one; ``mock_fixtures``: those that hand one out as ``analysis.mock_values.mocks``
    infers it (by default ``fixtures``); ``async_fixtures``: those whose mock
    may be an AsyncMock or have AsyncMock children (by default ``mock_fixtures``);
    ``path``: where ``patch`` targets are resolved from (by default the working directory)."""
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
    values = _values(scan, set(fixtures if mock_fixtures is None else mock_fixtures))
    if async_fixtures is None:
        async_fixtures = fixtures if mock_fixtures is None else mock_fixtures
    return Relevance(scan, values, whole, kept, async_fixtures, path)


def _values(scan: _Scan, values: Set[str]) -> Set[str]:
    """The keys that may hold a mock as ``analysis.mock_values.mocks`` infers one (from the
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
    """What the value ``spine`` stands for may be, as ``analysis.mock_values.mocks`` infers
    it: ``_MOCK`` (a mock, a child of one, what calling one gives), ``_PATCHER``
    (what ``patch(...)`` gives: ``with`` and ``.start()`` make it a mock), or None."""
    if spine is None:
        return None
    root, keys, steps, _ = spine
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


_MAY_MAKE_ASYNC = frozenset({_ASYNC, _PATCHER_ASYNC, _STARTED_ASYNC})


class _AsyncFlow:
    """The keys that may hold an AsyncMock, or a mock with AsyncMock children
    or results, as ``analysis.mock_values.mocks`` infers them (``asyncs``), and what a
    spine holds (``state``).  It follows the flow of ``_values``, but a spine
    holds such a mock only from a key that does, from a call that makes one
    (``AsyncMock()``, ``create_autospec``, a mock class with a spec or a
    ``return_value=`` that is one, ``patch`` with a spec, with ``new=`` one, or
    over what resolves to a coroutine function, as ``patch_kind`` reads it),
    from an async magic method of a mock (``__aenter__``; so what ``async
    with`` binds a mock to), or through an attribute path assigned one.  The
    children and results of a sync mock are sync mocks (``_child_kind``)."""

    def __init__(self, scan: _Scan, values: Set[str], seeds: FrozenSet[str], directory: str) -> None:
        self.scan = scan
        self.values = values
        self.directory = directory
        self.asyncs: Set[str] = set(seeds)
        self._resolved: Dict[Tuple[str, ...], bool] = {}
        asyncs, returns, state = self.asyncs, scan.returns, self.state
        changed = True
        while changed:
            size = len(asyncs)
            for spine, binds, entered in scan.flows:
                if not binds <= asyncs:
                    held = state(spine)
                    if held is _ASYNC or entered and held is _PATCHER_ASYNC:
                        asyncs |= binds
                    elif entered is _ASYNC_WITH and held is _SYNC:
                        asyncs |= binds  # what `__aenter__` of a mock gives
            for func, decorators, params, registered in scan.heads:
                if params and not params <= asyncs and any(state(d) in _MAY_MAKE_ASYNC for d in decorators):
                    asyncs |= params
                if func.decorator_list:
                    for returned in returns.get(id(func), ()):
                        if not registered <= asyncs and state(returned) is _ASYNC:
                            asyncs |= registered
                        elif returned is not None and not returned[2]:
                            self.configured_in(returned[1], registered)
            changed = size != len(asyncs)

    def configured_in(self, returned: FrozenSet[str], registered: FrozenSet[str]) -> None:
        """A fixture (registered as ``registered``) hands out a name (its keys
        ``returned``) whose attributes it configures (``session.get =
        AsyncMock()``): a test reads its ``session.get`` as that
        (``Inferred.origin``), so those paths go with the fixture's names."""
        asyncs = self.asyncs
        found = [
            name + path[len(key):]
            for path in asyncs
            for key in returned
            if path.startswith(key) and path[len(key):len(key) + 1] == "."
            for name in registered
        ]
        asyncs.update(found)

    def state(self, spine: Spine) -> Optional[str]:
        """What the value ``spine`` stands for may be (``_ASYNC``, ``_SYNC``,
        a patcher or a started one of either), or None for no mock."""
        if spine is None:
            return None
        root, keys, steps, facts = spine
        asyncs, values, makers = self.asyncs, self.values, self.scan.makers
        state: Optional[str] = _ASYNC if not keys.isdisjoint(asyncs) else _SYNC if not keys.isdisjoint(values) else None
        last = root
        path: str = ""  # the steps so far, a call read as `.return_value` (`m.return_value = AsyncMock()`)
        index = 0
        for step in steps:
            if step is _CALL:
                fact = facts[index]
                index += 1
                path += ".return_value"
                if state is _ASYNC or state is _SYNC:
                    pass  # what calling a mock gives: a mock of its kind, or a coroutine
                elif state is _STARTED_ASYNC or state is _STARTED_SYNC:
                    state = _ASYNC if state is _STARTED_ASYNC else _SYNC  # `patch(...).start()`
                elif last in makers:
                    made = self.makes_async(last, fact)
                    if makers[last] is _MOCK or root in MOCKER_NAMES:
                        state = _ASYNC if made else _SYNC  # `mocker.patch(...)` gives the mock
                    else:
                        state = _PATCHER_ASYNC if made else _PATCHER_SYNC
                else:
                    state = None
            else:
                last = step[1:]
                path += step
                if state is _ASYNC:
                    state = _ASYNC if may_be_child(last) else None
                elif state is _SYNC:
                    state = _ASYNC if last in _ASYNC_MAGICS else _SYNC if may_be_child(last) else None
                elif last == "start" and (state is _PATCHER_ASYNC or state is _PATCHER_SYNC):
                    state = _STARTED_ASYNC if state is _PATCHER_ASYNC else _STARTED_SYNC
                else:
                    state = None
            # an attribute path assigned a mock (`self.session = AsyncMock()`); assigned
            # a sync one, it may still be an AsyncMock's child where another object is meant
            if state is not _ASYNC and any(key + path in asyncs for key in keys):
                state = _ASYNC
            elif state is None and any(key + path in values for key in keys):
                state = _SYNC
        return state

    def makes_async(self, last: str, fact: Optional[Tuple[str, Facts]]) -> bool:
        """Whether the call of the maker ``last`` with ``fact`` may make an async mock (or patcher)."""
        if last in self.scan.async_makers or fact is None or fact[0] is not self.scan.makers[last]:
            return True  # an AsyncMock class, or a name that made nothing when its call was scanned
        return self.decides(fact[1])

    def decides(self, facts: Facts) -> bool:
        if facts is True or facts is False:
            return facts
        for item in facts:  # type: ignore[union-attr]
            if len(item) == 4:  # type: ignore[arg-type]
                if self.state(item) in _MAY_MAKE_ASYNC:  # type: ignore[arg-type]
                    return True
            elif item[0] == "maker":  # type: ignore[index]
                if item[1] in self.scan.async_makers:  # type: ignore[index]
                    return True
            elif self.resolves_async(item):  # type: ignore[arg-type]
                return True
        return False

    def resolves_async(self, target: Tuple[str, ...]) -> bool:
        """Whether the ``("target", dotted)`` or ``("object", holder, attribute)``
        that a ``patch`` replaces may be a coroutine function."""
        found = self._resolved.get(target)
        if found is None:
            from mocklint.analysis.mock_values.mock_sources import member_may_be_coroutine, target_may_be_coroutine

            if target[0] == "target":
                found = target_may_be_coroutine(target[1], self.directory)
            elif target[0] == "spec":
                # what the name resolves to through the file's imports; any other name: maybe
                head, dot, rest = target[1].partition(".")
                found = head not in self.scan.imported or any(
                    qualified is None or target_may_be_coroutine(f"{qualified}{dot}{rest}", self.directory)
                    for qualified in self.scan.imported[head]
                )
            else:
                found = member_may_be_coroutine(
                    target[1], target[2], self.scan.imported, self.scan.module_classes, self.directory
                )
            self._resolved[target] = found
        return found


#: the answer for the file being linted: the mock rules ask in turn about it
_FILE: "LastTree[Relevance]" = LastTree()


def file_relevance(tree: ast.Module, source: str, path: Optional[str]) -> Relevance:
    """``relevance`` of the linted file, with its conftest fixtures (asked by
    the mock rules' ``might_report`` and ``needed_bodies`` in turn: kept)."""

    def compute() -> Relevance:
        from mocklint.analysis.mock_values.mock_sources import (
            conftest_async_mock_values,
            conftest_mock_fixtures,
            conftest_mock_values,
        )

        return relevance(
            tree, conftest_mock_fixtures(path), conftest_mock_values(path), conftest_async_mock_values(path), path
        )

    # it knows the functions of this very tree
    return _FILE.get(tree, compute, key=(path, len(source), hash(source)))


def mock_bodies(tree: ast.Module, source: str, path: Optional[str]) -> BodyFilter:
    """The body filter of the mock rules: the bodies that may hold a mock."""
    kept = file_relevance(tree, source, path).kept

    def keep(func: Function, body: str) -> bool:
        return id(func) in kept

    return keep


def _needed_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
    if _hands_mocks_to_project(tree, source, path):
        return None
    return mock_bodies(tree, source, path)


def _reached_bodies(cls: type, tree: ast.Module, source: str, path: Optional[str]) -> Optional[BodyFilter]:
    if _hands_mocks_to_project(tree, source, path):
        return None
    reaching = file_relevance(tree, source, path).reaching()

    def keep(func: Function, body: str) -> bool:
        return id(func) in reaching

    return keep


def _hands_mocks_to_project(tree: ast.Module, source: str, path: Optional[str]) -> bool:
    """A file whose mocks may reach the code under test: every body is read,
    since a fixture, ``setUp`` or helper that makes or patches a mock decides
    what the project code gets, whatever this module's own flow says."""
    from mocklint.analysis.under_test.reach import may_hand_mocks_to_project  # reach reads this module's neighbours

    return may_hand_mocks_to_project(tree, source, path)


#: ``Rule.needed_bodies`` of the mock rules: ``needed_bodies = MOCK_BODIES``
MOCK_BODIES = classmethod(_needed_bodies)
#: ``Rule.needed_bodies`` of the rules that read only what ``analysis.mock_values.mocks``
#: infers for a site (MCK102, MCK103): ``Relevance.reaching``
REACHED_BODIES = classmethod(_reached_bodies)
