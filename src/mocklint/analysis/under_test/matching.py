"""Mocks handed to the code under test, matched against what that code demands.

At each call from test code (a test, a fixture, ``setUp``, a helper) into a
project function, method or constructor, the values passed in are known as
``analysis.mock_values.mocks`` infers them (a mock made here, in a fixture of this module
or of a conftest.py, by ``setUp``, by ``patch``), and the callee's demands are
known from ``summaries``.  Each demand's access path is applied to the value
it is rooted in (``mock_session`` + ``post ()`` -> what ``mock_session.post(...)``
gives), and a demand the value cannot meet is a finding:

- entered with ``async with`` / iterated with ``async for``, but a coroutine;
- awaited or scheduled, but a sync mock or a plain value;
- called and dropped, but a coroutine.

The first demand that raises ends the run: nothing after it is reported.
Objects reach a method call through ``client = Client(mock)``,
``self.client = Client(self.mock)`` in ``setUp``, ``Client(mock).method()``,
and fixtures (of this module or a conftest.py) that return ``Client(mock)``.
Where mocklint cannot be sure of a value, of the callee or of the path, it
stays silent.

Each finding is reported in the linted file: on the line that configures the
failing path (``session.post = Mock(...)``) when this file has it, else where
this file makes the mock, else at the call that hands it over.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Set, Tuple

from mocklint.analysis.mock_values.candidates import hands_mocks_to_project
from mocklint.analysis.mock_values.mocks import Inferred, Kind, MockAnalysis, analysis_for
from mocklint.analysis.pytest_model.pytest_roles import Role, function_role
from mocklint.analysis.syntax.bindings import bound_names
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.analysis.syntax.tree import Site, descendants, scope_types
from mocklint.analysis.under_test.summaries import (
    AWAIT,
    CALL,
    ClassSummary,
    Demand,
    FunctionSummary,
    ObjectCall,
    Path,
    Protocol,
    Root,
    Step,
    UNKNOWN,
    Where,
    literal_value,
    locate,
    read_literal,
)
from mocklint.diagnostic import Related

#: an expression of test code, where it is, and the analysis of its file
Value = Tuple["cst.BaseExpression", Site, MockAnalysis]

_SYNC_MOCKS = frozenset({Kind.MAGIC_MOCK, Kind.MOCK, Kind.NON_CALLABLE_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK, Kind.VALUE})
_RUNNERS = frozenset({"asyncio.run", "run_until_complete"})
_MAX_OBJECT_HOPS = 6
#: how deep fixtures requesting fixtures are followed for the patches they install
_MAX_FIXTURE_DEPTH = 4
_MAX_OBJECT_CALLS = 3


@dataclass(frozen=True)
class Finding:
    protocol: Protocol
    #: where to report, in the linted file
    node: cst.CSTNode
    #: what the failing access gives, and why
    value: Inferred
    #: the failing access, written from the test's side: ``mock_session.post(...)``
    access: str
    demand: Demand
    #: the project function the test calls: ``MatrixClient.login``
    entry: str

    def fields(self) -> Dict[str, str]:
        """The message fields every rule's interprocedural message uses."""
        via = self.demand.where.via
        return dict(
            why=self.value.why,
            access=self.access,
            entry=self.entry,
            app_site=self.app_site,
            via=f" (through {', '.join(f'`{name}`' for name in via)})" if via else "",
        )

    @property
    def app_site(self) -> str:
        """``app/matrix.py:7``, relative to the folder mocklint runs in when below it."""
        return f"{self._app_path}:{self.demand.where.line}"

    @property
    def related(self) -> Tuple[Related, ...]:
        """The app site as a related location: where the code under test fails."""
        where = self.demand.where
        line, column = where.module.position_of(where.node)
        message = f"`{where.function}` {_does(self.protocol, where)} here"
        return (Related(self._app_path, line, column, message),)

    @property
    def _app_path(self) -> str:
        path = self.demand.where.module.path
        try:
            relative = os.path.relpath(path)
            path = relative if not relative.startswith("..") else path
        except ValueError:
            pass
        return path.replace(os.sep, "/")


def _does(protocol: Protocol, where: Where) -> str:
    """What the code under test does with the value at ``where``, in words."""
    text = f"`{where.text}`"
    if protocol is Protocol.AWAIT:
        return f"awaits {text}"
    if protocol is Protocol.ASYNC_WITH:
        return f"enters {text} with `async with`"
    if protocol is Protocol.ASYNC_FOR:
        return f"iterates {text} with `async for`"
    if protocol is Protocol.SCHEDULE:
        return f"hands {text} to `{where.scheduler}`"
    return f"calls {text} and drops the result"


def findings(context: object) -> List[Finding]:
    """The findings of the linted file, computed once and shared by MCK101-MCK103
    (none where the file's candidate index says no mock can reach project code)."""
    cache: Dict[str, object] = context.__dict__.setdefault("_analysis_cache", {})
    found = cache.get("under_test")
    if found is None:
        path = getattr(context, "path", None)
        reached = hands_mocks_to_project(context.source, path)  # type: ignore[attr-defined]
        found = _Matcher(analysis_for(context), path).run() if reached else []
        cache["under_test"] = found
    return found  # type: ignore[return-value]


