"""The ``mocklint`` command: find files, lint them, filter ``# noqa``, report.

The command is a thin shell around :class:`mocklint.engine.Engine`: it owns
everything the engine deliberately does not (files, encodings, configuration,
``# noqa``, output formats, exit status) so that the engine stays usable from
flake8 and from tests as a pure function of source text.

Exit status (documented in docs/output-formats.md): 0 nothing found, 1
findings, 2 usage or configuration error, a missing path, or mocklint failing
on some file.  Bad input never produces a traceback: every failure is one line
on stderr.

Machine formats (``json``, ``sarif``, ``github``, a ``--diff``) own stdout;
everything meant for a person (notes, the summary, "All checks passed!",
warnings) goes to stderr, so ``mocklint --format json > out.json`` stays
parsable.  The options and ``[tool.mocklint]`` keys are documented from the
code itself (:func:`options_reference`, written to docs/options.md).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from mocklint import __version__, gates, output
from mocklint.cache import CACHE_DIR_NAME, ResultCache, refusal, settings_key
from mocklint.config import (
    CODE_PREFIX,
    FORMATS,
    KEYS,
    Config,
    ConfigError,
    discover_config,
    load_config,
)
from mocklint.diagnostic import Diagnostic, Related, TextEdit, TextFix
from mocklint.files import (
    DEFAULT_EXCLUDES,
    STDIN,
    ExcludePattern,
    Excluder,
    Note,
    Discovery,
    SourceError,
    decode_source,
    discover,
    read_bytes,
    read_stdin_bytes,
    source_encoding,
    to_posix,
)
from mocklint.noqa import filter_diagnostics
from mocklint.settings import Selection, unknown_prefixes
from mocklint.stored import expect

if TYPE_CHECKING:  # pragma: no cover
    from mocklint.engine import Engine

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

STDIN_DISPLAY = "<stdin>"


class UsageError(Exception):
    """A bad command line that argparse itself cannot detect."""


# -- one file ---------------------------------------------------------------
@dataclass(frozen=True)
class Task:
    """One file to lint.

    ``display`` is the path as printed and, for a file, where it is read from;
    ``engine_path`` is what rules see (``None`` for anonymous stdin); ``data``
    holds stdin, read once in the parent process.
    """

    display: str
    engine_path: Optional[str]
    data: Optional[bytes] = None


@dataclass(frozen=True)
class Outcome:
    """What linting one file produced, ready to print."""

    display: str
    diagnostics: Tuple[Diagnostic, ...] = ()
    notes: Tuple[Note, ...] = ()
    checked: bool = False
    internal_error: bool = False
    #: fixes applied (or, with --diff, that would be), and the diff
    fixed: int = 0
    diff: str = ""

    def to_json(self) -> Dict[str, Any]:
        return {
            "diagnostics": [
                [
                    d.line,
                    d.column,
                    d.code,
                    d.message,
                    d.end_line,
                    d.end_column,
                    d.name,
                    d.detail,
                    [[r.path, r.line, r.column, r.message] for r in d.related],
                    _fix_json(d.fix),
                ]
                for d in self.diagnostics
            ],
            "notes": [[n.kind, n.message] for n in self.notes],
            "checked": self.checked,
        }

    @classmethod
    def from_json(cls, display: str, stored: Any) -> "Outcome":
        """The outcome :meth:`to_json` gave; ``ValueError`` for anything not in
        exactly that shape (the cache then lints the file again)."""
        if not isinstance(stored, dict) or set(stored) != {"diagnostics", "notes", "checked"}:
            raise ValueError("not a stored outcome")
        if not isinstance(stored["checked"], bool):
            raise ValueError("`checked` is not a bool")
        diagnostics = tuple(_stored_diagnostic(display, values) for values in expect(stored["diagnostics"], list))
        notes = tuple(Note(display, *_typed(values, (str, str))) for values in expect(stored["notes"], list))
        return cls(display, diagnostics, notes, checked=stored["checked"])


#: line, column, code, message, end line, end column, name, detail, related, fix: as Outcome.to_json stores
#: a Diagnostic (the fix as a list, or None: checked by :func:`_stored_fix`)
_DIAGNOSTIC_TYPES = (int, int, str, str, int, int, str, str, list, object)
#: path, line, column, message: as Outcome.to_json stores a Related
_RELATED_TYPES = (str, int, int, str)
#: title, safe, edits: as :func:`_fix_json` stores a TextFix
_FIX_TYPES = (str, bool, list)
#: line, column, end line, end column, text, path ("" for the linted file), digest, old: a TextEdit
_EDIT_TYPES = (int, int, int, int, str, str, str, str)


def _fix_json(fix: Optional[TextFix]) -> Optional[List[Any]]:
    """A fix as the cache stores it: the JSON output and the fix counts of a
    cached run need its applicability and edits as a fresh run has them."""
    if fix is None:
        return None
    edits = [[e.line, e.column, e.end_line, e.end_column, e.text, e.path or "", e.digest, e.old] for e in fix.edits]
    return [fix.title, fix.safe, edits]


def _stored_fix(values: Any) -> Optional[TextFix]:
    if values is None:
        return None
    title, safe, edits = _typed(values, _FIX_TYPES)
    stored = []
    for edit in edits:
        *place, text, path, digest, old = _typed(edit, _EDIT_TYPES)
        stored.append(TextEdit(*place, text, path or None, digest, old))
    return TextFix(title, tuple(stored), safe)


def _stored_diagnostic(display: str, values: Any) -> Diagnostic:
    """The Diagnostic :meth:`Outcome.to_json` stored as ``values``; ``ValueError`` for any other shape."""
    *fields, detail, related, fix = _typed(values, _DIAGNOSTIC_TYPES)
    return Diagnostic(
        display,
        *fields,
        fix=_stored_fix(fix),
        detail=detail,
        related=tuple(Related(*_typed(r, _RELATED_TYPES)) for r in related),
    )


def _typed(values: Any, types: Tuple[type, ...]) -> List[Any]:
    """``values``, a list of exactly ``types`` (a bool is not an int here)."""
    if len(expect(values, list)) != len(types) or any(t is not object and type(v) is not t for v, t in zip(values, types)):
        raise ValueError(f"expected {len(types)} values of types {[t.__name__ for t in types]}")
    return values


@dataclass(frozen=True)
class Options:
    """How each file is checked; the same in every worker process."""

    selection: Selection
    use_noqa: bool = True
    cache_dir: Optional[str] = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    #: the real project roots of the paths given: fixes write to files in them only
    roots: Tuple[str, ...] = ()
    #: per-file-ignores: (glob, code prefixes) pairs, each glob as an exclude pattern is matched
    per_file_ignores: Tuple[Tuple[ExcludePattern, Tuple[str, ...]], ...] = ()

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


class Checker:
    """Reads, lints and noqa-filters files; one per process, built once."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._engines: Dict[Selection, "Engine"] = {}
        self.use_noqa = options.use_noqa
        self.cache: Optional[ResultCache] = None
        self._per_file = [(Excluder([pattern]), codes) for pattern, codes in options.per_file_ignores]
        if options.cache_dir is not None and not options.fixing:
            selection = options.selection
            per_file = [f"{p.base}/{p.pattern}={','.join(codes)}" for p, codes in options.per_file_ignores]
            # messages name other files relative to the current folder: a result is kept for one folder
            key = settings_key((*selection.select, "|", *selection.ignore, str(options.use_noqa), "|", *per_file, "|", os.getcwd()))
            cache = ResultCache(options.cache_dir, key)
            self.cache = cache if cache.prepare() else None

    @property
    def engine(self) -> "Engine":
        """The engine of the run's selection (see :meth:`engine_for`)."""
        return self.engine_for(None)

    def engine_for(self, path: Optional[str]) -> "Engine":
        """The engine for the file at ``path``: the selection less the file's
        per-file-ignores, so that their rules neither run nor fix there.
        Imported and built on first use: a run the cache answers whole never
        imports libcst (a third of a second)."""
        selection = self.selection_for(path)
        engine = self._engines.get(selection)
        if engine is None:
            from mocklint.engine import Engine

            engine = self._engines[selection] = Engine(selection)
        return engine

    def selection_for(self, path: Optional[str]) -> Selection:
        """The run's selection less the per-file-ignores of the file at ``path``."""
        selection = self.options.selection
        if path is not None:
            selection = selection.ignoring(
                [code for matcher, codes in self._per_file if matcher.is_excluded(path) for code in codes]
            )
        return selection

    def cached(self, task: Task) -> Optional[Outcome]:
        """The cached outcome of ``task``, when the cache has one for its current text."""
        if self.cache is None or task.data is not None or self.options.fixing:
            return None
        try:
            data = read_bytes(task.display)
        except SourceError:
            return None
        return self.cache.load(self.cache.key(task.display, data), functools.partial(Outcome.from_json, task.display))

    def check(self, task: Task) -> Outcome:
        try:
            return self._check(task)
        except Exception as exc:  # noqa: BLE001 - one bad file must not end the run
            result = self.engine.internal_error(task.display, exc)
            return Outcome(
                task.display,
                result.diagnostics,
                (Note(task.display, "internal-error", result.internal_error or "unknown error"),),
                internal_error=True,
            )

    def _check(self, task: Task) -> Outcome:
        try:
            data = task.data if task.data is not None else read_bytes(task.display)
            if self.options.diff or (self.options.fix and task.data is None):
                return self._fix(task, data)
            cache = self.cache if task.data is None else None
            key = ""
            if cache is not None:
                key = cache.key(task.display, data)
                stored = cache.load(key, functools.partial(Outcome.from_json, task.display))
                if stored is not None:
                    return stored
            source = decode_source(data)
        except SourceError as exc:
            return Outcome(task.display, notes=(Note(task.display, exc.kind, str(exc)),))
        if cache is None:
            return self._lint(task, source)
        with cache.recording() as dependencies:
            outcome = self._lint(task, source)
        if not outcome.internal_error:
            cache.store(key, outcome.to_json(), dependencies)
        return outcome

    def _fix(self, task: Task, data: bytes) -> Outcome:
        """Fix the file (or, with --diff, show how: all stdin gets), keeping its encoding and newlines.

        A file whose real path is outside the project is only linted, and a
        file that changed since it was read is not written (see
        :func:`mocklint.fixes.write_if_unchanged`): a note says so."""
        from mocklint.fixes import OtherFiles, display_path, fix_source, unified_diff, within, write_if_unchanged

        encoding = source_encoding(data)
        original = decode_source(data, translate_newlines=False)
        if task.data is None and not within(task.display, self.options.roots):
            why = f"not fixed: it is {os.path.realpath(task.display)}, outside the project"
            return self._noted(self._lint(task, original), why)
        # other files a fix changes (a conftest.py) are written at once with --fix, so that linting again sees them
        others = OtherFiles(write=not self.options.diff, roots=self.options.roots)
        engine = self.engine_for(task.engine_path)
        fixed = fix_source(engine, original, task.engine_path, unsafe=self.options.unsafe_fixes, others=others)
        outcome = self._lint(task, fixed.source)
        if not fixed.applied:
            return outcome
        if self.options.diff:
            diff = unified_diff(original, fixed.source, to_posix(task.display))
            for path, (before, after) in sorted(fixed.other_files.items()):
                diff += unified_diff(before, after, to_posix(display_path(path)))
            return replace(outcome, fixed=fixed.applied, diff=diff)
        if fixed.source == original:  # the fixes changed other files only
            return replace(outcome, fixed=fixed.applied)
        try:
            problem = write_if_unchanged(task.display, data, fixed.source.encode(encoding), self.options.roots)
        except UnicodeEncodeError as exc:
            problem = f"the fixed text cannot be encoded as {encoding} ({exc.reason})"
        if problem is not None:
            return self._noted(self._lint(task, original), f"fixes not written: {problem}")
        return replace(outcome, fixed=fixed.applied)

    @staticmethod
    def _noted(outcome: Outcome, message: str) -> Outcome:
        return replace(outcome, notes=outcome.notes + (Note(outcome.display, "skipped", message),))

    def _lint(self, task: Task, source: str) -> Outcome:
        table = gates.shipped()
        if table is not None and len(source) <= gates.MAX_SOURCE_CHARS:
            if not table.matches(source, self.selection_for(task.engine_path).is_selected):
                # what the engine answers for a file no selected rule's gate matches, without importing it
                return Outcome(task.display, checked=True)
        result = self.engine_for(task.engine_path).lint(source, task.engine_path)
        notes: List[Note] = []
        if result.parse_error is not None:
            notes.append(Note(task.display, "not-checked", result.parse_error))
        if result.internal_error is not None:
            notes.append(Note(task.display, "internal-error", result.internal_error))
        diagnostics = result.diagnostics
        if self.use_noqa:
            diagnostics = filter_diagnostics(source, diagnostics)
        return Outcome(
            task.display,
            tuple(diagnostics),
            tuple(notes),
            checked=result.parse_error is None,
            internal_error=result.internal_error is not None,
        )


