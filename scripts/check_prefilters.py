#!/usr/bin/env python3
"""Check on real code that the steps before libcst never change a finding.

mocklint spares most files the libcst parse: each rule's ``might_report``
decides from the ``ast`` tree and the project model that it cannot report,
and of the files that are parsed, the function bodies no rule reads are
dropped first (``Rule.needed_bodies``).  Both must over-approximate.
``tests/test_prefilters.py`` checks it on the fixture suite; this script
checks it on whole projects: it lints every ``.py`` file under the given
folders three times in one process (as shipped; with every body parsed; with
every body parsed, every ``might_report`` forced to True and the mock rules'
cross-module matching run on every file, whatever the candidate index says of
it: ``analysis.mock_values.candidates``) and compares.

    python scripts/check_prefilters.py ~/.cache/mocklint-bench/corpus ~/.cache/mocklint-false-alarms

It prints the files, the findings and the files parsed each way, every
difference, and exits 1 when there is one.  The corpora are the caches the
benchmark (``benchmarks/run.py``) and the false-alarm scripts download.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import List, Sequence, Set, Tuple

from mocklint.analysis.mock_values import candidates
from mocklint.analysis.pytest_model import project
from mocklint.engine import Engine
from mocklint.registry import ALL_RULES

Finding = Tuple[str, int, int, str]


def lint_all(sources: Sequence[Tuple[str, str]], skip_bodies: bool = True) -> Tuple[Set[Finding], float, int]:
    project.clear_caches()
    engine = Engine(skip_bodies=skip_bodies)
    found: Set[Finding] = set()
    start = time.process_time()
    for path, source in sources:
        for d in engine.lint(source, path).diagnostics:
            found.add((path, d.line, d.column, d.code))
    return found, time.process_time() - start, engine.parsed_files


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    args = parser.parse_args(argv)
    paths: List[Path] = [p for folder in args.folders for p in sorted(folder.expanduser().rglob("*.py"))]
    sources = [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in paths]
    shipped, cpu_shipped, parsed_shipped = lint_all(sources)
    with_prefilters, cpu_on, parsed_on = lint_all(sources, skip_bodies=False)
    for rule in ALL_RULES:
        rule.might_report = classmethod(lambda cls, tree, source, path: True)  # type: ignore[assignment]
    candidates.CandidateIndex.hands_mocks_to_project = lambda self: True  # type: ignore[method-assign]
    without, cpu_off, parsed_off = lint_all(sources, skip_bodies=False)
    print(f"{len(sources)} files")
    print(f"as shipped:           {len(shipped)} findings, {parsed_shipped} files parsed by libcst, {cpu_shipped:.1f} s CPU")
    print(f"every body parsed:    {len(with_prefilters)} findings, {parsed_on} files parsed by libcst, {cpu_on:.1f} s CPU")
    print(f"without might_report: {len(without)} findings, {parsed_off} files parsed by libcst, {cpu_off:.1f} s CPU")
    for finding in sorted(with_prefilters - shipped):
        print("lost by dropping bodies:", *finding)
    for finding in sorted(shipped - with_prefilters):
        print("only with bodies dropped:", *finding)
    for finding in sorted(without - with_prefilters):
        print("lost by a prefilter:", *finding)
    for finding in sorted(with_prefilters - without):
        print("only with prefilters:", *finding)
    return 0 if shipped == with_prefilters == without else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
