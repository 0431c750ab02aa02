"""Fixes: before/after pairs, re-linting, execution, and the command line.

``tests/fixtures/fixes/<case>.py`` is a test module with fixable findings and
``<case>.fixed.py`` what ``mocklint --fix --unsafe-fixes`` must make of it.
The fixed module must lint clean, be a fixed point, and run green under real
pytest where the original fails: every test holding a fixable finding fails
before and passes after.  ``async def`` tests run with the shared async runner
(``fixtures/_async_runner``).

Fixes that change another file (MCK301's conftest.py edits) need a project:
``tests/fixtures/fixes/projects/<scenario>/before/`` is a project with a
pytest.ini and ``after/`` the whole tree the real command must leave behind.
The command runs in this process in the everyday set and as ``python -m
mocklint`` in the ``slow`` set (``front_ends.MODES``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, List, Set

import front_ends
import pytest
from expectations import FIXTURES
from support import test_line_ranges

from mocklint.analysis.pytest_model import project
from mocklint.engine import Engine
from mocklint.fixes import OtherFiles, apply_once, fix_source
from mocklint.registry import ALL_RULES

CASES = sorted(p for p in (FIXTURES / "fixes").glob("*.py") if not p.name.endswith(".fixed.py"))
PROJECTS = sorted(p for p in (FIXTURES / "fixes" / "projects").iterdir() if p.is_dir())
ASYNC_RUNNER = FIXTURES / "_async_runner" / "conftest.py"
UNSAFE = {rule.code for rule in ALL_RULES if rule.fix_safety == "unsafe"}
#: rules whose fix needs a project (declared plugin versions): where the before/after is checked
FIXES_CHECKED_ELSEWHERE = {
    "MCK219": "tests/test_asyncio_migration_rules.py::test_scope_fix_is_safe_and_only_offered_alone",
}


def _fixed(case: Path) -> Path:
    return case.with_name(case.stem + ".fixed.py")


def _pytest_command() -> List[str]:
    """The ``pytest`` script next to this Python, so that the current folder is
    not on ``sys.path`` (as ``python -m pytest`` would put it): imports work
    only the way pytest's own import mode makes them work."""
    script = Path(sys.executable).with_name("pytest.exe" if os.name == "nt" else "pytest")
    return [str(script)] if script.exists() else [sys.executable, "-m", "pytest"]


def _run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [*_pytest_command(), "-p", "no:cacheprovider", "-rA", "--rootdir", str(folder), *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _pytest(folder: Path, name: str, source: str) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    shutil.copyfile(ASYNC_RUNNER, folder / "conftest.py")
    (folder / name).write_text(source, encoding="utf-8")
    return _run_pytest(folder, name)


_OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR) (\S+?)(?: - .*)?$", re.M)


def _outcomes(output: str, name: str) -> Dict[str, str]:
    """``{"test_x": "FAILED", "TestA::test_y": "PASSED"}`` from ``-rA``; ``{name: "ERROR"}``
    when the module itself failed to collect."""
    found: Dict[str, str] = {}
    for status, item in _OUTCOME.findall(output):
        path, _, test = item.partition("::")
        if path == name:
            key = test.split("[", 1)[0] if test else name
            if found.get(key, "PASSED") == "PASSED":
                found[key] = status
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fix_gives_the_expected_file(case: Path, tmp_path: Path) -> None:
    engine = Engine()
    path = str(tmp_path / f"test_{case.stem}.py")
    before = case.read_text(encoding="utf-8")
    expected = _fixed(case).read_text(encoding="utf-8")
    found = engine.lint(before, path).diagnostics
    assert any(d.fix is not None for d in found), "a fix case needs fixable findings"
    result = fix_source(engine, before, path, unsafe=True)
    assert result.source == expected
    assert result.applied > 0
    assert not engine.lint(result.source, path).diagnostics, "the fixed file still has findings (or new ones)"
    again = fix_source(engine, result.source, path, unsafe=True)
    assert (again.source, again.applied) == (result.source, 0), "fixes are not idempotent"
    # without --unsafe-fixes, the findings whose fix is unsafe stay, unfixed
    safe_only = fix_source(engine, before, path)
    unsafe_before = Counter(d.code for d in found if d.fix is not None and not d.fix.safe)
    left = Counter(d.code for d in safe_only.remaining if d.fix is not None and not d.fix.safe)
    assert left == unsafe_before
    assert all(d.fix is None or d.fix.safe == (d.code not in UNSAFE) for d in found)


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixed_file_runs_green_where_the_original_fails(case: Path, tmp_path: Path) -> None:
    """Every test holding a fixable finding fails before the fix and passes after it."""
    name = f"test_{case.stem}.py"
    before = case.read_text(encoding="utf-8")
    after = _fixed(case).read_text(encoding="utf-8")
    original = _pytest(tmp_path / "before", name, before)
    fixed = _pytest(tmp_path / "after", name, after)
    assert original.returncode != 0, f"the original passes:\n{original.stdout}"
    assert fixed.returncode == 0, f"the fixed file fails:\n{fixed.stdout}"
    lines = {d.line for d in Engine().lint(before, str(tmp_path / name)).diagnostics if d.fix is not None}
    flagged = {test for test, (lo, hi) in test_line_ranges(before).items() if any(lo <= line <= hi for line in lines)}
    # a test that fails through a fixed fixture says so on one of its lines: `# fails: <why>`
    source_lines = before.splitlines()
    flagged |= {
        test
        for test, (lo, hi) in test_line_ranges(before).items()
        if any("# fails:" in source_lines[i - 1] for i in range(lo, hi + 1))
    }
    outcomes = _outcomes(original.stdout, name)
    assert flagged, "no fixable finding inside a test"
    if outcomes != {name: "ERROR"}:  # else the module did not even import: every test failed
        assert all(outcomes.get(test) in ("FAILED", "ERROR") for test in flagged), original.stdout
    fixed_outcomes = _outcomes(fixed.stdout, name)
    assert set(fixed_outcomes.values()) <= {"PASSED"}, fixed.stdout
    skipped = re.findall(r"^SKIPPED \[\d+\] ", fixed.stdout, re.M)  # a test may end with pytest.skip()
    assert len(fixed_outcomes) + len(skipped) == len(test_line_ranges(after)), fixed.stdout
    assert len(flagged - set(fixed_outcomes)) <= len(skipped), fixed.stdout


