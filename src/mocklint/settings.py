"""Which codes are on: ``select`` and ``ignore`` by code prefix, as flake8 decides.

The most specific matching prefix wins; on a tie, ``ignore`` wins.  With no
``select``, every ``MCK`` code is selected.

A prefix that matches no code selects or ignores nothing, silently: a typo
(``MKC``, ``MCK9``) would turn the run into a clean one.  :func:`unknown_prefixes`
names such prefixes and the codes they were probably meant to be, so that the
command can refuse them (exit 2), as ruff does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Sequence, Tuple


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

    def ignoring(self, more: Sequence[str]) -> "Selection":
        """This selection with ``more`` prefixes ignored (a file's per-file-ignores)."""
        return Selection(self.select, self.ignore + tuple(p for p in more if p not in self.ignore)) if more else self


def unknown_prefixes(prefixes: Iterable[str], codes: Sequence[str]) -> List[Tuple[str, List[str]]]:
    """Each of ``prefixes`` that no code in ``codes`` starts with, and up to
    three close matches among the codes and their prefixes (``MCK``, ``MCK2``,
    ``MCK20``), nearest first."""
    candidates = sorted({code[:length] for code in codes for length in range(3, len(code) + 1)})
    unknown = []
    for prefix in dict.fromkeys(prefixes):
        if not any(code.startswith(prefix) for code in codes):
            import difflib  # for a prefix to correct only: not on every start-up

            unknown.append((prefix, difflib.get_close_matches(prefix, candidates, n=3, cutoff=0.6)))
    return unknown
