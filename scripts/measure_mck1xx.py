"""Precision and recall of rules on their fixture suites (default: the async mock rules MCK101-MCK103).

    python scripts/measure_mck1xx.py [--codes MCK401,MCK402] [--strict]

One engine run with all the measured codes selected goes over every file of
their fixture folders (``tests/fixtures/<rule-name>/``, so a cross-rule report,
e.g. an MCK102 on a line of the MCK101 folder, counts too), and is compared
with the labels (``tests/expectations.py``):

- TP: a diagnostic on a line labelled ``# expect:`` (or ``# missed:``, then the
  label is stale and listed) with that code;
- FN: a ``# missed:`` label (a real bug, shown by execution, not reported), or an
  ``# expect:`` label without its diagnostic;
- FP: a diagnostic whose line carries no label with that code.

Every label is backed by execution (``tests/test_runtime.py`` for MCK1xx,
``tests/test_pollution.py`` for MCK401/MCK402), so these are run-time truths,
not opinions.  The script also prints the number of test
functions per folder: flagged (holds an ``# expect:`` line), missed (only
``# missed:`` lines) and clean.  ``--strict`` exits 1 when a rule is below the
targets (precision >= 0.97, recall >= 0.90).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from expectations import FIXTURES, labels  # noqa: E402

from mocklint.engine import Engine  # noqa: E402
from mocklint.registry import ALL_RULES  # noqa: E402
from mocklint.settings import Selection  # noqa: E402

DEFAULT_CODES = ("MCK101", "MCK102", "MCK103")
#: every rule's fixture folder, by code
ALL_FOLDERS = {rule.code: rule.name for rule in ALL_RULES}
FOLDERS = {code: ALL_FOLDERS[code] for code in DEFAULT_CODES}
PRECISION_TARGET = 0.97
RECALL_TARGET = 0.90

Key = Tuple[str, int, str]  # (path relative to tests/fixtures, line, code)


def _test_ranges(path: Path) -> Dict[str, Tuple[int, int]]:
    """Line range (first decorator to last line) of every test function, as pytest collects them."""
    ranges: Dict[str, Tuple[int, int]] = {}
    tree = ast.parse(path.read_text(encoding="utf-8"))

    def add(func: ast.stmt, key: str) -> None:
        assert isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef))
        start = min([func.lineno] + [d.lineno for d in func.decorator_list])
        ranges[key] = (start, func.end_lineno or func.lineno)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            add(node, node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    add(item, f"{node.name}::{item.name}")
    return ranges


def _only(counter: Counter, code: str) -> Counter:
    return Counter({key: n for key, n in counter.items() if key[2] == code})


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a rule misses a target")
    parser.add_argument(
        "--codes", default=",".join(DEFAULT_CODES), help="codes to measure, comma-separated (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    codes = [code.strip() for code in args.codes.split(",") if code.strip()]
    unknown = [code for code in codes if code not in ALL_FOLDERS]
    if unknown:
        parser.error(f"unknown code(s): {', '.join(unknown)}")
    folders = {code: ALL_FOLDERS[code] for code in codes}

    engine = Engine(Selection(select=tuple(folders)))
    produced: Counter = Counter()
    messages: Dict[Key, str] = {}
    expected: Counter = Counter()
    missed: Counter = Counter()
    cases: Dict[str, Counter] = {code: Counter() for code in folders}
    problems: List[str] = []

    for code, folder_name in folders.items():
        folder = FIXTURES / folder_name
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(FIXTURES).as_posix()
            result = engine.lint(path.read_text(encoding="utf-8"), str(path))
            if result.internal_error or result.parse_error:
                problems.append(f"{rel}: {result.internal_error or result.parse_error}")
            for d in result.diagnostics:
                key = (rel, d.line, d.code)
                produced[key] += 1
                messages[key] = d.message
            file_labels = labels(path, FIXTURES)
            for label in file_labels:
                (missed if label.missed else expected)[(rel, label.line, label.code)] += 1
            if path.name.startswith("test"):
                expect_lines = {label.line for label in file_labels if not label.missed}
                missed_lines = {label.line for label in file_labels if label.missed}
                for lo, hi in _test_ranges(path).values():
                    if any(lo <= line <= hi for line in expect_lines):
                        cases[code]["flagged"] += 1
                    elif any(lo <= line <= hi for line in missed_lines):
                        cases[code]["missed"] += 1
                    else:
                        cases[code]["clean"] += 1

    print("Test functions per fixture folder (flagged: holds an `# expect:` line; missed: only `# missed:` lines)")
    print(f"{'rule':8} {'folder':38} {'flagged':>8} {'missed':>7} {'clean':>6} {'total':>6}")
    for code, folder_name in folders.items():
        c = cases[code]
        total = c["flagged"] + c["missed"] + c["clean"]
        print(f"{code:8} {folder_name:38} {c['flagged']:8} {c['missed']:7} {c['clean']:6} {total:6}")
    all_cases = sum((cases[code] for code in folders), Counter())
    total = sum(all_cases.values())
    print(f"{'all':8} {'':38} {all_cases['flagged']:8} {all_cases['missed']:7} {all_cases['clean']:6} {total:6}")
    print()

    below = False
    print(f"{'rule':8} {'TP':>4} {'FN':>4} {'FP':>4} {'precision':>10} {'recall':>7}")
    details: List[str] = []
    for code in folders:
        got, want, known = (_only(counter, code) for counter in (produced, expected, missed))
        tp_expected = got & want
        rest = got - tp_expected
        tp_missed = rest & known  # reported on a `# missed:` line: found after all
        fp = rest - tp_missed
        fn_missed = known - tp_missed
        fn_expected = want - tp_expected
        tp = sum(tp_expected.values()) + sum(tp_missed.values())
        fn = sum(fn_missed.values()) + sum(fn_expected.values())
        fps = sum(fp.values())
        precision, recall = _ratio(tp, tp + fps), _ratio(tp, tp + fn)
        ok = precision >= PRECISION_TARGET and recall >= RECALL_TARGET
        below |= not ok
        flag = "" if ok else "   below target"
        print(f"{code:8} {tp:4} {fn:4} {fps:4} {precision:10.3f} {recall:7.3f}{flag}")
        for (rel, line, _), _n in sorted(fn_missed.items()):
            details.append(f"  FN {code} {rel}:{line} (# missed:)")
        for (rel, line, _), _n in sorted(fn_expected.items()):
            details.append(f"  FN {code} {rel}:{line} (# expect: without a diagnostic)")
        for key, _n in sorted(fp.items()):
            details.append(f"  FP {code} {key[0]}:{key[1]}: {messages[key]}")
        for key, _n in sorted(tp_missed.items()):
            details.append(f"  stale label: {code} is reported on {key[0]}:{key[1]}, make it `# expect:`")
    print(f"targets: precision >= {PRECISION_TARGET}, recall >= {RECALL_TARGET}")
    if details:
        print()
        print("\n".join(details))
    if problems:
        print()
        print("files mocklint could not lint:")
        print("\n".join(f"  {p}" for p in problems))
        below = True
    return 1 if args.strict and below else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
