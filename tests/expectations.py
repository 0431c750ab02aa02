"""The ``# expect:`` grammar of fixture files, shared by the tests.

- ``# expect: MCK201`` -- a diagnostic with that code starts on this line;
- ``# expect: MCK201:17`` -- ... at column 17, 1-based as flake8 prints it;
- ``# expect: MCK201, MCK202`` -- several on one line;
- ``# expect: MCK201 "request.config"`` -- the message contains that text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

FIXTURES = Path(__file__).parent / "fixtures"

_EXPECT = re.compile(r"#\s*expect:\s*(?P<body>.*)$")
_ITEM = re.compile(r'(?P<code>MCK\d{3})(?::(?P<col>\d+))?(?:\s+"(?P<text>[^"]*)")?')


@dataclass(frozen=True)
class Expectation:
    path: str
    line: int
    code: str
    column: Optional[int]  # 1-based
    text: Optional[str]


def expectations(path: Path, relative_to: Path) -> List[Expectation]:
    found = []
    rel = path.relative_to(relative_to).as_posix()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if not match:
            continue
        for item in _ITEM.finditer(match.group("body")):
            column = int(item.group("col")) if item.group("col") else None
            found.append(Expectation(rel, number, item.group("code"), column, item.group("text")))
    return found
