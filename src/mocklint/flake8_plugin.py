"""The flake8 adapter: the only module of mocklint that knows flake8.

flake8 finds it through the ``MCK`` entry point in ``flake8.extension``, so
every ``MCK`` code is on by default and ``--select``/``--extend-ignore``/
``per-file-ignores``/``# noqa`` work as for any plugin (flake8 applies them).

- The plugin asks for ``tree``: flake8 classifies plugins by their parameter
  names and runs "tree" plugins once per file, and the engine reuses the tree
  to reject files libcst should not parse without parsing them again.  ``lines`` gives the text flake8 already decoded, so stdin and
  flake8's encoding handling work unchanged.
- A file with a syntax error never reaches this plugin (flake8 reports E999).
- A file Python cannot decode (bytes that are not valid in the encoding its
  coding cookie or BOM declares, UTF-8 by default, or an unknown cookie) gets
  no findings, as the command skips it: flake8 reads such a file as latin-1
  (and such stdin as UTF-8), Python refuses to import it, so pytest never runs
  it.  Only a file with something to report is read again to tell.
- One ``Engine`` per process is built lazily and reused for every file,
  including in flake8's ``--jobs`` worker processes.
- Nothing raised inside mocklint escapes into flake8: it becomes a single
  ``MCK000`` diagnostic and the run goes on.
- The fixture rules (MCK3xx) read ``extra-fixtures`` and ``plugins`` from
  ``[tool.mocklint]`` themselves (the project model finds the file from each
  linted path).  ``--mocklint-extra-fixtures`` and ``--mocklint-plugins``
  (comma-separated; also ``mocklint-extra-fixtures = ...`` in flake8's own
  config file) replace those values; the engine hands them to the model.
"""

from __future__ import annotations

import argparse
import ast
import logging
from typing import Any, ClassVar, Iterator, List, Optional, Tuple, Type

from mocklint import __version__
from mocklint.analysis.project import SettingsOverride
from mocklint.engine import Engine
from mocklint.files import SourceError, decode_source, read_file, source_encoding

LOG = logging.getLogger("flake8.mocklint")


class Plugin:
    name = "mocklint"
    version = __version__

    _engine: ClassVar[Optional[Engine]] = None
    _stdin_display_name: ClassVar[Optional[str]] = None
    #: the ``filename`` flake8 gives standard input, when it reads it
    _stdin_filename: ClassVar[Optional[str]] = None

    def __init__(self, tree: ast.AST, lines: List[str], filename: str) -> None:
        self._tree = tree  # also makes flake8 run this plugin once per file
        self._lines = lines
        self._filename = filename

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.add_option(
            "--mocklint-extra-fixtures",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            metavar="NAMES",
            help="fixtures registered in ways mocklint cannot see, taken as defined for every test "
            "(comma-separated; replaces `extra-fixtures` of [tool.mocklint])",
        )
        manager.add_option(
            "--mocklint-plugins",
            default=None,
            parse_from_config=True,
            comma_separated_list=True,
            metavar="PLUGINS",
            help="the pytest plugins the tests run with, as distribution names such as pytest-mock "
            "(comma-separated; replaces `plugins` of [tool.mocklint])",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # flake8 has already applied --select/--ignore/per-file-ignores by code,
        # so the engine runs every rule and flake8 filters what it prints.
        extra = _names(getattr(options, "mocklint_extra_fixtures", None))
        plugins = _names(getattr(options, "mocklint_plugins", None))
        override = SettingsOverride(extra, plugins) if extra is not None or plugins is not None else None
        cls._engine = Engine(project_settings=override)
        display = getattr(options, "stdin_display_name", None)
        cls._stdin_display_name = display if display and display != "stdin" else None
        cls._stdin_filename = (display or "stdin") if "-" in (getattr(options, "filenames", None) or ()) else None

    @classmethod
    def engine(cls) -> Engine:
        if cls._engine is None:
            cls._engine = Engine()
        return cls._engine

    def _path(self) -> Optional[str]:
        """The path rules should reason about: the display name for stdin."""
        if self._filename in ("-", "stdin"):
            return self._stdin_display_name
        return self._filename

    def run(self) -> Iterator[Tuple[int, int, str, Type[Any]]]:
        engine = self.engine()
        try:
            result = engine.lint("".join(self._lines), self._path(), self._tree)
        except Exception as exc:  # noqa: BLE001 - Engine.lint never raises; this is the last net
            result = engine.internal_error(self._filename, exc)
        if result.diagnostics or result.internal_error:
            undecodable = self._undecodable()
            if undecodable is not None:
                LOG.warning("mocklint: skipped %s: %s", self._filename, undecodable)
                return
        if result.internal_error:
            LOG.warning("mocklint: internal error on %s: %s", self._filename, result.internal_error)
        for d in result.diagnostics:
            yield d.line, d.column, f"{d.code} {d.message}", type(self)

    def _undecodable(self) -> Optional[str]:
        """Why the command would skip this file as undecodable (its note), or None.

        A file is read again and decoded as Python does.  Standard input cannot
        be read again, but flake8 decodes it by its cookie or, when the cookie
        is bad, as UTF-8 (and fails on anything else): only the cookie can be
        what Python refuses, and the text, encoded as UTF-8, still carries it."""
        try:
            if self._filename in ("-", "stdin", self._stdin_filename):
                source_encoding("".join(self._lines).encode("utf-8", "surrogatepass"))
            else:
                decode_source(read_file(self._filename))
        except SourceError as exc:
            return str(exc)
        except OSError:  # flake8 read it; what it read is linted
            return None
        return None


def _names(value: Any) -> Optional[Tuple[str, ...]]:
    """flake8's comma-separated list (already split) as a tuple; None when not given."""
    if value is None:
        return None
    if isinstance(value, str):  # a plugin's default, or an older flake8
        value = value.split(",")
    return tuple(item.strip() for item in value if item.strip())
