"""Meta-tests: every rule is complete, documented, tested and listed."""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path
from typing import List, Type

import pytest
from expectations import FIXTURES

from mocklint.engine import Engine
from mocklint.registry import ALL_RULES
from mocklint.rule import Rule
from mocklint.settings import Selection

ROOT = Path(__file__).resolve().parent.parent
FLAKE8_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")  # flake8's VALID_CODE_PREFIX
KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "Use instead:", "## References")
RULE_IDS = [rule.code for rule in ALL_RULES]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "scripts" / "generate_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [rule.code for rule in ALL_RULES]
    names = [rule.name for rule in ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for rule in ALL_RULES:
        assert re.fullmatch(r"MCK[1-9][0-9]{2}", rule.code), rule.code
        assert FLAKE8_CODE.match(rule.code)
        assert KEBAB.match(rule.name), rule.name
    assert codes == sorted(codes), "the registry lists rules in code order"


def test_one_rule_per_module() -> None:
    modules = [rule.__module__ for rule in ALL_RULES]
    assert len(set(modules)) == len(modules)
    for rule in ALL_RULES:
        module = sys.modules[rule.__module__]
        assert module.__name__.startswith("mocklint.rules.")
        defined = [
            obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == module.__name__
        ]
        assert defined == [rule]
        assert (module.__doc__ or "").startswith(f"{rule.code} {rule.name}"), "module docstring names the rule"


def test_every_rule_module_is_registered() -> None:
    registered = {rule.__module__ for rule in ALL_RULES}
    on_disk = {
        f"mocklint.rules.{p.stem}"
        for p in (ROOT / "src" / "mocklint" / "rules").glob("*.py")
        if p.stem != "__init__"
    }
    assert on_disk == registered


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_rule_is_documented(rule: Type[Rule]) -> None:
    doc = rule.documentation()
    positions = [doc.find(section) for section in SECTIONS]
    assert all(p >= 0 for p in positions), f"{rule.code} lacks one of {SECTIONS}"
    assert positions == sorted(positions), f"{rule.code}: sections out of order"
    assert rule.summary and not rule.summary.endswith("."), rule.code
    for template in rule.messages.values():
        first = template if isinstance(template, str) else template[0]
        assert not first.endswith("."), f"{rule.code}: first sentences end without a period"


def _blocks(doc: str, heading: str) -> List[str]:
    after = doc.split(heading, 1)[1]
    match = re.search(r"```python\n(.*?)```", after, re.S)
    assert match, heading
    return [match.group(1)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=RULE_IDS)
def test_doc_examples_fire_and_fixes_do_not(rule: Type[Rule], tmp_path: Path) -> None:
    """The "Example" block is flagged by the rule and the "Use instead" block is not."""
    engine = Engine(Selection(select=(rule.code,)))
    doc = rule.documentation()
    (example,) = _blocks(doc, "## Example")
    (fixed,) = _blocks(doc, "Use instead:")
    assert [d.code for d in engine.lint(example, _example_path(example, tmp_path)).diagnostics], (
        f"{rule.code}: example not flagged"
    )
    assert not engine.lint(fixed, _example_path(fixed, tmp_path)).diagnostics, f"{rule.code}: 'Use instead' is flagged"


def _example_path(block: str, tmp_path: Path) -> str:
    """Where an example is linted: ``test_example.py``, or the file its first line
    names (``# tests/api/conftest.py``), in a project with a ``pytest.ini``."""
    # a project of its own: with no configuration file, where pytest's rootdir is
    # depends on how it is invoked, which the fixture rules then leave alone
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    # `# tests/test_api.py (requirements.txt: pytest-asyncio>=1.0)`: what the project declares
    declared = re.match(r"#[^\n(]*\(requirements\.txt: ([^)]*)\)", block)
    if declared:
        (tmp_path / "requirements.txt").write_text(declared.group(1).replace(", ", "\n") + "\n", encoding="utf-8")
    named = re.match(r"#\s*([\w./]+\.py)\b", block)
    if not named:
        return str(tmp_path / "test_example.py")
    path = tmp_path / named.group(1)
    path.parent.mkdir(parents=True, exist_ok=True)
    return str(path)


def test_every_rule_has_a_fixture_folder_and_no_orphans() -> None:
    names = {rule.name for rule in ALL_RULES}
    folders = {p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}
    assert names <= folders, f"missing fixture folders: {sorted(names - folders)}"
    assert folders <= names | {"projects", "fixes", "crashes"}, f"fixture folders without a rule: {sorted(folders - names)}"


def test_generated_docs_are_up_to_date() -> None:
    generator = _generator()
    stale = [
        str(path.relative_to(ROOT))
        for path, text in generator.rendered().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `python scripts/generate_docs.py`: {stale}"
    pages = {p.stem for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert pages == {rule.name for rule in ALL_RULES}, "docs/rules has pages for removed rules"


def test_readme_lists_every_rule() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f"| {rule.code} | [{rule.name}](docs/rules/{rule.name}.md) |" in readme


def test_async_runner_copies_are_identical() -> None:
    """MCK1xx fixture folders run ``async def`` tests with one shared conftest."""
    original = (FIXTURES / "_async_runner" / "conftest.py").read_text(encoding="utf-8")
    copies = [p for p in FIXTURES.glob("*/conftest.py") if "asyncio.run(pyfuncitem.obj" in p.read_text(encoding="utf-8")]
    assert copies
    for copy in copies:
        assert copy.read_text(encoding="utf-8") == original, copy
