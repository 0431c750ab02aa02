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
- Loading the plugin costs flake8 next to nothing: the engine (the rules
  and the analysis they import) is imported when the first file needs it,
  not when flake8 starts, so ``flake8 --version`` and a run the cache
  answers never import it; libcst (more than flake8's own start-up) only
  when a file reaches the engine's parse, never for one its gates and
  ``might_report`` rule out (``analysis.syntax.lazy_import``).
- Results are kept in the command's result cache (``mocklint.cache``), in
  ``.mocklint_cache`` of the project root (the folder of the
  ``pyproject.toml`` with ``[tool.mocklint]``, else the current folder), so
  an unchanged file costs a hash and a small read.  An entry is keyed by the
  file's path and text, mocklint's code, the ``--mocklint-*`` options and the
  current folder, and is used only while every file and part of the
  environment its analysis read (conftest chains, the project modules of the
  cross-module analysis, ``sys.path``, plugins) is unchanged: the same
  dependencies as the command's entries.  ``--jobs`` workers share it (entries
  are written atomically).  ``--mocklint-no-cache`` or ``cache = false`` in
  ``[tool.mocklint]`` turns it off; standard input is never cached.
- A file that no rule's gate matches (a module without tests or mocks) is
  answered from the gates shipped as data (``mocklint.gates``), as the engine
  would answer it, without importing the engine or reading the cache, so
  pre-commit and editors linting one such file pay only flake8's own start-up.
