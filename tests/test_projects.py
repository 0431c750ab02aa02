"""The fixture rules against small multi-folder projects, linted and executed.

Each folder under ``tests/fixtures/projects/`` is a small project with its own
``pytest.ini`` (so pytest's and mocklint's discovery stop there), or with no
pytest configuration at all (it is then copied out of the repository, whose
``pyproject.toml`` would be its configuration, and both run from its root).
Its files carry ``# expect: MCK3xx`` comments (see ``expectations.py``); a line
may also say ``# expect[pytest>=9]: MCK301`` for a finding that depends on the
installed pytest's major version.

A scenario may declare the plugins its tests run with in a ``requirements.txt``
(the file mocklint reads as the project's declaration).  Its tests then run in
a virtualenv cached outside the repository (``support.tool_venv``) holding
exactly those requirements, with pytest's plugin autoloading on, as the
project's own environment would; without one, autoloading is off.  Such a
scenario is linted twice: in this process, where its plugins are declared but
not installed, and in its virtualenv, where they are installed; a line says
``# expect[declared]:`` or ``# expect[installed]:`` for a finding of one of
the two only.

1. ``test_lint_matches_expectations``: the engine, with the MCK3 rules, on every
   ``.py`` file of the scenario, gives exactly the expected findings (and
   ``test_lint_where_the_plugins_are_installed`` the same in the virtualenv).
2. ``test_pytest_agrees``: real pytest runs a copy of the scenario (from the
   folder of its shallowest ``pytest.ini``, without arguments) and

   - every test holding an ``# expect: MCK301`` line (decorators included), or
     marked ``# fails: not found`` on its ``def`` line, errors or fails: with
     the error the finding quotes (``... with "fixture 'x' not found"``), in
     the test's report or, for a collection error, in its module's; a test
     marked ``# fails: not found`` (a miss mocklint knowingly stays silent
     on) with "fixture '...' not found" or "recursive dependency";
   - a test marked ``# fails: other`` fails for another reason (it shows a
     case mocklint rightly leaves alone);
   - every other test passes (or skips);
   - an ``# expect: MCK302`` line makes the run report pytest's
     "non-top-level conftest" collection error.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

import pytest
from expectations import FIXTURES, finding_text
from support import ROOT, bin_dir, tool_venv

from mocklint.analysis.pytest_model import project
from mocklint.engine import Engine
from mocklint.settings import Selection

PROJECTS = FIXTURES / "projects"
SCENARIOS = sorted(p for p in PROJECTS.iterdir() if p.is_dir()) if PROJECTS.is_dir() else []
PYTEST_MAJOR = int(__import__("importlib.metadata").metadata.version("pytest").split(".")[0])

_EXPECT = re.compile(
    r"#\s*expect(?:\[(?:pytest(?P<op>>=|<)(?P<major>\d+)|(?P<where>declared|installed))\])?:\s*(?P<body>.*)$"
)
_ITEM = re.compile(r'(?P<code>MCK\d{3})(?::(?P<col>\d+))?(?:\s+"(?P<text>[^"]*)")?')
_FAILS = re.compile(r"#\s*fails:\s*(?P<why>not found|other)")
_NOT_FOUND = re.compile(r"fixture '[^']+' not found|recursive dependency involving fixture")
#: the error a finding says pytest prints: the last double-quoted text after "with" or "reports"
_QUOTED = re.compile(r'(?:with|reports) "([^"]+)"')
_NON_TOP = "Defining 'pytest_plugins' in a non-top-level conftest is no longer supported"


def _applies(op: Optional[str], major: Optional[str]) -> bool:
    if op is None or major is None:
        return True
    return PYTEST_MAJOR >= int(major) if op == ">=" else PYTEST_MAJOR < int(major)


def expected_lines(path: Path, where: str = "declared") -> List[Tuple[int, str, Optional[str]]]:
    """The ``# expect:`` items of ``path`` for a lint where the scenario's plugins
    are ``declared`` only (this process) or ``installed`` (its virtualenv)."""
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match and match.group("where") not in (None, where):
            continue
        if match and _applies(match.group("op"), match.group("major")):
            for item in _ITEM.finditer(match.group("body")):
                found.append((number, item.group("code"), item.group("text")))
    return found


@pytest.fixture(autouse=True)
def _fresh_model():  # type: ignore[no-untyped-def]
    project.clear_caches()
    yield
    project.clear_caches()


def test_there_are_enough_scenarios() -> None:
    assert len(SCENARIOS) >= 20, [s.name for s in SCENARIOS]
    assert any(not _configured(s) for s in SCENARIOS) and any(_requirements(s) for s in SCENARIOS)


def _configured(scenario: Path) -> bool:
    return bool(list(scenario.rglob("pytest.ini")))


def _requirements(scenario: Path) -> List[str]:
    """The scenario's declared requirements (its ``requirements.txt``), one per line."""
    path = scenario / "requirements.txt"
    if not path.is_file():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


