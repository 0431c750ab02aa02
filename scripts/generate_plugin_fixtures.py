#!/usr/bin/env python
"""Generate ``src/mocklint/data/plugin_fixtures.json``: the fixtures of pytest
itself (per major version) and of widely used pytest plugins.

The fixture rules (MCK3xx) read installed plugins statically; this table covers
the case where mocklint runs where the project's plugins are not installed
(pre-commit's isolated environment).  Each package is downloaded as a wheel
(an sdist when there is none) with ``pip download --no-deps`` into a cache
outside the repository (``$MOCKLINT_CACHE`` or ``~/.cache/mocklint-plugins``),
unpacked, and read with ``ast`` (``mocklint.analysis.pytest_model.plugin_fixtures.scan_source``);
nothing is imported or executed.

    python scripts/generate_plugin_fixtures.py            # regenerate the table
    python scripts/generate_plugin_fixtures.py --check    # exit 1 when it is stale

Versions are pinned below; bump them and rerun to refresh the table.  A
plugin whose fixtures changed between releases lists one release per line
(pytest-asyncio 1.0 removed ``event_loop``): the table keeps each release's
fixtures, newest last, and the project's declared version specifier picks
the line (``mocklint.analysis.pytest_model.declared.pick_release``).  ``scopes`` gives the
scope of each fixture whose definitions say it literally (MCK303 reads them;
a name left out has a scope decided at run time, or several).  ``requires`` records
the plugins of the table a plugin depends on (its wheel's ``Requires-Dist``):
declaring it installs them too.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mocklint.analysis.pytest_model.declared import normal, parse_requirement  # noqa: E402
from mocklint.analysis.pytest_model.plugin_fixtures import scan_scopes, scan_source  # noqa: E402

OUTPUT = ROOT / "src" / "mocklint" / "data" / "plugin_fixtures.json"

#: pytest releases whose built-in fixtures are recorded (oldest first)
PYTEST_VERSIONS = ("7.0.0", "7.4.4", "8.0.0", "8.4.0", "8.4.2", "9.0.0", "9.2.0")

#: distribution -> pinned version (several, oldest first, for plugins whose
#: fixtures changed: one per release line, the newest line last)
PLUGINS: Dict[str, object] = {
    "pytest-mock": "3.15.1",
    "pytest-asyncio": ("0.21.2", "0.23.8", "0.26.0", "1.0.0", "1.2.0", "1.5.0"),
    "anyio": "4.11.0",
    "pytest-aiohttp": ("0.3.0", "1.1.0"),
    "pytest-django": "4.11.1",
    "pytest-httpx": ("0.21.3", "0.35.0"),
    "respx": "0.22.0",
    "pytest-benchmark": "5.1.0",
    "pytest-xdist": "3.8.0",
    "pytest-cov": "7.0.0",
    "pytest-timeout": "2.4.0",
    "requests-mock": "1.12.1",
    "syrupy": "4.9.1",
    "pytest-httpserver": "1.1.3",
    "pytest-freezer": "0.4.9",
    "pytest-freezegun": "0.4.2",
    "time-machine": "2.19.0",
    "pytest-subtests": "0.14.2",
    "pytest-randomly": "4.0.1",
    "hypothesis": "6.140.3",
    "pytest-flask": "1.3.0",
    "pytest-trio": "0.8.0",
    "pytest-twisted": "1.14.3",
    "pytest-localserver": "0.9.0.post0",
    "pytest-datadir": "1.8.0",
    "pytest-regressions": "2.8.3",
    "pytest-snapshot": "0.9.0",
    "pytest-socket": "0.7.0",
    "pytest-recording": "0.13.4",
    "pytest-html": "4.1.1",
    "pytest-qt": "4.5.0",
    "pytest-bdd": "8.1.0",
    "pytest-check": "2.5.3",
    "pytest-rerunfailures": "16.0.1",
    "pytest-env": "1.1.5",
    "pytest-order": "1.3.0",
    "pytest-celery": "1.2.1",
    "pytest-postgresql": "7.0.2",
    "pytest-redis": "3.1.3",
    "pytest-mypy-plugins": "3.2.0",
    "pytest-httpbin": "2.1.0",
    "pytest-playwright": "0.7.1",
    "pytest-responses": "0.5.1",
    "pytest-tornasync": "0.6.0.post2",
    "pytest-sanic": "1.9.1",
    "pytest-factoryboy": "2.8.1",
    "pytest-lazy-fixtures": "1.4.0",
    "pytest-cases": "3.9.1",
    "pytest-describe": "2.2.0",
    "pytest-insta": "0.3.0",
    "pytest-docker": "3.2.3",
    "pytest-vcr": "1.0.2",
    "pytest-console-scripts": "1.4.1",
    "pytest-pylint": "0.21.0",
    "pytest-shutil": "1.8.1",
    "pytest-virtualenv": "1.8.1",
    "pytest-mpl": "0.17.0",
    "pytest-doctestplus": "1.4.0",
    "pytest-remotedata": "0.4.1",
    "pytest-forked": "1.6.0",
    "pytest-repeat": "0.9.4",
    "pytest-unordered": "0.7.0",
    "pytest-examples": "0.0.18",
    "pytest-codspeed": "4.0.0",
    "pytest-memray": "1.8.0",
    "pytest-click": "1.1.0",
    "pytest-sugar": "1.1.1",
    "pytest-clarity": "1.0.1",
    "pytest-dotenv": "0.5.2",
    "pytest-icdiff": "0.9",
    "pytest-mockito": "0.0.4",
    "pytest-lazy-fixture": "0.6.3",
    "pytest-kind": "22.11.1",
    "pytest-alembic": "0.12.1",
    "pytest-async-sqlalchemy": "0.2.0",
    "pytest-aioresponses": "0.3.0",
    # plugins without "pytest" in their names, and plugins without fixtures: a
    # declared plugin the table lacks keeps MCK301 silent on every name it cannot place
    "aresponses": "3.0.0",
    "pyfakefs": "6.3.2",
    "Faker": "40.63.0",
    "pytest-mypy": "1.1.0",
    "pytest-pretty": "1.3.0",
    "pytest-instafail": "0.5.0",
    "pytest-github-actions-annotate-failures": "0.4.2",
    "pytest-split": "0.11.0",
    "pytest-reportlog": "1.0.0",
    "pytest-dependency": "0.6.1",
    "pytest-xprocess": "1.0.2",
    "pytest-structlog": "1.2",
    "logfire": ("4.31.0", "6.0.1"),  # its newest releases register no pytest plugin
    "pytest-flakefinder": "1.1.0",
}

#: modules of *other* distributions that a plugin's entry module re-exports
#: (``from celery.contrib.pytest import *`` in pytest-celery): read from that
#: distribution, so their fixtures are known too
REEXPORTED: Dict[str, Tuple[str, str]] = {
    "celery.contrib.pytest": ("celery", "5.5.3"),
    "aiohttp.pytest_plugin": ("aiohttp", "3.9.5"),
}


def cache_dir() -> Path:
    base = os.environ.get("MOCKLINT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "mocklint-plugins")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def download(name: str, version: str) -> Optional[Path]:
    """A wheel (or sdist) of ``name==version`` in the cache, fetched with pip when missing."""
    folder = cache_dir() / f"{name}-{version}"
    existing = sorted(folder.glob("*.whl")) + sorted(folder.glob("*.tar.gz")) + sorted(folder.glob("*.zip"))
    if existing:
        return existing[0]
    folder.mkdir(parents=True, exist_ok=True)
    for extra in (["--only-binary", ":all:"], ["--no-binary", ":all:"]):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                *extra,
                "-d",
                str(folder),
                f"{name}=={version}",
            ],
            capture_output=True,
            text=True,
        )
        found = sorted(folder.glob("*.whl")) + sorted(folder.glob("*.tar.gz")) + sorted(folder.glob("*.zip"))
        if proc.returncode == 0 and found:
            return found[0]
    print(f"warning: could not download {name}=={version}", file=sys.stderr)
    return None


def archive_files(path: Path) -> Dict[str, bytes]:
    """Every file of a wheel or sdist, by its path inside the archive (sdist prefix stripped)."""
    files: Dict[str, bytes] = {}
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    files[info.filename] = archive.read(info)
    else:
        with tarfile.open(path) as archive:
            for member in archive.getmembers():
                if member.isfile():
                    handle = archive.extractfile(member)
                    if handle is not None:
                        files[member.name.split("/", 1)[-1]] = handle.read()
    if path.suffix != ".whl":
        # sdists: drop a src/ prefix so module paths match import names
        files = {(k[4:] if k.startswith("src/") else k): v for k, v in files.items()}
    return files


def entry_points(files: Dict[str, bytes]) -> List[Tuple[str, str]]:
    """``(name, module)`` of the ``pytest11`` entry points declared in the archive."""
    found: List[Tuple[str, str]] = []
    for name, data in files.items():
        if name.endswith(".dist-info/entry_points.txt") or name.endswith("entry_points.txt"):
            parser = configparser.ConfigParser()
            parser.optionxform = str  # type: ignore[assignment,method-assign]
            try:
                parser.read_string(data.decode("utf-8", "replace"))
            except configparser.Error:
                continue
            if parser.has_section("pytest11"):
                for key, value in parser.items("pytest11"):
                    found.append((key.strip(), value.split(":", 1)[0].strip()))
    if not found:
        # sdists: pyproject.toml / setup.cfg / setup.py declare them
        for name, data in files.items():
            text = data.decode("utf-8", "replace")
            if name in ("pyproject.toml", "setup.cfg", "setup.py") and "pytest11" in text:
                found.extend(_entry_points_from_text(text))
    return sorted(set(found))


def _entry_points_from_text(text: str) -> List[Tuple[str, str]]:
    import re

    found = []
    block = text.split("pytest11", 1)[1][:2000]
    for match in re.finditer(r"""["']?([\w.-]+)["']?\s*=\s*["']?([\w.]+)(?::[\w.]+)?["']?""", block):
        key, module = match.group(1), match.group(2)
        if "." in module or module.startswith("pytest") or "_" in module:
            found.append((key, module))
        if len(found) > 5:
            break
    return found


