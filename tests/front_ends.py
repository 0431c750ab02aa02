"""The ``mocklint`` command and flake8, run in this process or in a new one.

A new ``python -m mocklint`` or ``python -m flake8`` costs about a second of
processor time (the interpreter, libcst, the rules, the project model of the
installed plugins) before it reads the first file: far more than the few small
files of a test.  What most tests check -- what the front ends do with files,
options, configuration and bad input -- does not need a process of its own, so
they run over ``MODES``:

- ``IN_PROCESS`` (the everyday set): ``mocklint.cli.main`` or
  ``flake8.main.cli.main`` in this process, from what a new process starts
  with: the current folder, standard input, standard output and error (bytes,
  encoded as this process's own), Python's default warning filters with
  warnings printed to that standard error (so a stray warning shows as it
  would), mocklint's project model emptied, and flake8's standard input and
  the options it set on mocklint's plugin forgotten afterwards.  flake8 runs
  serially unless the test gives ``--jobs``: its workers would be forks of the
  test process.
- ``FORKED`` (the everyday set, for what may hang or exhaust memory): the
  same, in a child forked from this process (already past the imports) in a
  session of its own, with the resource limits a test sets, killed with its
  group after the timeout: a hang fails the test instead of the test run.
- ``SUBPROCESS`` (marked ``slow``, run by ``.ci/run``): the real
  ``python -m mocklint`` / ``python -m flake8`` with a timeout, as the tests
  ran before; what only a process of its own shows (a crash that kills it, a
  hang, ``--jobs`` workers, the warnings and imports of a real start-up) is
  checked there, and by the tests that always start one.

The result is a ``subprocess.CompletedProcess`` with ``stdout`` and ``stderr``
as bytes in every mode.
"""

from __future__ import annotations

import contextlib
import functools
import io
import locale
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Callable, Dict, Iterator, NoReturn, Optional, Sequence, Tuple

import pytest

IN_PROCESS = "in-process"
FORKED = "forked"
SUBPROCESS = "subprocess"
#: what a test of a front end is parametrized over: the in-process run is the everyday one
MODES = [IN_PROCESS, pytest.param(SUBPROCESS, marks=pytest.mark.slow)]
#: the same for a test of something that may hang or exhaust memory (a bound is checked)
ISOLATED_MODES = [FORKED, pytest.param(SUBPROCESS, marks=pytest.mark.slow)]

#: a new interpreter's warning filters (``python -c "import warnings; print(warnings.filters)"``,
#: the same from 3.10 to 3.13), without ``-W`` or ``PYTHONWARNINGS``
_FRESH_FILTERS: Sequence[Tuple[str, type, str]] = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def run(
    program: str,
    args: Sequence[str],
    cwd: Path,
    stdin: bytes = b"",
    timeout: float = 120,
    mode: str = SUBPROCESS,
    limits: Optional[Callable[[], None]] = None,
) -> "subprocess.CompletedProcess[bytes]":
    """``python -m <program> <args>`` (``program`` is ``mocklint`` or ``flake8``) in
    ``cwd``.  A process of its own is killed after ``timeout`` seconds
    (``subprocess.TimeoutExpired``); ``limits`` is called in it before the
    program starts (to set resource limits), and with it the process runs in a
    session of its own, killed with its group.  In this process there is no bound."""
    if mode == SUBPROCESS or (mode == FORKED and not hasattr(os, "fork")):  # no fork (Windows): a new process
        return _subprocess([sys.executable, "-m", program, *args], cwd, stdin, timeout, limits)
    main = {"mocklint": _mocklint_main, "flake8": _flake8_main}[program]
    if mode == FORKED:
        return _forked(program, main, args, cwd, stdin, timeout, limits)
    assert mode == IN_PROCESS and limits is None, (mode, limits)
    with _fresh_process(cwd, stdin) as (out, err):
        status = main(list(args))
    return subprocess.CompletedProcess([program, *args], status, out.getvalue(), err.getvalue())


def _subprocess(
    command: Sequence[str], cwd: Path, stdin: bytes, timeout: float, limits: Optional[Callable[[], None]]
) -> "subprocess.CompletedProcess[bytes]":
    if limits is None:
        return subprocess.run(list(command), cwd=cwd, input=stdin, capture_output=True, timeout=timeout)
    with subprocess.Popen(
        list(command),
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=limits,
    ) as proc:
        try:
            out, err = proc.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    return subprocess.CompletedProcess(list(command), proc.returncode, out, err)


def _forked(
    program: str,
    main: Callable[[Sequence[str]], int],
    args: Sequence[str],
    cwd: Path,
    stdin: bytes,
    timeout: float,
    limits: Optional[Callable[[], None]],
) -> "subprocess.CompletedProcess[bytes]":
    """``main(args)`` in a forked child, its standard streams in files (no pipe
    to fill); the child's exit status, or minus the signal that ended it."""
    _prepare_to_fork()
    with tempfile.TemporaryDirectory(prefix="mocklint-forked-") as folder:
        paths = [os.path.join(folder, name) for name in ("stdin", "stdout", "stderr")]
        with open(paths[0], "wb") as handle:
            handle.write(stdin)
        with warnings.catch_warnings():
            # 3.12+: "this process is multi-threaded, use of fork() may lead to deadlocks in the
            # child"; the child only runs mocklint's single-threaded code, on streams of its own
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            _child(main, args, cwd, paths, limits)
        deadline = time.monotonic() + timeout
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise subprocess.TimeoutExpired([program, *args], timeout)
            time.sleep(0.005)
        with open(paths[1], "rb") as out, open(paths[2], "rb") as err:
            output, errors = out.read(), err.read()
    returncode = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
    return subprocess.CompletedProcess([program, *args], returncode, output, errors)


