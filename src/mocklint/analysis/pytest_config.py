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

Everything is read as text; a file that cannot be read or parsed leaves the
configuration *unknown* (``PytestConfig.readable`` is False) and the rules stay
silent.
"""

from __future__ import annotations

import configparser
import os
import shlex
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

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
    #: the files read, for cache invalidation
    sources: Tuple[str, ...] = ()
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def effective_confcutdir(self) -> str:
        return self.confcutdir or self.rootdir


def _read_toml(path: str) -> Optional[Dict[str, Any]]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, ValueError, UnicodeDecodeError):
        return None


def _read_ini(path: str) -> Optional[configparser.RawConfigParser]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=", ":"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
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
        i += 1
    return {
        "plugins": tuple(plugins),
        "disabled_plugins": tuple(disabled),
        "confcutdir": confcutdir,
        "noconftest": noconftest,
        "pyargs": pyargs,
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
    # No configuration at all: pytest's rootdir then depends on the command
    # line; a setup.py is the best guess, else the folder itself.
    current = os.path.abspath(directory)
    while True:
        if os.path.isfile(os.path.join(current, "setup.py")):
            return PytestConfig(rootdir=current, extra={"guessed": True})
        parent = os.path.dirname(current)
        if parent == current:
            return PytestConfig(rootdir=os.path.abspath(directory), extra={"guessed": True})
        current = parent


def _build(rootdir: str, inipath: str, section: Dict[str, Any]) -> PytestConfig:
    def get(key: str, default: Tuple[str, ...]) -> Tuple[str, ...]:
        return _as_list(section[key]) if key in section else default

    addopts = _parse_addopts(get("addopts", ()))
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
        sources=(inipath,),
        **addopts,
    )