_WORKER: Optional[Checker] = None

#: prctl(2)'s option naming the signal a process gets when its parent dies (Linux)
PR_SET_PDEATHSIG = 1
#: how often a worker that cannot get that signal checks that its parent lives
PARENT_CHECK_SECONDS = 0.5


class Terminated(BaseException):
    """SIGTERM reached the command while its workers ran.  A BaseException,
    like KeyboardInterrupt, so that no ``except Exception`` around one file
    turns it into that file's internal error."""


def _init_worker(options: Options) -> None:
    """Builds the worker's one Engine (rule filtering, handled types) up front.

    Workers ignore Ctrl-C: the parent handles it and cancels what is queued,
    so an interrupted run prints one line, not a traceback per worker.  And a
    worker dies with its parent (:func:`_die_with_parent`).
    """
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _WORKER = Checker(options)


def _die_with_parent() -> None:
    """End this worker when the process that started it ends, however it ends.

    A parent killed by SIGKILL (or by SIGTERM before it could stop its pool)
    cannot tell its workers; they would wait for work forever, under PID 1.
    Linux sends this process SIGKILL when its parent dies; where it cannot, a
    thread checks twice a second whether the parent is still the one that
    started it (an orphan gets another).
    """
    parent = os.getppid()
    if not _parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent,), name="mocklint-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def _parent_death_signal() -> bool:
    """Ask Linux for SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``); whether it was granted."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)
    except (ImportError, OSError, AttributeError):  # no ctypes, no libc, no prctl
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    """Terminate the pool's workers now, dropping the files they are on (no
    public way before Python 3.14's ``terminate_workers``, which also shuts
    the pool down: not for a signal handler)."""
    for process in list((getattr(executor, "_processes", None) or {}).values()):
        process.terminate()


@contextlib.contextmanager
def _stopped_by_sigterm(executor: ProcessPoolExecutor) -> Iterator[None]:
    """While the pool works, SIGTERM terminates its workers at once and raises
    :class:`Terminated` in the main thread (``main`` exits 143), so that the
    command ends now, with its workers, instead of waiting for the files
    they are on.  Signal handlers belong to the main thread: elsewhere the
    workers still die with the process (:func:`_die_with_parent`)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        _stop_workers(executor)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