class _Matcher:
    def __init__(self, analysis: MockAnalysis, path: Optional[str]) -> None:
        self.analysis = analysis
        self.directory = os.path.dirname(os.path.abspath(path)) if path else None
        self.found: List[Finding] = []
        self.seen: Set[Tuple[int, Tuple[str, ...], Protocol]] = set()
        #: what `_patched` found for each call site (asked again for a factory's arguments)
        self._patches: Dict[int, Dict[Root, Value]] = {}

    def run(self) -> List[Finding]:
        if self.directory is None:
            return []
        for call, site in self.analysis.call_sites:
            if site.enclosing_function() is None or _guarded(site):
                continue
            entry = self._entry(call, site)
            if entry is None:
                continue
            summary, bindings = entry
            if summary.is_async and not _awaited(call, site, self.analysis):
                continue  # the coroutine's body runs only when awaited
            bindings.update(self._patched(site))
            self._match(summary, bindings, call, site)
        return self.found

    # -- what is called, with what ------------------------------------------
    def _entry(self, call: cst.Call, site: Site) -> Optional[Tuple[FunctionSummary, Dict[Root, Value]]]:
        analysis = self.analysis
        func = call.func
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return None
        qualified = analysis.names.resolve(site, func)
        if qualified is not None and "." in qualified:
            target = locate(qualified, self.directory)  # type: ignore[arg-type]
            if isinstance(target, FunctionSummary) and not target.method:
                return target, _arguments(target, call, site, analysis)
            if isinstance(target, ClassSummary) and target.init is not None:
                bindings = _arguments(target.init, call, site, analysis)
                return target.init, {**bindings, **_stored(target, bindings)}
            return None
        if not isinstance(func, cst.Attribute):
            return None
        found = self._instance(func.value, site, analysis, func.attr.value)
        if found is None:
            return None
        method, attributes = found
        return method, {**_arguments(method, call, site, analysis), **attributes}

    def _instance(
        self, holder: cst.BaseExpression, site: Site, analysis: MockAnalysis, name: str
    ) -> Optional[Tuple[FunctionSummary, Dict[Root, Value]]]:
        """The method ``name`` of the project object ``holder`` holds, and the
        values of its ``self`` attributes: what its constructor was given, or
        what this file set on it (``client.session = AsyncMock()``)."""
        made = self._object(holder, site, analysis, 0)
        if made is None:
            return None
        cls, ctor_params = made
        method = cls.methods.get(name)
        if method is None or not method.method:
            return None
        attributes = _stored(cls, ctor_params)
        root, prefix = _chain(holder)
        if root is not None and _named(holder):
            # `client.session = AsyncMock()`, `self.db.pool = MagicMock()`: set on the real object here
            for path, value, assign_site in analysis.attribute_assignments(root, site):
                if prefix and not path.startswith(prefix + "."):
                    continue
                attribute = path[len(prefix) + 1 :] if prefix else path
                if "." in attribute or value is None:
                    return None  # `client.session.post = ...`: configured out of mocklint's sight
                attributes[("self", attribute)] = (value, assign_site, analysis)
        return method, attributes

    def _object(
        self, expr: cst.BaseExpression, site: Site, analysis: MockAnalysis, hops: int
    ) -> Optional[Tuple[ClassSummary, Dict[Root, Value]]]:
        """The project class of the instance ``expr`` holds, when certain, and
        what its constructor's parameters were given."""
        if hops > _MAX_OBJECT_HOPS:
            return None
        if isinstance(expr, cst.Call):
            qualified = analysis.names.resolve(site, expr.func) if isinstance(expr.func, (cst.Name, cst.Attribute)) else None
            target = locate(qualified, self.directory) if qualified and "." in qualified else None  # type: ignore[arg-type]
            if isinstance(target, ClassSummary) and target.init is not None:
                return target, _arguments(target.init, expr, site, analysis)
            if isinstance(target, FunctionSummary) and not target.method and not target.is_async and target.made is not None:
                return self._factory_made(target, expr, site, analysis)
            return None
        if isinstance(expr, cst.Name):
            bound = analysis.bound_value(expr, site)
            if bound is not None:
                return self._object(bound[0], bound[1], analysis, hops + 1)
            test = analysis.names.parameter_owner(site, expr.value)
            if test is None:
                return None
            test_site = analysis._function_site(test)
            if test_site is None or function_role(test, test_site, analysis.names) not in (Role.TEST, Role.FIXTURE):
                return None
            fixture = analysis.fixture_definition(expr.value, test, test_site)
            if fixture is None:
                return None
            func, func_site, other = fixture
            value = other.fixture_value(func, func_site)
            if value is None:
                return None
            return self._object(value[0], value[1], other, hops + 1)
        if isinstance(expr, cst.Attribute):
            assigned = analysis.assigned_value(expr, site)
            if assigned is not None:
                return self._object(assigned[0], assigned[1], analysis, hops + 1)
        return None

    def _factory_made(
        self, factory: FunctionSummary, call: cst.Call, site: Site, analysis: MockAnalysis
    ) -> Optional[Tuple[ClassSummary, Dict[Root, Value]]]:
        """``make_service(store)``, which returns ``AccountService(store, AuditLog())``:
        the class, and its constructor's parameters as the test's values (the
        factory's arguments, and the module attributes the test patched)."""
        assert factory.made is not None
        qualified, args, keywords = factory.made
        cls = locate(qualified, os.path.dirname(factory.module.path))
        if not isinstance(cls, ClassSummary) or cls.init is None:
            return None
        given = {**_arguments(factory, call, site, analysis), **self._patched(site, analysis)}
        params: Dict[Root, Value] = {}
        for index, passed in enumerate(args):
            parameter = cls.init.parameter_for(index, None)
            value = _extended(given.get(passed[0]), passed[1]) if passed is not None and parameter else None
            if value is not None:
                params[("param", parameter)] = value  # type: ignore[index]
        for keyword, passed in keywords:
            parameter = cls.init.parameter_for(None, keyword)
            value = _extended(given.get(passed[0]), passed[1]) if passed is not None and parameter else None
            if value is not None:
                params[("param", parameter)] = value  # type: ignore[index]
        return cls, params

    def _patched(self, site: Site, analysis: Optional[MockAnalysis] = None) -> Dict[Root, Value]:
        """What ``_find_patches`` finds at ``site``, of this file or of ``analysis``'s
        (a fixture of a conftest.py that builds an object: the patches its own
        fixtures installed before its body ran)."""
        key = id(site.node)
        if key not in self._patches:
            self._patches[key] = self._find_patches(site, analysis or self.analysis)
        return dict(self._patches[key])

    def _find_patches(self, site: Site, analysis: MockAnalysis) -> Dict[Root, Value]:
        """The module attributes ``patch`` replaces around ``site``: the test's
        ``@patch`` decorators, the ``with patch(...)`` blocks it stands in, and
        ``mocker.patch``/``patch(...).start()`` calls of the same function."""
        found: Dict[Root, Value] = {}
        func = site.enclosing_function()
        func_site = analysis._function_site(func) if func is not None else None
        if func is None or func_site is None:
            return found
        params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        for decorator in reversed(func.decorators):
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            name = analysis.patched_name(call, func_site)
            if name is None:
                if analysis.patch_target(call, func_site) is None and _is_patch(call, func_site, analysis):
                    return {}  # a patch mocklint cannot read shifts the injected arguments
                continue
            new = analysis.patch_new(call, func_site)
            if new is not None:
                found[("global", name)] = (new, func_site, analysis)
            elif params:
                found[("global", name)] = (cst.Name(params.pop(0)), site, analysis)
        for node, _ in site.ancestors():
            if isinstance(node, cst.With):
                found.update(_with_patches(node, site, analysis))
            if node is func:
                break
        # `mocker.patch(...)`, `patch(...).start()` here or in the class's setUp
        owners = {id(func)} | {id(f) for f in _set_ups(func_site)}
        found.update(_started_patches(analysis, owners, site))
        # and what the fixtures it requests patch for it (the parameters no `@patch` took)
        for requested, fixture, fixture_site, other in self._fixtures(func, func_site, params, 0, analysis):
            inside = other._site_inside(fixture, fixture_site)
            patches = _started_patches(other, {id(fixture)}, inside)
            for node in descendants(fixture.body, stop_at=scope_types()):
                if isinstance(node, cst.With) and _yields(node):
                    patches.update(_with_patches(node, inside, other))
            handed = other.fixture_value(fixture, fixture_site)
            for root, value in patches.items():
                if handed is None or not _same_value(handed[0], value[0]):
                    found.setdefault(root, value)
                elif requested is not None:
                    # the test gets the patch's mock and may configure it: read it there
                    found.setdefault(root, (cst.Name(requested), site, analysis))
        return found

    def _fixtures(
        self, func: cst.FunctionDef, func_site: Site, names: List[str], depth: int, analysis: Optional[MockAnalysis] = None
    ) -> List[Tuple[Optional[str], cst.FunctionDef, Site, MockAnalysis]]:
        """The fixtures ``func`` requests by ``names``, and theirs, when mocklint
        can tell which definitions pytest gives: with the name the test has
        them under (None for a fixture's own fixtures)."""
        analysis = analysis or self.analysis
        found: List[Tuple[Optional[str], cst.FunctionDef, Site, MockAnalysis]] = []
        if depth >= _MAX_FIXTURE_DEPTH:
            return found
        for name in names:
            if name == "request":
                continue
            fixture = analysis.fixture_definition(name, func, func_site)
            if fixture is None or fixture[0] is func:
                continue
            found.append((name if depth == 0 else None, *fixture))
            inner, inner_site, other = fixture
            inner_names = [p.name.value for p in (*inner.params.posonly_params, *inner.params.params, *inner.params.kwonly_params)]
            found.extend(self._fixtures(inner, inner_site, [n for n in inner_names if n not in ("self", "cls")], depth + 1, other))
        return found

    # -- demands against values ---------------------------------------------
    def _match(self, summary: FunctionSummary, bindings: Dict[Root, Value], call: cst.Call, site: Site) -> None:
        self._run_steps(summary.demands(), bindings, summary.qualname, call, site, 0)

    def _run_steps(
        self, steps: Tuple[Step, ...], bindings: Dict[Root, Value], entry: str, call: cst.Call, site: Site, depth: int
    ) -> bool:
        """Match ``steps`` in order; True once one raises (nothing after it runs)."""
        for step in steps:
            if not all(self._non_empty(bindings.get(root), path) for root, path in step.where.nonempty):
                continue  # in a loop the test may not enter
            if not all(_passes(bindings.get(root), path, op, literal) for root, path, op, literal in step.where.guards):
                continue  # after an early return the test's value may take
            if any(("global", name) in bindings for name in step.where.through):
                continue  # made in the body of a function the test patched: that body does not run
            if isinstance(step, ObjectCall):
                nested = self._object_call(step, bindings, site) if depth < _MAX_OBJECT_CALLS else None
                if nested is not None and (step.awaited or not nested[0].is_async):
                    method, values = nested
                    if self._run_steps(method.demands(), values, entry, call, site, depth + 1):
                        return True
                continue
            if self._check(step, bindings, entry, call, site):
                return True
        return False

    def _non_empty(self, value: Optional[Value], path: Path) -> bool:
        """``_non_empty_literal``; for one attribute (``order.lines``): a field of a
        plain dataclass instance the test built with a non-empty literal for it
        by keyword (``Order(id=1, lines=[Line(...)])``, in place or as a constant
        of the test module), which ``__init__`` stores as given."""
        if value is None or len(path) != 1:
            return _non_empty_literal(value, path)
        expr, site, analysis = value
        built = expr if isinstance(expr, cst.Call) else _constant(expr, site, built=True)
        if not isinstance(built, cst.Call) or not isinstance(built.func, (cst.Name, cst.Attribute)) or any(a.star for a in built.args):
            return False
        qualified = analysis.names.resolve(site, built.func)
        cls = locate(qualified, self.directory) if qualified and "." in qualified and self.directory else None
        if not isinstance(cls, ClassSummary) or path[0] not in cls.fields:
            return False
        given = [a.value for a in built.args if a.keyword is not None and a.keyword.value == path[0]]
        return len(given) == 1 and _non_empty_literal((given[0], site, analysis), ())

    def _object_call(
        self, step: ObjectCall, bindings: Dict[Root, Value], site: Site
    ) -> Optional[Tuple[FunctionSummary, Dict[Root, Value]]]:
        """What ``self.client.create_room(...)`` runs when the test gave a project
        object for ``self.client``, with the values of that call's parameters."""
        base = bindings.get(step.root)
        if base is None or step.path:
            return None
        expr, base_site, analysis = base
        found = self._instance(expr, base_site, analysis, step.method)
        if found is None:
            return None
        method, values = found
        values = {**{k: v for k, v in bindings.items() if k[0] == "global"}, **values}
        for index, parameter in enumerate(method.positional):
            if index < len(step.args):
                given = step.args[index]
                if given is not None and not given[1] and given[0] in bindings:
                    values[("param", parameter)] = bindings[given[0]]
        for keyword, given in step.keywords:
            if given is not None and not given[1] and given[0] in bindings and keyword in method.positional + method.keyword_only:
                values[("param", keyword)] = bindings[given[0]]
        return method, values

    def _check(self, demand: Demand, bindings: Dict[Root, Value], entry: str, call: cst.Call, site: Site) -> bool:
        """Record ``demand`` if the value it is made of cannot meet it; True when that raises."""
        base = bindings.get(demand.root)
        path = demand.path
        if base is None:
            found = self._accessed(demand.root, path, bindings)
            if found is None:
                return False
            base, path = found
        evaluated = _evaluate(base, path)
        if evaluated is None:
            return False
        inferred, access = evaluated
        if not _fails(demand.protocol, inferred):
            return False
        if self._patched_coroutine_function(demand):
            return True  # MCK102 reports the patch itself, where it replaces the coroutine function
        if self._reconfigured(base, site):
            return True  # what runs is not what mocklint saw: nothing after it is sure either
        if not _named(base[0]) or AWAIT in path:
            # a mock made on the spot, or reached past an `await`: say it the app's way
            access = f"`{demand.where.text}` in `{demand.where.function}`"
        else:
            access = f"`{access}`"
        node = self._report_node(inferred, base, call, path)
        key = (id(node), (demand.root[1], *demand.path), demand.protocol)
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(Finding(demand.protocol, node, inferred, access, demand, entry))
        return demand.protocol is not Protocol.DROP  # a dropped coroutine only warns

    def _accessed(self, root: Root, path: Path, bindings: Dict[Root, Value]) -> Optional[Tuple[Value, Path]]:
        """``get_ledger().total()`` where ``get_ledger`` returns the module
        attribute ``ledger_client`` that the test patched: that value, and the
        rest of the path."""
        for _ in range(_MAX_OBJECT_HOPS):
            if root[0] != "global" or path[:1] != (CALL,):
                return None
            accessor = locate(root[1], self.directory)  # type: ignore[arg-type]
            if not isinstance(accessor, FunctionSummary) or accessor.returns is None or accessor.is_async:
                return None
            root, path = accessor.returns[0], accessor.returns[1] + path[1:]
            if root in bindings:
                return bindings[root], path
        return None

    def _patched_coroutine_function(self, demand: Demand) -> bool:
        """Whether ``demand`` awaits the call of a project ``async def`` that the
        test patched: a sync mock there is MCK102's finding at the ``patch()``
        (whatever code calls it), not one per caller."""
        if demand.root[0] != "global" or demand.path != (CALL,) or demand.protocol not in (Protocol.AWAIT, Protocol.SCHEDULE):
            return False
        target = locate(demand.root[1], self.directory)  # type: ignore[arg-type]
        return isinstance(target, FunctionSummary) and target.is_async

    def _reconfigured(self, base: Value, site: Site) -> bool:
        """The mock was made in another function (a fixture) that the test also
        requests and configures: what the code gets is not what mocklint saw.
        (``self.session`` made in ``setUp`` is the same object in every test
        method: the inference already counts what each configures.)"""
        expr, base_site, analysis = base
        root, prefix = _chain(expr)
        if root is None:
            return False
        if analysis is self.analysis and analysis._owner(root, base_site) == analysis._owner(root, site):
            return False
        if self.analysis.names.parameter_owner(site, root) is None:
            return False
        return any(
            not prefix or path == prefix or path.startswith(prefix + ".")
            for path, _, _ in self.analysis.attribute_assignments(root, site)
        )

    def _report_node(self, inferred: Inferred, base: Value, call: cst.Call, path: Path) -> cst.CSTNode:
        """This file's line that configures the failing path, else the line that
        made the mock, else the call that hands it over (see the module docstring)."""
        words = _mock_words(path)
        expr, base_site, analysis = base
        if analysis is self.analysis:
            configured = self._configuration(expr, base_site, words)
            if configured is not None:
                return configured
        if inferred.at is not None and inferred.at[2] is self.analysis:
            node, at_site, _ = inferred.at
            statement = at_site.node if isinstance(at_site.node, cst.Assign) else at_site.parent
            target = None
            if isinstance(node, cst.Assign) and len(node.targets) == 1:
                target = node.targets[0].target
            elif isinstance(node, cst.Call) and isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                target = statement.targets[0].target
            configured = self._configuration(target, at_site, words) if target is not None else None
            return configured or _started_patch(node, at_site, self.analysis) or node
        if analysis is self.analysis and _is_started(expr):
            return expr.func.value  # type: ignore[attr-defined]  # the `patch(...)` of this file that made the mock
        if analysis is self.analysis and any(arg.value is expr for arg in call.args):
            return expr
        return call

    def _configuration(self, holder: cst.BaseExpression, site: Site, words: str) -> Optional[cst.CSTNode]:
        """The assignment of this file that configures what lies past ``holder.words``
        (``conn.cursor.return_value.__aiter__.return_value = rows`` when
        ``conn.cursor(...)`` fails): the line the user wrote for that path."""
        root, prefix = _chain(holder)
        if root is None:
            return None
        full = f"{prefix}.{words}" if prefix else words
        for assigned, _, assign_site in self.analysis.attribute_assignments(root, site):
            if (assigned == full or assigned.startswith(full + ".")) and isinstance(assign_site.node, cst.Assign):
                return assign_site.node
        return None


