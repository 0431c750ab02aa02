"""Mock-kind inference: what kind of mock does an expression in test code hold?

The async mock rules (MCK1xx) ask one question of an expression: is it an
``AsyncMock``, a ``MagicMock``, a ``Mock``, a non-callable mock, the coroutine
an ``AsyncMock`` call returns, or unknown?  Unknown never yields a finding.

What is followed, within a module (executed facts in
``shared/reference/mock-semantics.md``):

- constructors through any import form and alias (``unittest.mock``, the
  ``mock`` backport) and pytest-mock's ``mocker.AsyncMock()`` etc.;
- names, through every binding in their scope: one binding whose kind differs,
  or that mocklint cannot read (a loop target, ``global``), makes it unknown;
- attribute children (a child of an AsyncMock is an AsyncMock, of a MagicMock a
  MagicMock), calls (``return_value``), ``return_value=`` and ``.return_value =``,
  the default ``__aenter__`` result (an AsyncMock), and attributes replaced
  later (``session.post = MagicMock()``);
- ``patch``/``patch.object`` (and ``mocker.patch``) as decorators, context
  managers and ``.start()``, when ``new=``/``new_callable=`` decide, or when the
  target resolves to a function or class in the same module;
- fixtures defined in the same module that return or yield a mock.

Where the mock could be reconfigured out of sight (passed to a helper defined
in the module, aliased, configured with ``configure_mock``/``setattr``, given a
``spec``), children are unknown.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver, dotted_name
from mocklint.analysis.pytest_model.pytest_roles import Role, fixture_decorator, function_role
from mocklint.analysis.syntax.source import code
from mocklint.analysis.mock_values.targets import Target, configures_parameter, resolve_target
from mocklint.analysis.syntax.tree import Frame, Site, descendants, walk

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.analysis.pytest_model.project import ProjectModel


class Kind(enum.Enum):
    ASYNC_MOCK = "AsyncMock"
    MAGIC_MOCK = "MagicMock"
    MOCK = "Mock"
    NON_CALLABLE_MOCK = "NonCallableMock"
    NON_CALLABLE_MAGIC_MOCK = "NonCallableMagicMock"
    COROUTINE = "coroutine"
    #: a plain value a sync mock's call returns (``return_value=3``): never awaitable
    VALUE = "value"

    @property
    def is_mock(self) -> bool:
        return self not in (Kind.COROUTINE, Kind.VALUE)


@dataclass(frozen=True)
class Inferred:
    """A kind, and the words that explain it in a message."""

    kind: Kind
    #: e.g. "`session` is an AsyncMock" — why the expression has this kind
    why: str
    #: the mock whose call made the coroutine (for COROUTINE), as written
    callee: str = ""
    #: children of this mock are unknown (spec, configured dynamically)
    opaque: bool = False
    #: the class a ``spec=``/``spec_set=`` names, when it could be read: its
    #: members decide the children (``async def`` -> AsyncMock, ``def`` -> MagicMock)
    spec: Optional[Tuple[str, str]] = None
    #: an AsyncMock standing for a real coroutine function (a patched or spec'd
    #: ``async def``): code awaits its calls, ``async with await f()`` included
    coroutine_function: bool = False
    #: for a mock a fixture provides: the fixture's own name for it, where, and
    #: in which analysis, so that its set-up (``client.get = AsyncMock()``) counts
    origin: Optional[Tuple[str, Site, "MockAnalysis"]] = field(default=None, compare=False)
    #: a mock of a class made with ``autospec=True``/``spec=True``: calling it
    #: gives an instance spec'd on the same class
    spec_class: bool = False
    #: the node that decided this kind (a mock constructor, a patch, an
    #: assignment that configures it) and the analysis of the file it is in
    at: Optional[Tuple[cst.CSTNode, Site, "MockAnalysis"]] = field(default=None, compare=False)
    #: for a plain value: its class as Python's errors name it (``dict``)
    value_type: str = ""


MOCK_MODULES = ("unittest.mock", "mock")
_CONSTRUCTORS = {
    "AsyncMock": Kind.ASYNC_MOCK,
    "MagicMock": Kind.MAGIC_MOCK,
    "Mock": Kind.MOCK,
    "NonCallableMock": Kind.NON_CALLABLE_MOCK,
    "NonCallableMagicMock": Kind.NON_CALLABLE_MAGIC_MOCK,
}
CONSTRUCTOR_NAMES: Dict[str, Kind] = {
    f"{module}.{name}": kind for module in MOCK_MODULES for name, kind in _CONSTRUCTORS.items()
}
_DEFAULTS = frozenset(f"{module}.DEFAULT" for module in MOCK_MODULES)
_SPECCABLE = (Kind.MAGIC_MOCK, Kind.ASYNC_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK)
AUTOSPEC = frozenset(f"{module}.create_autospec" for module in MOCK_MODULES)
PATCHERS = frozenset(f"{module}.patch" for module in MOCK_MODULES)
PATCH_OBJECTS = frozenset(f"{module}.patch.object" for module in MOCK_MODULES)
MOCKER_NAMES = frozenset({"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"})

# Keyword arguments of the mock constructors that do not configure children.
_CONSTRUCTOR_KEYWORDS = frozenset({"spec", "spec_set", "side_effect", "return_value", "wraps", "name", "unsafe", "parent"})
_SPEC_KEYWORDS = frozenset({"spec", "spec_set", "wraps"})
# Attributes of every mock that are real attributes or methods, not child mocks.
_NOT_CHILDREN = frozenset(
    {
        "side_effect",
        "called",
        "call_count",
        "call_args",
        "call_args_list",
        "method_calls",
        "mock_calls",
        "await_count",
        "await_args",
        "await_args_list",
        "reset_mock",
        "configure_mock",
        "attach_mock",
        "mock_add_spec",
    }
)
# mock's _async_method_magics; `__aiter__` is sync (it returns the async iterator)
_ASYNC_MAGICS = frozenset({"__aenter__", "__aexit__", "__anext__"})
_SYNC_ASYNC_MAGICS = frozenset({"__aiter__"})
_MAX_DEPTH = 40


def _is_configuring(name: str) -> bool:
    return name in ("configure_mock", "attach_mock", "mock_add_spec")


def _indefinite(kind: Kind) -> str:
    return f"an {kind.value}" if kind.value[0] in "AEIOU" else f"a {kind.value}"


def _child_kind(kind: Kind, attr: str) -> Optional[Kind]:
    """The default kind of ``parent.attr`` for a parent of ``kind``."""
    if attr in _NOT_CHILDREN or attr.startswith(("assert_", "_mock_")):
        return None
    if attr in _ASYNC_MAGICS:
        return Kind.ASYNC_MOCK if kind in (Kind.ASYNC_MOCK, Kind.MAGIC_MOCK) else None
    if attr in _SYNC_ASYNC_MAGICS:
        return Kind.MAGIC_MOCK if kind in (Kind.ASYNC_MOCK, Kind.MAGIC_MOCK) else None
    if attr.startswith("__") and attr.endswith("__"):
        return None  # other magics: configured per class, rarely read as mocks
    if kind is Kind.ASYNC_MOCK:
        return Kind.ASYNC_MOCK
    if kind in (Kind.MAGIC_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK):
        return Kind.MAGIC_MOCK
    if kind in (Kind.MOCK, Kind.NON_CALLABLE_MOCK):
        return Kind.MOCK
    return None


def may_be_child(attr: str) -> bool:
    """Whether ``mock.attr`` may be a child mock of some mock (not one of its
    own methods or counters, such as ``assert_called_with`` or ``call_count``)."""
    return _child_kind(Kind.MAGIC_MOCK, attr) is not None


@dataclass
class _Binding:
    """One binding of a name: the expression it was bound to, or how."""

    how: str  # "value", "with", "async_with", "param", "unknown"
    value: Optional[cst.CSTNode]
    site: Site


class MockAnalysis:
    """Per-file facts, built once from the module and shared by the MCK1xx rules."""

    def __init__(self, module: cst.Module, names: NameResolver, path: Optional[str] = None) -> None:
        self.module = module
        self.names = names
        self.path = path
        # (id(scope), name) -> bindings
        self._bindings: Dict[Tuple[int, str], List[_Binding]] = {}
        # root name -> [(attribute path, value or None for dynamic, site)]
        self._attr_assigns: Dict[str, List[Tuple[str, Optional[cst.BaseExpression], Site]]] = {}
        # (id(scope), name) of bindings whose object escapes to code that may reconfigure it
        self._escaped: Set[Tuple[int, str]] = set()
        self._functions: Dict[str, List[Tuple[cst.FunctionDef, Site]]] = {}
        self._returns: Dict[int, List[cst.BaseExpression]] = {}
        self._passed: List[Tuple[str, List[cst.BaseExpression], Site]] = []
        self._calls: List[Tuple[cst.Call, Site]] = []
        #: every call of the module with its site, in source order
        self.call_sites: List[Tuple[cst.Call, Site]] = []
        # root name -> [(attribute path, site)] of `x = root.path` (an alias of a part of it)
        self._part_aliases: Dict[str, List[Tuple[str, Site]]] = {}
        self._name_kinds: Dict[Tuple[int, str], Optional[Inferred]] = {}
        self._fixtures: Optional[Dict[str, List[Tuple[cst.FunctionDef, Site]]]] = None
        self._requests: Optional[Dict[str, List[cst.FunctionDef]]] = None
        self._collect()
        self._finish()

    # -- collection ---------------------------------------------------------
    def _collect(self) -> None:
        handlers = {
            cst.Assign: [self._on_assign],
            cst.AnnAssign: [self._on_ann_assign],
            cst.WithItem: [self._on_with_item],
            cst.FunctionDef: [self._on_function],
            cst.Return: [self._on_return],
            cst.Yield: [self._on_return],
            cst.Name: [self._on_name],
            cst.Call: [self._on_call],
        }
        walk(self.module, handlers)  # type: ignore[arg-type]

    def _statement_of(self, site: Site) -> Optional[Tuple[Tuple[int, ...], Optional[cst.CSTNode]]]:
        """Where the statement around ``site`` stands in its function: the index of
        each enclosing statement in its block, outermost first, and the function;
        None inside a loop, whose body runs again after its own later lines."""
        indices: List[int] = []
        frame: Optional[Frame] = site.frame
        while frame is not None and frame[1] is not None:
            node, parent = frame[0], frame[1][0]
            if isinstance(node, (cst.For, cst.While)) and frame is not site.frame:
                return None
            if isinstance(node, cst.FunctionDef) and frame is not site.frame:
                return tuple(reversed(indices)), node
            body = getattr(parent, "body", None)
            if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) and isinstance(body, (list, tuple)):
                indices.append(next(i for i, statement in enumerate(body) if statement is node))
            frame = frame[1]
        return tuple(reversed(indices)), None

    def _runs_after(self, later: Site, earlier: Site) -> bool:
        """Whether ``later`` certainly runs after ``earlier``: statements of one
        function, outside loops, ``later`` below (``orig = obj.send`` binds the
        real method, whatever ``obj.send = Mock()`` on the next line does)."""
        a, b = self._statement_of(later), self._statement_of(earlier)
        if a is None or b is None or a[1] is None or a[1] is not b[1]:
            return False
        return a[0] > b[0] and a[0][: len(b[0])] != b[0]

    def _scope_key(self, site: Site, name: str) -> Optional[Tuple[int, str]]:
        for scope in site.scopes():
            if self.names.scope_bindings(scope, name):
                return (id(scope), name)
        return None

    def _bind(self, site: Site, target: cst.BaseExpression, how: str, value: Optional[cst.CSTNode]) -> None:
        if isinstance(target, cst.Name):
            key = self._scope_key(site, target.value)
            if key is not None:
                self._bindings.setdefault(key, []).append(_Binding(how, value, site))
        elif isinstance(target, cst.Attribute):
            path: List[str] = []
            node: cst.BaseExpression = target
            while isinstance(node, cst.Attribute):
                path.append(node.attr.value)
                node = node.value
            if isinstance(node, cst.Name):
                assigned = value if isinstance(value, cst.BaseExpression) and how == "value" else None
                self._attr_assigns.setdefault(node.value, []).append((".".join(reversed(path)), assigned, site))

    def _on_assign(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Assign)
        site = Site(frame)
        for target in node.targets:
            if isinstance(target.target, (cst.Name, cst.Attribute)):
                self._bind(site, target.target, "value", node.value)
        root, path = _split(node.value) if isinstance(node.value, cst.Attribute) else (None, "")
        if root is not None:
            self._part_aliases.setdefault(root.value, []).append((path, site))

    def _on_ann_assign(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.AnnAssign)
        if node.value is not None:
            self._bind(Site(frame), node.target, "value", node.value)

    def _on_with_item(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.WithItem)
        site = Site(frame)
        owner = site.parent
        if node.asname is not None and isinstance(owner, cst.With):
            how = "async_with" if owner.asynchronous is not None else "with"
            self._bind(site, node.asname.name, how, node.item)

    def _on_function(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.FunctionDef)
        site = Site(frame)
        self._functions.setdefault(node.name.value, []).append((node, site))
        inner = Site((node.params, frame, "params"))
        params = node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            key = self._scope_key(Site((param, inner.frame, "params")), param.name.value)
            if key is not None:
                self._bindings.setdefault(key, []).append(_Binding("param", param, site))

    def _on_return(self, node: cst.CSTNode, frame: Frame) -> None:
        site = Site(frame)
        func = site.enclosing_function()
        value = node.value if isinstance(node, (cst.Return, cst.Yield)) else None
        if func is not None and isinstance(value, cst.BaseExpression):
            self._returns.setdefault(id(func), []).append(value)

    def _on_name(self, node: cst.CSTNode, frame: Frame) -> None:
        """A bare name handed on (aliased, stored, put in a container) lets
        other code reconfigure the mock it holds."""
        assert isinstance(node, cst.Name)
        site = Site(frame)
        parent = site.parent
        # (returning it is not escaping: uses in this function come first, and
        # a fixture's consumers are checked where its kind is used)
        escapes = (
            (isinstance(parent, cst.Assign) and site.field == "value" and not _assigned_into_itself(parent, node))
            or (isinstance(parent, cst.AnnAssign) and site.field == "value")
            or isinstance(parent, (cst.Element, cst.DictElement))
        )
        if escapes:
            key = self._scope_key(site, node.value)
            if key is not None:
                self._escaped.add(key)

    def _on_call(self, node: cst.CSTNode, frame: Frame) -> None:
        assert isinstance(node, cst.Call)
        site = Site(frame)
        self.call_sites.append((node, site))
        func = node.func
        # setattr(m, "x", ...), monkeypatch.setattr(m, "x", ...), patch.object(m, "x", ...),
        # m.configure_mock(...), m.attach_mock(...)
        last = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        if last in ("setattr", "delattr", "object", "delitem", "setitem") and node.args:
            root = node.args[0].value
            if isinstance(root, (cst.Name, cst.Attribute)):
                attr = node.args[1].value if len(node.args) > 1 else None
                name = attr.evaluated_value if isinstance(attr, cst.SimpleString) else None
                if isinstance(name, str) and name.isidentifier():
                    self._mark_dynamic(cst.Attribute(value=root, attr=cst.Name(name)), site)
                else:
                    self._mark_dynamic(root, site)
        elif isinstance(func, cst.Attribute) and _is_configuring(func.attr.value):
            self._mark_dynamic(func.value, site)
        # passing a mock to a function of this module: it may configure it
        callee = dotted_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
        if callee is not None:
            passed = [arg.value for arg in node.args if isinstance(arg.value, (cst.Name, cst.Attribute))]
            if passed:
                self._passed.append((callee.split(".")[-1], passed, site))
                self._calls.append((node, site))

    def _finish(self) -> None:
        # an imported helper that sets attributes on a mock passed to it
        for call, site in self._calls:
            qualified = self.names.resolve(site, call.func)
            if qualified is None or "." not in qualified:
                continue
            for position, arg in enumerate(call.args):
                if not isinstance(arg.value, (cst.Name, cst.Attribute)) or arg.star:
                    continue
                keyword = arg.keyword.value if arg.keyword is not None else None
                if configures_parameter(qualified, self._directory(), None if keyword else position, keyword):
                    if isinstance(arg.value, cst.Attribute):
                        self._mark_dynamic(arg.value, site)
                    else:
                        key = self._scope_key(site, arg.value.value)
                        if key is not None:
                            self._escaped.add(key)
        for callee, passed, site in self._passed:
            if callee in self._functions:
                for expr in passed:
                    if isinstance(expr, cst.Attribute):
                        self._mark_dynamic(expr, site)  # a helper may reconfigure `self.session`
                        continue
                    key = self._scope_key(site, expr.value)
                    if key is not None:
                        self._escaped.add(key)

    def _mark_dynamic(self, target: cst.BaseExpression, site: Site) -> None:
        path: List[str] = []
        node = target
        while isinstance(node, cst.Attribute):
            path.append(node.attr.value)
            node = node.value
        if isinstance(node, cst.Name):
            self._attr_assigns.setdefault(node.value, []).append((".".join(reversed(path)), None, site))
            if not path:
                key = self._scope_key(site, node.value)
                if key is not None:
                    self._escaped.add(key)

    # -- queries ------------------------------------------------------------
    def kind_of(self, expr: cst.BaseExpression, site: Site) -> Optional[Inferred]:
        """The kind of ``expr`` evaluated at ``site``, or None when unsure."""
        return self._kind(expr, site, 0)

    def _kind(self, expr: cst.BaseExpression, site: Site, depth: int) -> Optional[Inferred]:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, cst.Call):
            return self._call_kind(expr, site, depth)
        if isinstance(expr, cst.Name):
            return self._name_kind(expr, site, depth)
        if isinstance(expr, cst.Attribute):
            return self._attribute_kind(expr, site, depth)
        return None  # awaiting, subscripts, literals...: not followed

    def constructor_kind(self, func: cst.BaseExpression, site: Site) -> Optional[Kind]:
        qualified = self.names.resolve(site, func)
        if qualified in CONSTRUCTOR_NAMES:
            return CONSTRUCTOR_NAMES[qualified]
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value in MOCKER_NAMES
            and func.attr.value in _CONSTRUCTORS
            and self._is_parameter(func.value, site)
        ):
            return _CONSTRUCTORS[func.attr.value]
        return None

    def _spec_of(self, call: cst.Call, site: Site) -> Optional[Tuple[str, str]]:
        """``("local", "C")`` or ``("qualified", "pkg.C")`` for ``Mock(spec=C)`` when
        ``C`` is certainly a class and nothing else configures the children."""
        specs = [a for a in call.args if a.keyword is not None and a.keyword.value in ("spec", "spec_set")]
        positional = [a for a in call.args if a.keyword is None and not a.star]
        if len(specs) + len(positional) != 1 or any(a.star for a in call.args):
            return None
        if any(a.keyword is not None and a.keyword.value not in _CONSTRUCTOR_KEYWORDS for a in call.args):
            return None
        if any(a.keyword is not None and a.keyword.value == "wraps" for a in call.args):
            return None
        value = (specs or positional)[0].value
        if isinstance(value, cst.Name) and self._local_class(value, site) is not None:
            return ("local", value.value)
        qualified = self.names.resolve(site, value)
        if qualified is None:
            return None
        if resolve_target(qualified, self._directory()) is not Target.CLASS:
            return None
        return ("qualified", qualified)

    def _spec_member(self, spec: Tuple[str, str], attr: str, site: Site) -> Optional[Target]:
        if spec[0] == "local":
            return self._local_class_member(cst.Name(spec[1]), attr, site)
        return resolve_target(f"{spec[1]}.{attr}", self._directory())

    def _directory(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()

    def _autospec_kind(self, call: cst.Call, site: Site) -> Optional[Inferred]:
        """``create_autospec(fetch)`` of a coroutine function: calling it returns a coroutine."""
        if self.names.resolve(site, call.func) not in AUTOSPEC or not call.args or call.args[0].keyword:
            return None
        spec = call.args[0].value
        qualified = self.names.resolve(site, spec)
        if qualified is None:
            return None
        directory = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        if resolve_target(qualified, directory) is not Target.ASYNC_FUNCTION:
            return None
        return Inferred(
            Kind.ASYNC_MOCK,
            f"`{code(call)}` specs the coroutine function `{qualified}`",
            opaque=True,
            coroutine_function=True,
        )

    def _is_parameter(self, name: cst.Name, site: Site) -> bool:
        return self.names.parameter_owner(site, name.value) is not None

    def _call_kind(self, call: cst.Call, site: Site, depth: int) -> Optional[Inferred]:
        autospec = self._autospec_kind(call, site)
        if autospec is not None:
            return autospec
        constructed = self.constructor_kind(call.func, site)
        if constructed is not None:
            # a spec makes children follow the spec; other keywords configure children
            opaque = any(
                arg.star
                or arg.keyword is None  # positional: the spec
                or arg.keyword.value in _SPEC_KEYWORDS
                or arg.keyword.value not in _CONSTRUCTOR_KEYWORDS
                for arg in call.args
            )
            return Inferred(
                constructed,
                f"`{code(call)}` is {_indefinite(constructed)}",
                opaque=opaque,
                spec=self._spec_of(call, site),
                at=(call, site, self),
            )
        patched = self.patch_kind(call, site, depth)
        if patched is not None:
            # mocker.patch(...) returns the mock; patch(...) returns a patcher
            return patched if self._is_mocker_call(call) else None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "start" and not call.args:
            patcher: Optional[cst.BaseExpression] = func.value
            patcher_site = site
            if isinstance(patcher, cst.Name):
                bound = self.bound_value(patcher, site)  # `patcher = patch(...)`, then `patcher.start()`
                patcher, patcher_site = bound if bound is not None else (None, site)
            started = self.patch_kind(patcher, patcher_site, depth) if isinstance(patcher, cst.Call) else None
            if started is not None and not self._is_mocker_call(patcher):  # type: ignore[arg-type]
                # what the decorator or `with ... as` would hand over: a spec (autospec=True) stays
                return replace(started, why=f"`{code(call)}` gives {_indefinite(started.kind)}", callee="")
        callee = self._kind(call.func, site, depth + 1)
        if callee is None:
            return None
        if callee.kind is Kind.ASYNC_MOCK:
            # whatever its spec or side_effect, calling an AsyncMock returns a coroutine
            return Inferred(Kind.COROUTINE, callee.why, callee=code(call.func), at=callee.at)
        if callee.spec_class and callee.spec is not None:
            # an instance of the spec'd class: a non-callable mock spec'd on it
            return Inferred(
                Kind.NON_CALLABLE_MAGIC_MOCK, f"{callee.why}; `{code(call)}` is an instance mock", opaque=True, spec=callee.spec
            )
        if callee.opaque:
            return None
        if callee.kind in (Kind.MAGIC_MOCK, Kind.MOCK):
            configured = self._made_with(callee, call, depth)
            if configured is not _NOT_ASSIGNED:
                return configured  # type: ignore[return-value]
            root, path = _split(call.func)
            if root is not None:
                side_effect = f"{path}.side_effect" if path else "side_effect"
                if self._assigned(root, side_effect, site, depth) is not _NOT_ASSIGNED:
                    return None  # a side_effect decides what the call returns
            return self._return_value_kind(call.func, callee, site, depth)
        return None

    def _made_with(self, callee: Inferred, call: cst.Call, depth: int) -> object:
        """What calling a sync mock returns when the constructor that made it
        (``session.post = Mock(side_effect=fake_post)``) says: the kind, None when
        unknown, or _NOT_ASSIGNED when the constructor configures no result."""
        if callee.at is None:
            return _NOT_ASSIGNED
        node, site, analysis = callee.at
        if isinstance(node, cst.Assign):
            node = node.value
        if not isinstance(node, cst.Call) or analysis.constructor_kind(node.func, site) is None:
            return _NOT_ASSIGNED
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if "wraps" in keywords:
            return None
        effect = keywords.get("side_effect")
        if effect is not None:
            function = analysis._local_coroutine_function(effect, site)
            if function is None:
                return None
            return Inferred(
                Kind.COROUTINE,
                f"{callee.why} whose `side_effect` is the `async def {function}`",
                callee=code(call.func),
                at=callee.at,
            )
        if "return_value" in keywords:
            value = keywords["return_value"]
            return _literal(value) or analysis._kind(value, site, depth + 1)
        return _NOT_ASSIGNED

    def _local_coroutine_function(self, expr: cst.BaseExpression, site: Site) -> Optional[str]:
        """The name of the ``async def`` (not a generator) ``expr`` names in this file, if certain."""
        if not isinstance(expr, cst.Name):
            return None
        key = self._scope_key(site, expr.value)
        bindings = self._bindings.get(key, []) if key else []
        declared = self.names.scope_bindings(self._scope_node(site, expr.value), expr.value)
        functions = [f for f, _ in self._functions.get(expr.value, [])]
        if bindings or len(declared) != 1 or len(functions) != 1:
            return None
        func = functions[0]
        if func.asynchronous is None or func.decorators or _has_own_yield(func):
            return None
        return expr.value

    def _is_mocker_call(self, call: cst.Call) -> bool:
        root, _ = _split(call.func)
        return root is not None and root.value in MOCKER_NAMES

    def _return_value_kind(
        self, func: cst.BaseExpression, callee: Inferred, site: Site, depth: int
    ) -> Optional[Inferred]:
        """Kind of calling a sync mock: its configured or default ``return_value``."""
        return self._attribute_kind(cst.Attribute(value=func, attr=cst.Name("return_value")), site, depth + 1, callee)

    def _name_kind(self, name: cst.Name, site: Site, depth: int) -> Optional[Inferred]:
        key = self._scope_key(site, name.value)
        if key is None:
            return None
        # a name's kind depends only on its bindings: work it out once (and
        # stay unknown on cycles such as `response = response.next`)
        if key in self._name_kinds:
            return self._name_kinds[key]
        self._name_kinds[key] = None
        found = self._name_kind_uncached(name, key, site, depth)
        self._name_kinds[key] = found
        return found

    def _name_kind_uncached(
        self, name: cst.Name, key: Tuple[int, str], site: Site, depth: int
    ) -> Optional[Inferred]:
        bindings = self._bindings.get(key, [])
        declared = self.names.scope_bindings(self._scope_node(site, name.value), name.value)
        if not bindings or len(bindings) != len(declared):
            return None  # a binding mocklint cannot read (loop target, global, import...)
        found: Optional[Inferred] = None
        for binding in bindings:
            kind = self._binding_kind(binding, name.value, depth)
            if kind is None or (found is not None and found.kind is not kind.kind):
                return None
            if found is None:
                found = kind
        if found is None:
            return None
        if key in self._escaped:
            return replace(found, opaque=True, spec=None, origin=None)  # spec'd or not: reconfigurable
        if found.opaque:
            return replace(found, opaque=True)
        return found

    def _scope_node(self, site: Site, name: str) -> cst.CSTNode:
        for scope in site.scopes():
            if self.names.scope_bindings(scope, name):
                return scope
        return self.module

    def _binding_kind(self, binding: _Binding, name: str, depth: int) -> Optional[Inferred]:
        if binding.how == "value" and isinstance(binding.value, cst.BaseExpression):
            inner = self._kind(binding.value, binding.site, depth + 1)
            if inner is None:
                return None
            if inner.kind is Kind.COROUTINE:
                return inner
            return replace(inner, why=f"`{name}` is {_indefinite(inner.kind)}", callee="")
        if binding.how in ("with", "async_with") and isinstance(binding.value, cst.BaseExpression):
            return self._with_target_kind(binding, name, depth)
        if binding.how == "param":
            return self._parameter_kind(binding, name, depth)
        return None

    def _with_target_kind(self, binding: _Binding, name: str, depth: int) -> Optional[Inferred]:
        item = binding.value
        assert isinstance(item, cst.BaseExpression)
        if isinstance(item, cst.Call):
            patched = self.patch_kind(item, binding.site, depth)
            if patched is not None:
                # a spec (autospec=True) stays: it decides the children
                return replace(patched, why=f"`{name}` is {_indefinite(patched.kind)} ({patched.why})", callee="")
        if binding.how != "async_with":
            return None
        manager = self._kind(item, binding.site, depth + 1)
        if manager is None or manager.kind not in (Kind.MAGIC_MOCK, Kind.ASYNC_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK):
            return None
        if manager.opaque and manager.spec is None:
            return None
        entered = self._attribute_kind(
            cst.Attribute(
                value=cst.Attribute(value=item, attr=cst.Name("__aenter__")), attr=cst.Name("return_value")
            ),
            binding.site,
            depth + 1,
        )
        if entered is None:
            return None
        return Inferred(
            entered.kind,
            f"`{name}` is what `__aenter__` of the {manager.kind.value} `{code(item)}` returns, "
            f"{_indefinite(entered.kind)} by default",
            opaque=entered.opaque,
        )

    def _parameter_kind(self, binding: _Binding, name: str, depth: int) -> Optional[Inferred]:
        param = binding.value
        func_site = binding.site
        func = func_site.node
        assert isinstance(param, cst.Param) and isinstance(func, cst.FunctionDef)
        injected = self._patch_parameters(func, func_site, depth)
        if name in injected:
            patched = injected[name]
            if patched is None:
                return None
            # a spec (autospec=True) stays: it decides the children
            return replace(
                patched, why=f"`{name}` is {_indefinite(patched.kind)} (a `patch` decorator: {patched.why})", callee=""
            )
        if self._parametrized(func, func_site, name):
            return None  # direct parametrization overrides any fixture of that name
        if function_role(func, func_site, self.names) not in (Role.TEST, Role.FIXTURE):
            return None  # a helper's parameter is whatever its caller passes
        return self._fixture_kind(name, func, func_site, depth)

    def _parametrized(self, func: cst.FunctionDef, site: Site, name: str) -> bool:
        if "pytest_generate_tests" in self._functions:
            return True  # opaque: may parametrize any name
        for decorator in func.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and self.names.resolve(site, call.func) == "pytest.mark.parametrize":
                if not call.args or name in code(call.args[0].value):
                    return True
        return False

    def _patch_parameters(self, func: cst.FunctionDef, site: Site, depth: int) -> Dict[str, Optional[Inferred]]:
        """Parameters filled by ``@patch`` decorators: the bottom decorator gives
        the first mock argument.  A patch with ``new=`` injects nothing."""
        kinds: List[Optional[Inferred]] = []
        named: Dict[str, Optional[Inferred]] = {}
        for decorator in reversed(func.decorators):
            call = decorator.decorator
            if not isinstance(call, cst.Call):
                continue
            qualified = self.names.resolve(site, call.func)
            if qualified not in PATCHERS and qualified not in PATCH_OBJECTS:
                base, _, leaf = (qualified or "").rpartition(".")
                if base in PATCHERS and leaf == "multiple":
                    named.update(self._multiple_kinds(call, site))  # keyword arguments, by name
                elif base in PATCHERS and leaf != "dict":  # patch.dict injects nothing
                    return {}
                continue
            if any(arg.keyword is not None and arg.keyword.value == "new" for arg in call.args):
                continue
            if qualified in PATCHERS and len([a for a in call.args if a.keyword is None]) >= 2:
                continue  # patch(target, new)
            if qualified in PATCH_OBJECTS and len([a for a in call.args if a.keyword is None]) >= 3:
                continue  # patch.object(target, attribute, new)
            kinds.append(self.patch_kind(call, site, depth))
        params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        injected: Dict[str, Optional[Inferred]] = dict(zip(params, kinds))
        if set(injected) & set(named):
            return {}  # a name both positional and keyword: not a signature mocklint understands
        injected.update(named)
        return injected

    def _multiple_kinds(self, call: cst.Call, site: Site) -> Dict[str, Optional[Inferred]]:
        """``@patch.multiple(target, a=DEFAULT)`` passes the mock for ``a`` as keyword ``a``."""
        positional = [a for a in call.args if a.keyword is None]
        if len(positional) != 1 or any(a.star for a in call.args):
            return {}
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        target = positional[0].value
        found: Dict[str, Optional[Inferred]] = {}
        special = {"spec", "spec_set", "create", "autospec", "new_callable"}
        for name, value in keywords.items():
            if name in special or self.names.resolve(site, value) not in _DEFAULTS:
                continue
            if special & set(keywords):
                found[name] = None
                continue
            member: Optional[Target] = None
            if isinstance(target, cst.SimpleString) and isinstance(target.evaluated_value, str):
                member = resolve_target(f"{target.evaluated_value}.{name}", self._directory())
            elif isinstance(target, cst.Name) and self._local_class(target, site) is not None:
                member = self._local_class_member(target, name, site)
            else:
                holder = self.names.resolve(site, target)
                member = resolve_target(f"{holder}.{name}", self._directory()) if holder else None
            if member is Target.ASYNC_FUNCTION:
                found[name] = Inferred(
                    Kind.ASYNC_MOCK,
                    f"`patch.multiple` replaces the coroutine function `{name}` with an AsyncMock",
                    coroutine_function=True,
                )
            elif member is not None:
                found[name] = Inferred(Kind.MAGIC_MOCK, f"`patch.multiple` replaces the {member.value} `{name}` with a MagicMock")
            else:
                found[name] = None
        return found

    def _fixture_kind(self, name: str, test: cst.FunctionDef, test_site: Site, depth: int) -> Optional[Inferred]:
        """A fixture called ``name`` (of this module, else of the conftest.py the
        project model picks) that returns or yields a mock."""
        definition = self.fixture_definition(name, test, test_site)
        if definition is None:
            return None
        func, site, analysis = definition
        if analysis is self:
            found, where = self.fixture_value_kind(func, site, depth), ""
        else:
            found = analysis.fixture_value_kind(func, site, depth + 1)
            model = _model(self.path)
            where = f" in {model.rel(analysis.path)}" if model is not None and analysis.path else ""
        if found is None:
            return None
        return replace(found, why=f"`{name}` is the {found.kind.value} that the fixture `{name}`{where} provides")

    def fixture_value_kind(self, func: cst.FunctionDef, site: Site, depth: int = 0) -> Optional[Inferred]:
        """The kind of what the fixture ``func`` returns or yields, when all agree.

        When the fixture configures the mock before handing it out
        (``session.get = MagicMock()``), its children are unknown to the test:
        the configuration lives in another scope."""
        values = self._returns.get(id(func), [])
        if not values:
            return None
        found: Optional[Inferred] = None
        body_site = self._site_inside(func, site)
        for value in values:
            kind = self._kind(value, body_site, depth + 1)
            if kind is None or kind.kind is Kind.COROUTINE or (found is not None and found.kind is not kind.kind):
                return None
            if isinstance(value, cst.Name) and len(values) == 1:
                kind = replace(kind, origin=(value.value, body_site, self))
            found = kind if found is None or kind.opaque else found
        return found



    def _fixture_index(self) -> Dict[str, List[Tuple[cst.FunctionDef, Site]]]:
        """Fixtures of this module by registered name, built once."""
        if self._fixtures is None:
            self._fixtures = {}
            self._requests = {}
            for functions in self._functions.values():
                for func, site in functions:
                    registered = _fixture_name(func, self.names, site)
                    if registered is None:
                        continue
                    self._fixtures.setdefault(registered, []).append((func, site))
                    params = (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params)
                    for param in params:
                        self._requests.setdefault(param.name.value, []).append(func)
        return self._fixtures

    def _requested_by_fixtures(self, name: str, test: cst.FunctionDef) -> bool:
        """Whether a fixture of this module requests ``name`` (and so gets the mock
        too) and may reconfigure it: sets an attribute of it, or hands it on
        where mocklint cannot follow (an alias, a container, a local helper).
        One that only passes it to the code under test (``Client(session)``)
        changes nothing of it."""
        self._fixture_index()
        assert self._requests is not None
        for func in self._requests.get(name, []):
            if func is test:
                continue
            site = self._function_site(func)
            if site is None:
                return True
            inside = self._site_inside(func, site)
            key = self._scope_key(inside, name)
            if key is None or key in self._escaped or self.attribute_assignments(name, inside):
                return True
        return False

    def _site_inside(self, func: cst.FunctionDef, site: Site) -> Site:
        """A site within ``func``'s body, for resolving the names its returns use."""
        return Site((func.body, site.frame, "body"))

    def _attribute_kind(
        self, attr: cst.Attribute, site: Site, depth: int, parent: Optional[Inferred] = None
    ) -> Optional[Inferred]:
        # explicit configuration wins: `session.post = MagicMock()`
        root, path = _split(attr)
        if root is not None:
            assigned = self._assigned(root, path, site, depth)
            if assigned is not _NOT_ASSIGNED:
                return assigned  # type: ignore[return-value]
            if self._configured_above(root, path, site):
                return None
            # a fixture's mock: what the fixture set up before handing it out
            provided = self._kind(root, site, depth + 1) if depth < _MAX_DEPTH else None
            if provided is not None and provided.origin is not None:
                name, origin_site, analysis = provided.origin
                origin_root = cst.Name(name)
                assigned = analysis._assigned(origin_root, path, origin_site, depth + 1)
                if assigned is not _NOT_ASSIGNED:
                    return assigned  # type: ignore[return-value]
                if analysis._configured_above(origin_root, path, origin_site):
                    return None
        if parent is None:
            parent = self._kind(attr.value, site, depth + 1)
        if parent is not None and parent.spec is not None and parent.kind in _SPECCABLE:
            return self._spec_child(parent, attr.attr.value, site)
        if parent is None or parent.opaque or parent.kind is Kind.COROUTINE:
            return None
        if parent.kind not in (Kind.MAGIC_MOCK, Kind.MOCK, Kind.ASYNC_MOCK) and attr.attr.value == "return_value":
            return None
        if attr.attr.value == "return_value":
            # constructor `return_value=` decides
            configured = self._constructor_return_value(attr.value, site, depth)
            if configured is not _NOT_ASSIGNED:
                return configured  # type: ignore[return-value]
        child = _child_kind(parent.kind, attr.attr.value)
        if child is None:
            return None
        return Inferred(child, parent.why, at=parent.at)

    def _spec_child(self, parent: Inferred, attr: str, site: Site) -> Optional[Inferred]:
        """A child of ``Mock(spec=C)``: what ``C``'s member is decides (Python 3.8+:
        ``async def`` members become AsyncMocks, plain ``def`` members MagicMocks)."""
        assert parent.spec is not None
        name = parent.spec[1]
        if attr == "return_value" and parent.spec_class:
            # what calling the class mock gives: an instance mock spec'd on the same class
            return Inferred(Kind.NON_CALLABLE_MAGIC_MOCK, f"{parent.why}; `{name}()` is an instance mock", opaque=True, spec=parent.spec)
        member = self._spec_member(parent.spec, attr, site) if attr in _ASYNC_MAGICS or not attr.startswith("_") else None
        if attr in _ASYNC_MAGICS:
            # the class defines `async def __aenter__`: the mock's is a plain AsyncMock,
            # whose result (what `async with` binds) is an AsyncMock without a spec
            if member is Target.ASYNC_FUNCTION:
                return Inferred(Kind.ASYNC_MOCK, f"`{name}.{attr}` is an `async def`, so the mock's `{attr}` is an AsyncMock")
            return None
        if attr in _NOT_CHILDREN:
            return None
        if member is Target.ASYNC_FUNCTION:
            return Inferred(
                Kind.ASYNC_MOCK,
                f"`{name}.{attr}` is an `async def`, so the spec'd mock's `{attr}` is an AsyncMock",
                coroutine_function=True,
            )
        if member is Target.SYNC_FUNCTION and parent.kind in (Kind.MAGIC_MOCK, Kind.ASYNC_MOCK, Kind.NON_CALLABLE_MAGIC_MOCK):
            return Inferred(Kind.MAGIC_MOCK, f"`{name}.{attr}` is a plain `def`, so the spec'd mock's `{attr}` is a MagicMock")
        return None

    def _constructor_return_value(self, func: cst.BaseExpression, site: Site, depth: int) -> object:
        """``Mock(return_value=X)``: the kind of X (None when unknown); else _NOT_ASSIGNED."""
        call = self._constructor_call(func, site, depth)
        analysis: MockAnalysis = self
        if call is None and isinstance(func, cst.Attribute):
            # `repo.get = AsyncMock(return_value=user)`, here or where a fixture made `repo`
            made = self._kind(func, site, depth + 1)
            node = made.at[0] if made is not None and made.at is not None else None
            if isinstance(node, cst.Assign) and made is not None and made.at is not None:
                node_site, analysis = made.at[1], made.at[2]
                value = node.value
                if isinstance(value, cst.Call) and analysis.constructor_kind(value.func, node_site) is not None:
                    call, site = value, node_site
        if call is None and isinstance(func, cst.Name):
            # a fixture's mock: the constructor or patch that made it there
            provided = self._kind(func, site, depth + 1) if depth < _MAX_DEPTH else None
            if provided is not None and provided.origin is not None:
                name, origin_site, analysis = provided.origin
                call = analysis._constructor_call(cst.Name(name), origin_site, depth + 1)
                site = origin_site
        if call is None:
            return _NOT_ASSIGNED
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "start" and isinstance(call.func.value, cst.Call):
            call = call.func.value  # `patch(..., return_value=x).start()`
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in ("return_value", "side_effect", "wraps"):
                if arg.keyword.value != "return_value":
                    return None
                return _literal(arg.value) or analysis._kind(arg.value, site, depth + 1)
        return _NOT_ASSIGNED

    def awaited_value(self, call: cst.Call, site: Site) -> Optional[cst.BaseExpression]:
        """What ``await call`` gives, as an expression mocklint can infer, when
        ``call.func`` is an AsyncMock nothing gives a ``side_effect``: its ``return_value``."""
        callee = self.kind_of(call.func, site)
        if callee is None or callee.kind is not Kind.ASYNC_MOCK or callee.opaque or callee.coroutine_function:
            return None
        root, path = _split(call.func)
        if root is None:
            # a mock made on the spot (`patch(..., new=AsyncMock())`): nothing else configures it
            if not isinstance(call.func, cst.Attribute) or _split(_innermost(call.func))[0] is not None:
                return None
            return cst.Attribute(value=call.func, attr=cst.Name("return_value"))
        side_effect = f"{path}.side_effect" if path else "side_effect"
        if self._assigned(root, side_effect, site, 0) is not _NOT_ASSIGNED or self._configured_above(root, side_effect, site):
            return None
        if callee.at is not None:
            node = callee.at[0].value if isinstance(callee.at[0], cst.Assign) else callee.at[0]
            if isinstance(node, cst.Call) and any(a.keyword is not None and a.keyword.value in ("side_effect", "wraps") for a in node.args):
                return None
        return cst.Attribute(value=call.func, attr=cst.Name("return_value"))

    def part_aliased(self, root: str, path: str, site: Site) -> bool:
        """Whether code that sees the same ``root`` names a part of it on the way
        to ``root.path`` (``session = cls.return_value.__aenter__.return_value``),
        through which it may configure what mocklint reads under ``root``."""
        key = self._owner(root, site)
        return any(
            (path == alias or path.startswith(alias + ".")) and self._owner(root, alias_site) == key
            for alias, alias_site in self._part_aliases.get(root, [])
        )

    def attribute_assignments(
        self, name: str, site: Site
    ) -> List[Tuple[str, Optional[cst.BaseExpression], Site]]:
        """``(path, value, site)`` of each assignment to (or dynamic configuration,
        value None, of) an attribute of ``name``, in code that sees the same object."""
        key = self._owner(name, site)
        return [entry for entry in self._attr_assigns.get(name, []) if self._owner(name, entry[2]) == key]

    def assigned_value(self, target: cst.Attribute, site: Site) -> Optional[Tuple[cst.BaseExpression, Site]]:
        """The one value assigned to ``target`` (``self.client``) in code that sees the same object."""
        root, path = _split(target)
        if root is None:
            return None
        key = self._owner(root.value, site)
        found = [
            (value, assign_site)
            for assigned_path, value, assign_site in self._attr_assigns.get(root.value, [])
            if assigned_path == path and self._owner(root.value, assign_site) == key
        ]
        if len(found) != 1 or found[0][0] is None:
            return None
        return found[0]  # type: ignore[return-value]

    def fixture_definition(
        self, name: str, test: cst.FunctionDef, test_site: Site
    ) -> Optional[Tuple[cst.FunctionDef, Site, "MockAnalysis"]]:
        """The fixture ``name`` that ``test`` gets: one of this module, else of the
        nearest conftest.py that defines it, when mocklint can tell which."""
        candidates = [(func, site) for func, site in self._fixture_index().get(name, []) if func is not test]
        if self._requested_by_fixtures(name, test):
            return None  # another fixture receives the same value and may reconfigure it
        if candidates:
            if len(candidates) != 1:
                return None
            func, site = candidates[0]
            owner = site.enclosing_class()
            if owner is not None and owner is not test_site.enclosing_class():
                return None
            return func, site, self
        if self.names.module_binds(self.module, name):
            return None  # imported or assigned here: not a conftest fixture
        from mocklint.analysis.pytest_model.fixture_defs import Fixture

        model = _model(self.path)
        if model is None:
            return None
        for level in reversed(model.conftest_levels(os.path.dirname(os.path.abspath(self.path)))):
            entries = level.entries(name)
            if not entries:
                continue
            entry, facts = entries[-1], level.facts
            if (
                not isinstance(entry, Fixture)
                or entry.func is None
                or entry.path != level.path
                or entry.owner
                or facts is None
                or facts.module is None
                or facts.names is None
            ):
                return None
            other = _conftest_analysis(facts)
            func_site = other._function_site(entry.func)
            if func_site is None or other._requested_by_fixtures(name, entry.func):
                return None
            return entry.func, func_site, other
        return None

    def fixture_value(self, func: cst.FunctionDef, site: Site) -> Optional[Tuple[cst.BaseExpression, Site]]:
        """The one expression the fixture ``func`` returns or yields, with a site inside it."""
        values = self._returns.get(id(func), [])
        if len(values) != 1:
            return None
        return values[0], self._site_inside(func, site)

    def bound_value(self, name: cst.Name, site: Site) -> Optional[Tuple[cst.BaseExpression, Site]]:
        """The one expression ``name`` is bound to at ``site`` (with its site), if exactly one."""
        key = self._scope_key(site, name.value)
        bindings = self._bindings.get(key, []) if key else []
        declared = self.names.scope_bindings(self._scope_node(site, name.value), name.value)
        if len(bindings) != 1 or len(declared) != 1 or bindings[0].how != "value" or key in self._escaped:
            return None
        value = bindings[0].value
        return (value, bindings[0].site) if isinstance(value, cst.BaseExpression) else None

    def reconfigured(self, root: cst.Name, path: str, site: Site) -> bool:
        """Whether ``root.path`` or an attribute on the way to it (``root.a`` for
        ``a.b``) is assigned or configured anywhere the same ``root`` is seen."""
        key = self._owner(root.value, site)
        for assigned_path, _, assign_site in self._attr_assigns.get(root.value, []):
            if self._owner(root.value, assign_site) != key:
                continue
            if not assigned_path or path == assigned_path or path.startswith(assigned_path + "."):
                return True
        return False

    def _constructor_call(self, expr: cst.BaseExpression, site: Site, depth: int) -> Optional[cst.Call]:
        """The constructor call a name was bound to, when there is exactly one;
        or the ``patch()`` call that made the mock (its keywords go to the mock's
        constructor: ``patch(..., return_value=AsyncMock())``)."""
        if isinstance(expr, cst.Call):
            return expr if self._makes_mock(expr, site) else None
        if isinstance(expr, cst.Name):
            key = self._scope_key(site, expr.value)
            bindings = self._bindings.get(key, []) if key else []
            if len(bindings) == 1 and bindings[0].how in ("value", "with") and isinstance(bindings[0].value, cst.Call):
                value = bindings[0].value
                if self._makes_mock(value, bindings[0].site):
                    return value
        return None

    def _makes_mock(self, call: cst.Call, site: Site) -> bool:
        """Whether ``call`` makes a mock from its own keywords: a mock class, or a
        ``patch()`` (also ``patch(...).start()``) that installs no ``new`` object."""
        if self.constructor_kind(call.func, site) is not None:
            return True
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "start" and isinstance(call.func.value, cst.Call):
            call = call.func.value
        return self._patch_parts(call, site) is not None and self.patch_new(call, site) is None

    def _assigned(self, root: cst.Name, path: str, site: Site, depth: int) -> object:
        """The kind assigned to ``root.path`` in code that sees the same ``root``,
        None when assigned something unknown, or _NOT_ASSIGNED."""
        key = self._owner(root.value, site)
        found: object = _NOT_ASSIGNED
        for assigned_path, value, assign_site in self._attr_assigns.get(root.value, []):
            if assigned_path != path or self._owner(root.value, assign_site) != key:
                continue
            if self._runs_after(assign_site, site):
                continue  # not yet assigned when `site` runs
            if value is None:
                return None
            literal = _literal(value) if path.endswith("return_value") else None
            if literal is not None:
                return replace(literal, at=(assign_site.node, assign_site, self))
            kind = self._kind(value, assign_site, depth + 1)
            if kind is None:
                return None
            if found is not _NOT_ASSIGNED and found is not None and found.kind is not kind.kind:  # type: ignore[attr-defined]
                return None
            found = Inferred(
                kind.kind,
                f"`{root.value}.{path}` is set to {_indefinite(kind.kind)}",
                opaque=kind.opaque,
                at=(assign_site.node, assign_site, self),
            )
        return found

    def _owner(self, name: str, site: Site) -> Optional[Tuple[object, ...]]:
        """What object ``name`` holds at ``site``, as a key: the instance of the
        enclosing class for a method's ``self`` (so that ``self.session`` set in
        ``setUp`` is seen in every test method), else the binding's scope."""
        func = self.names.parameter_owner(site, name)
        if func is not None and name == "self":
            params = func.params.params
            method_site = self._function_site(func)
            owner = method_site.parent_site() if method_site is not None else None
            in_class = (
                owner is not None
                and isinstance(owner.node, cst.IndentedBlock)
                and isinstance(owner.parent, cst.ClassDef)
            )
            static = any(
                isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
                for d in func.decorators
            )
            if in_class and not static and params and params[0].name.value == "self" and owner is not None:
                return ("instance", id(owner.parent))
        return self._scope_key(site, name)

    def _function_site(self, func: cst.FunctionDef) -> Optional[Site]:
        for candidate, site in self._functions.get(func.name.value, []):
            if candidate is func:
                return site
        return None

    def _configured_above(self, root: cst.Name, path: str, site: Site) -> bool:
        """Whether a prefix of ``path`` (or the root itself) was configured dynamically."""
        key = self._owner(root.value, site)
        for assigned_path, value, assign_site in self._attr_assigns.get(root.value, []):
            if value is not None or self._owner(root.value, assign_site) != key:
                continue
            if not assigned_path or path == assigned_path or path.startswith(assigned_path + "."):
                return True
        return False

    # -- patch ---------------------------------------------------------------
    def patch_kind(self, call: cst.Call, site: Site, depth: int = 0) -> Optional[Inferred]:
        """The mock a ``patch(...)``/``patch.object(...)`` call creates, when known."""
        found = self._patch_kind(call, site, depth)
        if found is not None and found.at is None:
            found = replace(found, at=(call, site, self))
        return found

    def _patch_kind(self, call: cst.Call, site: Site, depth: int) -> Optional[Inferred]:
        parts = self._patch_parts(call, site)
        if parts is None:
            return None
        positional, keywords, _ = parts
        new = self.patch_new(call, site)
        if new is not None:
            return self._kind(new, site, depth + 1)
        specs = [keywords[k] for k in ("spec", "spec_set", "autospec") if k in keywords]
        if specs:
            return self._specced_patch_kind(call, site, specs, "new_callable" in keywords)
        factory = keywords.get("new_callable")
        if factory is not None:
            kind = self.constructor_kind(factory, site)
            return Inferred(kind, f"`new_callable={code(factory)}` makes {_indefinite(kind)}") if kind else None
        target = self.patch_target(call, site)
        if target is None:
            return None
        described, definition = target
        if definition is Target.ASYNC_FUNCTION:
            return Inferred(
                Kind.ASYNC_MOCK,
                f"`patch` replaces the coroutine function `{described}` with an AsyncMock",
                coroutine_function=True,
            )
        return Inferred(Kind.MAGIC_MOCK, f"`patch` replaces the {definition.value} `{described}` with a MagicMock")

    def _specced_patch_kind(
        self, call: cst.Call, site: Site, specs: List[cst.BaseExpression], factory: bool
    ) -> Optional[Inferred]:
        """``patch(target, autospec=True)`` (or ``spec=True``): the mock follows the
        target read statically; any other spec is unknown."""
        if factory or not all(isinstance(v, cst.Name) and v.value == "True" for v in specs):
            return None
        target = self.patch_target(call, site)
        if target is None:
            return None
        described, definition = target
        if definition is Target.ASYNC_FUNCTION:
            return Inferred(
                Kind.ASYNC_MOCK,
                f"`patch` specs the coroutine function `{described}`, which makes an AsyncMock-like function",
                opaque=True,
                coroutine_function=True,
            )
        if definition is Target.CLASS:
            return Inferred(
                Kind.MAGIC_MOCK,
                f"`patch` replaces the class `{described}` with a mock spec'd on it",
                opaque=True,
                spec=("qualified", described),
                spec_class=True,
            )
        return None

    def _patch_parts(
        self, call: cst.Call, site: Site
    ) -> Optional[Tuple[List[cst.Arg], Dict[str, cst.BaseExpression], bool]]:
        """(positional args, keyword args, is patch.object) of a patch call, or None."""
        qualified = self.names.resolve(site, call.func)
        is_mocker = self._is_mocker_call(call) and (dotted_name(call.func) or "").split(".", 1)[-1] in (
            "patch",
            "patch.object",
        )
        if qualified not in PATCHERS and qualified not in PATCH_OBJECTS and not is_mocker:
            return None
        if any(a.star for a in call.args):
            return None
        positional = [a for a in call.args if a.keyword is None]
        keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        is_object = qualified in PATCH_OBJECTS or (dotted_name(call.func) or "").endswith("patch.object")
        return positional, keywords, is_object

    def patch_new(self, call: cst.Call, site: Site) -> Optional[cst.BaseExpression]:
        """The ``new`` object a patch call installs, positional or keyword."""
        parts = self._patch_parts(call, site)
        if parts is None:
            return None
        positional, keywords, is_object = parts
        new = keywords.get("new")
        if new is None and len(positional) >= (3 if is_object else 2):
            new = positional[2 if is_object else 1].value
        return new

    def patch_target(self, call: cst.Call, site: Site) -> Optional[Tuple[str, Target]]:
        """What the patch call replaces, read statically: ``(name, definition)``."""
        parts = self._patch_parts(call, site)
        if parts is None:
            return None
        holder, name = _object_target(*parts)
        if holder is not None and name is not None:
            local = self._local_class_member(holder, name, site)
            if local is not None:
                return f"{code(holder)}.{name}", local
        dotted = self.patched_name(call, site)
        if dotted is None:
            return None
        directory = os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()
        found = resolve_target(dotted, directory, script=self.path)
        return (dotted, found) if found is not None else None

    def patched_name(self, call: cst.Call, site: Site) -> Optional[str]:
        """``pkg.mod.name`` that ``patch("pkg.mod.name")`` or ``patch.object(mod,
        "name")`` replaces, as written (an imported holder resolved)."""
        parts = self._patch_parts(call, site)
        if parts is None:
            return None
        positional, keywords, is_object = parts
        if is_object:
            holder, name = _object_target(*parts)
            qualified = self.names.resolve(site, holder) if isinstance(holder, (cst.Name, cst.Attribute)) else None
            return f"{qualified}.{name}" if qualified and name else None
        target = positional[0].value if positional else keywords.get("target")
        dotted = target.evaluated_value if isinstance(target, cst.SimpleString) else None
        return dotted if isinstance(dotted, str) and "." in dotted else None

    def _local_class(self, holder: cst.Name, site: Site) -> Optional[cst.ClassDef]:
        """The module-level class ``holder`` names, when that is its only binding."""
        if self.names.resolve(site, holder) is not None:
            return None
        classes = [s for s in self.module.body if isinstance(s, cst.ClassDef) and s.name.value == holder.value]
        if len(classes) != 1 or self.names.bindings(site, holder.value) is None:
            return None
        if len(self.names.scope_bindings(self.module, holder.value)) != 1:
            return None
        if self._scope_node(site, holder.value) is not self.module:
            return None
        return classes[0]

    def _local_class_member(self, holder: cst.BaseExpression, name: str, site: Site) -> Optional[Target]:
        """``patch.object(Service, "fetch")`` where ``Service`` is a class of this module."""
        if not isinstance(holder, cst.Name):
            return None
        owner = self._local_class(holder, site)
        if owner is None or not isinstance(owner.body, cst.IndentedBlock):
            return None
        methods = [s for s in owner.body.body if isinstance(s, cst.FunctionDef) and s.name.value == name]
        if len(methods) != 1:
            return None
        method = methods[0]
        transparent = all(
            isinstance(d.decorator, cst.Name) and d.decorator.value in ("staticmethod", "classmethod")
            for d in method.decorators
        )
        if not transparent:
            return None
        if method.asynchronous is not None:
            return Target.SYNC_FUNCTION if _has_own_yield(method) else Target.ASYNC_FUNCTION
        return Target.SYNC_FUNCTION