def _check_in_worker(task: Task) -> Outcome:
    assert _WORKER is not None, "worker initializer did not run"
    return _WORKER.check(task)


def run(
    tasks: Sequence[Task],
    options: Options,
    jobs: int,
    checker: Optional[Checker] = None,
    known: Optional[Sequence[Optional[Outcome]]] = None,
) -> Iterator[Outcome]:
    """Outcomes in the order of ``tasks``, whatever ``jobs`` is.

    ``executor.map`` keeps the input order, so ``-jN`` prints exactly what
    ``-j1`` prints.  A platform without working process pools (no ``sem_open``)
    falls back to one process with a warning instead of failing.  ``known``:
    the outcomes ``checker`` (this process's) already has from the cache, None
    for each task to lint.
    """
    checker = checker or Checker(options)
    if known is None:
        known = [checker.cached(task) for task in tasks] if jobs > 1 and len(tasks) > 1 else [None] * len(tasks)
    if jobs <= 1 or len(tasks) <= 1:
        for task, outcome in zip(tasks, known):
            yield outcome if outcome is not None else checker.check(task)
        return
    # what the cache answers needs no worker: an unchanged project starts none
    pending = [task for task, outcome in zip(tasks, known) if outcome is None]
    if len(pending) <= 1:
        yield from (outcome if outcome is not None else checker.check(task) for task, outcome in zip(tasks, known))
        return
    workers = min(jobs, len(pending))
    chunksize = max(1, min(32, len(pending) // (workers * 4)))
    executor: Optional[ProcessPoolExecutor] = None
    try:
        executor = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(options,))
        results = executor.map(_check_in_worker, pending, chunksize=chunksize)
    except (OSError, NotImplementedError, ImportError) as exc:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        _warn(f"cannot start worker processes ({exc}); linting in one process")
        yield from run(tasks, options, 1, checker, known)
        return
    try:
        with _stopped_by_sigterm(executor):
            for outcome in known:
                yield outcome if outcome is not None else next(results)
    finally:
        # Also on an early exit (Ctrl-C, a closed pipe, SIGTERM): drop the
        # queued files instead of linting them all before returning.
        executor.shutdown(wait=True, cancel_futures=True)


# -- the command line -------------------------------------------------------
def _jobs(value: str) -> int:
    if value.strip().lower() == "auto":
        return 0
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or 'auto', got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {number}")
    return number


def _cpu_count() -> int:
    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:  # pragma: no cover
            pass
    return os.cpu_count() or 1


COLOR_CHOICES = ("auto", "always", "never")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocklint",
        description="Find mock misuse and removed pytest APIs in Python test code.",
        epilog=(
            "Exit status: 0 no problems, 1 problems found, 2 usage or configuration error, "
            "missing path, or an internal error. Settings also come from [tool.mocklint] in the "
            "nearest pyproject.toml; command-line options win. `mocklint rule CODE` prints a rule's "
            "documentation (`mocklint rule --all` lists the rules). "
            "`mocklint lsp` runs the language server instead (the `lsp` extra); "
            "to lint a folder named rule or lsp, write ./rule or ./lsp."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to lint (default: .); folders are searched for *.py files; - reads stdin",
    )
    parser.add_argument("--version", action="version", version=f"mocklint {__version__}")
    parser.add_argument("--explain", metavar="CODE", help="print the documentation of a rule (code or name) and exit")
    selecting = parser.add_argument_group("rule selection")
    selecting.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="comma-separated code prefixes to report (default: MCK); replaces the config's select",
    )
    selecting.add_argument(
        "--extend-select",
        action="append",
        metavar="CODES",
        help="comma-separated code prefixes to report in addition to select",
    )
    selecting.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="comma-separated code prefixes not to report; replaces the config's ignore",
    )
    selecting.add_argument(
        "--disable-noqa",
        action="store_true",
        help="report problems even on lines with # noqa and in files with # flake8: noqa",
    )
    finding = parser.add_argument_group("files")
    finding.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERNS",
        help=(
            "comma-separated glob patterns of files and folders to skip while searching folders; "
            "replaces the default list and the config's exclude"
        ),
    )
    finding.add_argument(
        "--extend-exclude",
        action="append",
        metavar="PATTERNS",
        help="comma-separated glob patterns to skip in addition to the exclude list",
    )
    finding.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="skip what .gitignore files ignore while searching folders (default: on); files named are always linted",
    )
    finding.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the path to report (and to judge the file by) when reading stdin (-)",
    )
    reporting = parser.add_argument_group("output")
    reporting.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: text, or the config's format)",
    )
    reporting.add_argument(
        "--output-file", metavar="FILE", help="write the findings (or the document, or the diff) to FILE instead of stdout"
    )
    reporting.add_argument(
        "--show-source",
        action="store_true",
        help="text format: show each finding's line with a caret under it, then its detail, related places and fix",
    )
    reporting.add_argument(
        "--statistics", action="store_true", help="print the number of findings of each code instead of the findings"
    )
    reporting.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default="auto",
        help="colour the text output: auto (default) on a terminal unless NO_COLOR is set or FORCE_COLOR is",
    )
    reporting.add_argument("--exit-zero", action="store_true", help="exit 0 even when problems are found (2 stays 2)")
    reporting.add_argument(
        "--docs-base-url",
        metavar="URL",
        help="link rule pages as URL/RULE-NAME.md (JSON url, SARIF helpUri); default: the pages of the installed version",
    )
    setup = parser.add_argument_group("configuration and processes")
    setup.add_argument(
        "--config",
        metavar="FILE",
        help="read [tool.mocklint] from FILE instead of searching for pyproject.toml",
    )
    setup.add_argument(
        "--isolated",
        action="store_true",
        help="ignore all configuration files",
    )
    setup.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="number of processes to lint with (default: 1; 0 or 'auto': one per CPU)",
    )
    fixing = parser.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply the safe fixes rules offer, in place")
    fixing.add_argument(
        "--unsafe-fixes", action="store_true", help="with --fix or --diff, also apply fixes that may change behaviour"
    )
    fixing.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff and change nothing, even with --fix (exit 1 if any)",
    )
    caching = parser.add_argument_group("cache")
    caching.add_argument(
        "--no-cache", action="store_true", help=f"neither read nor write the result cache ({CACHE_DIR_NAME})"
    )
    caching.add_argument(
        "--cache-dir", metavar="DIR", help=f"where to keep the result cache (default: {CACHE_DIR_NAME} in the project root)"
    )
    return parser


