"""What one module says about fixtures, read from its libcst tree.

``extract(module, names, path)`` returns ``ModuleFacts``: the fixture
definitions of the module and of its classes (attribute by attribute, the way
pytest's ``parsefactories`` iterates ``dir(holder)``), its ``from`` imports
(resolved later by the project model), its marks (``pytestmark``), its
``pytest_plugins``, its ``pytest_generate_tests`` hook, and -- for a test
module -- every test function with the fixture names it requests (pytest's
``getfuncargnames``) and the nodes to report at.

The same code reads the linted file (with the engine's tree and name
resolver) and every conftest.py or helper module of the project (parsed once
per process by ``project.py``), so both agree on what a definition is.

Precision: whatever could register a fixture under a name this module cannot
see -- an assignment from an unknown call, an import from a module that is not
part of the project, a dynamic ``pytest_plugins``, ``globals()`` -- is recorded
as *maybe* (for one name) or makes the holder *opaque* (for every name).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver, dotted_name
from mocklint.analysis.pytest_model.plugin_fixtures import SCOPES
from mocklint.analysis.syntax.source import parse_module
from mocklint.analysis.syntax.tree import Frame, Site, child_fields, walk

FIXTURE_QUALNAMES = frozenset(
    {
        "pytest.fixture",
        "pytest.yield_fixture",
        "_pytest.fixtures.fixture",
        "_pytest.fixtures.yield_fixture",
        "pytest_asyncio.fixture",
        "pytest_asyncio.plugin.fixture",
    }
)
_PATCH = ("unittest.mock.patch", "mock.patch")
_PATCH_OBJECT = ("unittest.mock.patch.object", "mock.patch.object")
_PATCH_DICT = ("unittest.mock.patch.dict", "mock.patch.dict")
_PATCH_MULTIPLE = ("unittest.mock.patch.multiple", "mock.patch.multiple")
_USEFIXTURES = "pytest.mark.usefixtures"
_PARAMETRIZE = "pytest.mark.parametrize"
_GIVEN = "hypothesis.given"
# Decorators known to keep a test's signature (functools.wraps or no wrapper).
_SIGNATURE_KEEPING = frozenset(
    {
        "unittest.skip",
        "unittest.skipIf",
        "unittest.skipUnless",
        "unittest.expectedFailure",
        "hypothesis.settings",
        "hypothesis.example",
        "hypothesis.seed",
        "hypothesis.reproduce_failure",
        "responses.activate",
        "typing.no_type_check",
        "django.test.override_settings",
        "django.test.utils.override_settings",
        "django.test.modify_settings",
    }
)
#: the decorators ``test_function`` reads besides ``pytest.mark.*``: any other
#: leaves the test's signature unknown, and the test unchecked by MCK301
TEST_DECORATORS = frozenset(
    {*_PATCH, *_PATCH_OBJECT, *_PATCH_DICT, _GIVEN, "staticmethod", "classmethod", *_SIGNATURE_KEEPING}
)
#: decorator names that look like a fixture decorator (``fixture``, ``async_fixture``, ``_fixture_type``):
#: the name is a word, in which ``fixture`` ends it or comes before ``_`` and more (read once: the lazy
#: ``\w*?`` then ``_\w+$`` read the rest of the name again at each ``fixture`` in it)
FIXTURE_LIKE = re.compile(r"^(?=\w*$)\w*?fixture(?:$|_\w)", re.IGNORECASE)
_STOPPERS = frozenset({"pytest.skip", "pytest.xfail", "pytest.fail", "pytest.exit", "pytest.importorskip"})
_DYNAMIC_CALLS = frozenset({"globals", "locals", "vars", "exec", "eval", "setattr", "__import__"})


class _Opaque:
    """Marker: a value mocklint cannot know statically."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "OPAQUE"


OPAQUE = _Opaque()


@dataclass(eq=False)
class Fixture:
    """One fixture definition: the attribute it is bound to and the name it registers."""

    name: str
    attr: str
    path: str
    owner: str  # "" for a module-level definition, else the class name
    #: the names it requests; None when unknown (its dependencies are not followed)
    argnames: Optional[Tuple[str, ...]]
    autouse: bool
    func: Optional[cst.FunctionDef] = None
    params: Dict[str, cst.Param] = field(default_factory=dict)
    #: literal ``request.getfixturevalue("x")`` calls that surely run
    lookups: List[Tuple[str, cst.CSTNode]] = field(default_factory=list)
    #: the name comes from ``name=``, so rebinding the attribute does not change it
    explicit_name: bool = False
    #: its literal ``scope=`` ("function" without one); None when decided at run
    #: time (a callable), by a variable, or by a decorator pytest does not own
    scope: Optional[str] = "function"

    def where(self) -> str:
        return f"{self.owner}.{self.attr}" if self.owner else self.attr


