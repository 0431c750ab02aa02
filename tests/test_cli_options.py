"""The command line a ruff or flake8 user expects (issue #23).

Each option and behaviour is checked through ``main()`` in-process, and the
ones a shell, a pipe or an editor sees (rule pages, the clean-run line on
stderr, colours, the exit status) also as a shell sees them (the ``command``
fixture: in this process in the everyday set, on the real ``python -m
mocklint`` in the ``slow`` set; ``--help`` always on the real one).
Every project lives in ``tmp_path`` with its own ``pyproject.toml``, and the
user cache (where rule pages are written for links) is ``tmp_path`` too.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence, Tuple

import front_ends
import pytest

from mocklint import cli, output
from mocklint.diagnostic import Diagnostic, Related, TextEdit, TextFix
from mocklint.files import Excluder, IgnoreRule, discover
from mocklint.registry import ALL_RULES
from mocklint.rule_docs import rule_page

ROOT = Path(__file__).resolve().parent.parent

#: MCK201 at 3:5, no fix
FINDING = 'import pytest\n\nX = pytest.config.getoption("--slow")\n'
#: MCK206 (a safe fix: funcargnames -> fixturenames) at 2:12
SAFE_FIX = "def test_a(request):\n    return request.funcargnames\n"
#: MCK218 (an unsafe fix: message= -> match=)
UNSAFE_FIX = "import pytest\n\n\ndef test_a():\n    with pytest.raises(ValueError, message='x'):\n        int('a')\n"
CLEAN = "def test_ok():\n    assert True\n"


@pytest.fixture(autouse=True)
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Rule pages for links are written here, not in the machine's ~/.cache."""
    cache = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return cache


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    return root


def write(root: Path, relative: str, text: str = FINDING) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


Command = Callable[[Sequence[str], Path], "subprocess.CompletedProcess[str]"]


