"""Which codes are on: ``select`` and ``ignore`` by code prefix, as flake8 decides.

The most specific matching prefix wins; on a tie, ``ignore`` wins.  With no
``select``, every ``MCK`` code is selected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple


def _longest_match(code: str, prefixes: Sequence[str]) -> int:
    return max((len(p) for p in prefixes if code.startswith(p)), default=-1)


@dataclass(frozen=True)
class Selection:
    select: Tuple[str, ...] = ("MCK",)
    ignore: Tuple[str, ...] = ()

    def is_selected(self, code: str) -> bool:
        selected = _longest_match(code, self.select)
        if selected < 0:
            return False
        return selected > _longest_match(code, self.ignore)
