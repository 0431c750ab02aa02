"""Does a project's pytest configuration turn a given warning into an error?

Some breakage only happens where warnings are errors: ``asyncio.get_event_loop()``
at import warns ``DeprecationWarning`` on Python 3.12 and 3.13, and a generator
passed to ``@pytest.mark.parametrize`` warns ``PytestRemovedIn10Warning`` on
pytest 9.1; a project whose configuration says ``filterwarnings = error`` gets
a collection error from either.  This module reads ``filterwarnings`` (and
``-W`` options in ``addopts``) the way pytest applies them: in order, the
command line's after the ini file's, the last matching entry deciding.

It answers True only for what it can read for certain: an entry that names a
module, or whose message is not a plain prefix of the warning's text, is
taken not to match (so an ``ignore`` entry of that kind does not hide an
``error`` one, and an ``error`` entry of that kind does not count).
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Any, Iterator, List, Optional, Sequence, Tuple

from mocklint.analysis.pytest_model.project import config_for
from mocklint.analysis.pytest_model.pytest_config import _pytest_section

#: warnings.filterwarnings' actions that let the warning through without raising
_NOT_RAISING = frozenset({"ignore", "default", "always", "all", "module", "once"})
_REGEX_SYNTAX = re.compile(r"[.^$*+?{}\[\]\\|()]")


def turned_into_errors(path: Optional[str], categories: Sequence[str], message: str) -> bool:
    """Whether a warning whose class and bases are named ``categories``
    (``("DeprecationWarning", "Warning")``) and whose text starts with
    ``message`` raises, under the configuration governing the file at ``path``."""
    if not path:
        return False
    config = config_for(os.path.dirname(os.path.abspath(path)))
    if not config.readable or config.inipath is None:
        return False
    try:
        section = _pytest_section(config.inipath)
    except Exception:  # noqa: BLE001 - an unreadable configuration: nothing is certain
        return False
    if not section:
        return False
    raises = False
    for action, entry_message, category, module in _entries(section):
        if module or not _names(category, categories) or not _prefix_of(entry_message, message):
            continue
        raises = action == "error"
    return raises


def _entries(section: Any) -> Iterator[Tuple[str, str, str, str]]:
    """(action, message, category, module) of each filter, in the order pytest applies them."""
    for entry in _lines(section.get("filterwarnings")) + _command_line_filters(section.get("addopts")):
        parts = [part.strip() for part in entry.split(":")] + [""] * 4
        action, entry_message, category, module = parts[:4]
        if action:
            yield action.lower(), entry_message, category, module


def _lines(value: Any) -> List[str]:
    """An ini ``linelist`` value: one entry per line (TOML gives a list)."""
    if isinstance(value, (list, tuple)):
        return [str(item).strip() for item in value if str(item).strip()]
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip()]
    return []


def _command_line_filters(addopts: Any) -> List[str]:
    """The ``-W`` options of ``addopts``."""
    if isinstance(addopts, (list, tuple)):
        words = [str(item) for item in addopts]
    elif isinstance(addopts, str):
        try:
            words = shlex.split(addopts)
        except ValueError:
            words = addopts.split()
    else:
        return []
    found = []
    for index, word in enumerate(words):
        if word in ("-W", "--pythonwarnings") and index + 1 < len(words):
            found.append(words[index + 1])
        elif word.startswith("-W") and len(word) > 2:
            found.append(word[2:])
        elif word.startswith("--pythonwarnings="):
            found.append(word.split("=", 1)[1])
    return found


def _names(category: str, categories: Sequence[str]) -> bool:
    """An entry's category (empty: every warning) names one of ``categories``."""
    return not category or category.rsplit(".", 1)[-1] in categories


def _prefix_of(entry_message: str, message: str) -> bool:
    """An entry's message (empty: every message) that is plain text and begins
    ``message``, case-insensitively, as ``warnings`` matches it."""
    if not entry_message:
        return True
    if _REGEX_SYNTAX.search(entry_message):
        return False
    return message.lower().startswith(entry_message.lower())