def build_rule_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocklint rule",
        description="Print a rule's documentation page (Markdown), as the installed version has it.",
        epilog="To lint a folder named rule, run `mocklint ./rule`.",
    )
    parser.add_argument("rule", nargs="?", metavar="CODE", help="a rule's code (MCK201) or name (pytest-config-global)")
    parser.add_argument("--all", action="store_true", help="list every rule: code, name and summary")
    return parser


def _split(values: Optional[Iterable[str]]) -> Optional[Tuple[str, ...]]:
    """``["MCK2,MCK101", "MCK3"]`` -> ``("MCK2", "MCK101", "MCK3")``; ``None`` if unset."""
    if values is None:
        return None
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


def _check_codes(option: str, codes: Optional[Tuple[str, ...]]) -> None:
    for code in codes or ():
        if not CODE_PREFIX.match(code):
            raise UsageError(f"{option}: {code!r} is not a code prefix (expected something like MCK, MCK2 or MCK201)")


def _write(stream: IO[str], text: str) -> None:
    """Write, replacing what the stream's encoding cannot show instead of failing."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))


def _warn(message: str) -> None:
    _write(sys.stderr, f"mocklint: warning: {message}\n")


def _error(message: str) -> None:
    _write(sys.stderr, f"mocklint: error: {message}\n")


def use_color(choice: str, stream: Any) -> bool:
    """``--color``: ``always``/``never`` as said; ``auto`` colours a terminal,
    unless ``NO_COLOR`` is set (no-color.org), or anything when
    ``FORCE_COLOR`` is (both non-empty)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


