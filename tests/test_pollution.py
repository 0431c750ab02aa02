"""Execution backs MCK401 and MCK402: a leak shows when real pytest runs.

1. **Projects** (``tests/fixtures/<rule-name>/projects/<scenario>/``): helper
   modules holding shared state, ``test_a_leak.py`` (flagged),
   ``test_a_clean.py`` (the same thing done right) and ``test_b_victim.py``.
   Real pytest runs a copy (empty ``pytest.ini``, plugin autoloading off, files
   in the order given on the command line):

   - the victim passes alone, and before the leaking file (every test passes);
   - after the leaking file, the leaking file's tests pass and a victim test fails;
   - with the clean twin, every test passes in both orders;

   and mocklint flags exactly the leaking file's labelled lines, nothing else.

2. **Every other test file** of the two rule folders runs alone under
   ``leak_detector.py``, which records where each patcher is started and each
   mock is made, and what is still in place when the session ends: the lines
   labelled ``MCK401`` (``# expect:`` or ``# missed:``) must be exactly the
   statements that started a leaked patcher, and the functions (or the module
   level) holding ``MCK402`` lines exactly those where the leaked mocks were
   made.  Every test of the file must pass.  A file whose first lines say
   ``# mocklint-leaks: not executed (<why>)`` is linted only.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import List, Optional, Set, Tuple

import pytest
from expectations import FIXTURES, expectations, labels
from support import run_pytest

from mocklint.engine import Engine
from mocklint.settings import Selection

RULES = {"MCK401": "patcher-started-without-stop", "MCK402": "mock-leaked-into-shared-state"}
DETECTOR = Path(__file__).parent / "leak_detector.py"
_NOT_EXECUTED = re.compile(r"^#\s*mocklint-leaks:\s*not executed\b", re.M)
PROJECT_FILES = ("test_a_leak.py", "test_a_clean.py", "test_b_victim.py")


def _projects() -> List[Tuple[str, Path]]:
    found = []
    for code, folder in RULES.items():
        base = FIXTURES / folder / "projects"
        if base.is_dir():
            found.extend((code, p) for p in sorted(base.iterdir()) if p.is_dir() and not p.name.startswith(("_", ".")))
    return found


def _executed_files() -> List[Tuple[str, Path]]:
    found = []
    for code, folder in RULES.items():
        base = FIXTURES / folder
        for path in sorted(base.rglob("test_*.py")):
            if "projects" in path.relative_to(base).parts:
                continue
            head = "\n".join(path.read_text(encoding="utf-8").splitlines()[:5])
            if not _NOT_EXECUTED.search(head):
                found.append((code, path))
    return found


def _copy(source: Path, tmp_path: Path) -> Path:
    work = tmp_path / source.name
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("__pycache__"))
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return work


def test_there_are_projects_for_both_rules() -> None:
    codes = Counter(code for code, _ in _projects())
    assert codes["MCK401"] >= 3 and codes["MCK402"] >= 3, codes
    for _, project in _projects():
        missing = [name for name in PROJECT_FILES if not (project / name).is_file()]
        assert not missing, f"{project.name} lacks {missing}"


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize(("code", "project"), _projects(), ids=[f"{c}-{p.name}" for c, p in _projects()])
def test_leak_fails_the_victim_only_when_it_runs_first(code: str, project: Path, tmp_path: Path) -> None:
    work = _copy(project, tmp_path)
    report = tmp_path / "report.xml"

    def run(*files: str):  # type: ignore[no-untyped-def]
        result = run_pytest(work, files, report)
        assert result.outcomes, f"no test ran for {files}:\n{result.output}"
        return result

    alone = run("test_b_victim.py")
    assert alone.returncode == 0, f"the victim fails alone:\n{alone.output}"

    leak_first = run("test_a_leak.py", "test_b_victim.py")
    leak = leak_first.statuses("test_a_leak")
    victim = leak_first.statuses("test_b_victim")
    assert leak and set(leak.values()) == {"passed"}, f"the leaking file's own tests must pass:\n{leak_first.output}"
    assert "failed" in victim.values(), f"the victim passed after the leaking file:\n{leak_first.output}"

    for files in (
        ("test_b_victim.py", "test_a_leak.py"),
        ("test_a_clean.py", "test_b_victim.py"),
        ("test_b_victim.py", "test_a_clean.py"),
    ):
        result = run(*files)
        assert result.returncode == 0, f"{' '.join(files)} should pass:\n{result.output}"
        assert set(result.outcomes.values()) == {"passed"}, result.outcomes


@pytest.mark.parametrize(("code", "project"), _projects(), ids=[f"{c}-{p.name}" for c, p in _projects()])
def test_mocklint_flags_exactly_the_leaking_file(code: str, project: Path) -> None:
    engine = Engine(Selection(select=tuple(RULES)))
    for path in sorted(project.rglob("*.py")):
        result = engine.lint(path.read_text(encoding="utf-8"), str(path))
        assert result.internal_error is None and result.parse_error is None, path
        got = sorted((d.line, d.code) for d in result.diagnostics)
        wanted = sorted((e.line, e.code) for e in expectations(path, project))
        assert got == wanted, f"{path.relative_to(project)}: {got} != labels {wanted}"
        if path.name == "test_a_leak.py":
            assert wanted and {c for _, c in wanted} == {code}, f"{project.name}: the leaking file has {code} labels"
        else:
            assert not wanted, f"{path.relative_to(project)}: only the leaking file is flagged"


# -- every other file, under the leak detector -----------------------------------
def _statement_starts(tree: ast.Module) -> List[Tuple[int, int]]:
    return sorted(
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.stmt) and not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and not isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.AsyncFor))
    )


def _statement_of(line: int, statements: List[Tuple[int, int]]) -> int:
    """The first line of the innermost simple statement holding ``line``."""
    holding = [(lo, hi) for lo, hi in statements if lo <= line <= hi]
    return min(holding, key=lambda span: span[1] - span[0])[0] if holding else line


def _owner_of(line: int, tree: ast.Module) -> str:
    """``Class.function`` (or ``<module>``) of the innermost def holding ``line``."""
    best: Optional[Tuple[int, str]] = None

    def visit(body: List[ast.stmt], prefix: str) -> None:
        nonlocal best
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                name = prefix + node.name
                if start <= line <= (node.end_lineno or node.lineno):
                    if isinstance(node, ast.ClassDef):
                        visit(node.body, name + ".")
                    else:
                        best = (start, name)
                        visit(node.body, name + ".")

    visit(tree.body, "")
    return best[1] if best else "<module>"


@pytest.mark.slow  # runs real pytest on fixture files in subprocesses: the execution behind the labels
@pytest.mark.parametrize(
    ("code", "path"),
    _executed_files(),
    ids=[p.relative_to(FIXTURES).as_posix() for _, p in _executed_files()],
)
def test_leaks_match_labels(code: str, path: Path, tmp_path: Path) -> None:
    folder = FIXTURES / RULES[code]
    work = _copy(folder, tmp_path)
    shutil.rmtree(work / "projects", ignore_errors=True)
    shutil.copyfile(DETECTOR, work / "leak_detector.py")
    rel = path.relative_to(folder).as_posix()
    leaks = tmp_path / "leaks.json"
    env = {"MOCKLINT_LEAK_ROOT": str(work), "MOCKLINT_LEAK_REPORT": str(leaks)}
    result = run_pytest(work, ["-p", "leak_detector", rel], tmp_path / "report.xml", env=env)
    assert result.outcomes, f"no test ran:\n{result.output}"
    assert result.returncode == 0, f"{rel}: every test must pass alone:\n{result.output}"
    found = json.loads(leaks.read_text(encoding="utf-8"))

    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    flagged = [label for label in labels(path, folder) if label.code == code]  # `# expect:` and `# missed:`
    if code == "MCK401":
        statements = _statement_starts(tree)
        observed: Set[object] = {_statement_of(line, statements) for file, line in found["patches"] if file == rel}
        labelled: Set[object] = {_statement_of(label.line, statements) for label in flagged}
        what = "statements starting a patcher that is never stopped"
    else:
        observed = {_owner_of(line, tree) for file, line, _ in found["mocks"] if file == rel}
        labelled = {_owner_of(label.line, tree) for label in flagged}
        what = "functions whose mocks stay in shared state"
    shown, said = sorted(map(str, observed)), sorted(map(str, labelled))
    assert observed == labelled, f"{rel}: {what}: execution shows {shown}, labels say {said}\nleaked: {found}"