def run(args: Sequence[str], cwd: Path, env: Optional[dict] = None) -> subprocess.CompletedProcess:
    """``python -m mocklint`` (the console script's code) in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "mocklint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(params=front_ends.MODES)
def command(request: pytest.FixtureRequest) -> Command:
    """What a shell sees of the command (exit status, stdout, stderr as text): in
    this process in the everyday set, as ``python -m mocklint`` in the slow set."""

    def command(args: Sequence[str], cwd: Path) -> "subprocess.CompletedProcess[str]":
        return front_ends.as_text(front_ends.run("mocklint", args, cwd, mode=request.param))

    return command


@pytest.fixture()
def call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture):  # type: ignore[no-untyped-def]
    def main(args: Sequence[str], cwd: Path) -> Tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8"))
        capsys.readouterr()
        status = cli.main(list(args))
        out, err = capsys.readouterr()
        return status, out, err

    return main


def codes(out: str) -> List[str]:
    return [line.split(" ")[1] for line in out.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]


# -- 1. rule pages and documentation links ------------------------------------------------
def test_rule_command_prints_the_page_by_code_name_or_explain(project: Path, command: Command) -> None:
    rule = next(r for r in ALL_RULES if r.code == "MCK201")
    page = rule_page(rule, source_note=False)
    for args in (["rule", "MCK201"], ["rule", rule.name], ["rule", "mck201"], ["--explain", "MCK201"]):
        done = command(args, project)
        assert (done.returncode, done.stdout, done.stderr) == (0, page, ""), args
    assert page.startswith(f"# {rule.name} (MCK201)\n") and "## What it does" in page


def test_rule_command_lists_rules_and_names_close_ones(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    status, out, _ = call(["rule", "--all"], project)
    assert status == 0 and [line.split()[0] for line in out.splitlines()] == [r.code for r in ALL_RULES]
    status, out, err = call(["rule", "MKC201"], project)
    assert (status, out) == (2, "") and "did you mean MCK201" in err
    status, _, err = call(["rule", "pytest-config-globl"], project)
    assert status == 2 and "did you mean pytest-config-global" in err


def test_pages_come_from_the_installed_package_not_docs(project: Path, tmp_path: Path) -> None:
    """A pip install has no docs/ folder: the page is rendered from the rule, the same text as docs/rules/."""
    rule = ALL_RULES[0]
    committed = (ROOT / "docs" / "rules" / f"{rule.name}.md").read_text(encoding="utf-8")
    assert committed.split("\n", 1)[1] == rule_page(rule, source_note=False)
    help_text = run(["--help"], project).stdout
    assert "docs/" not in help_text and "mocklint rule CODE" in help_text


def test_json_url_and_sarif_help_uri_default_to_the_installed_pages(call, project: Path, user_cache: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    status, out, _ = call(["--format", "json"], project)
    url = json.loads(out)["diagnostics"][0]["url"]
    assert status == 1 and url.startswith("file://") and url.endswith("/pytest-config-global.md")
    page = Path(url[len("file://"):])
    assert str(page).startswith(str(user_cache)) and page.read_text(encoding="utf-8").startswith("# pytest-config-global")
    _, out, _ = call(["--format", "sarif"], project)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["helpUri"].startswith("file://")
    assert "helpUri" not in rules[-1]  # MCK000 has no page


def test_docs_base_url_from_the_command_line_and_the_config(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    _, out, _ = call(["--format", "json", "--docs-base-url", "https://example.org/rules/"], project)
    assert json.loads(out)["diagnostics"][0]["url"] == "https://example.org/rules/pytest-config-global.md"
    (project / "pyproject.toml").write_text('[tool.mocklint]\ndocs-base-url = "https://docs.test/r"\n', encoding="utf-8")
    _, out, _ = call(["--format", "sarif"], project)
    assert json.loads(out)["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].startswith("https://docs.test/r/")


# -- 2. everyday options -----------------------------------------------------------------
def test_exit_zero(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    status, out, _ = call(["--exit-zero"], project)
    assert status == 0 and codes(out) == ["MCK201"]
    status, _, _ = call(["--exit-zero", "missing.py"], project)
    assert status == 2  # an error stays an error


def test_statistics_text_and_json(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py", FINDING + "Y = pytest.config\n")
    write(project, "test_b.py", SAFE_FIX)
    status, out, err = call(["--statistics"], project)
    assert status == 1
    assert out.splitlines() == ["2\tMCK201\t[ ] pytest-config-global", "1\tMCK206\t[*] funcargnames"]
    assert err.startswith("Found 3 problems in 2 files.\n")
    _, out, _ = call(["--statistics", "--format", "json"], project)
    assert json.loads(out)["statistics"][0] == {"code": "MCK201", "name": "pytest-config-global", "count": 2, "fixable": False}
    status, _, err = call(["--statistics", "--format", "sarif"], project)
    assert status == 2 and "--statistics" in err


def test_extend_select_adds_to_select(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py", FINDING + SAFE_FIX)
    assert codes(call(["--select", "MCK206"], project)[1]) == ["MCK206"]
    assert codes(call(["--select", "MCK206", "--extend-select", "MCK201"], project)[1]) == ["MCK201", "MCK206"]
    (project / "pyproject.toml").write_text('[tool.mocklint]\nselect = ["MCK206"]\nextend-select = ["MCK201"]\n')
    assert codes(call([], project)[1]) == ["MCK201", "MCK206"]


def test_show_source_prints_the_line_a_caret_and_the_detail(project: Path, command: Command) -> None:
    write(project, "test_a.py")
    diagnostic = Diagnostic(
        "t.py", 3, 4, "MCK201", "short.", 3, 17, "pytest-config-global", detail="The rest of it.",
        related=(Related("app/x.py", 7, 4, "it fails here"),),
    )
    block = output.source_block(diagnostic, FINDING)
    assert block == (
        "  |\n"
        '3 | X = pytest.config.getoption("--slow")\n'
        "  |     ^^^^^^^^^^^^^\n"
        "  |\n"
        "  = The rest of it.\n"
        "  = related: app/x.py:7:5: it fails here\n"
        "\n"
    )
    done = command(["--show-source", "--color", "never", "test_a.py"], project)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith("test_a.py:3:5: MCK201 ")
    assert lines[1:4] == ["  |", '3 | X = pytest.config.getoption("--slow")', "  |     ^^^^^^^^^^^^^"]


def test_color_auto_always_never_and_the_environment(call, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    assert "\x1b[" not in call([], project)[1]  # captured output is no terminal
    assert "\x1b[" in call(["--color", "always"], project)[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in call([], project)[1]
    assert "\x1b[" not in call(["--color", "never"], project)[1]
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in call([], project)[1]
    assert "\x1b[" in call(["--color", "always"], project)[1]  # an explicit choice wins


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_color_auto_follows_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli.use_color("auto", Terminal()) and not cli.use_color("auto", io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli.use_color("auto", Terminal())


def test_output_file(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    status, out, err = call(["--format", "json", "--output-file", "report.json"], project)
    assert (status, out) == (1, "")
    assert json.loads((project / "report.json").read_text(encoding="utf-8"))["diagnostics"][0]["code"] == "MCK201"
    status, out, _ = call(["--color", "auto", "--output-file", "report.txt"], project)
    assert out == "" and (project / "report.txt").read_text(encoding="utf-8").startswith("test_a.py:3:5: MCK201")
    status, _, err = call(["--output-file", str(project / "no" / "such" / "dir" / "x")], project)
    assert status == 2 and "--output-file" in err


def test_a_clean_run_says_so_on_stderr_and_keeps_stdout_clean(project: Path, command: Command) -> None:
    write(project, "test_a.py", CLEAN)
    write(project, "test_b.py", CLEAN)
    done = command([], project)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "All checks passed! (2 files checked)\n")
    done = command(["--format", "json"], project)
    assert done.stderr == "" and json.loads(done.stdout)["diagnostics"] == []


def test_per_file_ignores(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "tests/legacy/test_a.py", FINDING + SAFE_FIX)
    write(project, "tests/test_b.py", FINDING)
    (project / "pyproject.toml").write_text(
        '[tool.mocklint]\n[tool.mocklint.per-file-ignores]\n"tests/legacy/*" = ["MCK2"]\n"test_b.py" = ["MCK201"]\n',
        encoding="utf-8",
    )
    status, out, _ = call([], project)
    assert (status, out) == (0, "")
    status, out, _ = call(["legacy"], project / "tests")  # relative to the config's folder, wherever run from
    assert (status, out) == (0, "")
    # the fixes of ignored codes are not applied either
    assert call(["--fix"], project)[0] == 0
    assert "funcargnames" in (project / "tests/legacy/test_a.py").read_text(encoding="utf-8")


def test_per_file_ignores_bad_values_are_config_errors(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    (project / "pyproject.toml").write_text('[tool.mocklint]\nper-file-ignores = ["x"]\n', encoding="utf-8")
    status, _, err = call([], project)
    assert status == 2 and "`per-file-ignores` must be a table" in err
    (project / "pyproject.toml").write_text('[tool.mocklint.per-file-ignores]\n"x" = ["MCK9"]\n', encoding="utf-8")
    status, _, err = call([], project)
    assert status == 2 and "`per-file-ignores` 'x': 'MCK9' matches no rule code" in err


# -- .gitignore --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, path, is_dir, expected",
    [
        ("build/", "build", True, True),
        ("build/", "build", False, False),  # directory-only
        ("build/", "src/build", True, True),  # no slash before the end: any depth
        ("/build", "src/build", True, False),  # anchored
        ("src/gen", "src/gen", True, True),
        ("src/gen", "x/src/gen", True, False),  # a slash in the middle anchors too
        ("*.py", "a/b/c.py", False, True),
        ("a/*.py", "a/b/c.py", False, False),  # * stops at /
        ("**/gen", "a/b/gen", True, True),
        ("a/**/b", "a/b", True, True),
        ("a/**/b", "a/x/y/b", True, True),
        ("a/**", "a/x/y.py", False, True),
        ("a/**", "a", True, False),
        ("\\#x.py", "#x.py", False, True),
        ("# comment", "# comment", False, False),
        ("[!a]b.py", "cb.py", False, True),
        ("[^a]b.py", "ab.py", False, False),
    ],
)
def test_gitignore_patterns(pattern: str, path: str, is_dir: bool, expected: bool) -> None:
    rule = IgnoreRule.parse(pattern)
    assert (rule is not None and rule.matches(path.split("/"), is_dir)) is expected


def test_gitignore_matching_is_linear() -> None:
    """``**`` patterns are matched part by part: no backtracking on a deep path."""
    import time

    rule = IgnoreRule.parse("a/**/**/**/**/**/**/**/**/**/b*c*d*e*f*g*h*i*j*k*l*m*z")
    assert rule is not None
    path = ["a"] + ["x"] * 2000 + ["b" + "c" * 200]
    started = time.perf_counter()
    assert not rule.matches(path, False)
    assert time.perf_counter() - started < 2.0


def test_gitignore_is_respected_when_walking(call, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("generated/\n*_gen.py\n!keep_gen.py\n/top_only.py\n", encoding="utf-8")
    for name in ("generated/test_a.py", "tests/test_x_gen.py", "tests/keep_gen.py", "top_only.py",
                 "tests/top_only.py", "tests/sub/test_c.py", "tests/sub/test_d.py", "tests/test_ok.py"):
        write(project, name)
    (project / "tests" / "sub" / ".gitignore").write_text("test_d.py\n", encoding="utf-8")
    monkeypatch.chdir(project)
    found = discover(["."], Excluder([]), gitignore=True).files
    assert found == ["tests/keep_gen.py", "tests/sub/test_c.py", "tests/test_ok.py", "tests/top_only.py"]
    # a parent's .gitignore applies to a folder walked below it; a file named is always linted
    status, out, _ = call(["tests/sub", "generated/test_a.py"], project)
    assert [line.split(":")[0] for line in out.splitlines()] == ["tests/sub/test_c.py", "generated/test_a.py"]
    status, out, _ = call(["--no-respect-gitignore"], project)
    assert len(out.splitlines()) == 8
    (project / "pyproject.toml").write_text("[tool.mocklint]\nrespect-gitignore = false\n", encoding="utf-8")
    assert len(call([], project)[1].splitlines()) == 8


# -- unknown selectors -------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, config, message",
    [
        (["--select", "MCK9"], "", "--select: 'MCK9' matches no rule code (did you mean MCK"),
        (["--select", "MKC"], "", "--select: 'MKC' matches no rule code (did you mean MCK?"),
        (["--ignore", "MCK2,XYZ"], "", "--ignore: 'XYZ' matches no rule code (mocklint's codes start with MCK"),
        (["--extend-select", "MCK5"], "", "--extend-select: 'MCK5' matches no rule code"),
        ([], 'select = ["XYZ"]', "pyproject.toml: [tool.mocklint]: `select`: 'XYZ' matches no rule code"),
        ([], 'ignore = ["MCK29"]', "`ignore`: 'MCK29' matches no rule code (did you mean MCK2"),
    ],
)
def test_unknown_selectors_are_usage_errors(call, project: Path, args: List[str], config: str, message: str) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    (project / "pyproject.toml").write_text(f"[tool.mocklint]\n{config}\n", encoding="utf-8")
    status, out, err = call(args, project)
    assert (status, out) == (2, "")
    assert message in err and len(err.splitlines()) == 1


def test_prefixes_that_match_some_code_are_fine(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py")
    for prefix in ("MCK", "MCK2", "MCK20", "MCK201", "MCK000"):
        assert call(["--select", prefix], project)[0] in (0, 1), prefix


def test_an_unknown_selector_is_refused_on_a_warm_cache_too(project: Path, command: Command) -> None:
    """The cache answers a second run without importing the rules: a run with
    another selection misses the cache, so it is checked as well."""
    write(project, "test_a.py")
    assert command([], project).returncode == 1
    done = command(["--select", "MCK9"], project)
    assert done.returncode == 2 and "matches no rule code" in done.stderr


# -- 3. fix reporting --------------------------------------------------------------------
def test_diff_says_would_fix_and_fix_diff_writes_nothing(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(project, "test_a.py", SAFE_FIX)
    for args in (["--diff"], ["--fix", "--diff"]):
        status, out, err = call(args, project)
        assert status == 1 and out.startswith("--- a/test_a.py\n+++ b/test_a.py\n"), args
        assert err == "Would fix 1 problem.\n", args
        assert "Fixed" not in err and path.read_text(encoding="utf-8") == SAFE_FIX
    status, _, err = call(["--fix"], project)
    assert (status, err) == (0, "Fixed 1 problem.\n")


def test_fix_counts_and_hidden_unsafe_fixes(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_a.py", FINDING)
    write(project, "test_b.py", SAFE_FIX)
    write(project, "test_c.py", UNSAFE_FIX)
    status, _, err = call([], project)
    assert err.splitlines() == [
        "Found 3 problems in 3 files.",
        "[*] 1 fixable with `--fix` (1 hidden fix can be enabled with `--unsafe-fixes`); 1 without a fix.",
    ]
    status, _, err = call(["--diff"], project)
    assert err.splitlines() == ["Would fix 1 problem.", "1 hidden fix can be enabled with `--unsafe-fixes`."]
    status, _, err = call(["--diff", "--unsafe-fixes"], project)
    assert err == "Would fix 2 problems.\n"


def test_unsafe_fixes_without_fix_or_diff_warns(call, project: Path) -> None:  # type: ignore[no-untyped-def]
    write(project, "test_c.py", UNSAFE_FIX)
    status, _, err = call(["--unsafe-fixes"], project)
    assert err.splitlines()[0].startswith("mocklint: warning: --unsafe-fixes fixes nothing without --fix or --diff")
    assert "[*] 1 fixable with `--fix --unsafe-fixes`." in err
    assert (project / "test_c.py").read_text(encoding="utf-8") == UNSAFE_FIX


def test_fix_applicability_in_json_also_from_the_cache(project: Path, command: Command) -> None:
    write(project, "test_b.py", SAFE_FIX)
    write(project, "test_c.py", UNSAFE_FIX)
    documents = [json.loads(command(["--format", "json"], project).stdout) for _ in range(2)]  # cold, then cached
    assert documents[0] == documents[1]
    fixes = [d["fix"] for d in documents[0]["diagnostics"]]
    assert [f["applicability"] for f in fixes] == ["safe", "unsafe"]
    assert fixes[0]["edits"][0]["content"] == "fixturenames" and fixes[0]["message"]


# -- 4. detail and related places ---------------------------------------------------------
DETAILED = Diagnostic(
    "tests/test_a.py", 5, 4, "MCK101", "`client.fetch` is a MagicMock.", 5, 16, "unawaited-async-mock-call",
    detail="The application awaits it, so the test fails.",
    related=(Related("app/service.py", 12, 8, "`load` awaits `client.fetch()` here"),),
    fix=TextFix("Use AsyncMock", (TextEdit(5, 4, 5, 16, "AsyncMock()"),), safe=False),
)


def test_json_has_detail_related_and_fix() -> None:
    (item,) = output.json_document([DETAILED], 1)["diagnostics"]
    assert item["detail"] == "The application awaits it, so the test fails."
    assert item["related"] == [{"path": "app/service.py", "line": 12, "column": 9, "message": "`load` awaits `client.fetch()` here"}]
    assert item["fix"] == {
        "applicability": "unsafe",
        "message": "Use AsyncMock",
        "edits": [{"line": 5, "column": 5, "end_line": 5, "end_column": 17, "content": "AsyncMock()"}],
    }


def test_sarif_has_related_locations_and_the_detail() -> None:
    (result,) = output.sarif_document([DETAILED], rules=())["runs"][0]["results"]
    assert result["message"]["text"] == "`client.fetch` is a MagicMock.\n\nThe application awaits it, so the test fails."
    assert result["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "app/service.py", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12, "startColumn": 9},
            },
            "message": {"text": "`load` awaits `client.fetch()` here"},
        }
    ]


def test_the_cache_keeps_detail_related_and_fix() -> None:
    outcome = cli.Outcome("tests/test_a.py", (DETAILED,), checked=True)
    stored = cli.Outcome.from_json("tests/test_a.py", json.loads(json.dumps(outcome.to_json())))
    (again,) = stored.diagnostics
    assert (again.detail, again.related, again.fix) == (DETAILED.detail, DETAILED.related, DETAILED.fix)


def test_lsp_related_information_and_detail(tmp_path: Path) -> None:
    lsp = pytest.importorskip("mocklint.lsp")

    class Workspace:
        def get_text_document(self, uri: str) -> object:
            raise OSError("not open")

    class Server:
        workspace = Workspace()

    state = lsp.Mocklint(Server())

    class Document:
        source = FINDING * 2
        position_codec = None

    class Codec:
        @staticmethod
        def position_to_client_units(lines: object, position: object) -> object:
            return position

    Document.position_codec = Codec()
    shown = state._lsp_diagnostic(lsp.Lines(Document()), DETAILED, "https://docs.test")
    assert shown.message == "`client.fetch` is a MagicMock.\n\nThe application awaits it, so the test fails."
    (related,) = shown.related_information
    assert related.location.uri == Path(os.path.abspath("app/service.py")).as_uri()
    assert (related.location.range.start.line, related.location.range.start.character) == (11, 8)
    assert related.message == "`load` awaits `client.fetch()` here"


# -- 5. the options reference ------------------------------------------------------------
def test_the_options_reference_is_up_to_date() -> None:
    """docs/options.md is rendered from the parser and the config keys
    (``python scripts/generate_docs.py`` writes it)."""
    committed = (ROOT / "docs" / "options.md").read_text(encoding="utf-8")
    assert committed == cli.options_reference()
    parser = cli.build_parser()
    for action in parser._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert f"`{option}" in committed, option
    from mocklint.config import KNOWN_KEYS

    for key in KNOWN_KEYS:
        assert f"| `{key}` |" in committed, key


def test_readme_points_at_the_options_reference() -> None:
    assert "docs/options.md" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- 6. paths in MCK301 messages ---------------------------------------------------------
def test_mck301_names_conftest_files_relative_to_the_current_folder(call, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "repo"
    (root / "pytest.ini").parent.mkdir(parents=True)
    (root / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.mocklint]\n", encoding="utf-8")
    write(root, "tests/web/conftest.py", "import pytest\n\n\n@pytest.fixture\ndef signed_in_user():\n    return 1\n")
    write(root, "tests/api/test_one.py", "def test_users(signed_in_user):\n    assert signed_in_user\n")
    # the conftest's path is in the finding's detail, which --show-source prints
    _, from_root, _ = call(["--select", "MCK301", "--no-cache", "--show-source"], root)
    _, from_tests, _ = call(["--select", "MCK301", "--no-cache", "--show-source", "."], root / "tests")
    assert "tests/web/conftest.py" in from_root
    assert from_tests.startswith("api/test_one.py:1:") and "web/conftest.py" in from_tests
    assert "tests/web/conftest.py" not in from_tests