@functools.lru_cache(maxsize=1)
def _prepare_to_fork() -> None:
    """Do here, once, what every child would do again before its first finding
    (the point of forking): the imports, and what the project model reads of
    the environment (pytest's own fixtures and the installed plugins', read
    from their sources), by linting a test that requests a fixture nobody defines."""
    import libcst  # noqa: F401 - the engine imports it when a file reaches the parse
    from flake8.main import cli  # noqa: F401

    from mocklint import cli as mocklint_cli, flake8_plugin  # noqa: F401
    from mocklint.analysis.pytest_model import project
    from mocklint.engine import Engine

    with tempfile.TemporaryDirectory(prefix="mocklint-warm-") as folder:
        with open(os.path.join(folder, "pytest.ini"), "w", encoding="utf-8") as handle:
            handle.write("[pytest]\n")
        Engine().lint("def test_warm(no_such_fixture):\n    pass\n", os.path.join(folder, "test_warm.py"))
    project.clear_caches()


def _child(
    main: Callable[[Sequence[str]], int],
    args: Sequence[str],
    cwd: Path,
    paths: Sequence[str],
    limits: Optional[Callable[[], None]],
) -> NoReturn:  # pragma: no cover - runs in the child
    status = 70  # EX_SOFTWARE: the child failed before main returned
    try:
        os.setsid()
        written = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
        for fd, (path, flags) in enumerate(zip(paths, (os.O_RDONLY, written, written))):
            os.dup2(os.open(path, flags, 0o600), fd)
        if limits is not None:
            limits()
        with _fresh_process(cwd, os.fdopen(0, "rb", closefd=False).read()) as (out, err):
            try:
                status = main(list(args))
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                with open(1, "wb", closefd=False) as stdout, open(2, "wb", closefd=False) as stderr:
                    stdout.write(out.getvalue())
                    stderr.write(err.getvalue())
    except BaseException:  # noqa: BLE001 - as an uncaught exception would end a process
        with contextlib.suppress(BaseException):
            os.write(2, traceback.format_exc().encode("utf-8", "backslashreplace"))
    finally:
        os._exit(status)


def _mocklint_main(args: Sequence[str]) -> int:
    from mocklint import cli

    return cli.main(args)


def _flake8_main(args: Sequence[str]) -> int:
    from flake8 import utils
    from flake8.main import cli

    from mocklint.flake8_plugin import Plugin

    serial = [] if any(a == "-j" or a.startswith(("--jobs", "-j")) for a in args) else ["--jobs=1"]
    utils.stdin_get_value.cache_clear()  # flake8 reads stdin once per process
    options = _class_state(Plugin)  # what flake8's options set on the plugin for this run only
    try:
        return _exit_status(cli.main, [*serial, *args])
    finally:
        utils.stdin_get_value.cache_clear()
        for name in set(_class_state(Plugin)) - set(options):
            delattr(Plugin, name)
        for name, value in options.items():
            setattr(Plugin, name, value)


def _class_state(cls: type) -> Dict[str, object]:
    """The data attributes of ``cls`` (its methods and dunders aside)."""
    return {
        name: value
        for name, value in vars(cls).items()
        if not name.startswith("__") and not callable(value) and not isinstance(value, (classmethod, staticmethod))
    }


def _exit_status(main: Callable[[Sequence[str]], Optional[int]], args: Sequence[str]) -> int:
    """What the process would exit with: ``main``'s value, or its ``SystemExit``."""
    try:
        status = main(args)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) or exc.code is None else 1
    return 0 if status is None else status


@contextlib.contextmanager
def _fresh_process(cwd: Path, stdin: bytes) -> Iterator[Tuple[io.BytesIO, io.BytesIO]]:
    """This process's folder, standard streams and warnings as a new process
    has them, and mocklint's project model empty; all restored afterwards."""
    from mocklint.analysis.pytest_model import project

    out, err = io.BytesIO(), io.BytesIO()
    streams = (sys.stdin, sys.stdout, sys.stderr)
    folder = os.getcwd()
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding=_encoding(sys.__stdin__), errors=_errors(sys.__stdin__))
    sys.stdout = io.TextIOWrapper(out, encoding=_encoding(sys.__stdout__), errors=_errors(sys.__stdout__),
                                  write_through=True)
    sys.stderr = io.TextIOWrapper(err, encoding=_encoding(sys.__stderr__), errors="backslashreplace",
                                  write_through=True)
    project.clear_caches()
    try:
        os.chdir(cwd)
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_FRESH_FILTERS):
                warnings.filterwarnings(action, category=category, module=module)
            warnings.showwarning = _print_warning
            yield out, err
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # the bytes stay readable
        sys.stdin, sys.stdout, sys.stderr = streams
        os.chdir(folder)
        project.clear_caches()


def _print_warning(message: Warning | str, category: type, filename: str, lineno: int, file: object = None,
                   line: Optional[str] = None) -> None:
    """Print a warning to the current standard error, as Python does by default."""
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _encoding(stream: object) -> str:
    return getattr(stream, "encoding", None) or "utf-8"


def _errors(stream: object) -> str:
    return getattr(stream, "errors", None) or "strict"


def as_text(done: "subprocess.CompletedProcess[bytes]") -> "subprocess.CompletedProcess[str]":
    """``done`` as ``subprocess.run(..., text=True)`` gives it: decoded in the
    locale's encoding, with universal newlines."""
    encoding = locale.getpreferredencoding(False)

    def decode(data: bytes) -> str:
        return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")

    return subprocess.CompletedProcess(done.args, done.returncode, decode(done.stdout), decode(done.stderr))
