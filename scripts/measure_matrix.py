"""Found and missed per cell of the MCK101-MCK103 multi-module matrix.

    python scripts/measure_matrix.py

The projects under ``tests/fixtures/<rule>/projects/`` mark each test that
fails at run time with ``# fails: CODE  # cell: made / travels / breaks``
(``tests/test_interprocedural_runtime.py`` runs them under real pytest and
checks that exactly those fail).  Each test file is linted once; a failing test
counts as found when the engine reports its code on a labelled line of the
test's own lines, or, for a test whose label sits outside every test (a
fixture, ``setUp``, a helper of the file), on any such shared label line.
Printed: one row per failing test, then the counts per value of each dimension.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from expectations import labels  # noqa: E402
from test_interprocedural_runtime import PROJECTS, _all_cases, _test_files  # noqa: E402

from mocklint.engine import Engine  # noqa: E402
from mocklint.settings import Selection  # noqa: E402


def main() -> int:
    rows: List[Tuple[str, str, str, str, str, bool]] = []
    for code, project in PROJECTS:
        engine = Engine(Selection(select=(code,)))
        cases = _all_cases(project)
        for path in _test_files(project):
            rel = path.relative_to(project).as_posix()
            reported: Set[int] = {d.line for d in engine.lint(path.read_text(encoding="utf-8"), str(path)).diagnostics}
            here = [case for case in cases if case.path == rel]
            label_lines = sorted({label.line for label in labels(path, project) if label.code == code})
            shared = [line for line in label_lines if not any(c.lines[0] <= line <= c.lines[1] for c in here)]
            for case in here:
                if not case.fails:
                    continue
                own = [line for line in label_lines if case.lines[0] <= line <= case.lines[1]]
                found = any(line in reported for line in (own or shared))
                made, travels, breaks = (part.strip() for part in (case.cell or "? / ? / ?").split("/"))
                rows.append((code, f"{project.name}/{case.where}", made, travels, breaks, found))
    for code, where, made, travels, breaks, found in rows:
        print(f"{'found ' if found else 'MISSED'} {code} {made:18} {travels:26} {breaks:14} {where}")
    print()
    for title, index in (("rule", 0), ("made", 2), ("travels", 3), ("breaks", 4)):
        totals: Dict[str, Counter] = defaultdict(Counter)
        for row in rows:
            totals[row[index]][row[5]] += 1
        cells = ", ".join(f"{value} {count[True]}/{count[True] + count[False]}" for value, count in sorted(totals.items()))
        print(f"{title}: {cells}")
    print(f"total: {sum(row[5] for row in rows)}/{len(rows)} failing tests found")
    return 0


if __name__ == "__main__":
    sys.exit(main())