def _mock_words(path: Path) -> str:
    """``get.return_value`` for the path ``get ()``: how a test configures it
    (awaiting an AsyncMock's call gives its ``return_value`` too)."""
    return ".".join("return_value" if step == CALL else step for step in path if step != AWAIT)


def _non_empty_literal(value: Optional[Value], path: Path) -> bool:
    """Whether the test passed a list, tuple, set or dict literal with an
    element (a dict for ``.items()``, ``.keys()``, ``.values()``), written in
    place or as a constant of the test module (``URLS``, ``URLS[:1]``)."""
    if value is None:
        return False
    expr = value[0]
    if isinstance(expr, cst.Subscript) and not path:
        given = _constant_slice(expr, value[1])
        return isinstance(given, (list, tuple)) and len(given) > 0
    expr = _constant(expr, value[1]) or expr
    if isinstance(expr, cst.Dict):
        return path in _DICT_VIEWS and any(isinstance(e, cst.DictElement) for e in expr.elements)
    return not path and isinstance(expr, (cst.List, cst.Tuple, cst.Set)) and any(
        not isinstance(e, cst.StarredElement) for e in expr.elements
    )


#: what iterating a dict's views goes over: its keys, items, values
_DICT_VIEWS = frozenset({(), ("items", CALL), ("keys", CALL), ("values", CALL)})
_LITERAL_TYPES = ("List", "Tuple", "Set", "Dict", "SimpleString", "ConcatenatedString", "Integer", "Float", "Name")
#: the constants of the last module asked about: (module, name -> literal or call)
_CONSTANTS: List[Tuple[object, Dict[str, "cst.BaseExpression"]]] = []


