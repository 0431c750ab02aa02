"""Execution backs the labels: fixture files that claim a run-time failure are run.

A fixture file whose first lines carry ``# mocklint-runtime: <regex>`` is run
with real pytest in a subprocess (a copy of its rule folder in a temporary
directory, with an empty ``pytest.ini`` so nothing of this repository leaks in):

- every test function holding a ``# expect:`` line (decorators included) must
  not pass, and what pytest reports for it (``FAILED``/``ERROR``/``SKIPPED``
  and the message) must match the regex; a test that never ran because its
  module failed to import counts as a flagged line outside tests;
- a ``# expect:`` line outside every test function (module level, a fixture, a
  hook) must make the run fail with a report matching the regex;
- when the module was collected, every other test must pass, except a test
  whose lines say ``# fails: <why>`` (it uses a flagged helper or fixture),
  which is held to the first rule.

A ``# missed:`` line (a real bug mocklint does not report, see
``expectations.py``) is a flagged line here, exactly like an ``# expect:`` line:
execution must show the failure all the same.

``# mocklint-runtime: clean`` marks a file of near misses: every test passes,
with pytest's own deprecation warnings turned into errors.

``# mocklint-runtime: silent`` marks a file whose flagged tests check nothing,
so they pass where they should fail (MCK403's no-op assertions):
``test_silent_mocks.py`` runs those, per Python version, with a companion run.

A ``conftest.py`` with the header is run through the tests of its directory
(other files there carry no header); all its flagged lines are outside tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
from expectations import FIXTURES, labels
from support import test_line_ranges

pytestmark = pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels

_FAILS = re.compile(r"#\s*fails:")
_HEADER = re.compile(r"^#\s*mocklint-runtime:\s*(?P<spec>.+?)\s*$", re.M)


def runtime_spec(path: Path) -> Optional[str]:
    head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:5])
    match = _HEADER.search(head)
    return match.group("spec") if match else None


def _runtime_files() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if runtime_spec(p) not in (None, "silent"))


@dataclass
class Outcome:
    name: str  # "Class::test" or "test"
    status: str  # passed / failed / error / skipped
    report: str


def _run_pytest(rule_folder: Path, target: Path, tmp_path: Path, clean: bool) -> Tuple[int, Dict[str, Outcome], str]:
    work = tmp_path / rule_folder.name
    shutil.copytree(rule_folder, work)
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    report = tmp_path / "report.xml"
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-rA",
        "--rootdir",
        str(work),
        "-c",
        str(work / "pytest.ini"),
        f"--junitxml={report}",
        # a conftest.py is not collected itself: run the tests of its directory
        str(work / (target.parent if target.name == "conftest.py" else target).relative_to(rule_folder)),
    ]
    if clean:
        args[3:3] = ["-W", "error::pytest.PytestDeprecationWarning"]
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    outcomes: Dict[str, Outcome] = {}
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            classname = case.get("classname", "")
            name = case.get("name", "").split("[", 1)[0]  # parametrized ids share a function
            last = classname.rsplit(".", 1)[-1]
            key = f"{last}::{name}" if last[:1].isupper() else name
            status, text = "passed", ""
            for child in case:
                if child.tag in ("failure", "error", "skipped"):
                    status = {"failure": "failed"}.get(child.tag, child.tag)
                    text = f"{status.upper()} {child.get('message', '')}\n{child.text or ''}"
            if key not in outcomes or outcomes[key].status == "passed":
                outcomes[key] = Outcome(key, status, text)
    return proc.returncode, outcomes, proc.stdout + proc.stderr


def _test_ranges(path: Path) -> Dict[str, Tuple[int, int]]:
    """Line range (first decorator to last line) of every test function."""
    return test_line_ranges(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", _runtime_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_labels_match_execution(path: Path, tmp_path: Path) -> None:
    spec = runtime_spec(path)
    assert spec is not None
    rule_folder = FIXTURES / path.relative_to(FIXTURES).parts[0]
    flagged = sorted({e.line for e in labels(path, rule_folder)})  # `# expect:` and `# missed:` lines
    clean = spec == "clean"
    assert clean == (not flagged), f"{path}: 'clean' files carry no '# expect:'/'# missed:' and flagged files a regex"
    code, outcomes, output = _run_pytest(rule_folder, path, tmp_path, clean)

    if clean:
        assert code == 0, f"clean file failed under pytest:\n{output}"
        assert outcomes, f"no test ran:\n{output}"
        return

    pattern = re.compile(spec)
    ranges = _test_ranges(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    inside = {name for name, (lo, hi) in ranges.items() for line in flagged if lo <= line <= hi}
    # a test that fails through a flagged helper or fixture says so on its def line
    inside |= {name for name, (lo, hi) in ranges.items() if any(_FAILS.search(lines[i - 1]) for i in range(lo, hi + 1))}
    outside = [line for line in flagged if not any(lo <= line <= hi for lo, hi in ranges.values())]
    for name in sorted(inside):
        outcome = outcomes.get(name)
        if outcome is None:  # e.g. a decorator failed at import: the module did not collect
            lo, hi = ranges[name]
            outside.extend(line for line in flagged if lo <= line <= hi)
            continue
        assert outcome.status != "passed", f"{name} is flagged but passed"
        assert pattern.search(outcome.report), f"{name}: {outcome.report!r} does not match {spec!r}"
    if outside:
        assert code != 0, f"lines {outside} are flagged but the run passed:\n{output}"
        assert pattern.search(output), f"lines {outside}: output does not match {spec!r}:\n{output}"
    if any(name in ranges for name in outcomes):  # the module was collected
        for name, outcome in outcomes.items():
            if name not in inside:
                assert outcome.status == "passed", f"{name} is not flagged but {outcome.status}:\n{outcome.report}"
