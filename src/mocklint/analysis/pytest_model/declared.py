"""What a project declares its tests run with, read from its packaging and tool files.

A pytest plugin's fixtures exist where the plugin is installed, and a project
says which plugins that is in its own files, not in mocklint's environment
(pre-commit and pipx give mocklint one of its own).  So the fixture rules read
the declarations, as text, never importing or running anything:

- ``pyproject.toml``: ``[project] dependencies`` and ``optional-dependencies``,
  ``[dependency-groups]`` (PEP 735, ``{include-group = ...}`` followed),
  ``[tool.poetry]`` ``dependencies``, ``dev-dependencies`` and
  ``group.*.dependencies``, ``[tool.pdm.dev-dependencies]``,
  ``[tool.hatch.envs.*]`` ``dependencies`` and ``extra-dependencies`` (and
  ``hatch.toml``), ``[tool.uv] dev-dependencies``, the requirement files
  ``[tool.setuptools.dynamic]`` names, and tox's ``[tool.tox]``;
- ``requirements*.txt`` / ``*requirements*.in`` files and those in a
  ``requirements/`` folder, with ``-r`` includes (declarations) and ``-c``
  includes (constraints: they pin versions, they declare nothing);
- ``tox.ini`` / ``tox.toml`` ``deps`` of every test environment, factor
  prefixes dropped and ``-r`` files followed;
- ``setup.cfg`` ``install_requires``, ``tests_require`` and ``extras_require``;
  ``setup.py``'s ``setup(...)`` keywords when they are literals (or names bound
  to literals); ``Pipfile``; ``noxfile.py`` ``session.install(...)`` literals;
- lock files (``uv.lock``, ``poetry.lock``, ``pdm.lock``, ``pylock.toml``,
  ``Pipfile.lock``): every locked package is installed with the project,
  transitive ones included, at the version locked.

Every group counts (a plugin declared for the docs is declared all the same):
what is declared may be installed, and counting too much only keeps mocklint
silent.  A file that exists but cannot be read -- a ``setup.py`` computing
its extras, a ``noxfile.py`` installing a computed list, a TOML file that does
not parse -- makes the declarations *incomplete*: a plugin may be declared
there.

Versions: :func:`pick_release` maps a requirement's specifier (PEP 440, and
Poetry's ``^``/``~`` forms) onto the releases a table of plugin data was read
from, choosing the newest release line the specifier allows, as pip would
install the newest matching version.
"""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on the 3.10 test run
    import tomli as tomllib

from mocklint.analysis.syntax.source import parse_python

#: reads a file's text, None when it does not exist or cannot be read (the
#: project model's ``text``, which records the read for the result cache)
Reader = Callable[[str], Optional[str]]

#: files read in each folder whether they exist or not, so that creating one
#: invalidates what was derived without it
FIXED_NAMES = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    "tox.toml",
    "hatch.toml",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "poetry.lock",
    "pdm.lock",
    "pylock.toml",
    "noxfile.py",
    "requirements.txt",
    "requirements.in",
    "requirements-dev.txt",
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements_dev.txt",
    "requirements_test.txt",
    "test-requirements.txt",
    "dev-requirements.txt",
)
_LOCKS = ("uv.lock", "poetry.lock", "pdm.lock", "pylock.toml")
_REQUIREMENT_FOLDERS = ("requirements", "reqs", "requirements.d")
_MAX_INCLUDES = 50


def normal(name: str) -> str:
    """A distribution name as PEP 503 compares it (``Pytest_Mock`` -> ``pytest-mock``)."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def is_plugin_name(name: str) -> bool:
    """Whether a distribution's name says it is a pytest plugin (``pytest-x``, ``x-pytest``)."""
    parts = normal(name).split("-")
    return len(parts) > 1 and "pytest" in parts


@dataclass(frozen=True)
class Requirement:
    name: str  # normalized
    specifier: str  # PEP 440, "" when unpinned
    source: str  # the file it was read from