_CONFIG_NAMES = (
    "pytest.toml",
    ".pytest.toml",
    "pytest.ini",
    ".pytest.ini",
    "pyproject.toml",
    "tox.ini",
    "setup.cfg",
    "setup.py",
)


def _outside_the_repository(scenario: Path, tmp_path: Path) -> Path:
    """A copy of a scenario without a pytest configuration, where nothing above
    it is one (the repository's pyproject.toml would be)."""
    copy = tmp_path / scenario.name
    shutil.copytree(scenario, copy)
    if not _configured(scenario):
        for folder in copy.parents:
            stray = [name for name in _CONFIG_NAMES if (folder / name).exists()]
            assert not stray, f"{folder} holds {stray}: pytest would take it for {scenario.name}'s configuration"
    return copy


def _compare(found: List[Tuple[str, int, str, str]], scenario: Path, where: str) -> None:
    """``found`` ((path, line, code, message)) against the scenario's labels."""
    produced = [(rel, line, code) for rel, line, code, _ in found]
    expected: List[Tuple[str, int, str]] = []
    for path in sorted(scenario.rglob("*.py")):
        rel = path.relative_to(scenario).as_posix()
        wanted = expected_lines(path, where)
        expected.extend((rel, line, code) for line, code, _ in wanted)
        texts = {(line, code): text for line, code, text in wanted}
        for found_rel, line, code, message in found:
            text = texts.get((line, code)) if found_rel == rel else None
            if text is not None:
                assert text in message, f"{rel}:{line}: {text!r} not in {message!r}"
    missing = sorted((Counter(expected) - Counter(produced)).elements())
    extra = sorted((Counter(produced) - Counter(expected)).elements())
    assert not missing and not extra, f"missed: {missing}\nfalse alarms: {extra}"


def _lint(root: Path) -> List[Tuple[str, int, str, str]]:
    engine = Engine(Selection(select=("MCK3",)))
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        result = engine.lint(path.read_text(encoding="utf-8"), str(path))
        assert result.internal_error is None, f"{rel}: {result.internal_error}"
        found.extend((rel, d.line, d.code, finding_text(d)) for d in result.diagnostics)
    return found


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_lint_matches_expectations(scenario: Path, tmp_path: Path) -> None:
    root = scenario if _configured(scenario) else _outside_the_repository(scenario, tmp_path)
    _compare(_lint(root), scenario, "declared")


# -- scenarios with declared plugins: their own virtualenv ------------------------------
WITH_REQUIREMENTS = [s for s in SCENARIOS if _requirements(s)]