@dataclass
class Settings:
    """The command line and the configuration, merged."""

    paths: Tuple[str, ...]
    selection: Selection
    excluder: Excluder
    format: str
    use_noqa: bool
    stdin_filename: Optional[str]
    jobs: int
    config: Config = field(default_factory=Config)
    cache_dir: Optional[str] = None
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    exit_zero: bool = False
    statistics: bool = False
    show_source: bool = False
    color: str = "auto"
    output_file: Optional[str] = None
    respect_gitignore: bool = True
    docs_base_url: Optional[str] = None
    per_file_ignores: Tuple[Tuple[ExcludePattern, Tuple[str, ...]], ...] = ()
    #: every code prefix given, with where it was given: each must match a rule (:func:`check_selectors`)
    selectors: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


def _default_cache_dir(root: str) -> Optional[str]:
    """``.mocklint_cache`` in the project root, or None (no cache, said once)
    when it is a symlink or leads out of the project: a cloned repository must
    not make mocklint write elsewhere.  ``--cache-dir`` chooses any folder."""
    directory = os.path.join(root, CACHE_DIR_NAME)
    why = refusal(directory, root)
    if why is None:
        return directory
    _warn(f"not using the cache folder {directory}: {why}; running without a cache (--cache-dir chooses one)")
    return None


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Merge the command line over the configuration file over the defaults."""
    paths: Tuple[str, ...] = tuple(args.paths)
    if not paths:
        paths = (STDIN,) if args.stdin_filename else (".",)
    if args.stdin_filename is not None and STDIN not in paths:
        raise UsageError("--stdin-filename needs - (stdin) among the paths")

    select = _split(args.select)
    extend_select = _split(args.extend_select)
    ignore = _split(args.ignore)
    _check_codes("--select", select)
    _check_codes("--extend-select", extend_select)
    _check_codes("--ignore", ignore)

    if args.isolated:
        config = Config(root=os.getcwd())
    elif args.config is not None:
        config = load_config(args.config)
    else:
        config = discover_config(paths, args.stdin_filename)

    cwd = os.getcwd()
    cli_exclude = _split(args.exclude)
    if cli_exclude is not None:
        patterns = [ExcludePattern.make(p, cwd) for p in cli_exclude]
    elif config.exclude is not None:
        patterns = [ExcludePattern.make(p, config.root) for p in config.exclude]
    else:
        patterns = [ExcludePattern.make(p, cwd) for p in DEFAULT_EXCLUDES]
    patterns += [ExcludePattern.make(p, config.root) for p in config.extend_exclude]
    patterns += [ExcludePattern.make(p, cwd) for p in _split(args.extend_exclude) or ()]

    where = f"{config.path}: [tool.mocklint]: " if config.path else ""
    selectors = [
        ("--select", select) if select is not None else (f"{where}`select`", config.select or ()),
        ("--ignore", ignore) if ignore is not None else (f"{where}`ignore`", config.ignore or ()),
        (f"{where}`extend-select`", config.extend_select),
        ("--extend-select", extend_select or ()),
        *((f"{where}`per-file-ignores` {glob!r}", codes) for glob, codes in config.per_file_ignores),
    ]
    base_select = select if select is not None else (config.select if config.select is not None else ("MCK",))
    selection = Selection(
        select=base_select + config.extend_select + (extend_select or ()),
        ignore=ignore if ignore is not None else (config.ignore or ()),
    )
    output_format = args.format or config.format or "text"
    if args.statistics and output_format not in ("text", "json"):
        raise UsageError(f"--statistics: the {output_format} format has no statistics (text or json has)")
    return Settings(
        paths=paths,
        selection=selection,
        excluder=Excluder(patterns),
        format=output_format,
        use_noqa=not args.disable_noqa,
        stdin_filename=args.stdin_filename,
        jobs=args.jobs if args.jobs > 0 else _cpu_count(),
        config=config,
        cache_dir=None if args.no_cache or (config.cache is False and not args.cache_dir) else (args.cache_dir or _default_cache_dir(config.root)),
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
        exit_zero=args.exit_zero,
        statistics=args.statistics,
        show_source=args.show_source,
        color=args.color,
        output_file=args.output_file,
        respect_gitignore=(
            args.respect_gitignore
            if args.respect_gitignore is not None
            else (config.respect_gitignore if config.respect_gitignore is not None else True)
        ),
        docs_base_url=args.docs_base_url or config.docs_base_url,
        per_file_ignores=tuple(
            (ExcludePattern.make(glob, config.root), codes) for glob, codes in config.per_file_ignores
        ),
        selectors=tuple((source, codes) for source, codes in selectors if codes),
    )


def check_selectors(settings: Settings) -> None:
    """A usage error for a code prefix that matches no rule (``MCK9``, ``MKC``),
    naming the close ones: it would select or ignore nothing, silently.
    Imports the rules, so :func:`lint` calls it only when some file is linted
    (a run the cache answers whole was checked by the run that filled it)."""
    from mocklint.diagnostic import INTERNAL_ERROR_CODE
    from mocklint.registry import ALL_RULES

    codes = [INTERNAL_ERROR_CODE, *(rule.code for rule in ALL_RULES)]
    for source, prefixes in settings.selectors:
        for prefix, close in unknown_prefixes(prefixes, codes):
            hint = f"did you mean {_either(close)}?" if close else "mocklint's codes start with MCK"
            raise UsageError(f"{source}: {prefix!r} matches no rule code ({hint} `mocklint rule --all` lists them)")


def _either(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _tasks(files: Sequence[str], stdin_filename: Optional[str]) -> List[Task]:
    tasks = []
    for path in files:
        if path == STDIN:
            data = read_stdin_bytes()
            display = os.path.normpath(stdin_filename) if stdin_filename else STDIN_DISPLAY
            tasks.append(Task(display, stdin_filename, data))
        else:
            tasks.append(Task(path, path))
    return tasks


def _project_roots(settings: Settings) -> Tuple[str, ...]:
    """The real project roots (:func:`mocklint.fixes.project_root`) of the
    paths given: a file reached through a symlink to elsewhere is not fixed."""
    from mocklint.fixes import project_root

    folders = []
    for path in settings.paths:
        if path == STDIN:
            folders.append(os.path.dirname(os.path.abspath(settings.stdin_filename or os.path.join(os.curdir, STDIN))))
        else:
            folders.append(path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path)))
    return tuple(sorted({project_root(folder) for folder in folders}))


def _source_of(task: Task) -> Optional[str]:
    """The text of ``task`` as the rules saw it, for ``--show-source``."""
    try:
        return decode_source(task.data if task.data is not None else read_bytes(task.display))
    except SourceError:
        return None


@contextlib.contextmanager
def _output(path: Optional[str]) -> Iterator[IO[str]]:
    """Where the findings go: stdout, or ``--output-file`` (UTF-8, written as
    the run goes, so that a long run shows progress there too)."""
    if path is None:
        yield sys.stdout
        return
    try:
        stream = open(path, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"--output-file: cannot write {path}: {exc.strerror or exc}") from None
    with stream:
        yield stream


def lint(settings: Settings) -> int:
    """Lint and report; returns the exit status."""
    if settings.unsafe_fixes and not settings.fixing:
        _warn("--unsafe-fixes fixes nothing without --fix or --diff (it only counts unsafe fixes as fixable)")
    if settings.show_source and settings.format != "text":
        _warn(f"--show-source applies to the text format only, not {settings.format}")
    found = discover(settings.paths, settings.excluder, settings.respect_gitignore)
    tasks = _tasks(found.files, settings.stdin_filename)
    options = Options(
        settings.selection,
        settings.use_noqa,
        settings.cache_dir,
        settings.fix,
        settings.unsafe_fixes,
        settings.diff,
        _project_roots(settings) if settings.fixing else (),
        settings.per_file_ignores,
    )
    checker = Checker(options)
    known = [checker.cached(task) for task in tasks]
    if not tasks or None in known:
        check_selectors(settings)
    with _output(settings.output_file) as stream:
        outcomes = run(tasks, options, settings.jobs, checker, known)
        return _report(settings, found, outcomes, {task.display: task for task in tasks}, stream)


def _report(
    settings: Settings, found: Discovery, outcomes: Iterable[Outcome], tasks: Dict[str, Task], stream: IO[str]
) -> int:
    for missing in found.missing:
        _error(f"path not found: {missing}")
    for note in found.notes:
        _write(sys.stderr, note.line() + "\n")
    if not found.files and not found.missing:
        _warn("no Python files found")

    style = output.Style(use_color(settings.color, stream))
    summary_style = output.Style(use_color(settings.color, sys.stderr))
    streaming = settings.format in output.LINE_FORMATS and not settings.statistics
    diagnostics: List[Diagnostic] = []
    notes: List[Note] = list(found.notes)
    files_checked = 0
    internal_error = False
    fixed = 0
    for outcome in outcomes:
        fixed += outcome.fixed
        if settings.diff:
            if outcome.diff:
                _write(stream, outcome.diff)
            diagnostics.extend(outcome.diagnostics)
            continue
        for note in outcome.notes:
            _write(sys.stderr, note.line() + "\n")
        notes.extend(outcome.notes)
        files_checked += outcome.checked
        internal_error = internal_error or outcome.internal_error
        diagnostics.extend(outcome.diagnostics)
        if streaming and outcome.diagnostics:
            _write(stream, _lines(settings, outcome, tasks.get(outcome.display), style))
            stream.flush()

    docs = _docs(settings)
    if settings.statistics:
        rows = output.statistics(diagnostics, settings.unsafe_fixes)
        text = output.dumps({"statistics": rows}) if settings.format == "json" else output.statistics_text(rows, style)
        _write(stream, text)
    elif settings.format == "json":
        _write(stream, output.dumps(output.json_document(diagnostics, files_checked, docs)))
    elif settings.format == "sarif":
        successful = not internal_error and not found.missing
        _write(stream, output.dumps(output.sarif_document(diagnostics, notes, successful, docs=docs)))
    stream.flush()
    _summarize(settings, diagnostics, files_checked, fixed, summary_style)

    if found.missing or internal_error:
        return EXIT_ERROR
    if settings.exit_zero:
        return EXIT_CLEAN
    if settings.diff:
        return EXIT_FINDINGS if fixed else EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics else EXIT_CLEAN


def _lines(settings: Settings, outcome: Outcome, task: Optional[Task], style: output.Style) -> str:
    """The findings of one file in a line format, each with its source under ``--show-source``."""
    if settings.format != "text":
        return "".join(output.LINE_FORMATS[settings.format](d) + "\n" for d in outcome.diagnostics)
    if not settings.show_source:
        return "".join(output.text_line(d, style) + "\n" for d in outcome.diagnostics)
    source = _source_of(task) if task is not None else None
    return "".join(output.text_line(d, style) + "\n" + output.source_block(d, source, style) for d in outcome.diagnostics)


def _docs(settings: Settings) -> output.Docs:
    """Rule page links for JSON and SARIF (:class:`mocklint.rule_docs.DocsPages`)."""
    from mocklint.rule_docs import DocsPages

    return DocsPages(settings.docs_base_url)


def _summarize(settings: Settings, diagnostics: Sequence[Diagnostic], files_checked: int, fixed: int, style: output.Style) -> None:
    """What a person reads on stderr after the findings (text format): ruff's lines."""
    hidden = sum(d.fix is not None and not output.applicable(d.fix, settings.unsafe_fixes) for d in diagnostics)
    if settings.fixing:
        found = output.summary(diagnostics) if settings.format == "text" and not settings.diff else None
        lines = [found, output.fixed_summary(fixed, hidden, settings.diff)]
        _write(sys.stderr, "".join(f"{line}\n" for line in lines if line))
        return
    if settings.format != "text":
        return
    if diagnostics:
        lines = [output.summary(diagnostics), output.fix_hint(diagnostics, settings.unsafe_fixes)]
        _write(sys.stderr, "".join(f"{line}\n" for line in lines if line))
    elif files_checked:
        _write(sys.stderr, style(output.all_passed(files_checked), "green", "bold") + "\n")