"""

from __future__ import annotations

import argparse
import ast
import logging
import os
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, List, Optional, Sequence, Tuple, Type

from mocklint import CACHE_DIR_NAME, __version__, gates

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.cache import ResultCache
    from mocklint.diagnostic import FileResult
    from mocklint.engine import Engine

#: a finding as the cache keeps it for flake8: line, column, code, message
Finding = Tuple[int, int, str, str]

LOG = logging.getLogger("flake8.mocklint")


class Plugin:
    name = "mocklint"
    version = __version__

    _engine: ClassVar[Optional["Engine"]] = None
    #: ``--mocklint-extra-fixtures`` and ``--mocklint-plugins`` (None: not given)
    _extra: ClassVar[Optional[Tuple[str, ...]]] = None
    _plugins: ClassVar[Optional[Tuple[str, ...]]] = None
    #: the result cache; None when off, and until ``parse_options`` turns it on; False until the
    #: first file the gates do not answer opens it (``result_cache``): a run they answer whole reads
    #: no configuration and imports no cache code
    _cache: ClassVar[Any] = None
    #: the files flake8 was given, from which the cache's project is found
    _filenames: ClassVar[Tuple[str, ...]] = ()
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
        manager.add_option(
            "--mocklint-no-cache",
            default=False,
            action="store_true",
            parse_from_config=True,
            help=f"neither read nor write mocklint's result cache ({CACHE_DIR_NAME} in the project root; "
            "also `cache = false` in [tool.mocklint])",
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        # flake8 has already applied --select/--ignore/per-file-ignores by code,
        # so the engine runs every rule and flake8 filters what it prints.
        cls._extra = _names(getattr(options, "mocklint_extra_fixtures", None))
        cls._plugins = _names(getattr(options, "mocklint_plugins", None))
        cls._engine = None  # built with these settings when the first file needs it
        display = getattr(options, "stdin_display_name", None)
        cls._stdin_display_name = display if display and display != "stdin" else None
        filenames = tuple(getattr(options, "filenames", None) or ())
        cls._stdin_filename = (display or "stdin") if "-" in filenames else None
        cls._filenames = filenames
        cls._cache = None if getattr(options, "mocklint_no_cache", False) else False

    @classmethod
    def result_cache(cls) -> Optional["ResultCache"]:
        """The result cache, opened on first use; None when off or unusable."""
        if cls._cache is False:
            cls._cache = cls._open_cache(cls._filenames)
        return cls._cache  # type: ignore[no-any-return]

    @classmethod
    def _open_cache(cls, filenames: Sequence[str]) -> Optional["ResultCache"]:
        """The result cache of the project the files are in, as the command
        finds it; None when ``cache = false`` in ``[tool.mocklint]``, or when
        it cannot be used (the configuration is broken: the command says why;
        the folder is a symlink, leads out of the project or is not writable)."""
        from mocklint.cache import ResultCache, refusal, settings_key
        from mocklint.config import ConfigError, discover_config

        try:
            config = discover_config(tuple(name for name in filenames if name != "-") or (".",))
        except ConfigError as exc:
            LOG.warning("mocklint: not using the result cache: %s", exc)
            return None
        if config.cache is False:
            return None
        directory = os.path.join(config.root, CACHE_DIR_NAME)
        why = refusal(directory, config.root)
        if why is not None:
            LOG.warning("mocklint: not using the cache folder %s: %s", directory, why)
            return None
        # the findings of one Engine over every rule (flake8 selects and applies noqa), which
        # read the fixture options; messages name other files relative to the current folder
        key = settings_key(("flake8", "|", *(cls._extra or ("<none>",)), "|", *(cls._plugins or ("<none>",)),
                            "|", os.getcwd()))
        cache = ResultCache(directory, key)
        return cache if cache.prepare() else None

    @classmethod
    def engine(cls) -> "Engine":
        """The process's one Engine, imported and built on first use."""
        if cls._engine is None:
            from mocklint.analysis.pytest_model.project import SettingsOverride
            from mocklint.engine import Engine

            extra, plugins = cls._extra, cls._plugins
            override = SettingsOverride(extra, plugins) if extra is not None or plugins is not None else None
            cls._engine = Engine(project_settings=override)
        return cls._engine

    def _path(self) -> Optional[str]:
        """The path rules should reason about: the display name for stdin."""
        if self._filename in ("-", "stdin"):
            return self._stdin_display_name
        return self._filename

    def run(self) -> Iterator[Tuple[int, int, str, Type[Any]]]:
        source = "".join(self._lines)
        table = gates.shipped()  # the engine runs every rule: flake8 selects by code
        if table is not None and len(source) <= gates.MAX_SOURCE_CHARS and not table.matches(source):
            return  # what the engine answers for a file no rule's gate matches, without importing it
        cache = self.result_cache() if self._filename not in ("-", "stdin", self._stdin_filename) else None
        key = cache.key(self._filename, source.encode("utf-8", "surrogatepass")) if cache is not None else ""
        findings = cache.load(key, _stored_findings) if cache is not None else None
        if findings is None:
            if cache is None:
                result = self._lint(source)
            else:
                with cache.recording() as dependencies:
                    result = self._lint(source)
            findings = [(d.line, d.column, d.code, d.message) for d in result.diagnostics]
            if result.internal_error:
                if not self._undecodable_skipped():
                    LOG.warning("mocklint: internal error on %s: %s", self._filename, result.internal_error)
                    yield from self._emitted(findings)
                return
            if cache is not None:
                cache.store(key, {"findings": [list(finding) for finding in findings]}, dependencies)
        if findings and self._undecodable_skipped():
            return
        yield from self._emitted(findings)

    def _lint(self, source: str) -> "FileResult":
        engine = self.engine()
        try:
            return engine.lint(source, self._path(), self._tree)
        except Exception as exc:  # noqa: BLE001 - Engine.lint never raises; this is the last net
            return engine.internal_error(self._filename, exc)

    def _emitted(self, findings: List[Finding]) -> Iterator[Tuple[int, int, str, Type[Any]]]:
        for line, column, code, message in findings:
            yield line, column, f"{code} {message}", type(self)

    def _undecodable_skipped(self) -> bool:
        """Whether the file is one the command skips as undecodable (said in a warning)."""
        undecodable = self._undecodable()
        if undecodable is not None:
            LOG.warning("mocklint: skipped %s: %s", self._filename, undecodable)
        return undecodable is not None

    def _undecodable(self) -> Optional[str]:
        """Why the command would skip this file as undecodable (its note), or None.

        A file is read again and decoded as Python does.  Standard input cannot
        be read again, but flake8 decodes it by its cookie or, when the cookie
        is bad, as UTF-8 (and fails on anything else): only the cookie can be
        what Python refuses, and the text, encoded as UTF-8, still carries it."""
        from mocklint.files import SourceError, decode_source, read_file, source_encoding

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


def _stored_findings(stored: Any) -> List[Finding]:
    """The findings :meth:`Plugin.run` stored; ``ValueError`` for any other shape (a miss)."""
    if not isinstance(stored, dict) or set(stored) != {"findings"} or not isinstance(stored["findings"], list):
        raise ValueError("not stored by the flake8 plugin")
    findings = []
    for values in stored["findings"]:
        if not isinstance(values, list) or [type(value) for value in values] != [int, int, str, str]:
            raise ValueError("not a stored finding")
        findings.append((values[0], values[1], values[2], values[3]))
    return findings


def _names(value: Any) -> Optional[Tuple[str, ...]]:
    """flake8's comma-separated list (already split) as a tuple; None when not given."""
    if value is None:
        return None
    if isinstance(value, str):  # a plugin's default, or an older flake8
        value = value.split(",")
    return tuple(item.strip() for item in value if item.strip())
