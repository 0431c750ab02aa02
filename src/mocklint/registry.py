"""The explicit list of rules.  A rule that is not listed here does not run.

Add a new rule by writing its module under ``mocklint.rules``, appending its
class here, adding ``tests/fixtures/<rule-name>/`` and regenerating the docs
(``python scripts/generate_docs.py``); ``tests/test_meta.py`` checks each step.
Codes are never reused, even after a rule is removed.
"""

from __future__ import annotations

from typing import Tuple, Type

from mocklint.rule import Rule
from mocklint.rules.pytest_config_global import PytestConfigGlobal

ALL_RULES: Tuple[Type[Rule], ...] = (
    PytestConfigGlobal,
)
