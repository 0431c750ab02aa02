"""Execution backs the interprocedural projects of the async mock rules (MCK101-MCK103).

A project of this suite is a folder ``tests/fixtures/<rule-name>/projects/<name>/``
whose ``pytest.ini`` sets ``asyncio_mode``: a small repository with an ``app``
package (the code under test, where the ``await`` / ``async with`` / ``async
for`` / ``asyncio.gather`` that breaks lives), and ``tests/`` with conftest.py
chains, fixtures, ``unittest.IsolatedAsyncioTestCase`` classes, ``mocker`` and
``patch`` in all its forms.  Its labels (``README.md`` in each ``projects/``
folder says more):

- ``# fails: MCK101`` on the ``def`` line of every test that must fail, followed by
  ``# cell: <where the mock is made> / <how it travels> / <what breaks>``;
- ``# expect:`` / ``# missed:`` (``expectations.py``) on the one line of the
  test file where mocklint should report;
- every failing ``test_x`` has a clean twin ``test_x_clean`` in the same file:
  the same shape written correctly, which passes.

``test_projects_fail_exactly_where_labelled`` runs each project as it is (its
own ``pytest.ini``, from a copy in a temporary folder) under real pytest with
pytest-asyncio and pytest-mock loaded by plugin autoloading, from a virtualenv
cached outside the repository (``support.tool_venv``), and asserts that exactly
the ``# fails:`` tests fail, each with its rule's characteristic error, and
that every other test passes.  The other tests check the labels without
running anything.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from expectations import FIXTURES, labels
from support import bin_dir, tool_venv

from mocklint.registry import ALL_RULES

#: the rules whose fixture folders hold these projects, by folder name
RULES = {rule.name: rule.code for rule in ALL_RULES if rule.code in ("MCK101", "MCK102", "MCK103")}

#: pytest and its plugins as the projects run under them: the newest releases
REQUIREMENTS = ("pytest==9.2.0", "pytest-asyncio==1.5.0", "pytest-mock==3.15.1")

#: what a failing test of each rule reports, on Python 3.10 to 3.13.  MCK101 and
#: MCK102 are matched against the exception the test raised; MCK103 against the
#: whole report, since the dropped coroutine fails the test only through
#: ``filterwarnings = error``: pytest reports a PytestUnraisableExceptionWarning
#: (or an ExceptionGroup of them) caused by the RuntimeWarning below.
CHARACTERISTIC = {
    "MCK101": re.compile(
        r"'coroutine' object does not support the asynchronous context manager protocol"  # 3.11+
        r"|AttributeError: __aenter__"  # 3.9, 3.10
        r"|'async for' requires an object with __aiter__ method, got coroutine"
    ),
    "MCK102": re.compile(
        r"object \w+ can't be used in 'await' expression"  # await, and wait_for on 3.12+
        r"|An asyncio\.Future, a coroutine or an awaitable is required"  # gather, ensure_future, wait_for before 3.12
        r"|a coroutine was expected"  # create_task
    ),
    "MCK103": re.compile(r"RuntimeWarning: coroutine '[\w.]+' was never awaited"),
}

_FAILS = re.compile(r"#\s*fails:\s*(?P<code>MCK\d{3})(?:\s+#\s*cell:\s*(?P<cell>[^#]*?))?\s*(?:#|$)")
_ANY_FAILS = re.compile(r"#\s*fails:")

#: the values of the matrix's three dimensions, as ``# cell:`` spells them
MADE = (
    "test-body", "module-fixture", "conftest-fixture", "setUp", "asyncSetUp", "mocker",
    "patch-decorator", "patch-context", "patch-start", "patch-in-fixture",
)  # fmt: skip
TRAVELS = (
    "constructor", "argument", "factory", "patched-module-attribute", "patched-class",
    "attribute-on-real-object", "fixture-chain",
)  # fmt: skip
#: what breaks, and the rule that break belongs to
BREAKS = {
    "await": "MCK102",
    "gather": "MCK102",
    "create_task": "MCK102",
    "ensure_future": "MCK102",
    "wait_for": "MCK102",
    "async-with": "MCK101",
    "async-for": "MCK101",
    "dropped": "MCK103",
}
SCHEDULED = ("gather", "create_task", "ensure_future", "wait_for")
#: how often each value of each dimension must occur over the whole suite
AT_LEAST = 3


def _is_project(folder: Path) -> bool:
    ini = folder / "pytest.ini"
    return ini.is_file() and "asyncio_mode" in ini.read_text(encoding="utf-8")


def _projects() -> List[Tuple[str, Path]]:
    """(rule code, project folder) of every project of the suite."""
    found = []
    for ini in sorted(FIXTURES.glob("*/projects/*/pytest.ini")):
        project = ini.parent
        rule_folder = project.parent.parent.name
        if rule_folder in RULES and _is_project(project):
            found.append((RULES[rule_folder], project))
    return found


PROJECTS = _projects()
IDS = [f"{code}-{project.name}" for code, project in PROJECTS]


@dataclass(frozen=True)
class LabelledTest:
    """One test function of a project, as pytest names it."""

    path: str  # relative to the project, posix
    cls: Optional[str]
    name: str
    def_line: int
    lines: Tuple[int, int]  # first decorator to last line
    fails: Optional[str]  # the code of its `# fails:` label
    cell: Optional[str]

    @property
    def junit(self) -> Tuple[str, str]:
        """(classname, name) as pytest's junit report spells them."""
        module = self.path[: -len(".py")].replace("/", ".")
        return (f"{module}.{self.cls}" if self.cls else module, self.name)

    @property
    def where(self) -> str:
        return f"{self.path}::{self.cls}::{self.name}" if self.cls else f"{self.path}::{self.name}"