@dataclass
class Declarations:
    """The requirements a project declares, and the versions it pins."""

    requirements: Dict[str, List[Requirement]] = field(default_factory=dict)
    #: ``-c`` constraints and lock files: they choose versions, they declare nothing
    pins: Dict[str, List[Requirement]] = field(default_factory=dict)
    #: files that exist but could not be read: a plugin may be declared there
    unreadable: List[str] = field(default_factory=list)
    #: the modules the project itself registers as ``pytest11`` plugins: the
    #: project is installed where its tests run, so they are loaded
    entry_points: List[str] = field(default_factory=list)
    #: the project's own distribution names (read from its sources, never unknown)
    own: Set[str] = field(default_factory=set)
    #: every file consulted, existing or not
    files: List[str] = field(default_factory=list)

    def add(self, requirement: Requirement, pin: bool = False) -> None:
        table = self.pins if pin else self.requirements
        table.setdefault(requirement.name, []).append(requirement)

    def declares(self, name: str) -> bool:
        return normal(name) in self.requirements

    def names(self) -> Set[str]:
        return set(self.requirements)

    @property
    def mentions_pytest(self) -> bool:
        """Whether the project says what its tests run with: it declares pytest or a plugin."""
        return any(name == "pytest" or is_plugin_name(name) for name in self.requirements)

    def specifiers(self, name: str) -> List[str]:
        """The version specifiers the project's environments may install ``name`` with:
        each locked or constrained version when there are any, else each declaration's."""
        name = normal(name)
        chosen = self.pins.get(name) or self.requirements.get(name) or []
        return sorted({requirement.specifier for requirement in chosen})


# -- one requirement line ----------------------------------------------------------
_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$", re.S)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_OPERATORS = ("===", "==", "!=", "~=", "<=", ">=", "<", ">")


def parse_requirement(text: str) -> Optional[Tuple[str, str]]:
    """``(normal name, specifier)`` of a PEP 508 requirement (or a pip line without
    its options); None for what names no distribution (an option, a local path)."""
    text = text.strip()
    if not text or text.startswith(("#", "-", ".", "/", "{")):
        egg = _EGG.search(text)
        return (normal(egg.group(1)), "") if egg and text.startswith("-e") else None
    if "://" in text.split("@", 1)[0] or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        egg = _EGG.search(text)
        return (normal(egg.group(1)), "") if egg else None
    match = _NAME.match(text)
    if match is None:
        return None
    rest = match.group(3).split(";", 1)[0].strip()
    if rest.startswith("@"):
        return normal(match.group(1)), ""
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1].strip()
    rest = re.split(r"(?<!\s)\s+--?\w", " " + rest, maxsplit=1)[0].strip()  # pip's per-line options
    if rest and not rest.startswith(_OPERATORS):
        return None  # not a requirement (a sentence in a docstring-like file)
    return normal(match.group(1)), re.sub(r"\s+", "", rest)


def poetry_specifier(constraint: str) -> str:
    """A Poetry constraint (``^1.2``, ``~1.2.3``, ``1.2.3``, ``*``, ``>=1,<2``) as PEP 440."""
    parts = []
    for piece in constraint.replace("||", "|").split("|")[0].split(","):
        piece = piece.strip()
        if piece in ("", "*"):
            continue
        if piece.startswith("^") or (piece.startswith("~") and not piece.startswith("~=")):
            base = piece[1:].strip()
            numbers = [int(n) for n in re.findall(r"\d+", base.split("-")[0].split("+")[0])[:3]] or [0]
            if piece.startswith("^"):
                index = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
            else:
                index = min(1, len(numbers) - 1) if len(numbers) > 1 else 0
            upper = numbers[: index + 1]
            upper[-1] += 1
            parts.extend([f">={base}", "<" + ".".join(str(n) for n in upper)])
        elif piece[0].isdigit():
            parts.append(("==" + piece).replace("==*", "") if "*" not in piece else "==" + piece)
        else:
            parts.append(piece.replace(" ", ""))
    return ",".join(parts)


# -- requirement files ---------------------------------------------------------------
def _logical_lines(text: str) -> Iterable[str]:
    """pip's lines: continuations joined, comments dropped."""
    pending = ""
    for raw in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


_INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)(?:\s*=\s*|\s+|(?=\S))(\S+)")


