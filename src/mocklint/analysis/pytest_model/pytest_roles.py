"""What a function is to pytest: a test, a fixture, a hook, or something else.

Names are resolved through imports (``NameResolver``), never matched as text,
so ``@fixture`` after ``from pytest import fixture`` is a fixture and a local
``def fixture`` is not.
"""

from __future__ import annotations

import enum
import fnmatch
import os
from typing import List, Optional

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver
from mocklint.analysis.syntax.tree import Site

FIXTURE_DECORATORS = frozenset(
    {
        "pytest.fixture",
        "pytest.yield_fixture",
        "_pytest.fixtures.fixture",
        "_pytest.fixtures.yield_fixture",
        "pytest_asyncio.fixture",
    }
)

# pytest's defaults for ``python_files``; a configured project model refines them.
DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")


class Role(enum.Enum):
    TEST = "test"
    FIXTURE = "fixture"
    HOOK = "hook"
    OTHER = "other"


def decorator_target(decorator: cst.Decorator) -> cst.BaseExpression:
    """The callable a decorator names: ``pytest.fixture`` for ``@pytest.fixture(scope=...)``."""
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def fixture_decorator(func: cst.FunctionDef, names: NameResolver, site: Site) -> Optional[cst.Decorator]:
    """The decorator that makes ``func`` a fixture, if any."""
    for decorator in func.decorators:
        if names.resolve(site, decorator_target(decorator)) in FIXTURE_DECORATORS:
            return decorator
    return None


def is_test_module_path(path: Optional[str]) -> bool:
    """Whether pytest collects the file at ``path`` as a test module by default."""
    if not path:
        return False
    base = os.path.basename(path)
    return any(fnmatch.fnmatch(base, pattern) for pattern in DEFAULT_PYTHON_FILES)


def function_role(func: cst.FunctionDef, func_site: Site, names: NameResolver) -> Role:
    """Role of ``func``, judged from its decorators, name and place.

    ``func_site`` is the site of the ``FunctionDef`` node itself.
    """
    if fixture_decorator(func, names, func_site) is not None:
        return Role.FIXTURE
    name = func.name.value
    if name.startswith("pytest_"):
        return Role.HOOK
    if name.startswith("test"):
        # test functions live at module level or directly in a class body,
        # never inside another function
        for ancestor, _ in func_site.ancestors():
            if isinstance(ancestor, cst.FunctionDef):
                return Role.OTHER
            if isinstance(ancestor, (cst.ClassDef, cst.Module)):
                return Role.TEST
    return Role.OTHER


def parameter_names(func: cst.FunctionDef) -> List[str]:
    """Names of every parameter of ``func``, in order (``*args``/``**kwargs`` included)."""
    params = func.params
    names = [p.name.value for p in (*params.posonly_params, *params.params)]
    if isinstance(params.star_arg, cst.Param):
        names.append(params.star_arg.name.value)
    names.extend(p.name.value for p in params.kwonly_params)
    if params.star_kwarg is not None:
        names.append(params.star_kwarg.name.value)
    return names