def _is_test_class(node: ast.ClassDef) -> bool:
    bases = [ast.unparse(base) for base in node.bases]
    return node.name.startswith("Test") or any(base.endswith("TestCase") for base in bases)


def _test_cases(project: Path, path: Path) -> List[LabelledTest]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    rel = path.relative_to(project).as_posix()

    def case(func: ast.stmt, cls: Optional[str]) -> LabelledTest:
        assert isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        first = min([func.lineno] + [d.lineno for d in func.decorator_list])
        match = _FAILS.search(lines[func.lineno - 1])
        code = match.group("code") if match else None
        cell = (match.group("cell") or "").strip() if match else ""
        span = (first, func.end_lineno or func.lineno)
        return LabelledTest(rel, cls, func.name, func.lineno, span, code, cell or None)

    found = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            found.append(case(node, None))
        elif isinstance(node, ast.ClassDef) and _is_test_class(node):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    found.append(case(item, node.name))
    return found


def _test_files(project: Path) -> List[Path]:
    return sorted(p for p in project.rglob("test_*.py") if "__pycache__" not in p.parts)


def _all_cases(project: Path) -> List[LabelledTest]:
    return [case for path in _test_files(project) for case in _test_cases(project, path)]


# -- execution ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plugin_venv() -> Path:
    return tool_venv("async-projects", REQUIREMENTS, with_checkout=False)  # the projects never import mocklint


@dataclass
class Outcome:
    status: str  # passed / failed / error / skipped
    message: str  # the exception line pytest reports
    report: str  # the whole report of the test


def _run(venv: Path, project: Path, tmp_path: Path) -> Tuple[Dict[Tuple[str, str], Outcome], str]:
    work = tmp_path / project.name
    shutil.copytree(project, work, ignore=shutil.ignore_patterns("__pycache__"))
    report = tmp_path / "report.xml"
    python = bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")
    # plugin autoloading stays on (pytest-asyncio and pytest-mock must load); nothing of the outer run leaks in
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_") and k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-rA", f"--junitxml={report}"],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    outcomes: Dict[Tuple[str, str], Outcome] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            outcome = Outcome("passed", "", "")
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
                    message = child.get("message", "")
                    outcome = Outcome(status, message, f"{message}\n{child.text or ''}")
            outcomes[(case.get("classname", ""), case.get("name", ""))] = outcome
    return outcomes, output


@pytest.mark.slow  # installs pytest-asyncio and pytest-mock into a cached virtualenv, and runs pytest
@pytest.mark.parametrize(("code", "project"), PROJECTS, ids=IDS)
def test_projects_fail_exactly_where_labelled(code: str, project: Path, plugin_venv: Path, tmp_path: Path) -> None:
    outcomes, output = _run(plugin_venv, project, tmp_path)
    plugins = re.search(r"^plugins: (.*)$", output, re.M)
    assert plugins and "asyncio-" in plugins.group(1) and "mock-" in plugins.group(1), (
        f"pytest-asyncio and pytest-mock must load:\n{output}"
    )
    cases = _all_cases(project)
    assert set(outcomes) == {case.junit for case in cases}, f"pytest ran other tests than the files hold:\n{output}"
    pattern = CHARACTERISTIC[code]
    for case in cases:
        outcome = outcomes[case.junit]
        if case.fails is None:
            assert outcome.status == "passed", f"{case.where} must pass, but {outcome.status}:\n{outcome.report}"
            continue
        assert outcome.status == "failed", f"{case.where} is labelled '# fails: {case.fails}' but {outcome.status}"
        shown = outcome.report if code == "MCK103" else outcome.message
        assert pattern.search(shown), f"{case.where}: not the characteristic error of {code}:\n{outcome.report}"


# -- the labels, without running anything -----------------------------------------------
def test_every_project_folder_of_the_async_rules_is_run() -> None:
    """A project that lost its ``asyncio_mode`` would silently drop out of the run."""
    for name in RULES:
        base = FIXTURES / name / "projects"
        folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        assert len(folders) >= 2, f"{name}: fewer than two projects"
        for folder in folders:
            assert _is_project(folder), f"{folder.relative_to(FIXTURES)}: its pytest.ini does not set asyncio_mode"
    modes = Counter(re.findall(r"asyncio_mode\s*=\s*(\w+)", (p / "pytest.ini").read_text())[0] for _, p in PROJECTS)
    assert modes["strict"] and modes["auto"], f"both pytest-asyncio modes are exercised: {dict(modes)}"