def _constant(expr: "cst.BaseExpression", site: Site, built: bool = False) -> Optional["cst.BaseExpression"]:
    """The literal a module constant of the test file holds when ``expr`` names
    one (``URLS = ["https://a/", "https://b/"]``), else None; ``built``: the
    call that built it instead (``ORDER = Order(id=1, lines=[...])``).

    A constant is a name bound exactly once in the whole module, by a
    module-level assignment of a literal (or a call of a name the module binds
    once, an import), and never changed in place there (no ``URLS.append(...)``,
    ``URLS[0] = ...``, ``ORDER.lines = ...``, ``del URLS[0]``, ``global URLS``);
    any other binding of the name anywhere (a local of the test too) makes it
    none (see ``bindings``).  Code outside the file could still change a list it
    is handed; that is not how tests treat their constants, and pytest does not
    import a test module twice."""
    if not isinstance(expr, cst.Name):
        return None
    module = None
    for node, _ in site.ancestors():
        module = node
    if not isinstance(module, cst.Module):
        return None
    if not _CONSTANTS or _CONSTANTS[0][0] is not module:
        _CONSTANTS[:] = [(module, _module_constants(module))]
    found = _CONSTANTS[0][1].get(expr.value)
    return found if isinstance(found, cst.Call) is built else None