def _mocklint_requirements() -> List[str]:
    """mocklint's own dependencies, for running it from the checkout (``PYTHONPATH``):
    flake8 is left out, the command does not import it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on the 3.10 test run
        import tomli as tomllib
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    return [dependency for dependency in dependencies if not dependency.startswith("flake8")]


def _venv_python(scenario: Path) -> Path:
    """The scenario's virtualenv: its requirements, and what mocklint needs to run
    from the checkout (its plugins are read where they are installed)."""
    requirements = [*_requirements(scenario), *_mocklint_requirements()]
    venv = tool_venv(f"project-{scenario.name}", requirements, with_checkout=False)
    return bin_dir(venv) / ("python.exe" if os.name == "nt" else "python")


@pytest.mark.slow
@pytest.mark.parametrize("scenario", WITH_REQUIREMENTS, ids=[s.name for s in WITH_REQUIREMENTS])
def test_lint_where_the_plugins_are_installed(scenario: Path, tmp_path: Path) -> None:
    """mocklint run in the scenario's virtualenv reads the plugins from their installation."""
    copy = _outside_the_repository(scenario, tmp_path)
    files = [str(p.relative_to(copy)) for p in sorted(copy.rglob("*.py"))]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [str(_venv_python(scenario)), "-m", "mocklint", "--select=MCK3", "--isolated", "--no-cache", "--format=json"]
        + files,
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    diagnostics = json.loads(proc.stdout)["diagnostics"]
    found = [(d["path"], d["line"], d["code"], f"{d['message']}. {d.get('detail', '')}") for d in diagnostics]
    _compare(found, scenario, "installed")