@pytest.mark.parametrize(("code", "project"), PROJECTS, ids=IDS)
def test_labels_sit_in_test_files(code: str, project: Path) -> None:
    """Findings go to the test file that holds the failing test, never to
    conftest.py or the code under test; ``# fails:`` labels sit on the ``def``
    line of a test, and name the project's rule."""
    cases = _all_cases(project)
    def_lines = {(case.path, case.def_line) for case in cases}
    for path in sorted(project.rglob("*.py")):
        rel = path.relative_to(project).as_posix()
        is_test_file = path.name.startswith("test_") and "app" not in path.relative_to(project).parts
        if not is_test_file:
            assert not labels(path, project), f"{rel}: labels belong in the test file of the failing test"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _ANY_FAILS.search(line):
                assert (rel, number) in def_lines, f"{rel}:{number}: '# fails:' belongs on the def line of a test"
                match = _FAILS.search(line)
                assert match and match.group("code") == code, f"{rel}:{number}: this project's tests fail with {code}"
        for label in labels(path, project):
            assert label.code == code, f"{rel}:{label.line}: this project holds {code} bugs only"


def _holder(cases: List[LabelledTest], line: int) -> Optional[LabelledTest]:
    """The test whose lines hold ``line``, if any."""
    return next((case for case in cases if case.lines[0] <= line <= case.lines[1]), None)


@pytest.mark.parametrize(("code", "project"), PROJECTS, ids=IDS)
def test_every_failing_test_has_a_label_and_a_clean_twin(code: str, project: Path) -> None:
    """Each failing ``test_x`` has ``test_x_clean`` in the same file (not failing);
    each has a label in its own lines, or the file one outside every test (a
    fixture, ``setUp``, a helper) it shares; a label inside a test marks a failing one."""
    cases = _all_cases(project)
    assert any(case.fails for case in cases), f"{project.name} has no '# fails:' test"
    for path in _test_files(project):
        rel = path.relative_to(project).as_posix()
        here = [case for case in cases if case.path == rel]
        names = {case.name: case for case in here}
        label_lines = sorted({label.line for label in labels(path, project)})
        shared = [line for line in label_lines if _holder(here, line) is None]
        for line in label_lines:
            case = _holder(here, line)
            assert case is None or case.fails, f"{rel}:{line}: a label inside {case and case.where}, which passes"
        failing = [case for case in here if case.fails]
        assert failing or not label_lines, f"{rel}: labels without a failing test"
        for case in failing:
            twin = names.get(f"{case.name}_clean")
            assert twin is not None, f"{case.where}: no clean twin {case.name}_clean in {rel}"
            assert twin.fails is None, f"{twin.where}: the clean twin must pass"
            own = [line for line in label_lines if case.lines[0] <= line <= case.lines[1]]
            assert own or shared, f"{case.where}: no label in the test nor in a fixture or setUp of {rel}"


def _cells() -> List[Tuple[str, str, str, str, str]]:
    """(project, test, made, travels, breaks) of every failing test."""
    found = []
    for code, project in PROJECTS:
        for case in _all_cases(project):
            if case.fails:
                assert case.cell, f"{project.name}/{case.where}: '# fails:' without '# cell: made / travels / breaks'"
                parts = [part.strip() for part in case.cell.split("/")]
                assert len(parts) == 3, f"{project.name}/{case.where}: cell {case.cell!r}"
                made, travels, breaks = parts
                assert made in MADE, f"{project.name}/{case.where}: {made!r} is not one of {MADE}"
                assert travels in TRAVELS, f"{project.name}/{case.where}: {travels!r} is not one of {TRAVELS}"
                assert BREAKS.get(breaks) == code, f"{project.name}/{case.where}: {breaks!r} is not a {code} break"
                found.append((project.name, case.where, made, travels, breaks))
    return found


def test_the_suite_covers_the_matrix() -> None:
    """Every value of every dimension occurs several times; each scheduling
    function at least once."""
    cells = _cells()
    assert 40 <= len(cells) <= 80, len(cells)
    made = Counter(cell[2] for cell in cells)
    travels = Counter(cell[3] for cell in cells)
    breaks = Counter("scheduled" if cell[4] in SCHEDULED else cell[4] for cell in cells)
    for counter, values in (
        (made, MADE),
        (travels, TRAVELS),
        (breaks, ("await", "scheduled", "async-with", "async-for", "dropped")),
    ):
        rare = {value: counter[value] for value in values if counter[value] < AT_LEAST}
        assert not rare, f"fewer than {AT_LEAST} failing tests: {rare}"
    used = {cell[4] for cell in cells}
    assert set(SCHEDULED) <= used, f"never exercised: {set(SCHEDULED) - used}"