def test_every_rule_with_a_fix_documents_its_safety_and_has_a_case() -> None:
    fixing: List[str] = []
    for rule in ALL_RULES:
        doc = rule.documentation()
        assert (rule.fix_safety is not None) == ("## Fix safety" in doc), rule.code
        if rule.fix_safety is not None:
            assert rule.fix_safety in ("safe", "unsafe")
            fixing.append(rule.code)
    covered = set()
    for case in CASES:
        for d in Engine().lint(case.read_text(encoding="utf-8"), f"test_{case.stem}.py").diagnostics:
            if d.fix is not None:
                covered.add(d.code)
    for scenario in PROJECTS:
        for d in _project_findings(scenario / "before"):
            if d.fix is not None:
                covered.add(d.code)
    # a fix offered only for a declared plugin version has its before/after case
    # beside the project that declares it
    for code, node in FIXES_CHECKED_ELSEWHERE.items():
        module, _, test = node.partition("::")
        assert f"\ndef {test}(" in (FIXTURES.parents[1] / module).read_text(encoding="utf-8"), f"{code}: {node} is gone"
        covered.add(code)
    assert set(fixing) <= covered, f"fixes without a before/after case: {sorted(set(fixing) - covered)}"


# -- fixes that change other files: before/after projects ----------------------------
def _tree(root: Path) -> Dict[str, str]:
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".mocklint_cache" not in p.parts
    }


def _project_findings(root: Path) -> List:
    engine = Engine()
    found = []
    for path in sorted(root.rglob("test_*.py")):
        found.extend(engine.lint(path.read_text(encoding="utf-8"), str(path)).diagnostics)
    return found


