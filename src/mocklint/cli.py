"""The ``mocklint`` command: find files, lint them, filter ``# noqa``, report.

The command is a thin shell around :class:`mocklint.engine.Engine`: it owns
everything the engine deliberately does not (files, encodings, configuration,
``# noqa``, output formats, exit status) so that the engine stays usable from
flake8 and from tests as a pure function of source text.

Exit status (documented in docs/output-formats.md): 0 nothing found, 1
findings, 2 usage or configuration error, a missing path, or mocklint failing
on some file.  Bad input never produces a traceback: every failure is one line
on stderr.
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

from mocklint import __version__, output
from mocklint.analysis import reads
from mocklint.cache import CACHE_DIR_NAME, ResultCache, refusal, settings_key
from mocklint.config import (
    CODE_PREFIX,
    FORMATS,
    Config,
    ConfigError,
    discover_config,
    load_config,
)
from mocklint.diagnostic import Diagnostic, Related
from mocklint.files import (
    DEFAULT_EXCLUDES,
    STDIN,
    ExcludePattern,
    Excluder,
    Note,
    SourceError,
    decode_source,
    discover,
    read_bytes,
    read_stdin_bytes,
    source_encoding,
    to_posix,
)
from mocklint.noqa import filter_diagnostics
from mocklint.settings import Selection

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
        diagnostics = tuple(_stored_diagnostic(display, values) for values in _list(stored["diagnostics"]))
        notes = tuple(Note(display, *_typed(values, (str, str))) for values in _list(stored["notes"]))
        return cls(display, diagnostics, notes, checked=stored["checked"])


#: line, column, code, message, end line, end column, name, detail, related: as Outcome.to_json stores a Diagnostic
_DIAGNOSTIC_TYPES = (int, int, str, str, int, int, str, str, list)
#: path, line, column, message: as Outcome.to_json stores a Related
_RELATED_TYPES = (str, int, int, str)


def _stored_diagnostic(display: str, values: Any) -> Diagnostic:
    """The Diagnostic :meth:`Outcome.to_json` stored as ``values``; ``ValueError`` for any other shape."""
    *fields, detail, related = _typed(values, _DIAGNOSTIC_TYPES)
    return Diagnostic(
        display,
        *fields,
        detail=detail,
        related=tuple(Related(*_typed(r, _RELATED_TYPES)) for r in related),
    )


def _list(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {type(value).__name__}")
    return value


def _typed(values: Any, types: Tuple[type, ...]) -> List[Any]:
    """``values``, a list of exactly ``types`` (a bool is not an int here)."""
    if len(_list(values)) != len(types) or any(type(v) is not t for v, t in zip(values, types)):
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

    @property
    def fixing(self) -> bool:
        return self.fix or self.diff


class Checker:
    """Reads, lints and noqa-filters files; one per process, built once."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self._engine: Optional["Engine"] = None
        self.use_noqa = options.use_noqa
        self.cache: Optional[ResultCache] = None
        if options.cache_dir is not None and not options.fixing:
            key = settings_key((*options.selection.select, "|", *options.selection.ignore, str(options.use_noqa)))
            cache = ResultCache(options.cache_dir, key)
            self.cache = cache if cache.prepare() else None

    @property
    def engine(self) -> "Engine":
        """The engine, imported and built on first use: a run the cache
        answers whole never imports libcst (a third of a second)."""
        if self._engine is None:
            from mocklint.engine import Engine

            self._engine = Engine(self.options.selection)
        return self._engine

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
        with reads.recording(cache.stamps) as dependencies:
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
        fixed = fix_source(self.engine, original, task.engine_path, unsafe=self.options.unsafe_fixes, others=others)
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
        result = self.engine.lint(source, task.engine_path)
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


