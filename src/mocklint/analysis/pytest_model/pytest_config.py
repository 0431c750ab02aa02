"""pytest's configuration, found and read the way ``_pytest/config/findpaths.py`` does.

``locate(directory)`` walks from ``directory`` upwards and stops at the first
folder holding a file that carries pytest configuration, in pytest's order of
precedence within one folder:

- ``pytest.toml`` / ``.pytest.toml`` (``[pytest]``, pytest 9) and ``pytest.ini`` /
  ``.pytest.ini`` count even when empty;
- ``pyproject.toml`` counts with ``[tool.pytest.ini_options]`` or pytest 9's
  native ``[tool.pytest]``;
- ``tox.ini`` with ``[pytest]``, ``setup.cfg`` with ``[tool:pytest]``.

A ``pyproject.toml`` without a pytest table still makes its folder the
rootdir when nothing else is found (pytest does the same).  The folder found is
the rootdir and the default ``confcutdir``; this mirrors running ``pytest`` from
that folder (or below it) without ``--rootdir``/``-c``, the common invocation.
With no configuration file, the nearest folder holding a ``setup.py`` is the
rootdir, as in pytest's ``determine_setup``; with neither, the rootdir is the
folder pytest is run from, which mocklint cannot know: the configuration then
says so (``extra["guessed"]``) and cuts no conftest.py off.

Everything is read as text; a file that cannot be read or parsed (a
``pyproject.toml`` nested more deeply than ``tomllib`` can recurse included)
leaves the configuration *unknown* (``PytestConfig.readable`` is False) and the
rules stay silent.

:func:`expand_testpaths` expands ``testpaths`` as a plain ``pytest`` run from
the rootdir does, within bounds.
"""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from mocklint.files import inside, read_file, read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.9 test run
    import tomli as tomllib

CONFIG_NAMES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")