class _Reader:
    """Reads the declarations of one project (see the module docstring)."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self.found = Declarations()
        self._seen: Set[Tuple[str, bool]] = set()

    def text(self, path: str) -> Optional[str]:
        if path not in self.found.files:
            self.found.files.append(path)
        return self.read(path)

    def unreadable(self, path: str) -> None:
        if path not in self.found.unreadable:
            self.found.unreadable.append(path)

    def add(self, text: str, source: str, pin: bool = False) -> None:
        parsed = parse_requirement(text)
        if parsed is not None:
            self.found.add(Requirement(parsed[0], parsed[1], source), pin)

    # requirements files --------------------------------------------------------------
    def requirements_file(self, path: str, pin: bool = False, depth: int = 0) -> None:
        path = os.path.normpath(path)
        if (path, pin) in self._seen or len(self._seen) > _MAX_INCLUDES or depth > 10:
            return
        self._seen.add((path, pin))
        text = self.text(path)
        if text is None:
            return
        self.requirement_lines(_logical_lines(text), os.path.dirname(path), path, pin, depth)

    def requirement_lines(self, lines: Iterable[str], folder: str, source: str, pin: bool, depth: int) -> None:
        for line in lines:
            include = _INCLUDE.match(line)
            if include is not None:
                target = include.group(2).replace("{toxinidir}", folder).replace("{tox_root}", folder)
                if "{" not in target:
                    constraint = include.group(1) in ("-c", "--constraint")
                    self.requirements_file(os.path.join(folder, target), pin or constraint, depth + 1)
                continue
            self.add(line, source, pin)

    # pyproject.toml and friends ----------------------------------------------------------
    def toml(self, path: str) -> Optional[Dict[str, object]]:
        text = self.text(path)
        if text is None:
            return None
        try:
            return tomllib.loads(text)
        except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
            self.unreadable(path)
            return None

    def pyproject(self, path: str) -> None:
        document = self.toml(path)
        if document is None:
            return
        folder = os.path.dirname(path)
        project = _table(document.get("project"))
        self.own_name(project.get("name"), path)
        self.own_entry_points(_table(_table(project.get("entry-points")).get("pytest11")).values())
        self.strings(project.get("dependencies"), path)
        for extra in _table(project.get("optional-dependencies")).values():
            self.strings(extra, path)
        groups = _table(document.get("dependency-groups"))
        for name in groups:
            self.strings(_group(groups, name, set()), path)
        tool = _table(document.get("tool"))
        self.poetry(_table(tool.get("poetry")), path)
        for group in _table(_table(tool.get("pdm")).get("dev-dependencies")).values():
            self.strings(group, path)
        self.hatch(_table(_table(tool.get("hatch")).get("envs")), path)
        uv = _table(tool.get("uv"))
        self.strings(uv.get("dev-dependencies"), path)
        for key in ("constraint-dependencies", "override-dependencies"):
            self.strings(uv.get(key), path, pin=True)
        dynamic = _table(_table(tool.get("setuptools")).get("dynamic"))
        for value in [dynamic.get("dependencies"), *_table(dynamic.get("optional-dependencies")).values()]:
            files = _table(value).get("file")
            for name in [files] if isinstance(files, str) else files if isinstance(files, list) else []:
                if isinstance(name, str):
                    self.requirements_file(os.path.join(folder, name))
        tox = _table(tool.get("tox"))
        legacy = tox.get("legacy_tox_ini")
        if isinstance(legacy, str):
            self.tox_ini_text(legacy, folder, path)
        else:
            self.tox_toml(tox, folder, path)

    def own_name(self, name: object, source: str) -> None:
        """The project's own distribution: installed where its tests run."""
        if isinstance(name, str) and name.strip():
            self.found.add(Requirement(normal(name), "", source))
            self.found.own.add(normal(name))

    def own_entry_points(self, values: Iterable[object]) -> None:
        for value in values:
            if isinstance(value, str) and value.split(":", 1)[0].strip():
                module = value.split(":", 1)[0].strip()
                if module not in self.found.entry_points:
                    self.found.entry_points.append(module)

    def strings(self, value: object, source: str, pin: bool = False) -> None:
        for item in value if isinstance(value, list) else []:
            if isinstance(item, str):
                self.add(item, source, pin)

    def poetry(self, poetry: Dict[str, object], source: str) -> None:
        self.own_name(poetry.get("name"), source)
        self.own_entry_points(_table(_table(poetry.get("plugins")).get("pytest11")).values())
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        tables += [_table(group).get("dependencies") for group in _table(poetry.get("group")).values()]
        for table in tables:
            for name, value in _table(table).items():
                if name.lower() == "python":
                    continue
                for constraint in value if isinstance(value, list) else [value]:
                    version = constraint if isinstance(constraint, str) else _table(constraint).get("version", "")
                    spec = poetry_specifier(version) if isinstance(version, str) else ""
                    self.found.add(Requirement(normal(name), spec, source))

    def hatch(self, envs: Dict[str, object], source: str) -> None:
        for env in envs.values():
            for key in ("dependencies", "extra-dependencies"):
                self.strings(_table(env).get(key), source)

    def tox_toml(self, tox: Dict[str, object], folder: str, source: str) -> None:
        envs = [_table(tox.get("env_run_base")), *(_table(e) for e in _table(tox.get("env")).values())]
        for env in envs:
            deps = env.get("deps")
            lines = [d for d in deps if isinstance(d, str)] if isinstance(deps, list) else []
            self.requirement_lines(lines, folder, source, False, 0)

    def tox_ini_text(self, text: str, folder: str, source: str) -> None:
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text, source=source)
        except (configparser.Error, ValueError):
            self.unreadable(source)
            return
        self.tox_sections(parser, folder, source)

    def tox_sections(self, parser: configparser.RawConfigParser, folder: str, source: str) -> None:
        for section in parser.sections():
            if not section.startswith("testenv") or not parser.has_option(section, "deps"):
                continue
            lines = []
            for line in parser.get(section, "deps").splitlines():
                line = re.sub(r"^\s*!?[\w{}.,-]+(?:\s*,\s*!?[\w{}.-]+)*\s*:\s+", "", line)  # `py38,py39: pkg`
                if re.fullmatch(r"\s*\{\[[^\]]+\][^}]*\}\s*", line):
                    continue  # {[testenv]deps}: that section is read too
                lines.append(line)
            self.requirement_lines(lines, folder, source, False, 0)

    def setup_cfg(self, path: str) -> None:
        text = self.text(path)
        if text is None:
            return
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(text, source=path)
        except (configparser.Error, ValueError):
            self.unreadable(path)
            return
        if parser.has_option("metadata", "name"):
            self.own_name(parser.get("metadata", "name"), path)
        if parser.has_option("options.entry_points", "pytest11"):
            lines = parser.get("options.entry_points", "pytest11").splitlines()
            self.own_entry_points(line.split("=", 1)[1] for line in lines if "=" in line)
        for key in ("install_requires", "tests_require"):
            if parser.has_option("options", key):
                self.requirement_lines(parser.get("options", key).splitlines(), os.path.dirname(path), path, False, 0)
        if parser.has_section("options.extras_require"):
            for _, value in parser.items("options.extras_require"):
                self.requirement_lines(value.splitlines(), os.path.dirname(path), path, False, 0)
        self.tox_sections(parser, os.path.dirname(path), path)

    def setup_py(self, path: str, has_requirement_files: bool) -> None:
        text = self.text(path)
        if text is None:
            return
        name, entry_points = _setup_identity(text)
        self.own_name(name, path)
        self.own_entry_points(entry_points)
        values = _setup_keywords(text)
        if values is None:
            if not has_requirement_files:
                self.unreadable(path)
            return
        for item in values:
            self.add(item, path)

    def noxfile(self, path: str) -> None:
        text = self.text(path)
        if text is None or "install" not in text:
            return
        installed = _nox_installs(text)
        if installed is None:
            self.unreadable(path)
            return
        folder = os.path.dirname(path)
        lines: List[str] = []
        arguments = iter(installed)
        for argument in arguments:
            if argument in ("-r", "--requirement", "-c", "--constraint"):
                lines.append(f"{argument} {next(arguments, '')}")
            else:
                lines.append(argument)
        self.requirement_lines(lines, folder, path, False, 0)

    def pipfile(self, path: str) -> None:
        document = self.toml(path)
        if document is None:
            return
        for key in ("packages", "dev-packages"):
            for name, value in _table(document.get(key)).items():
                version = value if isinstance(value, str) else _table(value).get("version", "")
                spec = "" if not isinstance(version, str) or version.strip() == "*" else version.replace(" ", "")
                self.found.add(Requirement(normal(name), spec, path))

    def lock(self, path: str) -> None:
        """Every locked package: installed with the project, at that version."""
        if os.path.basename(path) == "Pipfile.lock":
            text = self.text(path)
            if text is None:
                return
            try:
                document = json.loads(text)
            except ValueError:
                self.unreadable(path)
                return
            for key in ("default", "develop"):
                for name, value in _table(document.get(key) if isinstance(document, dict) else None).items():
                    version = _table(value).get("version", "")
                    pinned = version[2:] if isinstance(version, str) and version.startswith("==") else ""
                    self.locked(name, pinned, path)
            return
        document = self.toml(path)
        if document is None:
            return
        packages = document.get("package", document.get("packages"))
        for package in packages if isinstance(packages, list) else []:
            package = _table(package)
            name, version = package.get("name"), package.get("version")
            if isinstance(name, str):
                self.locked(name, version if isinstance(version, str) else "", path)

    def locked(self, name: str, version: str, source: str) -> None:
        spec = f"=={version}" if version else ""
        self.found.add(Requirement(normal(name), "", source))
        self.found.add(Requirement(normal(name), spec, source), pin=True)

    # a folder ------------------------------------------------------------------------
    def folder(self, folder: str) -> None:
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            names = []
        requirement_files = [n for n in names if _is_requirements_name(n) and os.path.isfile(os.path.join(folder, n))]
        for sub in _REQUIREMENT_FOLDERS:
            inner = os.path.join(folder, sub)
            if sub in names and os.path.isdir(inner):
                try:
                    listed = sorted(os.listdir(inner))
                except OSError:
                    listed = []
                requirement_files += [os.path.join(sub, n) for n in listed if n.endswith((".txt", ".in"))]
        for name in FIXED_NAMES:
            path = os.path.join(folder, name)
            if name == "pyproject.toml":
                self.pyproject(path)
            elif name == "hatch.toml":
                document = self.toml(path)
                if document is not None:
                    self.hatch(_table(document.get("envs")), path)
            elif name == "tox.toml":
                document = self.toml(path)
                if document is not None:
                    self.tox_toml(document, folder, path)
            elif name == "tox.ini":
                text = self.text(path)
                if text is not None:
                    self.tox_ini_text(text, folder, path)
            elif name == "setup.cfg":
                self.setup_cfg(path)
            elif name == "setup.py":
                self.setup_py(path, bool(requirement_files))
            elif name == "noxfile.py":
                self.noxfile(path)
            elif name == "Pipfile":
                self.pipfile(path)
            elif name in _LOCKS or name == "Pipfile.lock":
                self.lock(path)
            elif name not in requirement_files:
                self.text(path)  # absent (or not a requirements file after all): recorded all the same
        for name in requirement_files:
            self.requirements_file(os.path.join(folder, name))