def _module_constants(module: "cst.Module") -> Dict[str, "cst.BaseExpression"]:
    candidates: Dict[str, cst.BaseExpression] = {}
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and (
                    type(small.value).__name__ in _LITERAL_TYPES
                    and literal_value(small.value) is not UNKNOWN
                    or isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name)
                )
            ):
                candidates[small.targets[0].target.value] = small.value
    if not candidates:
        return {}
    bound = bound_names(module, nested=True)
    return {
        name: value
        for name, value in candidates.items()
        if bound.once(name) and (not isinstance(value, cst.Call) or bound.once(value.func.value))  # type: ignore[attr-defined]
    }


def _constant_slice(expr: "cst.Subscript", site: Site) -> object:
    """``URLS[:1]`` of a module constant, evaluated on its literal (``UNKNOWN`` when unsure)."""
    constant = _constant(expr.value, site)
    if constant is None or len(expr.slice) != 1 or not isinstance(expr.slice[0].slice, cst.Slice):
        return UNKNOWN
    given = literal_value(constant)
    part = expr.slice[0].slice
    bounds = [literal_value(b) if b is not None else None for b in (part.lower, part.upper, part.step)]
    if not isinstance(given, (list, tuple)) or any(b is UNKNOWN or not (b is None or type(b) is int) for b in bounds):
        return UNKNOWN
    if bounds[2] == 0:
        return UNKNOWN
    return given[slice(*bounds)]


