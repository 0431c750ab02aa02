"""One parametrised test over every rule's fixture folder.

Each ``tests/fixtures/<rule-name>/`` folder holds real files whose offending
lines carry ``# expect: <CODE>`` comments (see ``expectations.py``), and clean
files full of near misses with none.  The engine runs over every file with only
that rule selected; a missing or an extra diagnostic fails the test.

A ``# missed: <CODE>`` line is a real bug the rule is known not to report (its
failure is checked by ``test_runtime.py``): no diagnostic is required there, and
one that appears fails the test too, so that the label becomes ``# expect:``.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import List, Tuple

import pytest
from expectations import FIXTURES, expectations, finding_text, labels, missed

from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.settings import Selection

RULE_DIRS = {rule.name: rule for rule in ALL_RULES}


def _cases() -> List[Tuple[str, Path]]:
    return [
        (rule.name, FIXTURES / rule.name)
        for rule in ALL_RULES
        if (FIXTURES / rule.name).is_dir()
    ]


@pytest.mark.parametrize(("name", "folder"), _cases(), ids=[name for name, _ in _cases()])
def test_rule_fixtures(name: str, folder: Path) -> None:
    rule = RULE_DIRS[name]
    engine = Engine(Selection(select=(rule.code,)))
    produced = []
    expected = []
    known_misses = set()
    for path in sorted(folder.rglob("*.py")):
        result = engine.lint(path.read_text(encoding="utf-8"), str(path))
        assert result.internal_error is None, result.internal_error
        assert result.parse_error is None, f"{path}: {result.parse_error}"
        rel = path.relative_to(folder).as_posix()
        wanted = [e for e in expectations(path, folder) if e.code == rule.code]
        known_misses |= {(e.path, e.line, e.code) for e in missed(path, folder) if e.code == rule.code}
        expected.extend(wanted)
        by_line = {}
        for e in wanted:
            by_line.setdefault(e.line, []).append(e)
        for d in result.diagnostics:
            produced.append((rel, d.line, d.code))
            for e in by_line.get(d.line, []):
                if e.column is not None and e.code == d.code:
                    assert d.column + 1 == e.column, f"{rel}:{d.line}: column {d.column + 1}, expected {e.column}"
                if e.text is not None and e.code == d.code:
                    assert e.text in finding_text(d), f"{rel}:{d.line}: {e.text!r} not in {finding_text(d)!r}"
    wanted_all = Counter((e.path, e.line, e.code) for e in expected)
    got_all = Counter(produced)
    missing = sorted((wanted_all - got_all).elements())
    extra = sorted((got_all - wanted_all).elements())
    now_found = sorted(key for key in extra if key in known_misses)
    assert not now_found, f"reported on '# missed:' lines, make them '# expect:': {now_found}"
    assert not missing and not extra, f"not reported: {missing}\nfalse alarms: {extra}"
    assert expected, f"{folder} has no '# expect:' line"
    clean = [p for p in folder.rglob("*.py") if not labels(p, folder)]
    assert clean, f"{folder} needs at least one clean file of near misses"
