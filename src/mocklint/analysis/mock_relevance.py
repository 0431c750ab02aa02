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

The same names decide a whole file for three rules (``Relevance``): an
expression that mentions none of them is no mock, so a file where no ``await``
or asyncio scheduling (MCK102), no call made as a statement (MCK103), nothing
``async with`` enters or ``async for`` iterates (MCK101) mentions one is not
parsed for them; in a method of a class whose header mentions one (a subclass
of ``MagicMock``) every site counts.
"""

from __future__ import annotations

import ast
from typing import FrozenSet, List, Optional, Set, Tuple

from mocklint.analysis.ast_scan import node_fields
from mocklint.analysis.bodies import BodyFilter, Function
from mocklint.analysis.mocks import MOCKER_NAMES, MOCK_MODULES

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
        self.awaited: List[Tuple[Optional[int], FrozenSet[str]]] = []
        self.dropped_calls: List[Tuple[Optional[int], FrozenSet[str]]] = []
        #: what ``async with`` enters and ``async for`` iterates (MCK101)
        self.entered: List[Tuple[Optional[int], FrozenSet[str]]] = []
        #: the names the asyncio schedulers go by here (``from asyncio import gather as g``)
        self.schedulers: Set[str] = set(_SCHEDULERS)
        #: the id of the candidate function being scanned (None at module level)
        self.owner: Optional[int] = None
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
            return header | self.block(node.body)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node)
            return {(a.asname or a.name).split(".")[0] for a in node.names}
        if isinstance(node, (ast.Global, ast.Nonlocal)):
            self.declared.update(node.names)
            return set(node.names)
        if isinstance(node, ast.Assign):
            return self.simple([node.value], node.targets)
        if isinstance(node, ast.AnnAssign):
            return self.simple([node.value, node.annotation], [node.target])
        if isinstance(node, ast.AugAssign):
            return self.simple([node.value, node.target], [node.target])
        if isinstance(node, ast.AsyncFor):
            self.entered.append((self.owner, frozenset(self.mentions(node.iter))))
        elif isinstance(node, ast.AsyncWith):
            self.entered.extend((self.owner, frozenset(self.mentions(i.context_expr))) for i in node.items)
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return self.simple([node.iter], [node.target]) | self.block(node.body) | self.block(node.orelse)
        if isinstance(node, (ast.With, ast.AsyncWith)):
            mentioned: Set[str] = set()
            for item in node.items:
                targets = [item.optional_vars] if item.optional_vars is not None else []
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
                self.dropped_calls.append((self.owner, frozenset(self.mentions(call.func))))
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
        outer = (self.prefix, self.declared, self.owner)
        if not self.prefix:  # a function at module level or a method: its own locals
            self.prefix, self.declared, self.owner = f"{id(node)}:", set(), id(node)
        args = node.args
        params: Set[str] = set()
        for a in (*getattr(args, "posonlyargs", ()), *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if a is not None and a.arg not in _RECEIVERS_ONLY:
                params.add(self.prefix + a.arg if self.prefix else a.arg)
        body = self.block(node.body)
        self.prefix, self.declared, self.owner = outer
        everything = frozenset(header | body | params)
        self.functions.append((node, frozenset(header), everything, frozenset(params)))
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
        else:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.name in MOCK_MODULES or alias.name.split(".")[0] == "asynctest":
                    self.seed(alias.asname or alias.name.split(".")[0])

    def mentions(self, node: ast.AST) -> Set[str]:
        """The keys the expression ``node`` mentions."""
        found: Set[str] = set()
        prefix = self.prefix
        for child in _nodes(node):
            if isinstance(child, ast.Name):
                found.add(child.id)
                if prefix:
                    found.add(prefix + child.id)
            elif isinstance(child, ast.Attribute):
                found.add("." + child.attr)
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
        for value in values:
            if value is None:
                continue
            for child in _nodes(value):
                if isinstance(child, ast.Name):
                    mentioned.add(child.id)
                    if prefix:
                        mentioned.add(prefix + child.id)
                elif isinstance(child, ast.Attribute):
                    mentioned.add("." + child.attr)
                elif isinstance(child, ast.Call):
                    func = child.func
                    callee = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                    callees.add(callee)
                    if callee in self.schedulers:
                        self.awaited.append((self.owner, frozenset(self.mentions(child))))
                    if callee in _PLACING:
                        for arg in child.args:
                            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                                last = arg.value.rsplit(".", 1)[-1]
                                if last.isidentifier():
                                    binds.add("." + last)
                elif isinstance(child, ast.NamedExpr):
                    self.bound(child.target, binds)
                elif isinstance(child, ast.comprehension):
                    self.bound(child.target, binds)  # `[m() for m in mocks]`: `m` is one when `mocks` is
                elif isinstance(child, ast.Await):
                    self.awaited.append((self.owner, frozenset(self.mentions(child.value))))
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

    def __init__(self, scan: _Scan, names: Set[str], whole: Set[int], kept: Set[int]) -> None:
        self.kept = kept
        self._names = names
        self._whole = whole
        self._scan = scan

    def _reached(self, sites: List[Tuple[Optional[int], FrozenSet[str]]]) -> bool:
        # in a method of a class a mock makes (a subclass of MagicMock), `self` is one
        return any(not keys.isdisjoint(self._names) or owner in self._whole for owner, keys in sites)

    def awaits_mock(self) -> bool:
        """Some ``await`` (or asyncio scheduling) may be of a mock (MCK102)."""
        return self._reached(self._scan.awaited)

    def enters_mock(self) -> bool:
        """Something ``async with`` enters or ``async for`` iterates may be a mock (MCK101)."""
        return self._reached(self._scan.entered)

    def drops_mock_call(self) -> bool:
        """Some call made as a statement may be of a mock (MCK103)."""
        return self._reached(self._scan.dropped_calls)


def relevance(tree: ast.Module, fixtures: FrozenSet[str] = frozenset()) -> Relevance:
    """The relevance of ``tree``'s functions to mocks; ``fixtures``: the names
    of fixtures from elsewhere that may hand out a mock."""
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
    return Relevance(scan, names, whole, kept)


#: the last answer: the mock rules ask in turn about the same file
_last: Tuple[object, Optional[ast.Module], Optional[Relevance]] = ((), None, None)


def file_relevance(tree: ast.Module, source: str, path: Optional[str]) -> Relevance:
    """``relevance`` of the linted file, with its conftest fixtures (asked by
    the mock rules' ``might_report`` and ``needed_bodies`` in turn: kept)."""
    global _last
    key = (path, len(source), hash(source))
    if _last[0] == key and _last[1] is tree and _last[2] is not None:
        return _last[2]  # it knows the functions of this very tree
    from mocklint.analysis.mock_sources import conftest_mock_fixtures

    found = relevance(tree, conftest_mock_fixtures(path))
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


#: ``Rule.needed_bodies`` of the mock rules: ``needed_bodies = MOCK_BODIES``
MOCK_BODIES = classmethod(_needed_bodies)