@dataclass(eq=False)
class Mark:
    """A ``usefixtures`` or ``parametrize`` mark, a ``skip``/``skipif``/``xfail``
    mark (``skip``: the test may not run), or an unknown one (``opaque``)."""

    kind: str  # "usefixtures" | "parametrize" | "skip" | "opaque"
    names: Tuple[Tuple[str, cst.CSTNode], ...] = ()
    #: for parametrize: "all" (indirect=True), a set of names, or empty
    indirect: Union[str, Set[str]] = field(default_factory=set)

    def direct_names(self) -> Set[str]:
        if self.kind != "parametrize" or self.indirect == "all":
            return set()
        return {name for name, _ in self.names if name not in self.indirect}

    def indirect_names(self) -> Set[str]:
        if self.kind != "parametrize":
            return set()
        if self.indirect == "all":
            return {name for name, _ in self.names}
        return {name for name, _ in self.names if name in self.indirect}


@dataclass(eq=False)
class Import:
    module: str  # dotted, with leading dots for relative imports
    attr: Optional[str]  # None for a star import


@dataclass(eq=False)
class Holder:
    """A module or class body: what ``dir(holder)`` would show pytest."""

    fixtures: Dict[str, List[Fixture]] = field(default_factory=dict)  # attr -> definitions
    imports: Dict[str, Import] = field(default_factory=dict)  # attr -> from-import
    stars: List[Import] = field(default_factory=list)
    maybe: Set[str] = field(default_factory=set)  # attrs that may hold a fixture
    bound: Set[str] = field(default_factory=set)  # every attribute bound directly
    opaque: bool = False
    marks: List[Mark] = field(default_factory=list)
    #: None: no hook; a set of literal ``metafunc.parametrize`` names; OPAQUE
    generate_tests: Union[None, Set[str], _Opaque] = None

    def add(self, fixture: Fixture) -> None:
        self.fixtures.setdefault(fixture.attr, []).append(fixture)


@dataclass(eq=False)
class ClassFacts(Holder):
    name: str = ""
    node: Optional[cst.ClassDef] = None
    #: base class names defined in this module, or None when a base is unknown
    local_bases: Optional[List[str]] = None
    #: True when a base resolves to unittest.TestCase (or another class that is one)
    unittest: bool = False
    has_init: bool = False
    has_test_attr: bool = False
    statics: Set[str] = field(default_factory=set)
    nested: Dict[str, "ClassFacts"] = field(default_factory=dict)
    tests: List["TestFunction"] = field(default_factory=list)
    decorator_opaque: bool = False


@dataclass(eq=False)
class TestFunction:
    name: str
    func: cst.FunctionDef
    owner: Optional[ClassFacts]
    #: (name, node) of every parameter pytest requests, before the bound-method
    #: and mock.patch adjustments; None when a decorator makes them unknowable
    params: Optional[List[Tuple[str, cst.Param]]]
    patch_count: int
    is_static: bool
    marks: List[Mark]
    lookups: List[Tuple[str, cst.CSTNode]]

    def requests(self, in_class: bool) -> Optional[List[Tuple[str, cst.Param]]]:
        if self.params is None:
            return None
        params = list(self.params)
        posonly = bool(self.func.params.posonly_params)
        if in_class and not self.is_static and not posonly:
            params = params[1:]
        return params[self.patch_count :]


@dataclass(eq=False)
class ModuleFacts(Holder):
    path: str = ""
    classes: Dict[str, ClassFacts] = field(default_factory=dict)
    #: module-level class names defined more than once: ``classes`` holds the
    #: last, but a subclass between the two derives from the first
    redefined_classes: Set[str] = field(default_factory=set)
    tests: List[TestFunction] = field(default_factory=list)
    #: None: absent; a tuple of names; OPAQUE when not a literal
    pytest_plugins: Union[None, Tuple[str, ...], _Opaque] = None
    pytest_plugins_node: Optional[cst.CSTNode] = None
    #: pytest.register_fixture / pluginmanager.register / parsefactories seen
    registers: bool = False
    #: defines collect_ignore(_glob) or pytest_ignore_collect / pytest_collect_directory
    controls_collection: bool = False
    #: defines ``pytest_pycollect_makeitem``: it may add marks (``usefixtures``) to the tests it makes
    makes_items: bool = False
    has_test_attr: bool = False
    #: ``__all__``: None when absent, the names, or OPAQUE
    all_names: Union[None, Set[str], _Opaque] = None
    #: the parsed module and its names, kept so that other analyses (the mock
    #: kinds of fixtures defined here) need no second parse
    module: Optional[cst.Module] = None
    names: Optional[NameResolver] = None
    #: the text ``module`` was parsed from, so that linting the same file reuses the parse
    source: Optional[str] = None