def module_files(files: Dict[str, bytes], modules: List[str]) -> Dict[str, bytes]:
    """The files of the top-level packages the plugin modules belong to."""
    tops = {m.split(".", 1)[0] for m in modules}
    chosen: Dict[str, bytes] = {}
    for name, data in files.items():
        if not name.endswith(".py"):
            continue
        first = name.split("/", 1)[0]
        stem = first[:-3] if first.endswith(".py") else first
        parts = name.split("/")
        if stem in tops and not any(p in ("tests", "test", "testing", "docs", "examples") for p in parts[1:-1]):
            chosen[name] = data
    return chosen


def fixtures_of(files: Dict[str, bytes], modules: List[str]) -> Set[str]:
    entry_files = {m.replace(".", "/") + ".py" for m in modules} | {
        m.replace(".", "/") + "/__init__.py" for m in modules
    }
    names: Set[str] = set()
    for name, data in sorted(files.items()):
        found = scan_source(data.decode("utf-8", "replace"), factories=name in entry_files)
        if found:
            names.update(found)
    return names


def scopes_of(files: Dict[str, bytes]) -> Dict[str, Optional[str]]:
    """The scope of each fixture the files define (None: unknown or ambiguous)."""
    scopes: Dict[str, Optional[str]] = {}
    for _, data in sorted(files.items()):
        for fixture, scope in (scan_scopes(data.decode("utf-8", "replace")) or {}).items():
            scopes[fixture] = scope if scopes.get(fixture, scope) == scope else None
    return scopes