LSP_MIN_PYGLS = (1, 3)


def _lsp_missing() -> Optional[str]:
    """Why ``mocklint lsp`` cannot start here, or None."""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover
        return None
    try:
        found = version("pygls")
        import lsprotocol  # noqa: F401
        import pygls  # noqa: F401
    except (PackageNotFoundError, ImportError):
        return "pygls is not installed"
    numbers = tuple(int(part) for part in found.split(".")[:2] if part.isdigit())
    if numbers < LSP_MIN_PYGLS:
        return f"pygls {found} is installed, and {'.'.join(map(str, LSP_MIN_PYGLS))} or later is needed"
    return None


def lsp_install_target(installed: Optional[Any]) -> str:
    """What ``pip install`` takes to add the ``lsp`` extra to this installation
    of mocklint, shell-quoted, the way it was installed (PEP 610's
    ``direct_url.json`` of the distribution ``installed``): its checkout
    (``'/path/to/mocklint[lsp]'``, after ``-e`` when editable) or its git URL
    (``'mocklint[lsp] @ git+URL@TAG'``), as the README's install routes name
    them.  mocklint is on no public package index, so ``'mocklint[lsp]'`` alone
    fails; when the route is unknown (an index, a checkout since moved or
    deleted) the extra's own requirements (``'pygls>=1.3'``) work whatever it was."""
    import json
    import re
    import shlex
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    try:
        record = json.loads((installed.read_text("direct_url.json") if installed is not None else None) or "null")
    except ValueError:
        record = None
    url = record.get("url") if isinstance(record, dict) else None
    if isinstance(url, str):
        vcs = record.get("vcs_info")
        if isinstance(vcs, dict) and isinstance(vcs.get("vcs"), str):
            revision = vcs.get("requested_revision") or vcs.get("commit_id")
            return shlex.quote(f"mocklint[lsp] @ {vcs['vcs']}+{url}" + (f"@{revision}" if revision else ""))
        folder = url2pathname(urlparse(url).path) if url.startswith("file:") else ""
        if "dir_info" in record and folder and os.path.isfile(os.path.join(folder, "pyproject.toml")):
            editable = isinstance(record["dir_info"], dict) and record["dir_info"].get("editable") is True
            return ("-e " if editable else "") + shlex.quote(f"{folder}[lsp]")
        if "archive_info" in record:
            return shlex.quote(f"mocklint[lsp] @ {url}")
    in_extra = re.compile(r"""\bextra\s*==\s*["']lsp["']""")
    extra = [
        requirement.split(";", 1)[0].strip()
        for requirement in ((installed.requires or []) if installed is not None else [])
        if ";" in requirement and in_extra.search(requirement.split(";", 1)[1])
    ]
    minimum = ".".join(map(str, LSP_MIN_PYGLS))
    return " ".join(shlex.quote(requirement) for requirement in extra or [f"pygls>={minimum}"])