def _object_target(
    positional: List[cst.Arg], keywords: Dict[str, cst.BaseExpression], is_object: bool
) -> Tuple[Optional[cst.BaseExpression], Optional[str]]:
    """The holder and the attribute name of ``patch.object(holder, "name")``."""
    if not is_object:
        return None, None
    holder = positional[0].value if positional else keywords.get("target")
    attribute = positional[1].value if len(positional) > 1 else keywords.get("attribute")
    name = attribute.evaluated_value if isinstance(attribute, cst.SimpleString) else None
    return holder, name if isinstance(name, str) else None


def _has_own_yield(func: cst.FunctionDef) -> bool:
    return any(
        isinstance(node, cst.Yield) for node in descendants(func.body, stop_at=(cst.FunctionDef, cst.ClassDef, cst.Lambda))
    )


def _fixture_name(func: cst.FunctionDef, names: NameResolver, site: Site) -> Optional[str]:
    """The name pytest registers for a fixture function, or None for a non-fixture."""
    decorator = fixture_decorator(func, names, site)
    if decorator is None:
        return None
    if isinstance(decorator.decorator, cst.Call):
        for arg in decorator.decorator.args:
            if arg.keyword is not None and arg.keyword.value == "name":
                return arg.value.evaluated_value if isinstance(arg.value, cst.SimpleString) else ""  # type: ignore[return-value]
    return func.name.value