def _is_requirements_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith((".txt", ".in")) and ("requirements" in lower or lower.startswith("reqs"))


def _table(value: object) -> Dict[str, object]:
    return value if isinstance(value, dict) else {}


def _group(groups: Dict[str, object], name: str, seen: Set[str]) -> List[str]:
    """A PEP 735 group's requirements, its ``{include-group = ...}`` entries followed."""
    if name in seen:
        return []
    seen = seen | {name}
    found: List[str] = []
    entries = groups.get(name)
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, str):
            found.append(entry)
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            found.extend(_group(groups, str(entry["include-group"]), seen))
    return found


# -- setup.py and noxfile.py, read with ast ---------------------------------------------
def _literal_strings(node: ast.expr, names: Dict[str, ast.expr], depth: int = 0) -> Optional[List[str]]:
    """The strings of a list/tuple literal, a dict of them (``extras_require``), a
    concatenation of them, or a module-level name bound to one; None otherwise."""
    if depth > 8:
        return None
    if isinstance(node, ast.Name) and node.id in names:
        return _literal_strings(names[node.id], names, depth + 1)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [line for line in node.value.splitlines() if line.strip()]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        found: List[str] = []
        for element in node.elts:
            inner = _literal_strings(element, names, depth + 1)
            if inner is None:
                return None
            found.extend(inner)
        return found
    if isinstance(node, ast.Dict):
        found = []
        for value in node.values:
            inner = _literal_strings(value, names, depth + 1)
            if inner is None:
                return None
            found.extend(inner)
        return found
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _literal_strings(node.left, names, depth + 1)
        right = _literal_strings(node.right, names, depth + 1)
        return None if left is None or right is None else left + right
    return None


