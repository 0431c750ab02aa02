"""The rules' gates as data: a file no gate matches is answered before any rule is imported.

Every rule has a ``gate`` (``rule.gate``/``rule.gate_all``): regular
expressions over the raw text, one of which must match for the rule to look
at a file at all.  Most modules a pre-commit hook or an editor hands over
(settings, models, anything without tests or mocks) match none, and then the
answer is already known: no finding.  Reading that answer from the rule
classes means importing them, and with them the analysis they use: some
eighty modules, far more than flake8's own start-up.

So the gates are also shipped as data, in ``mocklint/data/gates.json``:
rendered from the rule classes by ``scripts/generate_docs.py`` (which renders
the docs from the same classes), and checked by ``tests/test_meta.py`` to be
exactly what the rules declare, so the table cannot drift from the rules.
The flake8 plugin and the command read it before they import the engine;
:meth:`GateTable.matches` answers what ``any(rule.gate.search(text))``
answers over the selected rules (``tests/test_speed.py`` compares both on
every fixture file).  Should the file be missing or unreadable, the callers
simply import the engine, which answers the same.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Iterable, List, Optional, Tuple

from mocklint.stored import expect

#: libcst parses about a megabyte in several seconds, and more than linearly
#: (a generated 50 MB module would take hours and gigabytes).  Such files are
#: data, not test code worth waiting for: the engine gives them a note instead,
#: before the gates (which alone take seconds on 50 MB) and the ``ast`` parse.
MAX_SOURCE_CHARS = 1_000_000

#: where the table is shipped (``package-data`` in ``pyproject.toml``)
SHIPPED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "gates.json")

#: one part of a gate: the literal every match starts with ("" when unsure, see
#: ``rule.literal_prefix``), and the regular expression
GatePart = Tuple[str, str]
#: a rule's gate: its alternatives, each a list of parts that must all match
Gate = List[List[GatePart]]


class GateTable:
    """The gates of a set of rules, by code, as ``rule.AnyOf``/``rule.AllOf`` define them.

    The literal of each part is only a shortcut (``str.__contains__`` before
    the regular expression, as the rules' own gates do)."""

    def __init__(self, gates: List[Tuple[str, Gate]]) -> None:
        self.gates = gates

    @classmethod
    def of_rules(cls, rules: Iterable[Any]) -> Optional["GateTable"]:
        """The table of ``rules``' gates; None when one is not a plain ``AnyOf``/``AllOf``."""
        from mocklint.rule import AllOf, AnyOf, literal_prefix

        def parts(alternative: Any) -> Optional[List[GatePart]]:
            texts = [alternative] if isinstance(alternative, str) else getattr(alternative, "texts", None)
            if not isinstance(alternative, (str, AllOf)) or not texts:
                return None
            return [(literal_prefix(text), text) for text in texts]

        gates = []
        for rule in rules:
            gate = rule.gate
            if type(gate) is AllOf:
                alternatives: Any = [gate]
            elif type(gate) is AnyOf:
                alternatives = gate.alternatives
            else:
                return None
            found = [parts(alternative) for alternative in alternatives]
            if any(part is None for part in found):
                return None
            gates.append((rule.code, found))
        return cls(gates)  # type: ignore[arg-type]

    def matches(self, text: str, selected: Optional[Callable[[str], bool]] = None) -> bool:
        """Whether the gate of some rule (of those ``selected`` accepts by code)
        matches ``text``; True when a pattern does not compile (the engine answers then).

        A pattern is compiled only when a file holds its literal: most of the
        table is never compiled in a run over files without tests or mocks."""
        try:
            for code, alternatives in self.gates:
                if selected is not None and not selected(code):
                    continue
                for parts in alternatives:
                    if all((not literal or literal in text) and re.search(pattern, text) for literal, pattern in parts):
                        return True
        except re.error:  # not a ValueError
            return True
        return False

    def to_json(self) -> List[Any]:
        return [[code, gate] for code, gate in self.gates]

    @classmethod
    def from_json(cls, stored: Any) -> "GateTable":
        """The table :meth:`to_json` gave; ``ValueError`` for any other shape."""
        gates = []
        for entry in expect(stored, list):
            if type(entry) is not list or len(entry) != 2 or type(entry[0]) is not str:
                raise ValueError("not a rule's gate")
            gate = []
            for parts in expect(entry[1], list):
                found = []
                for part in expect(parts, list):
                    if type(part) is not list or len(part) != 2 or not all(type(text) is str for text in part):
                        raise ValueError("not a gate part")
                    found.append((part[0], part[1]))  # compiled when first searched (``matches``)
                if not found:
                    raise ValueError("an alternative without parts")
                gate.append(found)
            if not gate:
                raise ValueError("a gate without alternatives")
            gates.append((entry[0], gate))
        return cls(gates)

    def render(self) -> str:
        """The text of ``data/gates.json`` (one rule per line, for readable diffs)."""
        lines = ",\n".join(f"  {json.dumps(entry)}" for entry in self.to_json())
        return f"[\n{lines}\n]\n"


_SHIPPED: List[Optional[GateTable]] = []


def shipped() -> Optional[GateTable]:
    """The table of every rule's gate shipped with mocklint (read once), or None when it cannot be read."""
    if not _SHIPPED:
        try:
            with open(SHIPPED, encoding="utf-8") as stream:
                _SHIPPED.append(GateTable.from_json(json.load(stream)))
        except (OSError, ValueError, RecursionError):
            _SHIPPED.append(None)
    return _SHIPPED[0]