DEFAULT_PYTHON_FILES = ("test_*.py", "*_test.py")
DEFAULT_PYTHON_CLASSES = ("Test",)
DEFAULT_PYTHON_FUNCTIONS = ("test",)
DEFAULT_NORECURSEDIRS = ("*.egg", ".*", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")


@dataclass(frozen=True)
class PytestConfig:
    """The configuration that governs one folder's tests."""

    rootdir: str
    inipath: Optional[str] = None
    #: False when a config file could not be read or parsed: nothing is certain
    readable: bool = True
    python_files: Tuple[str, ...] = DEFAULT_PYTHON_FILES
    python_classes: Tuple[str, ...] = DEFAULT_PYTHON_CLASSES
    python_functions: Tuple[str, ...] = DEFAULT_PYTHON_FUNCTIONS
    testpaths: Tuple[str, ...] = ()
    norecursedirs: Tuple[str, ...] = DEFAULT_NORECURSEDIRS
    usefixtures: Tuple[str, ...] = ()
    #: ``-p name`` in addopts (and ``-p no:name`` in ``disabled_plugins``)
    plugins: Tuple[str, ...] = ()
    disabled_plugins: Tuple[str, ...] = ()
    confcutdir: Optional[str] = None
    noconftest: bool = False
    pyargs: bool = False
    #: pytest-asyncio's mode (``asyncio_mode``, ``--asyncio-mode`` in addopts winning), None when unset
    asyncio_mode: Optional[str] = None
    #: pytest-trio's ``trio_mode`` ini option, read as pytest reads a bool option
    trio_mode: bool = False
    #: the files read, for cache invalidation
    sources: Tuple[str, ...] = ()
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def effective_confcutdir(self) -> str:
        return self.confcutdir or self.rootdir


def _read_toml(path: str) -> Optional[Dict[str, Any]]:
    """The document, or None when it cannot be read or parsed; ``tomllib``
    recurses once per nested array or table, so a few hundred levels raise
    ``RecursionError`` (pytest itself cannot read such a file either)."""
    try:
        return tomllib.loads(read_file(path).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError and TOMLDecodeError are ValueErrors
        return None


def _read_ini(path: str) -> Optional[configparser.RawConfigParser]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=", ":"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(read_text(path), source=path)
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None
    return parser


class _Unreadable(Exception):
    pass


def _pytest_section(path: str) -> Optional[Dict[str, Any]]:
    """The pytest settings of ``path``, ``None`` when it holds none.

    Raises ``_Unreadable`` when the file exists but cannot be understood."""
    name = os.path.basename(path)
    if name.endswith(".toml"):
        document = _read_toml(path)
        if document is None:
            raise _Unreadable(path)
        if name in ("pytest.toml", ".pytest.toml"):
            table = document.get("pytest")
            return dict(table) if isinstance(table, dict) else {}
        tool = document.get("tool")
        tool_pytest = tool.get("pytest") if isinstance(tool, dict) else None
        if not isinstance(tool_pytest, dict):
            return None
        native = {k: v for k, v in tool_pytest.items() if k != "ini_options"}
        ini_options = tool_pytest.get("ini_options")
        if native:
            return native
        if isinstance(ini_options, dict):
            return dict(ini_options)
        return None
    parser = _read_ini(path)
    if parser is None:
        raise _Unreadable(path)
    if name in ("pytest.ini", ".pytest.ini"):
        return dict(parser.items("pytest")) if parser.has_section("pytest") else {}
    section = "tool:pytest" if name == "setup.cfg" else "pytest"
    if parser.has_section(section):
        return dict(parser.items(section))
    return None


def _as_list(value: Any) -> Tuple[str, ...]:
    """An ini value as pytest's ``linelist``/``args`` types read it."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(item) for item in value)
    text = str(value)
    try:
        return tuple(shlex.split(text))
    except ValueError:
        return tuple(text.split())


def _parse_addopts(values: Tuple[str, ...]) -> Dict[str, Any]:
    plugins: List[str] = []
    disabled: List[str] = []
    confcutdir: Optional[str] = None
    noconftest = False
    pyargs = False
    asyncio_mode: Optional[str] = None
    i = 0
    while i < len(values):
        arg = values[i]
        if arg == "-p" and i + 1 < len(values):
            spec = values[i + 1]
            i += 1
        elif arg.startswith("-p") and len(arg) > 2:
            spec = arg[2:]
        else:
            spec = None
        if spec is not None:
            spec = spec.strip()
            if spec.startswith("no:"):
                disabled.append(spec[3:])
            else:
                plugins.append(spec)
        elif arg == "--confcutdir" and i + 1 < len(values):
            confcutdir = values[i + 1]
            i += 1
        elif arg.startswith("--confcutdir="):
            confcutdir = arg.split("=", 1)[1]
        elif arg == "--noconftest":
            noconftest = True
        elif arg == "--pyargs":
            pyargs = True
        elif arg == "--asyncio-mode" and i + 1 < len(values):
            asyncio_mode = values[i + 1]
            i += 1
        elif arg.startswith("--asyncio-mode="):
            asyncio_mode = arg.split("=", 1)[1]
        i += 1
    return {
        "plugins": tuple(plugins),
        "disabled_plugins": tuple(disabled),
        "confcutdir": confcutdir,
        "noconftest": noconftest,
        "pyargs": pyargs,
        "asyncio_mode": asyncio_mode,
    }


def locate(directory: str) -> PytestConfig:
    """The configuration for tests in ``directory`` (an absolute folder)."""
    current = os.path.abspath(directory)
    first_pyproject: Optional[str] = None
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(current, name)
            if not os.path.isfile(candidate):
                continue
            if name == "pyproject.toml" and first_pyproject is None:
                first_pyproject = candidate
            try:
                section = _pytest_section(candidate)
            except _Unreadable:
                return PytestConfig(rootdir=current, inipath=candidate, readable=False, sources=(candidate,))
            if section is not None:
                return _build(current, candidate, section)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if first_pyproject is not None:
        return PytestConfig(
            rootdir=os.path.dirname(first_pyproject), inipath=first_pyproject, sources=(first_pyproject,)
        )
    # No configuration at all: pytest's rootdir is the nearest folder holding a
    # setup.py (``determine_setup``), whatever the command line; without one it
    # is the folder pytest is run from, which a linter cannot know.
    current = os.path.abspath(directory)
    while True:
        setup_py = os.path.join(current, "setup.py")
        if os.path.isfile(setup_py):
            return PytestConfig(rootdir=current, sources=(setup_py,))
        parent = os.path.dirname(current)
        if parent == current:
            return _invocation_dependent(os.path.abspath(directory))
        current = parent


#: folders that mark a project's top when it has no pytest configuration
_TOP_MARKERS = (".git", ".hg", "tox.ini", "setup.cfg", "requirements.txt", "Pipfile", "noxfile.py")


def _invocation_dependent(directory: str) -> PytestConfig:
    """The configuration of a folder no configuration file or setup.py governs.

    pytest's rootdir, and so its confcutdir, is then the folder it is run from
    (the common ancestor of its arguments and that folder): every conftest.py
    above a test is loaded by some invocation, so none is cut off
    (``confcutdir`` is the filesystem root).  The rootdir given is where the
    project seems to start, for messages and for reading its declarations: the
    nearest folder (at most six up) holding a marker of a project's top, else
    the outermost of the folders above that hold a conftest.py one after the
    other (or ``directory``), or the folder above it when its name starts with
    ``test``; ``extra["guessed"]`` says the real one depends on the invocation."""
    current = directory
    root: Optional[str] = None
    chain = directory  # the conftest.py folders from ``directory`` up, unbroken
    for _ in range(7):
        if any(os.path.exists(os.path.join(current, marker)) for marker in _TOP_MARKERS):
            root = current
            break
        if current == os.path.dirname(chain) and os.path.isfile(os.path.join(current, "conftest.py")):
            chain = current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    if root is None:  # a tests/ folder sits at the project's top
        root = os.path.dirname(chain) if os.path.basename(chain).startswith("test") else chain
    filesystem_root = os.path.splitdrive(directory)[0] + os.sep
    return PytestConfig(rootdir=root, confcutdir=filesystem_root, extra={"guessed": True})


def _build(rootdir: str, inipath: str, section: Dict[str, Any]) -> PytestConfig:
    def get(key: str, default: Tuple[str, ...]) -> Tuple[str, ...]:
        return _as_list(section[key]) if key in section else default

    addopts = _parse_addopts(get("addopts", ()))
    if addopts["asyncio_mode"] is None and "asyncio_mode" in section:
        addopts["asyncio_mode"] = str(section["asyncio_mode"]).strip()
    trio_mode = str(section.get("trio_mode", "")).strip().lower() in ("y", "yes", "t", "true", "on", "1")
    confcutdir = addopts.pop("confcutdir")
    if confcutdir is not None:
        confcutdir = os.path.normpath(os.path.join(rootdir, confcutdir))
    return PytestConfig(
        rootdir=rootdir,
        inipath=inipath,
        python_files=get("python_files", DEFAULT_PYTHON_FILES),
        python_classes=get("python_classes", DEFAULT_PYTHON_CLASSES),
        python_functions=get("python_functions", DEFAULT_PYTHON_FUNCTIONS),
        testpaths=get("testpaths", ()),
        norecursedirs=get("norecursedirs", DEFAULT_NORECURSEDIRS),
        usefixtures=get("usefixtures", ()),
        confcutdir=confcutdir,
        trio_mode=trio_mode,
        sources=(inipath,),
        **addopts,
    )


# -- testpaths ------------------------------------------------------------------
#: The most paths ``testpaths`` may expand to, and the most folder entries its
#: globs may list: beyond either, what pytest runs is taken as unknown.
MAX_TESTPATHS = 1000
MAX_TESTPATH_ENTRIES = 100_000

_MAGIC = re.compile(r"[*?[]")  # glob.has_magic


class _Unknown(Exception):
    """The expansion cannot be told safely."""


def expand_testpaths(rootdir: str, testpaths: Sequence[str], pyargs: bool = False) -> Optional[List[str]]:
    """The initial paths a plain ``pytest`` run from ``rootdir`` takes from
    ``testpaths``, absolute; an empty list when there are none (pytest then runs
    the rootdir); None when mocklint cannot tell.

    pytest (``Config._decide_args``) globs each entry from the rootdir,
    ``sorted(glob.iglob(entry, recursive=True))``, or takes them as they are
    with ``--pyargs``.  mocklint does the same with a bounded glob of its own,
    which follows glob's rules (``*`` within a name, ``**`` any depth, names
    starting with a dot only for patterns that do) except that it never
    leaves the rootdir: an entry reaching outside it (an absolute path
    elsewhere, a ``..``, a symlinked folder under ``**``), more than
    ``MAX_TESTPATHS`` matches or ``MAX_TESTPATH_ENTRIES`` folder entries
    listed make the answer unknown, and ``**`` does not go round a symlink
    back to a folder it is in (glob does, up to the system's limit on
    symlinks in a path: two such links make its walk exponential).
    """
    found: List[str] = []
    budget = [MAX_TESTPATH_ENTRIES]
    real_root = os.path.realpath(rootdir)
    try:
        for entry in testpaths:
            parts = _relative_parts(rootdir, entry)
            if pyargs:  # module names, or paths pytest loads conftests from when they exist
                path = os.path.join(rootdir, *parts)
                found.extend([path] if os.path.exists(path) else [])
                continue
            matches = sorted(_glob(rootdir, real_root, parts, budget))
            found.extend(os.path.normpath(os.path.join(rootdir, match)) for match in matches)
            if len(found) > MAX_TESTPATHS:
                return None
    except _Unknown:
        return None
    return found


def _relative_parts(rootdir: str, entry: str) -> List[str]:
    """The components of ``entry`` relative to the rootdir, a trailing ``""``
    for a trailing separator (folders only); raises ``_Unknown`` for a path
    that leaves the rootdir."""
    if os.path.isabs(entry):
        try:
            trailing = entry.endswith(("/", os.sep))
            entry = os.path.relpath(entry, rootdir) + (os.sep if trailing else "")
        except ValueError:  # another drive
            raise _Unknown(entry) from None
    parts = re.split(r"[/\\]" if os.sep == "\\" else "/", entry)
    cleaned = [part for part in parts[:-1] if part not in ("", ".")] + parts[-1:]
    if ".." in cleaned:
        raise _Unknown(entry)
    return cleaned if cleaned != ["."] else []


def _glob(rootdir: str, real_root: str, parts: List[str], budget: List[int]) -> List[str]:
    """The paths (relative to the rootdir, spelled as glob spells them) matching ``parts``."""
    if not parts:
        return [os.curdir]
    if not any(_MAGIC.search(part) for part in parts):
        relative = os.path.join(*parts)
        full = os.path.join(rootdir, relative)
        exists = os.path.isdir(full) if parts[-1] == "" else os.path.lexists(full)
        return [relative] if exists else []
    current = [""]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following: List[str] = []
        for prefix in current:
            folder = os.path.join(rootdir, prefix) if prefix else rootdir
            if part == "":  # a trailing separator: folders only (glob's isdir("") leaves out the rootdir)
                following.extend([os.path.join(prefix, "")] if prefix and os.path.isdir(folder) else [])
            elif part == "**":
                following.extend(_recursive(folder, prefix, real_root, not last, budget))
            elif _MAGIC.search(part):
                names = _names(folder, not last, budget)
                if not part.startswith("."):
                    names = [name for name in names if not name.startswith(".")]
                following.extend(os.path.join(prefix, name) for name in fnmatch.filter(names, part))
            elif last:
                following.extend([os.path.join(prefix, part)] if os.path.lexists(os.path.join(folder, part)) else [])
            else:
                following.append(os.path.join(prefix, part))  # the next listing finds out whether it is a folder
        if last and len(following) > MAX_TESTPATHS:
            raise _Unknown(part)
        current = following
    if parts == ["**"]:  # glob.iglob drops the rootdir itself for a bare `**`
        current = [path for path in current if path]
    return current


def _names(folder: str, folders_only: bool, budget: List[int]) -> List[str]:
    """The entries of ``folder`` (its folders only, symlinks followed), as ``glob._listdir``."""
    names: List[str] = []
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                budget[0] -= 1
                if budget[0] < 0:
                    raise _Unknown(folder)
                try:
                    if not folders_only or entry.is_dir():
                        names.append(entry.name)
                except OSError:
                    continue
    except OSError:
        return []
    return names


def _recursive(folder: str, prefix: str, real_root: str, folders_only: bool, budget: List[int]) -> List[str]:
    """``**`` under ``folder``: itself (as ``prefix/``) and everything below it
    whose name does not start with a dot, in glob's spelling."""
    if not os.path.isdir(folder):
        return []
    start = os.path.realpath(folder)
    if not inside(start, (real_root,)):
        raise _Unknown(folder)
    found = [os.path.join(prefix, "")]
    pending: List[Tuple[str, str, Tuple[str, ...]]] = [(folder, prefix, (start,))]
    while pending:
        current, spelled, ancestors = pending.pop()
        for name in sorted(_names(current, folders_only, budget)):
            if name.startswith("."):
                continue
            path = os.path.join(current, name)
            relative = os.path.join(spelled, name)
            found.append(relative)
            if not os.path.isdir(path):
                continue
            real = os.path.realpath(path)
            if real in ancestors:
                continue  # round a symlink back up: nothing new below
            if not inside(real, (real_root,)):
                raise _Unknown(path)
            pending.append((path, relative, ancestors + (real,)))
    return found
