"""The ``# expect:`` and ``# missed:`` grammar of fixture files, shared by the tests.

- ``# expect: MCK201`` -- a diagnostic with that code starts on this line;
- ``# expect: MCK201:17`` -- ... at column 17, 1-based as flake8 prints it;
- ``# expect: MCK201, MCK202`` -- several on one line;
- ``# expect: MCK201 "request.config"`` -- the finding says that text, in its
  first sentence or in its detail (:func:`finding_text`);
- ``# missed: MCK101`` -- a real bug of that rule's kind on this line, which
  execution shows (``test_runtime.py`` treats the line like an ``# expect:``
  line) but mocklint does not report: ``test_rules.py`` does not require a
  diagnostic there, and fails when there is one (the label should then be
  ``# expect:``).  ``scripts/measure_mck1xx.py`` counts these lines as misses.

A line may carry both labels (``# expect: MCK101  # missed: MCK103``); each
label's list ends where the next ``# expect:``, ``# missed:`` or ``# fails:``
comment starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.diagnostic import Diagnostic

FIXTURES = Path(__file__).parent / "fixtures"

_LABEL = re.compile(r"#\s*(?P<kind>expect|missed):\s*(?P<body>.*?)(?=#\s*(?:expect|missed|fails):|$)")
_ITEM = re.compile(r'(?P<code>MCK\d{3})(?::(?P<col>\d+))?(?:\s+"(?P<text>[^"]*)")?')


@dataclass(frozen=True)
class Expectation:
    path: str
    line: int
    code: str
    column: Optional[int]  # 1-based
    text: Optional[str]
    #: a ``# missed:`` label: a real bug that mocklint is known not to report
    missed: bool = False


def labels(path: Path, relative_to: Path) -> List[Expectation]:
    """Every ``# expect:`` and ``# missed:`` item of ``path``."""
    found = []
    rel = path.relative_to(relative_to).as_posix()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in _LABEL.finditer(line):
            missed = match.group("kind") == "missed"
            for item in _ITEM.finditer(match.group("body")):
                column = int(item.group("col")) if item.group("col") else None
                found.append(Expectation(rel, number, item.group("code"), column, item.group("text"), missed))
    return found


def expectations(path: Path, relative_to: Path) -> List[Expectation]:
    """The ``# expect:`` items: diagnostics the engine must produce."""
    return [label for label in labels(path, relative_to) if not label.missed]


def missed(path: Path, relative_to: Path) -> List[Expectation]:
    """The ``# missed:`` items: real bugs the engine is known not to report."""
    return [label for label in labels(path, relative_to) if label.missed]


def finding_text(diagnostic: "Diagnostic") -> str:
    """What a finding says, the text an ``# expect:`` quote is looked up in:
    its first sentence and its detail (the chain and the fix)."""
    return f"{diagnostic.message}. {diagnostic.detail}" if diagnostic.detail else diagnostic.message