class _NotAssigned:
    pass


_NOT_ASSIGNED = _NotAssigned()


#: by libcst node type name (its node types are final: a name is one exact type)
_LITERALS = {
    "Dict": "dict",
    "List": "list",
    "Tuple": "tuple",
    "Set": "set",
    "SimpleString": "str",
    "ConcatenatedString": "str",
    "FormattedString": "str",
    "Integer": "int",
    "Float": "float",
}


def _literal(expr: cst.BaseExpression) -> Optional[Inferred]:
    """A plain, never awaitable value written as a literal."""
    type_name = _LITERALS.get(type(expr).__name__)
    if isinstance(expr, cst.SimpleString) and "b" in expr.prefix.lower():
        type_name = "bytes"
    if type_name is None and isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        type_name = "NoneType" if expr.value == "None" else "bool"
    if type_name is None:
        return None
    return Inferred(Kind.VALUE, f"its `return_value` is {_indefinite_word(type_name)} `{type_name}`", value_type=type_name)


def _indefinite_word(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _assigned_into_itself(assign: cst.Assign, name: cst.Name) -> bool:
    """``conn.transaction.return_value.__aenter__.return_value = conn``: the mock
    is stored in its own attribute, which hands it to nobody new."""
    return all(
        isinstance(target.target, cst.Attribute) and (_split(target.target)[0] or cst.Name("_")).value == name.value
        for target in assign.targets
    )


def _innermost(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``a`` of ``a.b.c``; the call of ``AsyncMock().b.c``."""
    while isinstance(expr, cst.Attribute):
        expr = expr.value
    return expr


def _split(expr: cst.BaseExpression) -> Tuple[Optional[cst.Name], str]:
    """``a.b.c`` -> (Name a, "b.c")."""
    path: List[str] = []
    while isinstance(expr, cst.Attribute):
        path.append(expr.attr.value)
        expr = expr.value
    if isinstance(expr, cst.Name):
        return expr, ".".join(reversed(path))
    return None, ""


def _model(path: Optional[str]) -> Optional["ProjectModel"]:
    """The project model of the linted file (its conftest.py chain), if any."""
    if not path:
        return None
    from mocklint.analysis.pytest_model import project

    return project.model_for_path(path)


_CONFTEST_ANALYSES: Dict[int, Tuple[object, MockAnalysis]] = {}


def _conftest_analysis(facts: object) -> MockAnalysis:
    """One MockAnalysis per parsed conftest (the project model's own tree, not a second parse)."""
    cached = _CONFTEST_ANALYSES.get(id(facts))
    if cached is not None and cached[0] is facts:
        return cached[1]
    analysis = MockAnalysis(facts.module, facts.names, facts.path)  # type: ignore[attr-defined]
    _CONFTEST_ANALYSES[id(facts)] = (facts, analysis)
    return analysis


def analysis_for(context: object) -> MockAnalysis:
    """The file's MockAnalysis, built once and shared by the rules."""
    cache: Dict[str, object] = context.__dict__.setdefault("_analysis_cache", {})
    found = cache.get("mocks")
    if found is None:
        found = MockAnalysis(context.module, context.names, context.path)  # type: ignore[attr-defined]
        cache["mocks"] = found
    assert isinstance(found, MockAnalysis)
    return found


__all__: Sequence[str] = ("Kind", "Inferred", "MockAnalysis", "analysis_for")
