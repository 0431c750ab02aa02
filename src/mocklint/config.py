"""``[tool.mocklint]`` in ``pyproject.toml``.

Configuration is found the way ruff finds it: the nearest ``pyproject.toml``
that has a ``[tool.mocklint]`` table, searching upward from the folder that
holds every path being linted (or the current directory), unless ``--config``
names the file.  A ``pyproject.toml`` without the table is passed over, so a
sub-package's own ``pyproject.toml`` does not hide the repository's settings.

Every problem is a :class:`ConfigError` with a one-line message: a typo in a
key must stop the run (exit 2) instead of silently linting with defaults,
and a malformed file must never produce a traceback.  That includes a file
nested more deeply than ``tomllib`` can recurse (a few hundred arrays):
valid TOML that neither Python nor pytest can read.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from mocklint.files import read_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.9 test run
    import tomli as tomllib

FORMATS: Tuple[str, ...] = ("text", "json", "sarif", "github")

#: flake8's rule for a code prefix (``flake8.defaults.VALID_CODE_PREFIX``).
CODE_PREFIX = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$", re.ASCII)



@dataclass(frozen=True)
class Key:
    """One key of ``[tool.mocklint]``: how it is checked, and what
    ``docs/options.md`` says of it (rendered from these, so never out of date)."""

    name: str
    #: "codes", "globs", "strings", "choice", "per-file-ignores", "bool" or "url"
    kind: str
    default: str
    help: str
    #: the command-line option that sets it too, if any
    option: str = ""


KEYS: Tuple[Key, ...] = (
    Key("select", "codes", '["MCK"]', "code prefixes to report", "--select"),
    Key("ignore", "codes", "[]", "code prefixes not to report", "--ignore"),
    Key("exclude", "globs", "the default list", "glob patterns of files and folders to skip (replaces the default list)", "--exclude"),
    Key("extend-exclude", "globs", "[]", "glob patterns to skip in addition to `exclude`", "--extend-exclude"),
    Key("format", "choice", '"text"', "output format", "--format"),
    Key("extra-fixtures", "strings", "[]", "MCK3xx: fixture names registered in ways mocklint cannot see"),
    Key("plugins", "strings", "not set", "MCK3xx: the pytest plugins the tests run with (distribution names)"),
    Key("extend-select", "codes", "[]", "code prefixes to report in addition to `select`", "--extend-select"),
    Key(
        "per-file-ignores",
        "per-file-ignores",
        "{}",
        "a table of glob -> code prefixes not to report in the files it matches (as flake8 and ruff)",
    ),
    Key(
        "respect-gitignore",
        "bool",
        "true",
        "skip what `.gitignore` files ignore while searching folders",
        "--respect-gitignore",
    ),
    Key(
        "docs-base-url",
        "url",
        "the installed pages",
        "where rule pages are linked from (JSON `url`, SARIF `helpUri`, the language server's links): "
        "`DOCS-BASE-URL/RULE-NAME.md`",
        "--docs-base-url",
    ),
    Key(
        "cache",
        "bool",
        "true",
        "keep a result cache (`.mocklint_cache` in the project root) for the command and the flake8 plugin",
        "--no-cache",
    ),
)
KNOWN_KEYS: Tuple[str, ...] = tuple(key.name for key in KEYS)

class ConfigError(Exception):
    """A configuration problem; ``str()`` is the whole one-line message."""


@dataclass(frozen=True)
class Config:
    """The settings read from one file; ``None`` means "not set there".

    ``root`` is the folder exclude patterns with a ``/`` are relative to: the
    config file's folder, or the current directory when there is no file.
    """

    path: Optional[str] = None
    root: str = "."
    select: Optional[Tuple[str, ...]] = None
    ignore: Optional[Tuple[str, ...]] = None
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    format: Optional[str] = None
    #: fixture names to take as defined everywhere (registered in ways mocklint cannot see)
    extra_fixtures: Tuple[str, ...] = ()
    #: the pytest plugins the tests run with (distribution names); None: unknown
    plugins: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    #: (glob, code prefixes) pairs, in the file's order
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    respect_gitignore: Optional[bool] = None
    docs_base_url: Optional[str] = None
    #: False: neither the command nor the flake8 plugin reads or writes the result cache
    cache: Optional[bool] = None


def _read_toml(path: str) -> Dict[str, Any]:
    try:
        data = read_file(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{path}: invalid TOML: {first}") from None
    except RecursionError:
        raise ConfigError(f"{path}: cannot read: nested too deeply for Python's TOML reader") from None


def _mocklint_table(document: Dict[str, Any], path: str) -> Optional[Dict[str, Any]]:
    tool = document.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table")
    table = tool.get("mocklint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.mocklint` must be a table")
    return table


def find_config(start: str) -> Optional[str]:
    """The nearest ``pyproject.toml`` with ``[tool.mocklint]`` at or above ``start``."""
    current = os.path.abspath(start)
    while True:
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate) and _mocklint_table(_read_toml(candidate), candidate) is not None:
            return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def load_config(path: str, required: bool = True) -> Config:
    """Read and validate ``[tool.mocklint]`` of ``path``.

    ``required``: a file named with ``--config`` must have the table, since a
    missing one almost always means the wrong file was named.
    """
    table = _mocklint_table(_read_toml(path), path)
    if table is None:
        if required:
            raise ConfigError(f"{path}: no [tool.mocklint] table")
        table = {}
    return parse_table(table, path)


def parse_table(table: Dict[str, Any], path: str) -> Config:
    """Validate the keys and their types; the first problem found is raised."""
    where = f"{path}: [tool.mocklint]"
    for key in table:
        if key not in KNOWN_KEYS:
            hint = ""
            underscored = key.replace("_", "-")
            if underscored in KNOWN_KEYS:
                hint = f" (did you mean `{underscored}`?)"
            raise ConfigError(f"{where}: unknown key `{key}`{hint}; known keys: {', '.join(KNOWN_KEYS)}")
    values: Dict[str, Any] = {}
    for key in KEYS:
        if key.name in table:
            values[key.name.replace("-", "_")] = _value(key, table[key.name], where)
    root = os.path.dirname(os.path.abspath(path))
    return Config(path=path, root=root, **values)


def _value(key: Key, value: Any, where: str) -> Any:
    """The checked value of ``key`` (its Config field's type); ConfigError otherwise."""
    if key.kind in ("codes", "globs", "strings"):
        return _strings(key.name, value, where, codes=key.kind == "codes")
    if key.kind == "choice":
        if not isinstance(value, str) or value not in FORMATS:
            raise ConfigError(f"{where}: `{key.name}` must be one of {', '.join(FORMATS)}, got {_describe(value)}")
        return value
    if key.kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: `{key.name}` must be true or false, got {_describe(value)}")
        return value
    if key.kind == "url":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: `{key.name}` must be a non-empty string, got {_describe(value)}")
        return value.strip()
    assert key.kind == "per-file-ignores", key.kind
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: `{key.name}` must be a table of glob = [code prefixes], got {_describe(value)}")
    return tuple(
        (glob, _strings(f"{key.name}.{glob!r}", codes, where, codes=True)) for glob, codes in value.items()
    )


def _strings(name: str, value: Any, where: str, codes: bool) -> Tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: `{name}` must be a list of strings, got {_describe(value)}")
    if codes:
        for item in value:
            check_code_prefix(item, f"{where}: `{name}`")
    return tuple(value)


def check_code_prefix(prefix: str, where: str) -> None:
    if not CODE_PREFIX.match(prefix):
        raise ConfigError(f"{where}: {prefix!r} is not a code prefix (expected something like MCK, MCK2 or MCK201)")


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def start_directory(paths: Tuple[str, ...], stdin_filename: Optional[str]) -> str:
    """The folder to start the config search from: the common parent of the paths.

    Stdin counts as its ``--stdin-filename`` (or the current directory).
    Missing paths still count, so a typo does not change which config is used.
    """
    folders = []
    for path in paths:
        if path == "-":
            path = stdin_filename or os.path.join(os.curdir, "-")
            folders.append(os.path.dirname(os.path.abspath(path)))
        elif os.path.isdir(path):
            folders.append(os.path.abspath(path))
        else:
            folders.append(os.path.dirname(os.path.abspath(path)))
    if not folders:
        return os.getcwd()
    try:
        return os.path.commonpath(folders)
    except ValueError:  # different drives on Windows
        return os.getcwd()


def discover_config(paths: Tuple[str, ...], stdin_filename: Optional[str] = None) -> Config:
    """The configuration for a run over ``paths`` with no ``--config``."""
    found = find_config(start_directory(paths, stdin_filename))
    if found is None:
        return Config(root=os.getcwd())
    return load_config(found)
