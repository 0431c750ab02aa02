"""MCK302 pytest-plugins-in-non-root-conftest: ``pytest_plugins`` in a conftest.py pytest loads during collection."""

from __future__ import annotations

import ast
import os
from typing import List, Optional

from mocklint.analysis.syntax.ast_scan import statements_on_lines, word_lines
from mocklint.analysis.pytest_model.fixture_defs import ModuleFacts, extract
from mocklint.analysis.pytest_model.project import ProjectModel, model_for_path, module_facts
from mocklint.rule import Rule, gate


class PytestPluginsInNonRootConftest(Rule):
    """
    ## What it does
    Checks for `pytest_plugins` in a `conftest.py` that pytest loads only while it
    collects: any conftest.py below the rootdir other than the *initial* ones,
    which are those in the rootdir (or in each `testpaths` entry and its
    parents) and in their direct `test*` sub-folders.

    ## Why is this bad?
    Plugins are global: a `pytest_plugins` list in `tests/api/conftest.py` would
    apply to the whole run, not just below that folder, so pytest 4.0 made it an
    error. When collection reaches that folder, pytest stops with

    ```
    Defining 'pytest_plugins' in a non-top-level conftest is no longer supported:
    It affects the entire test suite instead of just below the conftest as expected.
    ```

    and the whole run is reported as a collection error. Any assignment counts,
    even `pytest_plugins = []`.

    mocklint mirrors `pytest` run from the rootdir without arguments (the usual
    invocation, and CI's); the rootdir is the folder of the pytest configuration
    file or, without one, of the nearest `setup.py`, as pytest finds it. It stays
    silent where it cannot tell: with neither (the rootdir is then wherever
    pytest is run, and any conftest.py may be an initial one), with
    `--pyargs` or `--noconftest` in `addopts`, in folders pytest does not collect
    (`norecursedirs`, outside `testpaths`), and below a conftest.py that steers
    collection (`collect_ignore`, `pytest_ignore_collect`).

    ## Example
    ```python
    # tests/api/conftest.py  (the rootdir is the folder above tests/)
    pytest_plugins = ["tests.fixtures.database"]
    ```

    Use instead:
    ```python
    # conftest.py  (in the rootdir)
    pytest_plugins = ["tests.fixtures.database"]
    ```

    ## References
    - [pytest deprecations: `pytest_plugins` in non-top-level conftest files](https://docs.pytest.org/en/stable/deprecations.html#pytest-plugins-in-non-top-level-conftest-files)
    - [pytest: requiring/loading plugins in a test module or conftest file](https://docs.pytest.org/en/stable/how-to/plugins.html#requiring-loading-plugins-in-a-test-module-or-conftest-file)
    """

    code = "MCK302"
    name = "pytest-plugins-in-non-root-conftest"
    summary = "`pytest_plugins` in a conftest.py below the rootdir is a collection error since pytest 4.0"
    messages = {
        "default": (
            "`pytest_plugins` in {conftest} stops the run: only the root conftest.py may set it",
            "pytest loads this conftest.py only when it collects {folder}/, and then fails with \"Defining "
            "'pytest_plugins' in a non-top-level conftest is no longer supported\" (a collection error since pytest "
            "4.0; plugins always apply to the whole suite). Move this line to the root conftest.py "
            "({root_conftest}).",
        ),
    }
    body_gate = gate(r"pytest_plugins")
    gate = gate(r"\bpytest_plugins\b")

    @classmethod
    def might_report(cls, tree: ast.Module, source: str, path: Optional[str]) -> bool:
        """A conftest.py that assigns the name ``pytest_plugins`` (at any depth:
        ``extract`` reads it at module level and in ``if``/``try`` blocks), in a
        folder pytest reaches only while it collects: the test modules that name
        it (pytest's own tests write conftest files) are spared, and so are the
        root conftest.py files, which the project model tells apart from the path."""
        if not path or os.path.basename(path) != "conftest.py":
            return False
        if not any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins"
            for statement in statements_on_lines(tree, word_lines(source, "pytest_plugins"))
            for target in _assigned(statement)
        ):
            return False
        path = os.path.abspath(path)
        model = model_for_path(path)
        if model is None or model.config.extra.get("guessed"):
            return False
        return _loaded_during_collection(model, os.path.dirname(path))

    def finish(self) -> None:
        path = self.context.path
        if not path or os.path.basename(path) != "conftest.py":
            return
        path = os.path.abspath(path)
        model = model_for_path(path)
        if model is None or model.config.extra.get("guessed"):
            return
        facts = extract(
            self.context.module, self.context.names, path, self.context.function_frames, self.context.source
        )
        if facts.pytest_plugins is None or facts.pytest_plugins_node is None:
            return
        folder = os.path.dirname(path)
        if not _loaded_during_collection(model, folder):
            return
        self.report(
            facts.pytest_plugins_node,
            conftest=model.rel(path),
            folder=model.rel(folder),
            root_conftest=model.rel(os.path.join(model.root, "conftest.py")),
        )


def _assigned(statement: ast.stmt) -> List[ast.expr]:
    """The targets of an assignment statement (``x: T`` without a value included)."""
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
        return [statement.target]
    return []


def _loaded_during_collection(model: ProjectModel, folder: str) -> bool:
    """Whether a plain ``pytest`` run from the rootdir reaches ``folder`` during
    collection without having loaded its conftest.py at start-up."""
    config = model.config
    if config.pyargs or config.noconftest:
        return False
    if not model.in_project(folder) or folder == model.root:
        return False
    cut = os.path.abspath(model.confcutdir)
    if cut != folder and cut.startswith(folder.rstrip(os.sep) + os.sep):
        return False  # above confcutdir: never loaded
    initial = model.initial_conftest_dirs()
    if initial is None or folder in initial:
        return False
    for root in model.collection_roots():
        root = os.path.abspath(root)
        if not os.path.isdir(root) or not folder.startswith(root.rstrip(os.sep) + os.sep):
            continue
        if _collected_below(model, root, folder):
            return True
    return False


def _collected_below(model: ProjectModel, root: str, folder: str) -> bool:
    """Whether collection descends from ``root`` into ``folder``: no folder on the
    way matches ``norecursedirs`` or is a virtualenv, and no conftest.py on the way
    steers collection."""
    relative = os.path.relpath(folder, root).split(os.sep)
    current = root
    for part in relative:
        facts: Optional[object] = module_facts(os.path.join(current, "conftest.py"))
        if facts is not None and (not isinstance(facts, ModuleFacts) or facts.controls_collection):
            return False
        current = os.path.join(current, part)
        if model.norecurse(part) or os.path.isfile(os.path.join(current, "pyvenv.cfg")):
            return False
        if part == "__pycache__":
            return False
    # conftests above the collection root steer collection too
    for above in model.conftest_dirs(root)[:-1]:
        facts = module_facts(os.path.join(above, "conftest.py"))
        if facts is not None and (not isinstance(facts, ModuleFacts) or facts.controls_collection):
            return False
    return True