def _known(scopes: Dict[str, Optional[str]], names: Set[str]) -> Dict[str, str]:
    """The literal scopes of ``names``, sorted for the table."""
    return {name: scope for name, scope in sorted(scopes.items()) if name in names and scope is not None}


def reexports(files: Dict[str, bytes], modules: List[str]) -> List[str]:
    """Modules outside the plugin's own packages its entry modules import from."""
    import ast

    tops = {m.split(".", 1)[0] for m in modules}
    found: List[str] = []
    for module in modules:
        for name in (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"):
            if name not in files:
                continue
            try:
                tree = ast.parse(files[name].decode("utf-8", "replace"))
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    if node.module.split(".", 1)[0] not in tops | {"pytest", "_pytest", "typing", "__future__"}:
                        if any(alias.name == "*" for alias in node.names):
                            found.append(node.module)
    return sorted(set(found))


def pytest_tables() -> Tuple[Dict[str, Dict[str, object]], Dict[str, str]]:
    tables: Dict[str, Dict[str, object]] = {}
    introduced: Dict[str, str] = {}
    first = True
    for version in PYTEST_VERSIONS:
        archive = download("pytest", version)
        if archive is None:
            raise SystemExit(f"pytest {version} is needed")
        files = archive_files(archive)
        fixtures: Dict[str, str] = {}
        own = {k: v for k, v in files.items() if k.startswith("_pytest/") and k.endswith(".py") and k.count("/") == 1}
        for name, data in sorted(own.items()):
            for fixture in scan_source(data.decode("utf-8", "replace")) or {}:
                fixtures.setdefault(fixture, name[len("_pytest/") : -3])
        for fixture in fixtures:
            if fixture not in introduced and not first:
                introduced[fixture] = version
            introduced.setdefault(fixture, "")
        first = False
        major = version.split(".", 1)[0]
        table = tables.setdefault(major, {"version": version, "fixtures": {}, "scopes": {}})
        table["version"] = version
        table["fixtures"].update(fixtures)  # type: ignore[union-attr]
        merged: Dict[str, Optional[str]] = table["scopes"]  # type: ignore[assignment]
        for fixture, scope in scopes_of(own).items():  # a scope that changed within a major is unknown
            merged[fixture] = scope if merged.get(fixture, scope) == scope else None
    return tables, {k: v for k, v in sorted(introduced.items()) if v}


def requires_dist(files: Dict[str, bytes]) -> Set[str]:
    """The normalized names a wheel's ``METADATA`` (an sdist's ``PKG-INFO``) requires
    unconditionally (requirements for extras left out)."""
    found: Set[str] = set()
    for name, data in files.items():
        if not name.endswith((".dist-info/METADATA", "PKG-INFO")) or name.count("/") > 1:
            continue
        for line in data.decode("utf-8", "replace").splitlines():
            if not line.strip():
                break  # the headers end at the first blank line
            if line.startswith("Requires-Dist:"):
                requirement = line.split(":", 1)[1]
                if "extra ==" in requirement.replace("extra==", "extra =="):
                    continue
                parsed = parse_requirement(requirement)
                if parsed is not None:
                    found.add(parsed[0])
    return found


def plugin_release(dist: str, version: str) -> Optional[Dict[str, object]]:
    """One release of a plugin: its entry points, modules, fixtures and requirements."""
    archive = download(dist, version)
    if archive is None:
        return None
    files = archive_files(archive)
    points = entry_points(files)
    if not points:  # a release that is no plugin (any more): it provides nothing
        print(f"warning: {dist} {version} declares no pytest11 entry point", file=sys.stderr)
        nothing: Dict[str, object] = {"entry_points": set(), "modules": set(), "fixtures": [], "scopes": {}}
        return {"version": version, **nothing, "requires": set()}
    modules = sorted({m for _, m in points})
    chosen = module_files(files, modules)
    fixtures = fixtures_of(chosen, modules)
    scopes = scopes_of(chosen)
    for module in reexports(files, modules):
        if module in REEXPORTED:
            other = download(*REEXPORTED[module])
            if other is not None:
                wanted = module.replace(".", "/") + ".py"
                other_files = {k: v for k, v in archive_files(other).items() if k == wanted}
                fixtures |= fixtures_of(other_files, [module])
                for fixture, scope in scopes_of(other_files).items():
                    scopes[fixture] = scope if scopes.get(fixture, scope) == scope else None
        else:
            print(f"warning: {dist} re-exports {module}, which the table does not read", file=sys.stderr)
    return {
        "version": version,
        "entry_points": {n for n, _ in points},
        "modules": set(modules),
        "fixtures": sorted(fixtures),
        "scopes": _known(scopes, fixtures),
        "requires": requires_dist(files),
    }


def generate() -> Dict[str, object]:
    tables, introduced = pytest_tables()
    known = {normal(dist) for dist in PLUGINS}
    plugins: Dict[str, Dict[str, object]] = {}
    for dist, pinned in sorted(PLUGINS.items()):
        versions = (pinned,) if isinstance(pinned, str) else tuple(pinned)  # type: ignore[arg-type]
        releases = [r for r in (plugin_release(dist, version) for version in versions) if r is not None]
        if not any(r["modules"] for r in releases):
            continue
        requires = set().union(*(r["requires"] for r in releases)) & known - {normal(dist)}  # type: ignore[misc]
        plugins[dist] = {
            "entry_points": sorted(set().union(*(r["entry_points"] for r in releases))),  # type: ignore[misc]
            "modules": sorted(set().union(*(r["modules"] for r in releases))),  # type: ignore[misc]
            "requires": sorted(requires),
            "releases": [
                {"version": r["version"], "fixtures": r["fixtures"], "scopes": r["scopes"]} for r in releases
            ],
        }
    return {
        "generated_by": "scripts/generate_plugin_fixtures.py",
        "pytest": {
            major: {
                "version": t["version"],
                "fixtures": dict(sorted(t["fixtures"].items())),  # type: ignore[union-attr]
                "scopes": _known(t["scopes"], set(t["fixtures"])),  # type: ignore[arg-type]
            }
            for major, t in sorted(tables.items())
        },
        "pytest_introduced": introduced,
        "plugins": plugins,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed table differs")
    args = parser.parse_args()
    text = json.dumps(generate(), indent=1, sort_keys=True) + "\n"
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT.relative_to(ROOT)} is stale: run scripts/generate_plugin_fixtures.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(json.loads(text)['plugins'])} plugins", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
