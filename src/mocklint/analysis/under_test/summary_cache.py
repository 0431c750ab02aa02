"""The summaries of the code under test, kept between runs beside the result cache.

Parsing the project's own modules to summarise them (``summaries``) was the
largest part of a run over a mock-heavy async suite (42% of the CPU time of
``mocklint`` over aiogram's tests), and those modules change far less often
than the tests that reach them.  So each module's summaries are kept on disk,
as the plain data ``summaries`` reads them into, under a key made of

- the module's absolute path and the bytes read (its relative imports, and
  whether an imported name is a project module, are found from its folder);
- mocklint's code fingerprint (``cache.code_fingerprint``), and libcst's and
  Python's versions: libcst parses the grammar of the Python it runs on.

An entry lists the files probed while the module was read (to tell whether
an imported name is a project module) with their stamps, and is used only
while they are unchanged.  A summary found here costs no libcst parse of its
module; the module's file and those probed files are recorded as
dependencies of every linted file that reaches it all the same
(``summaries.module_summary``), so editing application code re-lints the
tests that reach it.

The entries are those of a :class:`~mocklint.cache.ResultCache` in the
``summaries`` folder beside the results (``ResultCache.beside``): written
atomically, bounded in size, never through a symlink, a corrupt or foreign
entry a miss.  They are kept only while the command or the flake8 plugin
records a file's result for its result cache (``ResultCache.recording``), so
``--no-cache``, ``cache = false`` and ``--mocklint-no-cache`` turn them off
with it, and a refused cache folder is refused for both.  The language
server keeps no result cache: its summaries live in memory, and the texts
open in its editor are never written anywhere.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import TYPE_CHECKING, Iterator, Optional

if TYPE_CHECKING:
    from mocklint.cache import ResultCache

FOLDER = "summaries"

#: the result cache of the file being linted, beside which summaries are kept; None: in memory only
_results: Optional["ResultCache"] = None


@contextlib.contextmanager
def kept_beside(results: "ResultCache") -> Iterator[None]:
    """Keep the summaries read while the block runs beside ``results``."""
    global _results
    previous, _results = _results, results
    try:
        yield
    finally:
        _results = previous


def current() -> Optional["ResultCache"]:
    """The cache summaries are kept in now: made on first use (a file that
    reaches no project code creates no folder), None when there is none or
    its folder cannot be written."""
    if _results is None:
        return None
    return _results.beside(FOLDER, versions())


@functools.lru_cache(maxsize=1)
def versions() -> str:
    """What the parse depends on besides the text: libcst's version and
    Python's (read when a summary is first looked up: libcst is loaded then)."""
    try:
        from libcst._version import __version__ as libcst_version
    except ImportError:  # a libcst without its generated version module
        from importlib.metadata import version

        libcst_version = version("libcst")
    return f"summaries|libcst {libcst_version}|python {sys.version_info[0]}.{sys.version_info[1]}"
