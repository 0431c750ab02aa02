"""Execution shows that what MCK403 and MCK404 flag is not in effect.

**MCK403** (no-op assertions).  A flagged test checks nothing, so it passes
where it should fail, and ``test_runtime.py``'s rule (a flagged test must not
pass) cannot hold.  Its fixture files carry ``# mocklint-runtime: silent``
instead, and every flagged line (``# expect:`` or ``# missed:``) a tag saying
on which Pythons the line is silent:

- ``# silent: all`` -- it checks nothing on every version;
- ``# silent: <3.12`` (or ``<3.10``) -- it checks nothing before that version,
  and from it on mock raises ``AttributeError``;
- ``# silent: none`` -- mock raises ``AttributeError`` on every version (a mock
  whose spec lacks the name).

Every flagged test is written to be wrong about what the mock saw.  Two runs
under real pytest (with ``test_runtime.py``'s helpers) check it:

1. the file as it is: a flagged test passes where all its lines are silent on
   the running Python, and otherwise fails with ``AttributeError``;
2. the companion: each flagged line's no-op replaced by the real assertion --
   mocklint's fix for that line (unsafe fixes included), or, for a line
   without one, the statement its ``# companion: <statement>`` gives -- and
   now every flagged test fails with ``AssertionError``: the assertion the
   no-op stood for would have caught the test, so the no-op checked nothing.

Every test without a flagged line passes in both runs.

**MCK404** (patches undone before use).  Its flagged files run under
``test_runtime.py`` with a ``RealCallMade`` regex: the real functions of the
fixture package raise ``RealCallMade``, so a test that fails with it ran
against the real object, not the mock.  Here it is checked that every flagged
fixture or helper is used by such a test (one marked ``# fails:``).
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from pathlib import Path
from typing import Dict, List, Optional, Set

import pytest
from expectations import FIXTURES, labels
from test_runtime import _run_pytest, _test_ranges, runtime_spec

from mocklint.diagnostic import TextEdit
from mocklint.engine import Engine
from mocklint.settings import Selection

_SILENT_TAG = re.compile(r"#\s*silent:\s*(?P<tag>all|none|<3\.(?P<minor>\d+))\s*(?=#|$)")
_COMPANION = re.compile(r"#\s*companion:\s*(?P<code>.+?)\s*$")
_FAILS = re.compile(r"#\s*fails:")


def _silent_files() -> List[Path]:
    return sorted(p for p in FIXTURES.rglob("*.py") if runtime_spec(p) == "silent")


def _silent_here(tag: str, minor: Optional[str]) -> bool:
    if tag == "all":
        return True
    if tag == "none":
        return False
    return sys.version_info < (3, int(minor or 0))


def _apply(source: str, edits: List[TextEdit]) -> str:
    starts = [0]
    for index, char in enumerate(source):
        if char == "\n":
            starts.append(index + 1)
    spans = sorted(
        ((starts[e.line - 1] + e.column, starts[e.end_line - 1] + e.end_column, e.text) for e in edits), reverse=True
    )
    for start, end, text in spans:
        source = source[:start] + text + source[end:]
    return source


def _companion(path: Path, flagged: List[int], codes: Set[str]) -> str:
    """The file with every flagged no-op replaced by the real assertion."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    diagnostics = Engine(Selection(select=tuple(sorted(codes)))).lint(source, str(path)).diagnostics
    edits: List[TextEdit] = []
    replaced: Dict[int, str] = {}
    for line in flagged:
        text = lines[line - 1]
        given = _COMPANION.search(text)
        fixes = [d.fix for d in diagnostics if d.line == line and d.fix is not None]
        if given:
            assert not fixes, f"{path.name}:{line}: mocklint fixes this line; drop its '# companion:'"
            indent = text[: len(text) - len(text.lstrip())]
            replaced[line] = indent + given.group("code")
        else:
            assert fixes, f"{path.name}:{line}: no fix from mocklint: give the real assertion as '# companion: <statement>'"
            edits.extend(fixes[0].edits)
    fixed = _apply(source, edits).splitlines()
    for line, text in replaced.items():
        fixed[line - 1] = text
    return "\n".join(fixed) + "\n"


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize("path", _silent_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_no_op_passes_where_the_real_assertion_fails(path: Path, tmp_path: Path) -> None:
    rule_folder = FIXTURES / path.relative_to(FIXTURES).parts[0]
    found = labels(path, rule_folder)
    flagged = sorted({label.line for label in found})
    assert flagged, f"{path}: a 'silent' file needs '# expect:'/'# missed:' lines"
    lines = path.read_text(encoding="utf-8").splitlines()
    ranges = _test_ranges(path)
    by_test: Dict[str, List[int]] = {}
    for line in flagged:
        owners = [name for name, (lo, hi) in ranges.items() if lo <= line <= hi]
        assert owners, f"{path.name}:{line}: a flagged line of a 'silent' file belongs in a test"
        by_test.setdefault(owners[0], []).append(line)
    silent: Dict[str, bool] = {}
    for name, test_lines in by_test.items():
        tags = [_SILENT_TAG.search(lines[line - 1]) for line in test_lines]
        assert all(tags), f"{path.name}:{test_lines}: each flagged line says '# silent: all|none|<3.N'"
        silent[name] = all(_silent_here(t.group("tag"), t.group("minor")) for t in tags if t)

    (tmp_path / "as-is").mkdir()
    _, outcomes, output = _run_pytest(rule_folder, path, tmp_path / "as-is", clean=False)
    assert set(ranges) <= set(outcomes), f"not every test ran:\n{output}"
    for name, outcome in outcomes.items():
        if silent.get(name, True):
            assert outcome.status == "passed", f"{name} should pass on Python {sys.version_info[:2]}:\n{outcome.report}"
        else:
            assert outcome.status == "failed" and "AttributeError" in outcome.report, (
                f"{name} should fail with AttributeError on Python {sys.version_info[:2]}:\n{outcome.report}"
            )

    companion_folder = tmp_path / "companion-source" / rule_folder.name
    shutil.copytree(rule_folder, companion_folder)
    target = companion_folder / path.relative_to(rule_folder)
    target.write_text(_companion(path, flagged, {label.code for label in found}), encoding="utf-8")
    (tmp_path / "companion").mkdir()
    _, outcomes, output = _run_pytest(companion_folder, target, tmp_path / "companion", clean=False)
    assert set(ranges) <= set(outcomes), f"not every test of the companion ran:\n{output}"
    for name, outcome in outcomes.items():
        if name in by_test:
            assert outcome.status == "failed" and "AssertionError" in outcome.report, (
                f"{name}: the real assertion should fail, so the no-op checked nothing:\n{outcome.report}"
            )
        else:
            assert outcome.status == "passed", f"{name} fails in the companion run:\n{outcome.report}"


# -- MCK404 ------------------------------------------------------------------------------
_PATCH_FOLDER = FIXTURES / "patch-undone-before-use"


def _flagged_patch_files() -> List[Path]:
    return sorted(p for p in _PATCH_FOLDER.rglob("*.py") if runtime_spec(p) not in (None, "clean"))


@pytest.mark.parametrize("path", _flagged_patch_files(), ids=lambda p: p.name)
def test_every_undone_patch_is_shown_by_a_failing_test(path: Path) -> None:
    """Each flagged fixture or helper is used by a test marked ``# fails:``, which
    ``test_runtime.py`` requires to fail with ``RealCallMade``: the real object ran."""
    assert runtime_spec(path) == "RealCallMade", f"{path.name}: the header regex is the real functions' exception"
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source)
    ranges = _test_ranges(path)
    failing = [
        name for name, (lo, hi) in ranges.items() if any(_FAILS.search(lines[i - 1]) for i in range(lo, hi + 1))
    ]
    used: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            key = next((k for k in failing if k.split("::")[-1] == node.name and ranges[k][1] == node.end_lineno), None)
            if key is None:
                continue
            used.update(a.arg for a in node.args.args)
            used.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
            used.update(n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute))
    flagged = sorted({label.line for label in labels(path, _PATCH_FOLDER)})
    assert flagged
    functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for line in flagged:
        owners = [f for f in functions if f.lineno <= line <= (f.end_lineno or f.lineno)]
        assert owners, f"{path.name}:{line}: a flagged return belongs in a fixture or helper"
        owner = max(owners, key=lambda f: f.lineno)
        assert owner.name in used, f"{path.name}:{line}: no test marked '# fails:' uses `{owner.name}`"


def test_mck403_gate_matches_every_flagged_line_on_its_own() -> None:
    """MCK403's gate is line-local: a file holding any one of its findings reaches libcst."""
    from mocklint.rules.mock_assert_no_op import MockAssertNoOp

    folder = FIXTURES / MockAssertNoOp.name
    checked = 0
    for path in sorted(folder.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for label in labels(path, folder):
            code_part = lines[label.line - 1].split("  #", 1)[0]
            assert MockAssertNoOp.gate.search(code_part), f"{path.name}:{label.line}: the gate misses {code_part!r}"
            checked += 1
    assert checked
