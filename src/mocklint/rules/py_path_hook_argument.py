"""MCK215 py-path-hook-argument: hook implementations taking the ``py.path`` arguments pytest 9 removed."""

from __future__ import annotations

import ast
import os
from typing import Dict, Iterator, List, Optional, Tuple

from mocklint.analysis.pytest_model.project import model_for_path
from mocklint.analysis.pytest_model.pytest_roles import is_test_module_path
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.tree import Site
from mocklint.rule import Rule, gate

#: hook -> (the py.path argument pytest 9 removed, the pathlib.Path one that replaced it in 7.0)
_REPLACED: Dict[str, Tuple[str, str]] = {
    "pytest_ignore_collect": ("path", "collection_path"),
    "pytest_collect_file": ("path", "file_path"),
    "pytest_pycollect_makemodule": ("path", "module_path"),
    "pytest_report_header": ("startdir", "start_path"),
    "pytest_report_collectionfinish": ("startdir", "start_path"),
}


class PyPathHookArgument(Rule):
    """
    ## What it does
    Checks conftest.py files and plugin modules for implementations of the hooks
    whose `py.path.local` arguments pytest 9 removed:
    `pytest_ignore_collect(path)`, `pytest_collect_file(path)`,
    `pytest_pycollect_makemodule(path)`, `pytest_report_header(startdir)` and
    `pytest_report_collectionfinish(startdir)`, as functions or as methods of
    plugin classes.

    ## Why is this bad?
    pytest 7.0 (#7259) gave these hooks `pathlib.Path` arguments
    (`collection_path`, `file_path`, `module_path`, `start_path`) and
    deprecated the `py.path.local` ones; pytest 8.2 started warning
    (`PytestRemovedIn9Warning`) and pytest 9.0 removed them (#13893). pluggy
    checks every hook implementation's argument names against the hook's
    specification when the plugin is registered, so on pytest 9 loading the
    conftest.py or plugin aborts the whole run:

    ```
    PluginValidationError: Plugin '.../conftest.py' for hook 'pytest_collect_file'
    hookimpl definition: pytest_collect_file(path, parent)
    Argument(s) {'path'} are declared in the hookimpl but can not be found in the hookspec
    ```

    Hooks in test modules are not reported: pytest does not load hooks from
    them. `pytest_collect_directory(path, parent)` is not reported either: its
    `path` is a `pathlib.Path` (the hook was added back in pytest 8.0).

    ## Example
    ```python
    # conftest.py
    def pytest_collect_file(parent, path):
        if path.ext == ".yaml" and path.basename.startswith("test"):
            return YamlFile.from_parent(parent, path=path)
    ```

    Use instead:
    ```python
    # conftest.py
    def pytest_collect_file(parent, file_path):
        if file_path.suffix == ".yaml" and file_path.name.startswith("test"):
            return YamlFile.from_parent(parent, path=file_path)
    ```

    Renaming the argument is not enough where the hook uses the path's
    `py.path.local` API: `.ext`, `.basename`, `.check()`, `.join()` and
    `.strpath` are `.suffix`, `.name`, `.exists()`, `/` and `str()` on a
    `pathlib.Path`. mocklint offers no automatic fix for that reason. The new
    names work on pytest 7.0 and later.

    ## References
    - [pytest deprecations: `py.path.local` arguments for hooks replaced with `pathlib.Path`](https://docs.pytest.org/en/8.4.x/deprecations.html#py-path-local-arguments-for-hooks-replaced-with-pathlib-path)
    - [pytest changelog 9.0.0 (#13893)](https://docs.pytest.org/en/stable/changelog.html#pytest-9-0-0-2025-11-05)
    - [Hook reference: `pytest_collect_file`](https://docs.pytest.org/en/stable/reference/reference.html#pytest.hookspec.pytest_collect_file)
    """

    code = "MCK215"
    name = "py-path-hook-argument"
    summary = "Hooks taking the `py.path` arguments `path`/`startdir` fail to load since pytest 9.0"
    messages = {
        "default": (
            "`{hook}({old})` fails to load: pytest 9 removed `{old}`",
            "pytest aborts the run with `PluginValidationError` when it loads this {where}. Take `{new}` "
            "(a `pathlib.Path`, pytest 7.0+) instead.",
        ),
    }
    gate = gate(
        r"\bpytest_ignore_collect\b",
        r"\bpytest_collect_file\b",
        r"\bpytest_pycollect_makemodule\b",
        r"\bpytest_report_header\b",
        r"\bpytest_report_collectionfinish\b",
    )

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A function of one of the five hooks' names taking the old argument,
        at module level or in a module-level class, in a module pytest may load
        hooks from (not a test module)."""
        if _is_test_module(path):
            return False
        return any(_old_argument(func) is not None for func in _hook_functions(tree))

    def visit_FunctionDef(self, node: cst.FunctionDef, site: Site) -> None:
        replaced = _REPLACED.get(node.name.value)
        if replaced is None or not _module_or_class_level(site):
            return
        old, new = replaced
        param = next((p for p in _parameters(node) if p.name.value == old), None)
        if param is None or _is_test_module(self.context.path):
            return
        path = self.context.path
        where = "conftest.py" if path is not None and os.path.basename(path) == "conftest.py" else "plugin"
        self.report(param, hook=node.name.value, old=old, new=new, where=where)


def _is_test_module(path: Optional[str]) -> bool:
    if not path or os.path.basename(path) == "conftest.py":
        return False
    model = model_for_path(path)
    return model.is_test_module(os.path.abspath(path)) if model is not None else is_test_module_path(path)


def _hook_functions(tree: ast.Module) -> Iterator[ast.AST]:
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield statement
        elif isinstance(statement, ast.ClassDef):
            yield from (s for s in statement.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _old_argument(func: ast.AST) -> Optional[str]:
    replaced = _REPLACED.get(getattr(func, "name", ""))
    if replaced is None:
        return None
    args = func.args  # type: ignore[attr-defined]
    names = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    return replaced[0] if replaced[0] in names else None


def _module_or_class_level(site: Site) -> bool:
    parent = site.parent_site()
    while parent is not None and isinstance(parent.node, (cst.IndentedBlock, cst.SimpleStatementSuite)):
        parent = parent.parent_site()
    if parent is None or isinstance(parent.node, cst.Module):
        return True
    if isinstance(parent.node, cst.ClassDef):
        outer = parent.parent_site()
        return outer is not None and isinstance(outer.node, cst.Module)
    return False


def _parameters(func: cst.FunctionDef) -> List[cst.Param]:
    params = func.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]