def _module_names(tree: ast.Module) -> Dict[str, ast.expr]:
    """Names bound once at module level, to their value."""
    bound: Dict[str, ast.expr] = {}
    twice: Set[str] = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name):
                if target.id in bound:
                    twice.add(target.id)
                bound[target.id] = statement.value
    return {name: value for name, value in bound.items() if name not in twice}


def _parse(text: str) -> Optional[ast.Module]:
    try:
        return parse_python(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _setup_keywords(text: str) -> Optional[List[str]]:
    """The requirements ``setup(...)`` names; None when some is not a literal."""
    tree = _parse(text)
    if tree is None:
        return None
    names = _module_names(tree)
    found: List[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg is None:
                return None  # setup(**options)
            if keyword.arg in ("install_requires", "tests_require", "extras_require"):
                values = _literal_strings(keyword.value, names)
                if values is None:
                    return None
                found.extend(values)
    return found


def _setup_identity(text: str) -> Tuple[Optional[str], List[str]]:
    """The literal ``name=`` of ``setup(...)`` and the modules of its literal
    ``entry_points={"pytest11": [...]}``."""
    tree = _parse(text)
    name: Optional[str] = None
    modules: List[str] = []
    for node in ast.walk(tree) if tree is not None else ():
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "setup"):
            continue
        for keyword in node.keywords:
            value = keyword.value
            if keyword.arg == "name" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                name = value.value
            elif keyword.arg == "entry_points" and isinstance(value, ast.Dict):
                for key, group in zip(value.keys, value.values):
                    if isinstance(key, ast.Constant) and key.value == "pytest11":
                        entries = _literal_strings(group, {}) or []
                        modules.extend(entry.split("=", 1)[-1].split(":", 1)[0].strip() for entry in entries)
    return name, modules


def _nox_installs(text: str) -> Optional[List[str]]:
    """The arguments of every ``session.install(...)`` call; None when one is not a literal."""
    tree = _parse(text)
    if tree is None:
        return None
    names = _module_names(tree)
    found: List[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "install":
            for argument in node.args:
                value = argument.value if isinstance(argument, ast.Starred) else argument
                strings = _literal_strings(value, names)
                if strings is None:
                    return None
                found.extend(strings)
    return found


# -- where to read ---------------------------------------------------------------------
#: a folder holding one of these is a project's top: declarations above it are another project's
_TOP_MARKERS = (".git", ".hg", "pyproject.toml", "setup.py", "setup.cfg")


def declaration_folders(rootdir: str, levels: int = 4) -> List[str]:
    """The rootdir and the folders above it up to the project's top (the first
    holding a ``.git`` or packaging metadata), at most ``levels`` up."""
    folders: List[str] = []
    current = os.path.abspath(rootdir)
    for _ in range(levels + 1):
        folders.append(current)
        if any(os.path.exists(os.path.join(current, marker)) for marker in _TOP_MARKERS):
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    else:
        return folders[:1]  # no top found near: the rootdir alone
    return folders


def read_declarations(folders: Sequence[str], read: Reader) -> Declarations:
    """The declarations of the files in ``folders`` (see the module docstring)."""
    reader = _Reader(read)
    for folder in folders:
        reader.folder(folder)
    return reader.found


# -- versions ------------------------------------------------------------------------
_VERSION = re.compile(
    r"^\s*v?(?:(?P<epoch>\d+)!)?(?P<release>\d+(?:\.\d+)*)"
    r"(?:[-_.]?(?P<pre>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>\d*))?"
    r"(?:-(?P<post_implicit>\d+)|[-_.]?(?P<post>post|rev|r)[-_.]?(?P<post_n>\d*))?"
    r"(?:[-_.]?(?P<dev>dev)[-_.]?(?P<dev_n>\d*))?"
    r"(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$",
    re.IGNORECASE,
)
_PRE_RANK = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}

VersionKey = Tuple[object, ...]


def version_key(text: str) -> Optional[VersionKey]:
    """A sort key ordering versions as PEP 440 does; None when ``text`` is not one."""
    match = _VERSION.match(text)
    if match is None:
        return None
    release = [int(n) for n in match.group("release").split(".")]
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    post_text = match.group("post_implicit") or match.group("post_n")
    has_post = match.group("post_implicit") is not None or match.group("post") is not None
    has_dev = match.group("dev") is not None
    pre = match.group("pre")
    if pre is not None:
        pre_key: Tuple[int, ...] = (-1, _PRE_RANK[pre.lower()], int(match.group("pre_n") or 0))
    elif not has_post and has_dev:
        pre_key = (-2,)
    else:
        pre_key = (0,)
    post_key = (0, int(post_text or 0)) if has_post else (-1,)
    dev_key = (0, int(match.group("dev_n") or 0)) if has_dev else (1,)
    return (int(match.group("epoch") or 0), tuple(release), pre_key, post_key, dev_key)


#: an interval of versions: (lower, lower included, upper, upper included); None bounds are open
Interval = Tuple[Optional[VersionKey], bool, Optional[VersionKey], bool]
_ANY: Interval = (None, False, None, False)


def _bump(text: str) -> Optional[VersionKey]:
    """The first version after every ``text.*`` (``1.2`` -> ``1.3.dev0``)."""
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not numbers:
        return None
    numbers[-1] += 1
    return version_key(".".join(str(n) for n in numbers) + ".dev0")


def _clause(clause: str) -> Optional[Interval]:
    """The versions one specifier clause allows, as an interval (``!=`` allows all)."""
    operator = next((op for op in _OPERATORS if clause.startswith(op)), None)
    if operator is None:
        return None
    text = clause[len(operator) :].strip()
    if operator == "!=":
        return _ANY
    if operator == "==" and text.endswith(".*"):
        low = version_key(text[:-2])
        return (low, True, _bump(text[:-2]), False) if low is not None else None
    key = version_key(text)
    if key is None:
        return None
    if operator in ("==", "==="):
        return (key, True, key, True)
    if operator == "~=":
        prefix = text.rsplit(".", 1)[0] if text.count(".") else text
        return (key, True, _bump(prefix), False)
    if operator == ">=":
        return (key, True, None, False)
    if operator == ">":
        return (key, False, None, False)
    if operator == "<=":
        return (None, False, key, True)
    return (None, False, key, False)  # "<"


def _intersect(first: Interval, second: Interval) -> Interval:
    low, low_in, high, high_in = first
    other_low, other_low_in, other_high, other_high_in = second
    if other_low is not None and (low is None or other_low > low or (other_low == low and not other_low_in)):
        low, low_in = other_low, other_low_in
    if other_high is not None and (high is None or other_high < high or (other_high == high and not other_high_in)):
        high, high_in = other_high, other_high_in
    return (low, low_in, high, high_in)


def _empty(interval: Interval) -> bool:
    low, low_in, high, high_in = interval
    if low is None or high is None:
        return False
    return low > high or (low == high and not (low_in and high_in))


def specifier_interval(specifier: str) -> Optional[Interval]:
    """The versions ``specifier`` allows (its clauses intersected); None when unreadable."""
    interval = _ANY
    for clause in filter(None, (c.strip() for c in specifier.split(","))):
        allowed = _clause(clause)
        if allowed is None:
            return None
        interval = _intersect(interval, allowed)
    return interval


def pick_release(releases: Sequence[str], specifier: str) -> Optional[str]:
    """The release of ``releases`` (oldest first) whose line ``specifier`` installs.

    Each release stands for the versions from it up to the next one (the oldest
    also for those before it): the newest such line the specifier allows some
    version of is the one pip installs from.  None when the specifier cannot be
    read or allows none."""
    keys = [version_key(release) for release in releases]
    interval = specifier_interval(specifier)
    if interval is None or _empty(interval) or any(key is None for key in keys):
        return None
    for index in range(len(releases) - 1, -1, -1):
        low = keys[index] if index > 0 else None
        high = keys[index + 1] if index + 1 < len(releases) else None
        line: Interval = (low, True, high, False)
        if not _empty(_intersect(line, interval)):
            return releases[index]
    return None
