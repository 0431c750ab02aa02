"""Fixes: before/after pairs, re-linting, execution, and the command line.

``tests/fixtures/fixes/<case>.py`` is a test module with fixable findings and
``<case>.fixed.py`` what ``mocklint --fix`` must make of it.  The fixed module
must lint clean, be a fixed point, and run green under real pytest where the
original fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from expectations import FIXTURES

from mocklint.engine import Engine
from mocklint.fixes import fix_source
from mocklint.registry import ALL_RULES

CASES = sorted(p for p in (FIXTURES / "fixes").glob("*.py") if not p.name.endswith(".fixed.py"))


def _fixed(case: Path) -> Path:
    return case.with_name(case.stem + ".fixed.py")


def _pytest(folder: Path, name: str, source: str) -> subprocess.CompletedProcess:
    folder.mkdir()
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (folder / name).write_text(source, encoding="utf-8")
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--rootdir", str(folder), name],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fix_gives_the_expected_file(case: Path, tmp_path: Path) -> None:
    engine = Engine()
    path = str(tmp_path / f"test_{case.stem}.py")
    before = case.read_text(encoding="utf-8")
    expected = _fixed(case).read_text(encoding="utf-8")
    assert engine.lint(before, path).diagnostics, "a fix case needs findings"
    result = fix_source(engine, before, path)
    assert result.source == expected
    assert result.applied > 0
    assert not engine.lint(result.source, path).diagnostics, "the fixed file still has findings"
    again = fix_source(engine, result.source, path)
    assert (again.source, again.applied) == (result.source, 0), "fixes are not idempotent"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_fixed_file_runs_green_where_the_original_fails(case: Path, tmp_path: Path) -> None:
    name = f"test_{case.stem}.py"
    original = _pytest(tmp_path / "before", name, case.read_text(encoding="utf-8"))
    fixed = _pytest(tmp_path / "after", name, _fixed(case).read_text(encoding="utf-8"))
    assert original.returncode != 0, f"the original passes:\n{original.stdout}"
    assert fixed.returncode == 0, f"the fixed file fails:\n{fixed.stdout}"


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
    assert set(fixing) <= covered, f"fixes without a before/after case: {sorted(set(fixing) - covered)}"


# -- the command line ----------------------------------------------------------------
FLAGGED = 'import pytest\r\n\r\n\r\ndef test_skip():\r\n    pytest.skip(msg="caf\u00e9")\r\n'


def mocklint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mocklint", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fix_keeps_encoding_bom_and_line_endings(tmp_path: Path) -> None:
    latin = tmp_path / "test_latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\r\n" + FLAGGED).encode("latin-1"))
    bom = tmp_path / "test_bom.py"
    bom.write_bytes(FLAGGED.encode("utf-8-sig"))
    proc = mocklint("--fix", ".", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Fixed 2 problems." in proc.stderr
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\r\n" + FLAGGED.replace("msg=", "reason=")).encode("latin-1")
    assert bom.read_bytes() == FLAGGED.replace("msg=", "reason=").encode("utf-8-sig")


def test_diff_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "test_skip.py"
    target.write_text(FLAGGED.replace("\r\n", "\n"), encoding="utf-8")
    proc = mocklint("--diff", "test_skip.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert '-    pytest.skip(msg="caf\u00e9")\n+    pytest.skip(reason="caf\u00e9")' in proc.stdout
    assert target.read_text(encoding="utf-8") == FLAGGED.replace("\r\n", "\n")
    clean = mocklint("--diff", "test_skip.py", "--select", "MCK1", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_never_touches_a_file_with_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "test_broken.py"
    text = 'import pytest\n\ndef test_skip():\n    pytest.skip(msg="x")\n    (\n'
    broken.write_text(text, encoding="utf-8")
    mocklint("--fix", "test_broken.py", cwd=tmp_path)
    assert broken.read_text(encoding="utf-8") == text

