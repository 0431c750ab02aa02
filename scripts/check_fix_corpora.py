#!/usr/bin/env python
"""``mocklint --fix --unsafe-fixes`` on real test suites changes only files that had findings.

    python scripts/check_fix_corpora.py [--project NAME ...] [--download] [--jobs N] [--keep]
                                        [--skip-clean] [--findings-only]

For each project of the two real-code corpora (``scripts/corpora.py``: the
sdists of ``check_mck1xx_false_alarms.py`` and ``check_fixture_false_alarms.py``,
from their caches; ``--download`` fetches missing ones), the unpacked sdist is
copied to a temporary folder, and the real command runs there in a subprocess
over the project's test folders:

1. ``mocklint --format json`` lists the findings before (per file);
2. ``mocklint --fix --unsafe-fixes`` applies every fix;
3. every file of the copy is compared with the original: a changed file must
   have had a finding, or be the other file a finding's fix edits (MCK301's
   conftest.py, read from the fix itself through the engine);
4. ``mocklint --fix --unsafe-fixes`` again must change nothing, and
   ``mocklint --diff --unsafe-fixes`` must have nothing left to show
   (idempotent, nothing fixable left).

With ``--skip-clean``, a project whose first run finds nothing is not run
again (steps 2-4 would lint the same files the same way: every fix comes
with a finding); its row says so.  Step 4 is skipped as well when no finding
is left after the fixes, for the same reason.  ``--findings-only`` stops after
step 1 (the findings, to judge them before the slower fix passes).

Printed: one row per project (test files, findings, files with findings, files
changed, files changed without findings -- which must be 0 --, findings left,
idempotent) followed by its findings, the totals, the findings per code and
project, the findings left after the fixes, and every changed file.  The exit
status is 1 when a file without findings changed or a second run changed anything.  Nothing is
imported or executed, neither by mocklint nor by this script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(SCRIPTS))

from corpora import Corpus, corpora, unpacked  # noqa: E402

from mocklint.engine import Engine  # noqa: E402


@dataclass
class Row:
    label: str
    files: int = 0
    findings: int = 0
    with_findings: int = 0
    fixed: int = 0
    changed: int = 0
    changed_without_findings: int = 0
    other_files: int = 0
    left: int = 0
    idempotent: bool = True
    no_fix_pass: bool = False  # --findings-only, or --skip-clean and no finding
    seconds: float = 0.0
    note: str = ""
    changed_paths: List[str] = field(default_factory=list)
    problems: List[str] = field(default_factory=list)
    #: ``path:line:col: CODE message``, before the fixes and left after them
    found: List[str] = field(default_factory=list)
    found_left: List[str] = field(default_factory=list)

    def codes(self) -> Counter:
        return Counter(line.split(": ", 2)[1].split(" ", 1)[0] for line in self.found)


def _mocklint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "mocklint", "--isolated", "--no-cache", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _digests(top: Path) -> Dict[str, str]:
    found: Dict[str, str] = {}
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".mocklint_cache")]
        for name in files:
            path = Path(folder) / name
            if path.is_symlink():
                continue
            found[path.relative_to(top).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _fixed_count(stderr: str) -> int:
    for line in stderr.splitlines():
        if line.startswith("Fixed ") and line.endswith((" problem.", " problems.")):
            return int(line.split()[1])
    return 0


def _findings(
    work: Path, folders: Sequence[str], jobs: int, problems: List[str], listed: List[str]
) -> Optional[Dict[str, int]]:
    """Findings per file (relative to ``work``), from the real command's JSON output; each is added to ``listed``."""
    proc = _mocklint("--format", "json", "-j", str(jobs), *folders, cwd=work)
    if proc.returncode not in (0, 1):
        problems.append(f"mocklint exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        return None
    document = json.loads(proc.stdout)
    counts: Dict[str, int] = {}
    for finding in document["diagnostics"]:
        path = Path(finding["path"])
        rel = (path if path.is_absolute() else work / path).resolve().relative_to(work.resolve()).as_posix()
        counts[rel] = counts.get(rel, 0) + 1
        listed.append(f"{rel}:{finding['line']}:{finding['column']}: {finding['code']} {finding['message']}")
    return counts


def _other_files(work: Path, with_findings: Set[str]) -> Set[str]:
    """The files other than their own that the fixes of those findings edit (MCK301's conftest.py)."""
    engine = Engine()
    found: Set[str] = set()
    for rel in sorted(with_findings):
        path = work / rel
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for diagnostic in engine.lint(source, str(path)).diagnostics:
            if diagnostic.fix is not None:
                for other in diagnostic.fix.other_files:
                    found.add(Path(other).resolve().relative_to(work.resolve()).as_posix())
    return found


def check(
    corpus: Corpus, download: bool, jobs: int, keep: bool, skip_clean: bool = False, findings_only: bool = False
) -> Row:
    row = Row(corpus.label)
    started = time.perf_counter()
    top = unpacked(corpus, offline=not download)
    if top is None:
        row.note = "not in the cache (use --download)"
        return row
    folders = [folder for folder in corpus.tests if (top / folder).is_dir()]
    if not folders:
        row.note = f"no test folder {', '.join(corpus.tests)}"
        return row
    scratch = Path(tempfile.mkdtemp(prefix="mocklint-fix-corpus-"))
    work = scratch / top.name
    try:
        shutil.copytree(top, work, symlinks=True)
        row.files = sum(1 for folder in folders for p in (work / folder).rglob("*.py") if p.is_file())
        before = _digests(work)
        counts = _findings(work, folders, jobs, row.problems, row.found)
        if counts is None:
            row.note = "mocklint failed before fixing"
            return row
        row.findings = sum(counts.values())
        row.with_findings = len(counts)
        if findings_only or (skip_clean and not counts):
            row.no_fix_pass = True
            return row
        allowed = set(counts) | _other_files(work, set(counts))

        fixed = _mocklint("--fix", "--unsafe-fixes", "-j", str(jobs), *folders, cwd=work)
        row.fixed = _fixed_count(fixed.stderr)
        after = _digests(work)
        changed = sorted(rel for rel in set(before) | set(after) if before.get(rel) != after.get(rel))
        row.changed = len(changed)
        row.changed_paths = changed
        row.other_files = len([rel for rel in changed if rel not in counts])
        unexplained = [rel for rel in changed if rel not in allowed]
        row.changed_without_findings = len(unexplained)
        row.problems.extend(f"changed without a finding: {rel}" for rel in unexplained)
        if fixed.returncode not in (0, 1):
            row.problems.append(f"--fix exited {fixed.returncode}: {fixed.stderr.strip()[-300:]}")

        left = _findings(work, folders, jobs, row.problems, row.found_left)
        row.left = sum(left.values()) if left is not None else -1
        if skip_clean and row.left == 0:
            return row

        again = _mocklint("--fix", "--unsafe-fixes", "-j", str(jobs), *folders, cwd=work)
        changed_again = [rel for rel, digest in _digests(work).items() if after.get(rel) != digest]
        diff = _mocklint("--diff", "--unsafe-fixes", "-j", str(jobs), *folders, cwd=work)
        row.idempotent = not changed_again and _fixed_count(again.stderr) == 0 and diff.stdout == ""
        if not row.idempotent:
            shown = diff.stdout[:2000]
            row.problems.append(f"a second run changed {changed_again or 'nothing'}; --diff shows:\n{shown}")
    finally:
        if keep:
            print(f"# kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
        row.seconds = time.perf_counter() - started
    return row


_COUNTS = ("files", "findings", "with_findings", "fixed", "changed", "changed_without_findings", "other_files", "left")


def _line(row: Row) -> str:
    counts = " ".join(f"{getattr(row, name):>{width}}" for name, width in zip(_COUNTS, (6, 6, 6, 6, 7, 7, 5, 5)))
    idempotent = "-" if row.no_fix_pass else "yes" if row.idempotent else "NO"
    note = row.note or ("findings only, no fix pass" if row.no_fix_pass else "")
    return f"{row.label:42} {counts} {idempotent:>5} {row.seconds:>6.1f} {note}"


def _print_codes(rows: Sequence[Row]) -> None:
    """Findings per code (rows) and project (columns with any), before the fixes."""
    per_row = [(row.label.split(" ", 1)[0], row.codes()) for row in rows]
    per_row = [(label, codes) for label, codes in per_row if codes]
    every = sorted(set().union(*(codes for _, codes in per_row))) if per_row else []
    print("findings per code: " + ("none" if not every else ""))
    for code in every:
        counts = ", ".join(f"{label} {codes[code]}" for label, codes in per_row if codes[code])
        print(f"  {code}: {sum(codes[code] for _, codes in per_row)} ({counts})")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", action="append", default=[], help="only this project (repeatable)")
    parser.add_argument("--download", action="store_true", help="download sdists missing from the caches")
    parser.add_argument("--jobs", type=int, default=1, help="processes for each mocklint run (default 1)")
    parser.add_argument("--keep", action="store_true", help="keep the fixed copies, and print where they are")
    parser.add_argument("--skip-clean", action="store_true", help="no fix pass over a project without findings")
    parser.add_argument("--findings-only", action="store_true", help="list the findings, apply no fix")
    args = parser.parse_args(argv)
    rows = []
    header = (
        f"{'project':42} {'files':>6} {'finds':>6} {'w/find':>6} {'fixed':>6} {'changed':>7} "
        f"{'no-find':>7} {'other':>5} {'left':>5} {'idem':>5} {'secs':>6}"
    )
    print(header)
    for corpus in corpora(args.project):
        row = check(corpus, args.download, args.jobs, args.keep, args.skip_clean, args.findings_only)
        rows.append(row)
        print(_line(row), flush=True)
        for line in row.found:
            print(f"  finding: {line}", flush=True)
    total = Row("total")
    for row in rows:
        for name in _COUNTS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        total.idempotent = total.idempotent and row.idempotent
        total.seconds += row.seconds
    print(_line(total))
    _print_codes(rows)
    for row in rows:
        for line in row.found_left:
            print(f"left: {row.label}: {line}")
    for row in rows:
        for rel in row.changed_paths:
            print(f"changed: {row.label}: {rel}")
        for problem in row.problems:
            print(f"PROBLEM: {row.label}: {problem}")
    skipped = [row.label for row in rows if row.note]
    if skipped:
        print(f"# not checked: {', '.join(skipped)}", file=sys.stderr)
    return 1 if any(row.problems for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