# -- helpers ----------------------------------------------------------------
def _string(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _strings(node: cst.BaseExpression) -> Optional[List[Tuple[str, cst.CSTNode]]]:
    """A string or a list/tuple of strings, with the node of each."""
    single = _string(node)
    if single is not None:
        return [(single, node)]
    if isinstance(node, (cst.List, cst.Tuple)):
        found = []
        for element in node.elements:
            if not isinstance(element, cst.Element):
                return None
            value = _string(element.value)
            if value is None:
                return None
            found.append((value, element.value))
        return found
    return None


def _keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def _scope(options: Optional[cst.BaseExpression], positional: int = 0) -> Optional[str]:
    """The scope fixture options give (``plugin_fixtures._literal_scope`` on libcst):
    a literal ``scope=``, "function" without one, None when unknown (a positional
    argument beyond the ``positional`` ones, as pytest < 7's positional scope)."""
    if not isinstance(options, cst.Call):
        return "function"
    if sum(1 for arg in options.args if arg.keyword is None) > positional or _has_star_args(options):
        return None
    scope = _keyword(options, "scope")
    if scope is None:
        return "function"
    value = _string(scope.value)
    return value if value in SCOPES else None


class _Sites:
    """Builds frames by hand for nodes of module and class bodies."""

    def __init__(self, module: cst.Module) -> None:
        self.module_frame: Frame = (module, None, "")

    @staticmethod
    def child(parent: Frame, node: cst.CSTNode, via: str) -> Frame:
        return (node, parent, via)


def getfuncargnames(func: cst.FunctionDef) -> List[Tuple[str, cst.Param]]:
    """Positional-or-keyword and keyword-only parameters without a default."""
    params = func.params
    return [(p.name.value, p) for p in (*params.params, *params.kwonly_params) if p.default is None]


# -- extraction -------------------------------------------------------------
#: text that must appear for the expensive scans to be worth running
_DYNAMIC_TEXT = re.compile(
    r"register|parsefactories|import_plugin|consider_module|consider_pluginarg|globals|locals|vars\s*\(|setattr"
    r"|\bexec\b|\beval\b|__import__|sys\.modules"
)


class _Extractor:
    def __init__(
        self,
        module: cst.Module,
        names: NameResolver,
        path: str,
        frames: Optional[Dict[int, Frame]],
        source: Optional[str] = None,
    ) -> None:
        text = source if source is not None else ""
        self.scan_dynamic_calls = source is None or bool(_DYNAMIC_TEXT.search(text))
        self.scan_lookups = source is None or "getfixturevalue" in text
        self.module = module
        self.names = names
        self.path = path
        self.frames = frames
        self.facts = ModuleFacts(path=path)
        self.module_frame: Frame = (module, None, "")

    # resolution ------------------------------------------------------------
    def resolve(self, frame: Frame, expr: cst.BaseExpression, via: str = "value") -> Optional[str]:
        """Resolve ``expr``, a child of ``frame``'s node through its field ``via``."""
        return self.names.resolve(Site((expr, frame, via)), expr)

    def resolve_decorator(self, func_frame: Frame, decorator: cst.Decorator) -> Optional[str]:
        expr = decorator.decorator
        target = expr.func if isinstance(expr, cst.Call) else expr
        frame: Frame = (decorator, func_frame, "decorators")
        return self.names.resolve(Site((target, frame, "decorator")), target)

    def is_fixture_call(self, frame: Frame, call: cst.BaseExpression) -> Optional[cst.Call]:
        """``pytest.fixture`` or ``pytest.fixture(...)``: the call with options, if any."""
        if isinstance(call, cst.Call) and self.resolve(frame, call.func) in FIXTURE_QUALNAMES:
            return call
        return None

    # walking ---------------------------------------------------------------
    def run(self) -> ModuleFacts:
        self.body(self.module.body, self.module_frame, self.facts, None)
        for klass in self.facts.classes.values():
            self._link_unittest(klass)
        return self.facts

    def body(
        self,
        statements: Sequence[cst.CSTNode],
        frame: Frame,
        holder: Holder,
        klass: Optional[ClassFacts],
    ) -> None:
        for statement in statements:
            self.statement(statement, frame, holder, klass)

    def statement(self, statement: cst.CSTNode, frame: Frame, holder: Holder, klass: Optional[ClassFacts]) -> None:
        here: Frame = (statement, frame, "body")
        if isinstance(statement, cst.FunctionDef):
            self.function(statement, here, holder, klass)
        elif isinstance(statement, cst.ClassDef):
            holder.bound.add(statement.name.value)
            self.classdef(statement, here, holder, klass)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                self.small(small, (small, here, "body"), holder, klass)
        elif isinstance(statement, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
            if isinstance(statement, (cst.For, cst.While)):
                # a loop may bind anything under computed names
                if isinstance(statement, cst.For):
                    for name in _target_names(statement.target):
                        holder.maybe.add(name)
            for block, via in _blocks(statement):
                inner: Frame = (block, here, via)
                self.body(block.body if isinstance(block, cst.IndentedBlock) else (), inner, holder, klass)
        self.scan_dynamic(statement, frame, holder, top_level=klass is None)

    def scan_dynamic(self, statement: cst.CSTNode, frame: Frame, holder: Holder, top_level: bool) -> None:
        """Calls that register fixtures or bind names where mocklint cannot see."""
        if not self.scan_dynamic_calls or not top_level:
            return
        if isinstance(statement, cst.ClassDef):
            return
        if isinstance(statement, cst.FunctionDef) and not statement.name.value.startswith("pytest_"):
            return  # plugins are registered at import time or from hooks
        for call in _calls(statement):
            func = call.func
            if isinstance(func, cst.Name) and func.value in _DYNAMIC_CALLS:
                if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                    holder.opaque = True
                continue
            name = dotted_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
            if name is None:
                continue
            last = name.rsplit(".", 1)[-1]
            if last in ("register_fixture", "_register_fixture", "parsefactories"):
                self.facts.registers = True
            elif last == "register" and ("pluginmanager" in name or "plugin_manager" in name or name == "register"):
                self.facts.registers = True
            elif last in ("import_plugin", "consider_module", "consider_pluginarg"):
                self.facts.registers = True
        if not isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            # module-level code that may bind names through a frame or a module object
            for call in _calls(statement):
                func = call.func
                if (
                    isinstance(func, cst.Attribute)
                    and func.attr.value == "register"
                    and not isinstance(func.value, cst.Name)
                ):
                    continue
                target = dotted_name(func) if isinstance(func, (cst.Name, cst.Attribute)) else None
                if target and (target.rsplit(".", 1)[-1] == "register" or "sys.modules" in target):
                    # e.g. pytest_factoryboy.register(Factory) binds fixtures in the caller's namespace
                    resolved = self.resolve(frame, func)
                    if resolved is None or not resolved.startswith(("atexit.", "codecs.", "abc.", "copyreg.")):
                        holder.opaque = True

    def small(self, small: cst.BaseSmallStatement, frame: Frame, holder: Holder, klass: Optional[ClassFacts]) -> None:
        if isinstance(small, cst.ImportFrom):
            dots = "." * len(small.relative)
            module = dots + (dotted_name(small.module) or "" if small.module is not None else "")
            if isinstance(small.names, cst.ImportStar):
                holder.stars.append(Import(module, None))
                return
            for alias in small.names:
                imported = dotted_name(alias.name) or ""
                local = imported
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                holder.bound.add(local)
                holder.imports[local] = Import(module, imported)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    holder.bound.add(alias.asname.name.value)
                else:
                    holder.bound.add((dotted_name(alias.name) or "").split(".", 1)[0])
        elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            targets: List[cst.BaseExpression]
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            else:
                targets = [small.target]
            value = small.value
            for target in targets:
                for name in _target_names(target):
                    holder.bound.add(name)
                    self.assignment(name, target, value, frame, holder, klass)

    def assignment(
        self,
        name: str,
        target: cst.BaseExpression,
        value: Optional[cst.BaseExpression],
        frame: Frame,
        holder: Holder,
        klass: Optional[ClassFacts],
    ) -> None:
        if name == "pytestmark" and isinstance(target, cst.Name) and value is not None:
            holder.marks.extend(self.marks_value(value, frame))
            return
        if name == "pytest_plugins" and klass is None and isinstance(target, cst.Name):
            self.facts.pytest_plugins_node = target
            literal = _strings(value) if value is not None else None
            if literal is None:
                self.facts.pytest_plugins = OPAQUE
            else:
                specs: List[str] = []
                for text, _ in literal:
                    specs.extend(part for part in text.split(",") if part)
                self.facts.pytest_plugins = tuple(specs)
            return
        if name == "__all__" and klass is None and isinstance(target, cst.Name):
            literal = _strings(value) if value is not None else None
            if literal is None or self.facts.all_names is OPAQUE:
                self.facts.all_names = OPAQUE
            else:
                previous = self.facts.all_names if isinstance(self.facts.all_names, set) else set()
                self.facts.all_names = previous | {text for text, _ in literal}
            return
        if name in ("collect_ignore", "collect_ignore_glob") and klass is None:
            self.facts.controls_collection = True
        if name == "__test__":
            if klass is not None:
                klass.has_test_attr = True
            else:
                self.facts.has_test_attr = True
        if value is None or not isinstance(target, cst.Name):
            if value is not None:
                holder.maybe.add(name)
            return
        fixture = self.fixture_from_value(name, value, frame, klass, holder)
        if fixture is not None:
            holder.add(fixture)
        elif isinstance(value, (cst.Call, cst.Name, cst.Attribute, cst.Subscript, cst.IfExp, cst.BooleanOperation)):
            holder.maybe.add(name)

    def fixture_from_value(
        self, attr: str, value: cst.BaseExpression, frame: Frame, klass: Optional[ClassFacts], holder: Holder
    ) -> Optional[Fixture]:
        """``x = pytest.fixture(impl)`` or ``x = pytest.fixture(**options)(impl)``."""
        if not isinstance(value, cst.Call):
            return None
        options: Optional[cst.Call] = None
        positional = 0
        if self.is_fixture_call(frame, value):
            if value.args and value.args[0].keyword is None and not value.args[0].star:
                options, positional = value, 1  # pytest.fixture(impl, scope=...)
            else:
                return None
        elif isinstance(value.func, cst.Call) and self.is_fixture_call(frame, value.func):
            options = value.func  # pytest.fixture(...)(impl)
        else:
            return None
        marker_name = None
        autouse = False
        name_arg = _keyword(options, "name")
        if name_arg is not None:
            marker_name = _string(name_arg.value)
            if marker_name is None:
                holder.opaque = True  # registered under a name mocklint cannot know
                return None
        autouse_arg = _keyword(options, "autouse")
        if autouse_arg is not None:
            autouse = not (isinstance(autouse_arg.value, cst.Name) and autouse_arg.value.value == "False")
        return Fixture(
            marker_name or attr,
            attr,
            self.path,
            klass.name if klass else "",
            None,
            autouse,
            explicit_name=bool(marker_name),
            scope=_scope(options, positional),
        )

    def function(self, func: cst.FunctionDef, frame: Frame, holder: Holder, klass: Optional[ClassFacts]) -> None:
        name = func.name.value
        holder.bound.add(name)
        if self.frames is not None and id(func) in self.frames:
            frame = self.frames[id(func)]
        is_static = False
        fixture_call: Optional[cst.BaseExpression] = None
        fixture_like = False
        for decorator in func.decorators:
            resolved = self.resolve_decorator(frame, decorator)
            if resolved in FIXTURE_QUALNAMES:
                fixture_call = decorator.decorator
            elif resolved == "staticmethod" or (
                isinstance(decorator.decorator, cst.Name) and decorator.decorator.value == "staticmethod"
            ):
                is_static = True
            else:
                target = decorator.decorator
                target = target.func if isinstance(target, cst.Call) else target
                spelled = dotted_name(target) or ""
                if not (resolved or "").startswith("pytest.mark.") and FIXTURE_LIKE.match(spelled.rsplit(".", 1)[-1]):
                    fixture_like = True  # pytest_cases.fixture, a project's own wrapper...
        if klass is not None and is_static:
            klass.statics.add(name)
        if name == "__init__" or name == "__new__":
            if klass is not None:
                klass.has_init = True
        if fixture_call is not None or fixture_like:
            self.fixture_def(
                func, frame, holder, klass, fixture_call, is_static, unknown=fixture_like and fixture_call is None
            )
            return
        if name == "pytest_generate_tests":
            holder.generate_tests = self.generate_tests(func)
            return
        if name in (
            "pytest_ignore_collect",
            "pytest_collect_directory",
            "pytest_collect_file",
            "pytest_pycollect_makeitem",
        ):
            self.facts.controls_collection = True
            self.facts.makes_items |= name == "pytest_pycollect_makeitem"
        if klass is None:
            self.facts.tests.append(self.test_function(func, frame, None, is_static))
        else:
            klass.tests.append(self.test_function(func, frame, klass, is_static))

    def fixture_def(
        self,
        func: cst.FunctionDef,
        frame: Frame,
        holder: Holder,
        klass: Optional[ClassFacts],
        decorator: Optional[cst.BaseExpression],
        is_static: bool,
        unknown: bool,
    ) -> None:
        attr = func.name.value
        marker_name: Optional[str] = None
        autouse = False
        if isinstance(decorator, cst.Call):
            name_arg = _keyword(decorator, "name")
            if name_arg is not None:
                marker_name = _string(name_arg.value)
                if marker_name is None:
                    holder.opaque = True
                    return
            autouse_arg = _keyword(decorator, "autouse")
            if autouse_arg is not None:
                autouse = not (isinstance(autouse_arg.value, cst.Name) and autouse_arg.value.value == "False")
            if _has_star_args(decorator):
                holder.opaque = True
                return
        params = getfuncargnames(func)
        if klass is not None and not is_static and not func.params.posonly_params:
            params = params[1:]
        argnames: Optional[Tuple[str, ...]] = tuple(n for n, _ in params)
        if unknown or len(func.decorators) > 1:
            # another decorator may change the signature: do not follow dependencies
            if unknown or any(
                self.resolve_decorator(frame, d) not in FIXTURE_QUALNAMES | {"staticmethod"} for d in func.decorators
            ):
                argnames = None
        fixture = Fixture(
            marker_name or attr,
            attr,
            self.path,
            klass.name if klass else "",
            argnames,
            autouse,
            func,
            {n: p for n, p in params},
            self.lookups(func, frame),
            explicit_name=marker_name is not None,
            scope=None if unknown else _scope(decorator),
        )
        holder.add(fixture)

    def test_function(
        self, func: cst.FunctionDef, frame: Frame, klass: Optional[ClassFacts], is_static: bool
    ) -> TestFunction:
        params: Optional[List[Tuple[str, cst.Param]]] = getfuncargnames(func)
        patch_count = 0
        marks: List[Mark] = []
        given_names: Set[str] = set()
        given_positional = 0
        for decorator in func.decorators:
            resolved = self.resolve_decorator(frame, decorator)
            expr = decorator.decorator
            call = expr if isinstance(expr, cst.Call) else None
            if resolved is None and isinstance(expr, cst.Name) and expr.value in ("staticmethod", "classmethod"):
                if self.names.bindings(Site((expr, frame, "decorators")), expr.value) is None:
                    continue  # the builtin
            if resolved is None:
                params = None
                continue
            if resolved.startswith("pytest.mark."):
                marks.extend(self.mark(expr, (decorator, frame, "decorators")))
            elif resolved in _PATCH or resolved in _PATCH_OBJECT:
                if call is None or _has_star_args(call):
                    params = None
                    continue
                positional = [a for a in call.args if a.keyword is None]
                new_index = 1 if resolved in _PATCH else 2
                if len(positional) <= new_index and _keyword(call, "new") is None:
                    patch_count += 1
            elif resolved in _PATCH_DICT:
                continue
            elif resolved == _GIVEN:
                if call is None or _has_star_args(call):
                    params = None
                    continue
                for arg in call.args:
                    if arg.keyword is not None:
                        given_names.add(arg.keyword.value)
                    else:
                        given_positional += 1
            elif resolved in ("staticmethod", "classmethod") or resolved in _SIGNATURE_KEEPING:
                continue
            elif resolved in _PATCH_MULTIPLE:
                params = None
            else:
                params = None  # an unknown decorator may change the signature
        if params is not None and (given_names or given_positional):
            if given_positional:
                if given_names:
                    params = None
                else:
                    params = params[: len(params) - given_positional] if given_positional <= len(params) else None
            else:
                params = [(n, p) for n, p in params if n not in given_names]
        return TestFunction(
            func.name.value, func, klass, params, patch_count, is_static, marks, self.lookups(func, frame)
        )

    def classdef(self, node: cst.ClassDef, frame: Frame, holder: Holder, outer: Optional[ClassFacts]) -> None:
        klass = ClassFacts(name=node.name.value, node=node)
        local: List[str] = []
        unknown_base = False
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                unknown_base = True
                continue
            resolved = self.resolve(frame, arg.value, "bases")
            if resolved in (
                "unittest.TestCase",
                "unittest.case.TestCase",
                "unittest.IsolatedAsyncioTestCase",
                "twisted.trial.unittest.TestCase",
            ):
                klass.unittest = True
            elif isinstance(arg.value, cst.Name) and arg.value.value == "object" and resolved is None:
                continue
            elif isinstance(arg.value, cst.Name) and resolved is None and outer is None:
                local.append(arg.value.value)
            else:
                unknown_base = True
        if node.keywords:
            unknown_base = True
        klass.local_bases = None if unknown_base else local
        for decorator in node.decorators:
            resolved = self.resolve_decorator(frame, decorator)
            if resolved is not None and resolved.startswith("pytest.mark."):
                klass.marks.extend(self.mark(decorator.decorator, (decorator, frame, "decorators")))
            else:
                klass.decorator_opaque = True
        body_frame: Frame = (node.body, frame, "body")
        statements = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        self.body(statements, body_frame, klass, klass)
        if outer is None and isinstance(holder, ModuleFacts):
            if klass.name in holder.classes:
                holder.redefined_classes.add(klass.name)
            holder.classes[klass.name] = klass
        elif outer is not None:
            outer.nested[klass.name] = klass

    def _link_unittest(self, klass: ClassFacts, seen: Optional[Set[str]] = None) -> bool:
        seen = seen or set()
        if klass.unittest or klass.name in seen:
            return klass.unittest
        seen.add(klass.name)
        for base in klass.local_bases or ():
            other = self.facts.classes.get(base)
            if other is not None and self._link_unittest(other, seen):
                klass.unittest = True
        return klass.unittest

    # marks -----------------------------------------------------------------
    def marks_value(self, value: cst.BaseExpression, frame: Frame) -> List[Mark]:
        if isinstance(value, (cst.List, cst.Tuple)):
            found: List[Mark] = []
            for element in value.elements:
                if not isinstance(element, cst.Element):
                    return [Mark("opaque")]
                found.extend(self.mark(element.value, frame))
            return found
        return self.mark(value, frame)

    def mark(self, expr: cst.BaseExpression, frame: Frame) -> List[Mark]:
        call = expr if isinstance(expr, cst.Call) else None
        target = call.func if call is not None else expr
        # pytest.mark.x.with_args(...) and similar: unknown
        resolved = self.resolve(frame, target)
        if resolved is None or not resolved.startswith("pytest.mark."):
            return [Mark("opaque")]
        if resolved == _USEFIXTURES:
            if call is None or _has_star_args(call) or any(a.keyword is not None for a in call.args):
                return [Mark("opaque")]
            names = []
            for arg in call.args:
                text = _string(arg.value)
                if text is None:
                    return [Mark("opaque")]
                names.append((text, arg.value))
            return [Mark("usefixtures", tuple(names))]
        if resolved == _PARAMETRIZE:
            if call is None or _has_star_args(call) or not call.args:
                return [Mark("opaque")]
            first = call.args[0]
            argnames_arg = first if first.keyword is None else _keyword(call, "argnames")
            if argnames_arg is None:
                return [Mark("opaque")]
            literal = _strings(argnames_arg.value)
            if literal is None:
                return [Mark("opaque")]
            names: List[Tuple[str, cst.CSTNode]] = []
            if isinstance(argnames_arg.value, (cst.SimpleString, cst.ConcatenatedString)):
                names = [(part.strip(), argnames_arg.value) for part in literal[0][0].split(",") if part.strip()]
            else:
                names = literal
            indirect: Union[str, Set[str]] = set()
            indirect_arg = _keyword(call, "indirect")
            if indirect_arg is not None:
                value = indirect_arg.value
                if isinstance(value, cst.Name) and value.value in ("True", "False"):
                    indirect = "all" if value.value == "True" else set()
                else:
                    listed = _strings(value)
                    if listed is None:
                        return [Mark("opaque")]
                    indirect = {text for text, _ in listed}
            return [Mark("parametrize", tuple(names), indirect)]
        if resolved in ("pytest.mark.skip", "pytest.mark.skipif", "pytest.mark.xfail"):
            return [Mark("skip")]
        return []

    # hooks -----------------------------------------------------------------
    def generate_tests(self, func: cst.FunctionDef) -> Union[Set[str], _Opaque]:
        params = [p.name.value for p in (*func.params.posonly_params, *func.params.params)]
        if not params:
            return set()
        metafunc = params[-1] if params[0] in ("self", "cls") and len(params) > 1 else params[0]
        found: Set[str] = set()
        for node in _all_nodes(func.body):
            if isinstance(node, cst.Name) and node.value == metafunc:
                continue
            if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
                owner = node.func.value
                if isinstance(owner, cst.Name) and owner.value == metafunc and node.func.attr.value == "parametrize":
                    if not node.args or node.args[0].keyword is not None or node.args[0].star:
                        return OPAQUE
                    literal = _strings(node.args[0].value)
                    if literal is None:
                        return OPAQUE
                    if isinstance(node.args[0].value, (cst.SimpleString, cst.ConcatenatedString)):
                        found.update(p.strip() for p in literal[0][0].split(",") if p.strip())
                    else:
                        found.update(text for text, _ in literal)
        # metafunc passed on, stored, or used through getattr: unknowable
        for node in _all_nodes(func.body):
            if isinstance(node, cst.Arg) and isinstance(node.value, cst.Name) and node.value.value == metafunc:
                return OPAQUE
            if (
                isinstance(node, (cst.Assign, cst.AnnAssign))
                and isinstance(node.value, cst.Name)
                and node.value.value == metafunc
            ):
                return OPAQUE
            if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == metafunc:
                if node.attr.value in ("_calls", "_arg2fixturedefs", "definition"):
                    return OPAQUE
        return found

    # lookups ---------------------------------------------------------------
    def lookups(self, func: cst.FunctionDef, frame: Frame) -> List[Tuple[str, cst.CSTNode]]:
        """``request.getfixturevalue("x")`` calls in the straight-line body that surely run."""
        if not self.scan_lookups:
            return []
        params = {p.name.value for p in (*func.params.posonly_params, *func.params.params, *func.params.kwonly_params)}
        found: List[Tuple[str, cst.CSTNode]] = []
        body = func.body.body if isinstance(func.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    for call in _straight_calls(small):
                        func_expr = call.func
                        if (
                            isinstance(func_expr, cst.Attribute)
                            and func_expr.attr.value == "getfixturevalue"
                            and isinstance(func_expr.value, cst.Name)
                            and func_expr.value.value in params
                            and len(call.args) == 1
                            and call.args[0].keyword is None
                            and not call.args[0].star
                        ):
                            text = _string(call.args[0].value)
                            if text is not None:
                                found.append((text, call.args[0].value))
            if _may_stop(statement, self, frame):
                break
        return found


def _may_stop(statement: cst.CSTNode, extractor: "_Extractor", frame: Frame) -> bool:
    """Whether ``statement`` may end the function or skip the test."""
    for node in _all_nodes(statement):
        if isinstance(node, (cst.Return, cst.Raise, cst.Yield)):
            return True
        if isinstance(node, cst.Call):
            name = dotted_name(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
            if name is None:
                continue
            if name.rsplit(".", 1)[-1] in ("skip", "xfail", "fail", "exit", "importorskip", "skipTest", "exit"):
                return True
    return False


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Meaningful children of ``node``, read from its fields (``node.children``
    runs a visitor over the whole subtree, which is far slower)."""
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (tuple, list)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def _straight_calls(node: cst.CSTNode) -> List[cst.Call]:
    """Calls in ``node`` that run whenever the statement runs (not in lambdas,
    comprehensions, conditional expressions or boolean operators)."""
    found: List[cst.Call] = []
    stack: List[cst.CSTNode] = [node]
    skip = (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.IfExp, cst.BooleanOperation)
    while stack:
        current = stack.pop()
        if isinstance(current, skip):
            continue
        if isinstance(current, cst.Call):
            found.append(current)
        stack.extend(_children(current))
    return found


def _all_nodes(node: cst.CSTNode) -> List[cst.CSTNode]:
    found: List[cst.CSTNode] = []
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        stack.extend(_children(current))
    return found


def _calls(node: cst.CSTNode) -> List[cst.Call]:
    """Every call in ``node``, including in nested functions."""
    found: List[cst.Call] = []
    stack: List[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Call):
            found.append(current)
        stack.extend(_children(current))
    return found


def _target_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: List[str] = []
        for element in target.elements:
            names.extend(_target_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def _blocks(statement: cst.CSTNode) -> List[Tuple[cst.BaseSuite, str]]:
    blocks: List[Tuple[cst.BaseSuite, str]] = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        blocks.append((body, "body"))
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        blocks.append((orelse.body, "orelse"))
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        blocks.append((handler.body, "handlers"))
    final = getattr(statement, "finalbody", None)
    if final is not None:
        blocks.append((final.body, "finalbody"))
    return blocks


def extract(
    module: cst.Module,
    names: NameResolver,
    path: str,
    frames: Optional[Dict[int, Frame]] = None,
    source: Optional[str] = None,
) -> ModuleFacts:
    """The fixture facts of ``module`` (see the module docstring); ``source``,
    when given, lets scans whose trigger words are absent be skipped."""
    return _Extractor(module, names, path, frames, source).run()


def parse_and_extract(source: str, path: str) -> Optional[ModuleFacts]:
    """Parse ``source`` with libcst and extract its facts; None when it does not parse."""
    try:
        module = parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError, MemoryError):
        return None
    resolver = NameResolver(os.path.dirname(os.path.abspath(path)))
    frames: Dict[int, Frame] = {}
    handlers = {node_type: [resolver.handle] for node_type in NameResolver.handled_types()}

    def remember(node: cst.CSTNode, frame: Frame) -> None:
        frames[id(node)] = frame

    handlers[cst.FunctionDef] = [resolver.handle, remember]
    try:
        walk(module, handlers)
        facts = extract(module, resolver, path, frames, source)
        facts.module, facts.names, facts.source = module, resolver, source
        return facts
    except RecursionError:
        return None