# -- execution ----------------------------------------------------------------
def _test_ranges(path: Path) -> Dict[str, Tuple[int, int, int]]:
    """``Class::test`` -> (first decorator line, def line, last line)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    ranges: Dict[str, Tuple[int, int, int]] = {}

    def visit(body: List[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                ranges[prefix + node.name] = (start, node.lineno, node.end_lineno or node.lineno)
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}::")

    visit(tree.body, "")
    return ranges


def _run_dir(scenario: Path) -> Path:
    inis = sorted(scenario.rglob("pytest.ini"), key=lambda p: (len(p.parts), str(p)))
    return inis[0].parent if inis else scenario


class _Run:
    """What one pytest run reported: each test's outcome, each module's collection error."""

    def __init__(self, output: str) -> None:
        self.output = output
        self.outcomes: Dict[Tuple[str, str], Tuple[str, str]] = {}
        self.collection_errors: Dict[Path, str] = {}


def _run_pytest(work: Path, tmp_path: Path, scenario: Path) -> _Run:
    report = tmp_path / "report.xml"
    requirements = _requirements(scenario)
    python = _venv_python(scenario) if requirements else Path(sys.executable)
    args = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--continue-on-collection-errors"]
    if _configured(scenario):
        args += ["--rootdir", str(work)]
    args.append(f"--junitxml={report}")  # no path: pytest runs its `testpaths` (or the folder) as a plain `pytest` does
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if not requirements:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # else: exactly the declared plugins are installed there
    else:
        env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONPATH"):
        env.pop(name, None)
    proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=300)
    run = _Run(proc.stdout + proc.stderr)
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            classname = case.get("classname", "")
            name = case.get("name", "").split("[", 1)[0]
            status, text, collection = "passed", "", False
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
                    text = f"{child.get('message', '')}\n{child.text or ''}"
                    collection = child.get("message") == "collection failure"
            if collection:  # a module (or a class of it) that does not collect
                located = _locate(work, f"{classname}.{name}" if classname else name, "")
                if located is not None:
                    run.collection_errors[located[0]] = text
                continue
            key = (classname, name)
            if key not in run.outcomes or run.outcomes[key][0] == "passed":
                run.outcomes[key] = (status, text)
    return run


def _locate(work: Path, classname: str, name: str) -> Optional[Tuple[Path, str]]:
    """The file and ``Class::test`` key of a junit test case."""
    parts = classname.split(".")
    for split in range(len(parts), 0, -1):
        candidate = work.joinpath(*parts[:split]).with_suffix(".py")
        if candidate.is_file():
            return candidate, "::".join([*parts[split:], name])
    return None


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize(
    "scenario",
    # a scenario with a requirements.txt runs in a virtualenv installed from the registry
    [pytest.param(s, id=s.name) for s in SCENARIOS],
)
def test_pytest_agrees(scenario: Path, tmp_path: Path) -> None:
    copy = _outside_the_repository(scenario, tmp_path / "run")
    work = copy / _run_dir(scenario).relative_to(scenario)
    run = _run_pytest(work, tmp_path, scenario)
    output = run.output
    # the error each finding says pytest prints, by file and line
    linted = _lint(scenario if _configured(scenario) else _outside_the_repository(scenario, tmp_path / "lint"))
    stated: Dict[Tuple[Path, int], str] = {}
    for rel, line, _, message in linted:
        quoted = _QUOTED.findall(message)
        if quoted:
            stated[(copy / rel, line)] = quoted[-1]

    flagged: Dict[Path, Set[int]] = {}
    collection_errors = False
    for path in copy.rglob("*.py"):
        for line, code, _ in [*expected_lines(path, "declared"), *expected_lines(path, "installed")]:
            if code == "MCK302":
                collection_errors = True
            else:
                flagged.setdefault(path, set()).add(line)
    if collection_errors:
        assert _NON_TOP in output, f"MCK302 expected, but pytest did not stop on it:\n{output}"

    ranges = {path: _test_ranges(path) for path in work.rglob("*.py") if path.name != "conftest.py"}
    seen: Set[Tuple[Path, str]] = set()
    problems: List[str] = []
    for (classname, name), (status, text) in sorted(run.outcomes.items()):
        located = _locate(work, classname, name)
        if located is None:
            continue
        path, key = located
        if key not in ranges.get(path, {}):
            continue
        seen.add((path, key))
        start, def_line, end = ranges[path][key]
        lines = path.read_text(encoding="utf-8").splitlines()
        marker = _FAILS.search(lines[def_line - 1])
        own = [line for line in flagged.get(path, ()) if start <= line <= end]
        errors = {stated[(path, line)] for line in own if (path, line) in stated}
        where = f"{path.relative_to(copy)}::{key}"
        if own or (marker and marker.group("why") == "not found"):
            expected = any(error in text for error in errors) if errors else bool(_NOT_FOUND.search(text))
            if status == "passed" or not expected:
                problems.append(f"{where} is flagged ({sorted(errors)}) but {status}: {text[:300]!r}")
        elif marker:
            if status == "passed" or _NOT_FOUND.search(text):
                problems.append(f"{where} should fail for another reason but {status}: {text[:300]!r}")
        elif status not in ("passed", "skipped"):
            problems.append(f"{where} is not flagged but {status}: {text[:300]!r}")
    for path, error_text in run.collection_errors.items():
        errors = {stated[(path, line)] for line in flagged.get(path, ()) if (path, line) in stated}
        if not any(error in error_text for error in errors):
            problems.append(f"{path.relative_to(copy)} does not collect, which no finding says: {error_text[:300]!r}")
    if not collection_errors:
        assert run.outcomes or run.collection_errors, f"no test ran:\n{output}"
    for path, tests in flagged.items():
        if path in run.collection_errors:
            continue  # checked against the module's collection error above
        for line in tests:
            if path in ranges and not any(
                s <= line <= e for key, (s, _, e) in ranges.get(path, {}).items() if (path, key) in seen
            ):
                # a flag on a fixture parameter: every test using it says "# fails: not found"
                if not any(path == p for p, _ in seen):
                    problems.append(f"{path.relative_to(copy)}:{line} is flagged but its tests did not run")
    assert not problems, "\n".join(problems) + "\n\n" + output[-3000:]


# -- the model's cache ----------------------------------------------------------
_CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef shared():\n    return 1\n"
_TEST = "def test_it(shared, absent):\n    assert shared\n"


def _mini_project(root: Path) -> Path:
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    tests = root / "tests"
    tests.mkdir()
    (tests / "conftest.py").write_text(_CONFTEST, encoding="utf-8")
    for name in ("test_a.py", "test_b.py", "test_c.py"):
        (tests / name).write_text(_TEST, encoding="utf-8")
    return tests


def test_conftests_are_parsed_once_per_process(tmp_path: Path) -> None:
    tests = _mini_project(tmp_path)
    engine = Engine(Selection(select=("MCK3",)))
    before = project.PARSES[0]
    for name in ("test_a.py", "test_b.py", "test_c.py"):
        result = engine.lint(_TEST, str(tests / name))
        assert [d.message.split(" ")[1] for d in result.diagnostics] == ["`absent`"]
    assert project.PARSES[0] - before == 1


def test_a_changed_conftest_is_read_again(tmp_path: Path) -> None:
    tests = _mini_project(tmp_path)
    engine = Engine(Selection(select=("MCK3",)))
    assert len(engine.lint(_TEST, str(tests / "test_a.py")).diagnostics) == 1
    conftest = tests / "conftest.py"
    conftest.write_text(_CONFTEST + "\n\n@pytest.fixture\ndef absent():\n    return 2\n", encoding="utf-8")
    stat = conftest.stat()
    os.utime(conftest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert engine.lint(_TEST, str(tests / "test_a.py")).diagnostics == ()


def test_a_display_name_of_an_unsaved_buffer_works(tmp_path: Path) -> None:
    tests = _mini_project(tmp_path)
    engine = Engine(Selection(select=("MCK3",)))
    result = engine.lint(_TEST, str(tests / "test_not_saved_yet.py"))
    assert [d.code for d in result.diagnostics] == ["MCK301"]
    assert engine.lint(_TEST, None).diagnostics == ()  # no path: nothing to reason about


def test_an_unparseable_conftest_silences_its_folder(tmp_path: Path) -> None:
    tests = _mini_project(tmp_path)
    (tests / "conftest.py").write_text("def broken(:\n", encoding="utf-8")
    engine = Engine(Selection(select=("MCK3",)))
    assert engine.lint(_TEST, str(tests / "test_a.py")).diagnostics == ()


def test_extra_fixtures_from_the_mocklint_table(tmp_path: Path) -> None:
    tests = _mini_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.mocklint]\nextra-fixtures = ["absent"]\n', encoding="utf-8")
    engine = Engine(Selection(select=("MCK3",)))
    assert engine.lint(_TEST, str(tests / "test_a.py")).diagnostics == ()


def test_configuration_files_are_found_like_pytest(tmp_path: Path) -> None:
    from mocklint.analysis.pytest_model.pytest_config import locate

    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-p pytester -p no:cacheprovider --confcutdir=sub"\n'
        'usefixtures = ["a", "b"]\npython_files = ["check_*.py"]\n',
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    config = locate(str(tmp_path / "sub"))
    assert config.rootdir == str(tmp_path)
    assert config.plugins == ("pytester",) and config.disabled_plugins == ("cacheprovider",)
    assert config.confcutdir == str(tmp_path / "sub")
    assert config.usefixtures == ("a", "b") and config.python_files == ("check_*.py",)
    (tmp_path / "sub" / "tox.ini").write_text("[tox]\n", encoding="utf-8")  # no [pytest]: passed over
    assert locate(str(tmp_path / "sub")).rootdir == str(tmp_path)
    (tmp_path / "sub" / "setup.cfg").write_text("[tool:pytest]\ntestpaths = t\n", encoding="utf-8")
    assert locate(str(tmp_path / "sub")).testpaths == ("t",)
    (tmp_path / "sub" / "pytest.ini").write_text("", encoding="utf-8")  # counts even when empty
    assert locate(str(tmp_path / "sub")).inipath == str(tmp_path / "sub" / "pytest.ini")
    native = tmp_path / "native"
    native.mkdir()
    (native / "pyproject.toml").write_text('[tool.pytest]\nusefixtures = ["n"]\n', encoding="utf-8")
    assert locate(str(native)).usefixtures == ("n",)