_TESTS = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "is": lambda a, b: a is b,
    "is not": lambda a, b: a is not b,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
    "truthy": lambda a, b: bool(a),
    "falsy": lambda a, b: not a,
}


def _passes(value: Optional[Value], path: Path, op: str, literal: object) -> bool:
    """Whether the literal the test passed makes the early return's test false
    (``"USD"`` against ``if currency == "EUR": return``), computed on the
    literals themselves, through the guard's reads of a key (``event.get("silent")``);
    False when the value is no literal or unsure."""
    if value is None:
        return False
    given = literal_value(_constant(value[0], value[1]) or value[0])
    for step in path:
        given = read_literal(given, step)
    if given is UNKNOWN:
        return False
    if op in ("is", "is not") and not (literal is None or isinstance(literal, bool)):
        return False  # identity of other literals is an implementation detail
    try:
        return not _TESTS[op](given, literal)
    except (TypeError, ValueError):  # `1 in "a"`: the app would raise there, nothing after it is sure
        return False


def _with_patches(node: cst.With, site: Site, analysis: MockAnalysis) -> Dict[Root, Value]:
    """The module attributes the ``with patch(...)`` items of ``node`` replace, with what they install."""
    found: Dict[Root, Value] = {}
    for item in node.items:
        if not isinstance(item.item, cst.Call):
            continue
        name = analysis.patched_name(item.item, site)
        if name is None:
            continue
        new = analysis.patch_new(item.item, site)
        if new is not None:
            found[("global", name)] = (new, site, analysis)
        elif item.asname is not None and isinstance(item.asname.name, cst.Name):
            found[("global", name)] = (item.asname.name, site, analysis)
        else:  # what the block's patch installs, as `patch(...).start()` gives it
            found[("global", name)] = (_started(item.item), site, analysis)
    return found