def lsp_command(argv: Sequence[str]) -> int:
    """``mocklint lsp``: the language server (``mocklint.lsp``), if its extra is installed."""
    parser = argparse.ArgumentParser(
        prog="mocklint lsp",
        description=(
            "Run mocklint's language server on stdin/stdout (the Language Server Protocol): an editor starts "
            "this command. Needs the `lsp` extra (pygls 1.3 or later): from a checkout, "
            "python -m pip install '.[lsp]'; without it, this command prints the install for this environment."
        ),
        epilog="To lint a folder named lsp, run `mocklint ./lsp`.",
    )
    parser.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the only transport")
    try:
        parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    missing = _lsp_missing()
    if missing is not None:
        from importlib.metadata import PackageNotFoundError, distribution

        try:
            installed: Optional[Any] = distribution("mocklint")
        except PackageNotFoundError:  # run from a source tree on sys.path
            installed = None
        _error(
            f"`mocklint lsp` needs the `lsp` extra ({missing} in the environment of {sys.executable}); "
            f"install it with: {sys.executable} -m pip install {lsp_install_target(installed)}"
        )
        return EXIT_ERROR
    if sys.stdin is not None and sys.stdin.isatty():
        hint = "; to lint the folder lsp, run `mocklint ./lsp`" if os.path.isdir("lsp") else ""
        _write(sys.stderr, f"mocklint lsp: a language server speaking on stdin/stdout, for an editor to start{hint}\n")
    from mocklint.lsp import main as serve

    try:
        return serve(argv)
    except KeyboardInterrupt:
        return 130