@pytest.mark.parametrize("scenario", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_fix_gives_the_expected_tree(scenario: Path, tmp_path: Path, mocklint: Mocklint) -> None:
    work = tmp_path / "project"
    shutil.copytree(scenario / "before", work)
    before, expected = _tree(work), _tree(scenario / "after")
    assert before != expected

    # the finding carries an unsafe fix that edits another file, and no file of its own
    (finding,) = [d for d in _project_findings(work) if d.fix is not None]
    assert finding.fix is not None and not finding.fix.safe
    assert all(edit.path is not None for edit in finding.fix.edits)
    changed = {Path(p).relative_to(work).as_posix() for p in finding.fix.other_files}
    assert changed == {rel for rel in expected if expected[rel] != before.get(rel)}

    # safe fixes only: nothing changes; --diff shows the other file and changes nothing
    assert mocklint("--fix", ".", cwd=work).returncode == 1
    assert _tree(work) == before
    diff = mocklint("--diff", "--unsafe-fixes", ".", cwd=work)
    assert diff.returncode == 1, diff.stderr
    for rel in changed:
        assert f"--- a/{rel}\n+++ b/{rel}\n" in diff.stdout, diff.stdout
    assert _tree(work) == before

    # the real command, then linting again: the finding is gone and nothing new appeared
    fixed = mocklint("--fix", "--unsafe-fixes", ".", cwd=work)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed 1 problem." in fixed.stderr
    assert _tree(work) == expected
    clean = mocklint(".", cwd=work)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stdout
    again = mocklint("--fix", "--unsafe-fixes", ".", cwd=work)
    assert again.returncode == 0 and "Fixed" not in again.stderr
    assert _tree(work) == expected, "the fix is not idempotent"


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize("scenario", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_fixed_tree_runs_green_where_the_original_fails(scenario: Path, tmp_path: Path) -> None:
    original = tmp_path / "before"
    fixed = tmp_path / "after"
    shutil.copytree(scenario / "before", original)
    shutil.copytree(scenario / "after", fixed)
    failing = _run_pytest(original)
    assert failing.returncode != 0 and "not found" in failing.stdout, failing.stdout
    passing = _run_pytest(fixed)
    assert passing.returncode == 0, passing.stdout
    assert "ERROR" not in passing.stdout and " passed" in passing.stdout


def test_a_fix_of_another_file_is_dropped_when_that_file_changed(tmp_path: Path) -> None:
    work = tmp_path / "project"
    shutil.copytree(FIXTURES / "fixes" / "projects" / "import_into_nearest_conftest" / "before", work)
    test = work / "tests" / "api" / "test_users.py"
    source = test.read_text(encoding="utf-8")
    engine = Engine()
    found = engine.lint(source, str(test)).diagnostics
    (conftest,) = {path for d in found if d.fix is not None for path in d.fix.other_files}
    # the conftest changes (an editor saved it) between linting and applying
    edited = Path(conftest).read_text(encoding="utf-8") + "\n# saved meanwhile\n"
    Path(conftest).write_text(edited, encoding="utf-8")
    text, applied, staged = apply_once(source, found, True, OtherFiles(write=True))
    assert (text, applied, staged) == (source, 0, {})
    assert Path(conftest).read_text(encoding="utf-8") == edited
    # without an OtherFiles (the editors' "fix all"), such fixes are never applied
    assert apply_once(source, found, True)[1] == 0
    # linting again computes the fix against the new text, keeping its CRLF newlines
    Path(conftest).write_bytes(edited.replace("\n", "\r\n").encode("utf-8"))
    project.clear_caches()
    result = fix_source(engine, source, str(test), unsafe=True, others=OtherFiles(write=True))
    assert result.applied == 1
    data = Path(conftest).read_bytes()
    assert b"from helpers.stores import user_store  # noqa: F401\r\n" in data
    assert data.count(b"\n") == data.count(b"\r\n")
    assert not engine.lint(source, str(test)).diagnostics


_NO_FIX_PROJECTS = {
    # two helper modules define the fixture: which one is meant?
    "ambiguous": {
        "tests/helpers/a.py": "import pytest\n\n\n@pytest.fixture\ndef user_store():\n    return 1\n",
        "tests/helpers/b.py": "import pytest\n\n\n@pytest.fixture\ndef user_store():\n    return 2\n",
    },
    # importlib import mode puts no conftest folder on sys.path
    "importlib": {"pytest.ini": "[pytest]\naddopts = --import-mode=importlib\n"},
    # the helper folder is not a package: `helpers.stores` would be a namespace package
    "namespace": {"tests/helpers/__init__.py": None},
    # the nearest conftest.py has no import to put the new one after
    "no-import": {"tests/api/conftest.py": '"""API tests."""\n'},
}


@pytest.mark.parametrize("variant", sorted(_NO_FIX_PROJECTS))
def test_no_fixture_import_fix_where_it_is_not_certain(variant: str, tmp_path: Path) -> None:
    work = tmp_path / "project"
    shutil.copytree(FIXTURES / "fixes" / "projects" / "import_into_nearest_conftest" / "before", work)
    for rel, text in _NO_FIX_PROJECTS[variant].items():
        if text is None:
            (work / rel).unlink()
        else:
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_text(text, encoding="utf-8")
    project.clear_caches()
    found = [d for d in _project_findings(work) if d.code == "MCK301"]
    assert found, "the finding itself stays"
    assert all(d.fix is None for d in found)


# -- MCK101/MCK102: no fix where its place is not certain ---------------------------------
_NO_FIX = {
    "mck101-fixture": """
import pytest
from unittest.mock import AsyncMock, MagicMock

@pytest.fixture
def session():
    return AsyncMock()

async def test_it(session):
    async with session.get("u") as response:
        assert response
""",
    "mck101-also-awaited": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    session = AsyncMock()
    async with session.get("u") as response:
        assert response
    await session.get("v")
""",
    "mck101-await-asserted": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    session = AsyncMock()
    async with session.get("u") as response:
        assert response
    session.get.assert_awaited_once()
""",
    "mck101-with-target": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    factory = MagicMock()
    async with factory() as session:
        async with session.get("u") as response:
            assert response
""",
    "mck101-self": """
import unittest
from unittest.mock import AsyncMock, MagicMock

class TestIt(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.session = AsyncMock()

    async def test_it(self):
        async with self.session.get("u") as response:
            assert response
""",
    "mck101-assigned": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    session = MagicMock()
    session.get = AsyncMock()
    async with session.get("u") as response:
        assert response
""",
    "mck101-one-line-block": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    if True: session = AsyncMock()
    async with session.get("u") as response:
        assert response
""",
    "mck102-also-called-sync": """
from unittest.mock import AsyncMock, MagicMock

async def test_it():
    client = MagicMock()
    client.get("sync")
    assert await client.get("u")
""",
    "mck102-patch-new": """
from unittest.mock import MagicMock, patch

async def test_it():
    with patch("json.loads", new=MagicMock(return_value=3)) as loads:
        assert await loads("3") == 3
""",
    "mck102-object": """
from unittest.mock import MagicMock

async def test_it():
    callback = MagicMock()
    await callback
""",
    "mck102-non-callable-root": """
from unittest.mock import AsyncMock, NonCallableMagicMock

async def test_it():
    services = NonCallableMagicMock()
    assert await services.cache.ping()
""",
}


@pytest.mark.parametrize("name", sorted(_NO_FIX))
def test_no_mock_fix_where_its_place_is_not_certain(name: str, tmp_path: Path) -> None:
    found = Engine().lint(_NO_FIX[name], str(tmp_path / "test_it.py")).diagnostics
    codes: Set[str] = {d.code for d in found}
    assert codes & {"MCK101", "MCK102"}, f"{name}: the finding itself stays ({found})"
    assert [d for d in found if d.fix is not None] == []


# -- the command line ----------------------------------------------------------------
FLAGGED = 'import pytest\r\n\r\n\r\ndef test_skip():\r\n    pytest.skip(msg="caf\u00e9")\r\n'


def run_mocklint(*args: str, cwd: Path, mode: str = front_ends.SUBPROCESS) -> "subprocess.CompletedProcess[str]":
    done = front_ends.run("mocklint", ["--isolated", "--no-cache", *args], cwd, mode=mode)
    return front_ends.as_text(done)


Mocklint = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(params=front_ends.MODES)
def mocklint(request: pytest.FixtureRequest) -> Mocklint:
    """The command in this process (everyday) and as ``python -m mocklint`` (slow)."""
    return functools.partial(run_mocklint, mode=request.param)


def test_fix_keeps_encoding_bom_and_line_endings(tmp_path: Path, mocklint: Mocklint) -> None:
    latin = tmp_path / "test_latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\r\n" + FLAGGED).encode("latin-1"))
    bom = tmp_path / "test_bom.py"
    bom.write_bytes(FLAGGED.encode("utf-8-sig"))
    proc = mocklint("--fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed 2 problems." in proc.stderr
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\r\n" + FLAGGED.replace("msg=", "reason=")).encode("latin-1")
    assert bom.read_bytes() == FLAGGED.replace("msg=", "reason=").encode("utf-8-sig")


def test_diff_changes_nothing(tmp_path: Path, mocklint: Mocklint) -> None:
    target = tmp_path / "test_skip.py"
    target.write_text(FLAGGED.replace("\r\n", "\n"), encoding="utf-8")
    proc = mocklint("--diff", "test_skip.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert '-    pytest.skip(msg="caf\u00e9")\n+    pytest.skip(reason="caf\u00e9")' in proc.stdout
    assert target.read_text(encoding="utf-8") == FLAGGED.replace("\r\n", "\n")
    clean = mocklint("--diff", "test_skip.py", "--select", "MCK1", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_never_touches_a_file_with_a_syntax_error(tmp_path: Path, mocklint: Mocklint) -> None:
    broken = tmp_path / "test_broken.py"
    text = 'import pytest\n\ndef test_skip():\n    pytest.skip(msg="x")\n    (\n'
    broken.write_text(text, encoding="utf-8")
    mocklint("--fix", "test_broken.py", cwd=tmp_path)
    assert broken.read_text(encoding="utf-8") == text