def _started_patches(analysis: MockAnalysis, owners: Set[int], site: Site) -> Dict[Root, Value]:
    """What ``mocker.patch(...)`` and ``patch(...).start()`` calls in the
    functions ``owners`` (by id) replace, active from there on."""
    found: Dict[Root, Value] = {}
    for call, call_site in analysis.call_sites:
        if id(call_site.enclosing_function()) not in owners:
            continue
        starts = isinstance(call.func, cst.Attribute) and call.func.attr.value == "start"
        patch_call: Optional[cst.BaseExpression] = call.func.value if starts else call  # type: ignore[attr-defined]
        if starts and isinstance(patch_call, cst.Name):
            bound = analysis.bound_value(patch_call, call_site)  # `patcher = patch(...)`, then `patcher.start()`
            patch_call = bound[0] if bound is not None else None
        if not isinstance(patch_call, cst.Call) or not (starts or analysis._is_mocker_call(call)):
            continue
        name = analysis.patched_name(patch_call, call_site)
        if name is None:
            continue
        base: cst.BaseExpression = call if patch_call is call or isinstance(call.func.value, cst.Call) else _started(patch_call)  # type: ignore[attr-defined]
        statement = call_site.parent
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            target = statement.targets[0].target
            if _named(target):
                base = target  # `fetch = mocker.patch(...)`, `self.ledger = patch(...).start()`: configured there
        found[("global", name)] = (base, site if base is not call else call_site, analysis)
    return found


def _same_value(handed: cst.BaseExpression, installed: cst.BaseExpression) -> bool:
    """Whether what a fixture hands out is the mock its patch installed
    (``yield stream`` after ``with patch(...) as stream``, ``yield patcher.start()``)."""
    if handed is installed:
        return True
    if isinstance(handed, cst.Name) and isinstance(installed, cst.Name):
        return handed.value == installed.value
    return handed.deep_equals(installed)


def _yields(node: cst.CSTNode) -> bool:
    """Whether ``node`` holds a ``yield`` of its own function (a fixture's teardown point)."""
    return any(isinstance(n, cst.Yield) for n in descendants(node, stop_at=scope_types()))


def _started_patch(node: cst.CSTNode, site: Site, analysis: MockAnalysis) -> Optional[cst.Call]:
    """For ``self.queue = patcher.start()`` after ``patcher = patch(...)``: that
    ``patch(...)`` call, where what the mock is was decided."""
    value = node.value if isinstance(node, cst.Assign) else node
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "start"):
        return None
    patcher = value.func.value
    bound = analysis.bound_value(patcher, site) if isinstance(patcher, cst.Name) else None
    return bound[0] if bound is not None and isinstance(bound[0], cst.Call) else None


def _started(patch_call: cst.Call) -> cst.Call:
    """``patch(...).start()``: the mock a patch installs, as an expression mocklint infers."""
    return cst.Call(func=cst.Attribute(value=patch_call, attr=cst.Name("start")))


def _is_started(expr: cst.BaseExpression) -> bool:
    """``patch(...).start()`` as ``_started`` writes it (the ``patch(...)`` is this file's node)."""
    return (
        isinstance(expr, cst.Call)
        and not expr.args
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "start"
        and isinstance(expr.func.value, cst.Call)
    )


def _set_ups(site: Site) -> List[cst.FunctionDef]:
    """The ``setUp``-like methods of the class a test method is defined in."""
    owner = site.enclosing_class()
    if owner is None or not isinstance(owner.body, cst.IndentedBlock):
        return []
    names = ("setUp", "asyncSetUp", "setup_method")
    return [s for s in owner.body.body if isinstance(s, cst.FunctionDef) and s.name.value in names]


def _is_patch(call: cst.Call, site: Site, analysis: MockAnalysis) -> bool:
    qualified = analysis.names.resolve(site, call.func) or ""
    return qualified.rsplit(".", 1)[-1] in ("patch", "object", "multiple") and "mock" in qualified


def _arguments(summary: FunctionSummary, call: cst.Call, site: Site, analysis: MockAnalysis) -> Dict[Root, Value]:
    """The callee's parameters bound to the call's arguments, as far as they are
    certain: after a ``*args`` the positions are unknown, and what ``**kwargs``
    gives is left unbound (so nothing is checked against it)."""
    bindings: Dict[Root, Value] = {}
    position: Optional[int] = 0
    for arg in call.args:
        if arg.star == "*":
            position = None
            continue
        if arg.star:
            continue
        if arg.keyword is not None:
            name = summary.parameter_for(None, arg.keyword.value)
        elif position is None:
            continue
        else:
            name = summary.parameter_for(position, None)
            position += 1
        if name is not None:
            bindings[("param", name)] = (arg.value, site, analysis)
    return bindings