def run(tasks: Sequence[Task], options: Options, jobs: int) -> Iterator[Outcome]:
    """Outcomes in the order of ``tasks``, whatever ``jobs`` is.

    ``executor.map`` keeps the input order, so ``-jN`` prints exactly what
    ``-j1`` prints.  A platform without working process pools (no ``sem_open``)
    falls back to one process with a warning instead of failing.
    """
    if jobs <= 1 or len(tasks) <= 1:
        checker = Checker(options)
        for task in tasks:
            yield checker.check(task)
        return
    # what the cache answers needs no worker: an unchanged project starts none
    checker = Checker(options)
    known = [checker.cached(task) for task in tasks]
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
        yield from run(tasks, options, 1)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mocklint",
        description="Find mock misuse and removed pytest APIs in Python test code.",
        epilog=(
            "Exit status: 0 no problems, 1 problems found, 2 usage or configuration error, "
            "missing path, or an internal error. Settings also come from [tool.mocklint] in the "
            "nearest pyproject.toml; command-line options win. See docs/output-formats.md. "
            "`mocklint lsp` runs the language server instead (the `lsp` extra)."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to lint (default: .); folders are searched for *.py files; - reads stdin",
    )
    parser.add_argument("--version", action="version", version=f"mocklint {__version__}")
    parser.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="comma-separated code prefixes to report (default: MCK); replaces the config's select",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="comma-separated code prefixes not to report; replaces the config's ignore",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="PATTERNS",
        help=(
            "comma-separated glob patterns of files and folders to skip while searching folders; "
            "replaces the default list and the config's exclude"
        ),
    )
    parser.add_argument(
        "--extend-exclude",
        action="append",
        metavar="PATTERNS",
        help="comma-separated glob patterns to skip in addition to the exclude list",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: text, or the config's format)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="read [tool.mocklint] from FILE instead of searching for pyproject.toml",
    )
    parser.add_argument(
        "--isolated",
        action="store_true",
        help="ignore all configuration files",
    )
    parser.add_argument(
        "--disable-noqa",
        action="store_true",
        help="report problems even on lines with # noqa and in files with # flake8: noqa",
    )
    parser.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the path to report (and to judge the file by) when reading stdin (-)",
    )
    parser.add_argument(
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
        "--diff", action="store_true", help="print the fixes as a unified diff and change nothing (exit 1 if any)"
    )
    caching = parser.add_argument_group("cache")
    caching.add_argument(
        "--no-cache", action="store_true", help=f"neither read nor write the result cache ({CACHE_DIR_NAME})"
    )
    caching.add_argument(
        "--cache-dir", metavar="DIR", help=f"where to keep the result cache (default: {CACHE_DIR_NAME} in the project root)"
    )
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
    ignore = _split(args.ignore)
    _check_codes("--select", select)
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

    selection = Selection(
        select=select if select is not None else (config.select if config.select is not None else ("MCK",)),
        ignore=ignore if ignore is not None else (config.ignore or ()),
    )
    return Settings(
        paths=paths,
        selection=selection,
        excluder=Excluder(patterns),
        format=args.format or config.format or "text",
        use_noqa=not args.disable_noqa,
        stdin_filename=args.stdin_filename,
        jobs=args.jobs if args.jobs > 0 else _cpu_count(),
        config=config,
        cache_dir=None if args.no_cache else (args.cache_dir or _default_cache_dir(config.root)),
        fix=args.fix,
        unsafe_fixes=args.unsafe_fixes,
        diff=args.diff,
    )


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


def lint(settings: Settings) -> int:
    """Lint and report; returns the exit status."""
    found = discover(settings.paths, settings.excluder)
    for missing in found.missing:
        _error(f"path not found: {missing}")
    for note in found.notes:
        _write(sys.stderr, note.line() + "\n")
    if not found.files and not found.missing:
        _warn("no Python files found")

    line_format = output.LINE_FORMATS.get(settings.format)
    diagnostics: List[Diagnostic] = []
    notes: List[Note] = list(found.notes)
    files_checked = 0
    internal_error = False
    tasks = _tasks(found.files, settings.stdin_filename)
    options = Options(
        settings.selection,
        settings.use_noqa,
        settings.cache_dir,
        settings.fix,
        settings.unsafe_fixes,
        settings.diff,
        _project_roots(settings) if settings.fix or settings.diff else (),
    )
    fixed = 0
    for outcome in run(tasks, options, settings.jobs):
        fixed += outcome.fixed
        if settings.diff:
            if outcome.diff:
                _write(sys.stdout, outcome.diff)
            continue
        for note in outcome.notes:
            _write(sys.stderr, note.line() + "\n")
        notes.extend(outcome.notes)
        files_checked += outcome.checked
        internal_error = internal_error or outcome.internal_error
        diagnostics.extend(outcome.diagnostics)
        if line_format is not None and outcome.diagnostics:
            _write(sys.stdout, "".join(line_format(d) + "\n" for d in outcome.diagnostics))
            sys.stdout.flush()

    if settings.format == "json":
        _write(sys.stdout, output.dumps(output.json_document(diagnostics, files_checked)))
    elif settings.format == "sarif":
        successful = not internal_error and not found.missing
        _write(sys.stdout, output.dumps(output.sarif_document(diagnostics, notes, successful)))
    elif settings.format == "text" and not settings.diff:
        message = output.summary(diagnostics)
        if message:
            _write(sys.stderr, message + "\n")
    if settings.fix and fixed:
        _write(sys.stderr, f"Fixed {fixed} problem{'s' if fixed != 1 else ''}.\n")
    sys.stdout.flush()

    if found.missing or internal_error:
        return EXIT_ERROR
    if settings.diff:
        return EXIT_FINDINGS if fixed else EXIT_CLEAN
    return EXIT_FINDINGS if diagnostics else EXIT_CLEAN


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


def lsp_command(argv: Sequence[str]) -> int:
    """``mocklint lsp``: the language server (``mocklint.lsp``), if its extra is installed."""
    parser = argparse.ArgumentParser(
        prog="mocklint lsp",
        description=(
            "Run mocklint's language server on stdin/stdout (the Language Server Protocol): an editor starts "
            "this command. Needs the `lsp` extra: python -m pip install 'mocklint[lsp]'."
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
        _error(
            f"`mocklint lsp` needs the `lsp` extra ({missing} in the environment of {sys.executable}); "
            f"install it with: {sys.executable} -m pip install 'mocklint[lsp]'"
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
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
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