def rule_command(argv: Sequence[str]) -> int:
    """``mocklint rule CODE`` (or a name), ``mocklint rule --all``."""
    parser = build_rule_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    if args.all:
        from mocklint.rule_docs import rules_list

        _write(sys.stdout, rules_list())
        return EXIT_CLEAN
    if args.rule is None:
        parser.print_usage(sys.stderr)
        _error("name a rule (mocklint rule MCK201), or list them with mocklint rule --all")
        return EXIT_ERROR
    return explain(args.rule)


def explain(query: str) -> int:
    """Print the page of the rule ``query`` names (``--explain``, ``mocklint rule``):
    rendered from the installed rule, so a pip install has every page."""
    from mocklint.rule_docs import close_rules, find_rule, rule_page

    rule = find_rule(query)
    if rule is None:
        close = close_rules(query)
        hint = f"did you mean {_either(close)}?" if close else "`mocklint rule --all` lists the rules"
        _error(f"no rule is called {query!r} ({hint})")
        return EXIT_ERROR
    _write(sys.stdout, rule_page(rule, source_note=False))
    return EXIT_CLEAN


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``mocklint`` console script; returns the exit status, never raises.

    argparse's own exits (``--help``, ``--version``, usage errors) become
    return values too, so callers embedding the CLI get an ``int`` back.
    ``mocklint lsp ...`` runs the language server instead (a folder named
    ``lsp`` is linted with ``mocklint ./lsp``).
    """
    arguments = list(argv) if argv is not None else sys.argv[1:]
    if arguments[:1] == ["lsp"]:
        return lsp_command(arguments[1:])
    if arguments[:1] == ["rule"]:
        return rule_command(arguments[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    if args.explain is not None:
        return explain(args.explain)
    try:
        return lint(resolve_settings(args))
    except (UsageError, ConfigError) as exc:
        _error(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _write(sys.stderr, "mocklint: interrupted\n")
        return 130
    except Terminated:
        return 128 + signal.SIGTERM
    except BrokenPipeError:
        # The reader went away (`mocklint | head`): stop quietly, and keep
        # Python from complaining again when it flushes stdout at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return EXIT_FINDINGS
    except Exception as exc:  # noqa: BLE001 - the promise: never a traceback
        summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:300] if str(exc) else type(exc).__name__
        _error(f"unexpected failure ({summary}); please report it")
        return EXIT_ERROR


# -- the reference ------------------------------------------------------------------
OPTIONS_PAGE_NOTE = "<!-- GENERATED from mocklint.cli.options_reference by scripts/generate_docs.py: do not edit -->"


def _names(action: argparse.Action) -> str:
    """``-j N``, ``--jobs N``, ``--color {auto,always,never}``, ``PATH``, as Markdown."""
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    value = action.metavar or ("{" + ",".join(action.choices) + "}" if action.choices else "")
    return ", ".join(f"`{name}{' ' + value if value else ''}`" for name in action.option_strings)


def _cell(text: Optional[str]) -> str:
    return (text or "").replace("|", "\\|").replace("%%", "%")


def options_reference() -> str:
    """docs/options.md: every option of ``mocklint``, ``mocklint rule`` and
    ``mocklint lsp``, and every key of ``[tool.mocklint]``, from the argparse
    parsers and :data:`mocklint.config.KEYS` themselves."""
    keys = {key.option: key.name for key in KEYS if key.option}
    out = [
        OPTIONS_PAGE_NOTE,
        "# Options and configuration",
        "",
        "Every option of the `mocklint` command and every key of `[tool.mocklint]` in",
        "`pyproject.toml`. Command-line options win over the file, the file over the",
        "defaults. `mocklint --help` says the same; docs/output-formats.md describes",
        "the output formats, the exit status and which files are linted.",
        "",
    ]
    parser = build_parser()
    # argparse names its own two groups differently from one Python to the next
    titles = {id(parser._positionals): "Arguments", id(parser._optionals): "General"}
    out.append("## `mocklint [OPTIONS] [PATH ...]`")
    for group in parser._action_groups:
        actions = [a for a in group._group_actions if not isinstance(a, argparse._HelpAction)]
        if not actions:
            continue
        title = titles.get(id(group)) or (group.title or "").capitalize()
        out += ["", f"### {title}", "", "| Option | `[tool.mocklint]` key | Meaning |", "| --- | --- | --- |"]
        for action in actions:
            key = next((f"`{k}`" for option, k in keys.items() if option in action.option_strings), "")
            out.append(f"| {_names(action)} | {key} | {_cell(action.help)} |")
    rule_parser = build_rule_parser()
    out += ["", "## `mocklint rule`", "", rule_parser.description or "", "", "| Argument | Meaning |", "| --- | --- |"]
    out += [
        f"| {_names(action)} | {_cell(action.help)} |"
        for action in rule_parser._actions
        if not isinstance(action, argparse._HelpAction)
    ]
    out += [
        "",
        "## `mocklint lsp`",
        "",
        "The language server, for editors (the `lsp` extra); its settings are described in the README.",
        "",
        "## `[tool.mocklint]`",
        "",
        "| Key | Type | Default | Option | Meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    kinds = {
        "codes": "list of code prefixes",
        "globs": "list of glob patterns",
        "strings": "list of strings",
        "choice": " or ".join(f'`"{name}"`' for name in FORMATS),
        "per-file-ignores": "table: glob = list of code prefixes",
        "bool": "boolean",
        "url": "string (URL)",
    }
    for key in KEYS:
        option = f"`{key.option}`" if key.option else ""
        default = key.default if " " in key.default else f"`{key.default}`"
        out.append(f"| `{key.name}` | {kinds[key.kind]} | {default} | {option} | {_cell(key.help)} |")
    return "\n".join(out) + "\n"