def _stored(cls: ClassSummary, ctor: Dict[Root, Value]) -> Dict[Root, Value]:
    """``self.attr`` values of an instance, from what its constructor was given."""
    return {("self", attr): ctor[("param", param)] for attr, param in cls.stores.items() if ("param", param) in ctor}


def _extended(base: Optional[Value], path: Path) -> Optional[Value]:
    """The value ``base.path`` as an expression of the test's side, for
    ``AuditLog()`` in a factory when the test patched ``AuditLog``."""
    if base is None:
        return None
    if not path:
        return base
    expr, site, analysis = base
    access = _access(base, path)
    return (access, site, analysis) if access is not None else None


def _evaluate(base: Value, path: Path) -> Optional[Tuple[Inferred, str]]:
    """What the access ``base.path`` gives, and how the test would write it."""
    expr, site, analysis = base
    current = _access(base, path)
    if current is None:
        return None
    root, chain = _chain(current)
    if root is not None and analysis.part_aliased(root, chain, site):
        return None  # configured through another name, maybe
    inferred = analysis.kind_of(current, site)
    if inferred is None:
        return None
    return inferred, _written(current)


def _access(base: Value, path: Path) -> Optional[cst.BaseExpression]:
    """The access ``base.path`` rebuilt as the attribute chain a test configures
    (``session.return_value.__aenter__.return_value.get``), so that every
    configuration of that chain in the test's code counts; only the last
    step stays a call, whose result is what the code under test uses."""
    expr, site, analysis = base
    current: cst.BaseExpression = expr
    for index, step in enumerate(path):
        following = path[index + 1] if index + 1 < len(path) else None
        if step == CALL:
            if following is None or following == AWAIT:
                current = cst.Call(func=current)
                continue
            callee = analysis.kind_of(current, site)
            if callee is None or callee.kind not in (Kind.MAGIC_MOCK, Kind.MOCK):
                return None  # an attribute of a coroutine, or of what mocklint cannot see
            result = analysis.kind_of(cst.Call(func=current), site)
            if result is None or not result.kind.is_mock:
                return None  # a side_effect or a plain value decides
            current = cst.Attribute(value=current, attr=cst.Name("return_value"))
        elif step == AWAIT:
            if not isinstance(current, cst.Call):
                return None
            awaited = analysis.awaited_value(current, site)
            if awaited is None:
                return None
            current = awaited
        else:
            current = cst.Attribute(value=current, attr=cst.Name(step))
    return current


def _named(expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` is a name or an attribute chain on one (``self.session``)."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Name)


def _chain(expr: cst.BaseExpression) -> Tuple[Optional[str], str]:
    """``("session", "post.return_value")`` for ``session.post()``."""
    words: List[str] = []
    while isinstance(expr, (cst.Attribute, cst.Call)):
        if isinstance(expr, cst.Call):
            words.append("return_value")
            expr = expr.func
        else:
            words.append(expr.attr.value)
            expr = expr.value
    return (expr.value, ".".join(reversed(words))) if isinstance(expr, cst.Name) else (None, "")


def _written(expr: cst.BaseExpression) -> str:
    """``session.post(...)``: calls shown without their arguments, ``return_value`` as a call."""
    if isinstance(expr, cst.Call):
        return f"{_written(expr.func)}(...)"
    if isinstance(expr, cst.Attribute):
        if expr.attr.value == "return_value":
            return f"{_written(expr.value)}(...)"
        return f"{_written(expr.value)}.{expr.attr.value}"
    return code(expr)


def _fails(protocol: Protocol, inferred: Inferred) -> bool:
    kind = inferred.kind
    if protocol in (Protocol.ASYNC_WITH, Protocol.ASYNC_FOR, Protocol.DROP):
        return kind is Kind.COROUTINE
    return kind in _SYNC_MOCKS or kind is Kind.ASYNC_MOCK  # awaited or scheduled: no mock object is awaitable


def _awaited(call: cst.Call, site: Site, analysis: MockAnalysis) -> bool:
    """Whether the coroutine ``call`` returns is run: awaited, or given to ``asyncio.run``."""
    parent = site.parent
    if isinstance(parent, cst.Await):
        return True
    outer = site.parent_site()
    if isinstance(parent, cst.Arg) and outer is not None:
        runner = outer.parent
        if isinstance(runner, cst.Call) and runner.args and runner.args[0] is parent:
            name = analysis.names.resolve(outer, runner.func) or (
                runner.func.attr.value if isinstance(runner.func, cst.Attribute) else ""
            )
            return name in _RUNNERS
    return False


def _guarded(site: Site) -> bool:
    """A call inside ``pytest.raises``/``assertRaises``/``try``: its failure may be the point."""
    for node, _ in site.ancestors():
        if isinstance(node, cst.Try):
            return True
        if isinstance(node, cst.With):
            for item in node.items:
                func = item.item.func if isinstance(item.item, cst.Call) else item.item
                name = code(func).rsplit(".", 1)[-1].lower() if isinstance(func, (cst.Name, cst.Attribute)) else ""
                if "raises" in name or "suppress" in name or "warns" in name:
                    return True
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return False
    return False
