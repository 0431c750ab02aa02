"""Positions from the statements that hold the nodes (#22), exactly the provider's.

Given the text a module was parsed from and its ``ast`` tree, ``positions_of``
generates only the statements holding the nodes asked for (up to the last of
them), each placed where ``ast`` puts its first token less its
``leading_lines``.  Each case below compares every meaningful node of a small
source, all at once and one at a time, with libcst's ``PositionProvider``, and
checks which way the answer came: from the statements, or (where the cheap
mapping is not certain) from the whole module.
``tests/test_speed.py`` does the same over every fixture file.
"""

from __future__ import annotations

import ast
import textwrap
from typing import List

import libcst as cst
import pytest

from mocklint.analysis.syntax import positions as positions_module
from mocklint.analysis.syntax.bodies import reduce_source
from mocklint.analysis.syntax.positions import positions_of
from mocklint.analysis.syntax.tree import descendants
from mocklint.engine import Engine
from support import count_statement_answers, provider_positions


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> List[bool]:
    """Whether each call given a text and a tree was answered from the statements."""
    return count_statement_answers(monkeypatch)


def _compare(source: str, answered: List[bool]) -> List[bool]:
    """Every meaningful node of ``source``, at once and one at a time, against
    the provider, with and without the text and tree; whether the statements
    answered each call given them."""
    module = cst.parse_module(source)
    tree = ast.parse(source.lstrip("\ufeff"))
    expected = provider_positions(module)
    nodes = [node for node in descendants(module) if node is not module]
    before = len(answered)
    for group in [nodes, *([node] for node in nodes)]:
        found = positions_of(module, group, source, tree)
        assert {node: found.get(node) for node in group} == {node: expected[node] for node in group}, group
        if answered[-1]:
            assert len(found) == len(group)  # the provider's fallback answers for every node
        whole = positions_of(module, group)  # the module generated from its start, up to the nodes
        assert {node: whole.get(node) for node in group} == {node: expected[node] for node in group}, group
    assert len(answered) - before == len(nodes) + 1
    return answered[before:]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("a = 1; b = f(2);  c = 3\nd = 4;\ne = g(5) ; f = 6\n", id="semicolons"),
        pytest.param(
            "@first\n# between\n@second(1)\n\n# after a blank line\n@third\ndef f(x):\n    return x\n"
            "@dataclass  # trailing\n# between\nclass C:\n    @property\n    # inside\n    def p(self): return 1\n",
            id="decorators-with-comments",
        ),
        pytest.param(
            "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n# header\n\n\n# the first statement's own comment\n"
            "import os\n",
            id="module-header",
        ),
        pytest.param(
            "x = 1\n\n\n# about y\n\n# more about y\ny = h(x)\n\n\n\nclass K:\n\n    # about m\n\n    def m(self):\n\n"
            "        # about the body\n        return y\n\n    # a footer comment of K's block\n",
            id="blank-lines-and-comments",
        ),
        pytest.param("x = 1\ny = 2\nwith patch('a.b') as m:\n    m.assert_called_once()\n", id="last-statement"),
        pytest.param("import os\ndef f():\n    return os.sep", id="no-trailing-newline"),
        pytest.param("x = 1\n# only a comment, no newline", id="footer-no-trailing-newline"),
        pytest.param(
            "class TestA:\n    def test_a(self, m):\n        with patch('x') as p:\n            p.assert_called()\n"
            "            if p:\n                m(p)\n\n    async def test_b(self):\n        await g(h(1))\n",
            id="nested-statements",
        ),
        pytest.param(
            'x = """\n"""; y = (\n    1,\n)\ndef f():\n    s = """\ndef g(): pass\n"""\n    return s\n',
            id="multiline-strings",
        ),
        pytest.param("\ufeffimport os\nos.sep\n", id="byte-order-mark"),
        pytest.param(
            "if a:\n    b()\nelif c:\n    d()\nelse:\n    e()\ntry:\n    pass\nfinally:\n    z()\n", id="compound"
        ),
        pytest.param("def f():\n\tif x:\n\t\treturn y\n\treturn z\n", id="tabs"),
    ],
)
def test_positions_from_the_statements_are_the_providers(source: str, answered: List[bool]) -> None:
    assert all(_compare(source, answered))


def test_reduced_bodies(answered: List[bool]) -> None:
    """The engine's module is of the text with unread bodies replaced by ``pass``
    (lines kept in place) and its ``ast`` tree of the file itself."""
    source = textwrap.dedent(
        """\
        import pytest

        def test_unread(x):
            a = 1
            b = 2
            return a + b

        class TestC:
            def test_unread_method(self):
                c = 3
                # a comment
                return c

            def test_read(self, mocker):
                m = mocker.patch("a.b")
                m.assert_called_once()

        def test_read_too(mocker):
            mocker.patch("c.d").assert_called()
        """
    )
    reduced, dropped, _ = reduce_source(source, ast.parse(source), [lambda func, body: "mocker" in body])
    assert dropped == 4 and reduced.count("pass") == 2  # the check below is on a reduced text
    module = cst.parse_module(reduced)
    tree = ast.parse(source)
    expected = provider_positions(module)
    nodes = [node for node in descendants(module) if node is not module]
    read = [node for node in nodes if isinstance(node, cst.Call)]  # the nodes of the bodies kept
    for group in [read, *([node] for node in read)]:
        assert dict(positions_of(module, group, reduced, tree)) == {node: expected[node] for node in group}
    assert answered == [True] * (len(read) + 1)
    # a node of a reduced body: its body has one statement, the file's had three; the whole module answers
    passes = [node for node in nodes if isinstance(node, cst.Pass)]
    assert [dict(positions_of(module, [node], reduced, tree)) for node in passes] == [
        {node: expected[node]} for node in passes
    ]
    assert answered[len(read) + 1:] == [False, False]


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("x = 1\r\ny = f(2)\r\n", id="crlf"),
        pytest.param("x = 1\ny = f(2)\r\nz = 3\n", id="one-crlf-late"),
        pytest.param("x = 1\ry = f(2)\r", id="lone-cr"),
    ],
)
def test_carriage_returns_fall_back(source: str, answered: List[bool]) -> None:
    """``ast`` and the provider may count lines apart where there is a ``\\r``."""
    assert not any(_compare(source, answered))


@pytest.mark.parametrize(
    "source",
    [
        # ast puts a decorator at its expression's line, not at the `@`'s
        pytest.param("x = 1\n@(\n    decorator\n)\ndef f():\n    return g()\n", id="parenthesised-decorator"),
        pytest.param("x = 1\n@\\\ndecorator\ndef f():\n    return g()\n", id="continued-decorator"),
        pytest.param("x = 1\n\\\n\ny = g()\n", id="continuation-line-before"),
    ],
)
def test_where_ast_misplaces_the_first_token_the_text_check_falls_back(source: str, answered: List[bool]) -> None:
    """The statement asked for (by its name) is not the text at the line ``ast``
    gives: the whole module answers."""
    module = cst.parse_module(source)
    tree = ast.parse(source)
    expected = provider_positions(module)
    names = [node for node in descendants(module) if isinstance(node, cst.Name) and node.value in ("f", "y")]
    assert dict(positions_of(module, names, source, tree)) == {node: expected[node] for node in names}
    assert answered == [False]


def test_statements_that_do_not_line_up_fall_back(answered: List[bool]) -> None:
    """A tree of another text (one statement fewer): the counts disagree."""
    source = "x = 1\ny = g()\n"
    module = cst.parse_module(source)
    call = module.body[1].body[0].value  # type: ignore[attr-defined]
    found = positions_of(module, [call], source, ast.parse("y = g()\n"))
    assert dict(found) == {call: provider_positions(module)[call]}
    assert answered == [False]


def test_nodes_outside_every_statement_fall_back(answered: List[bool]) -> None:
    """The module itself, a comment of the header: found by the whole module."""
    source = "# header\n\nx = f()\n"
    module = cst.parse_module(source)
    comment = module.header[0].comment
    wanted = [module, comment, module.body[0]]
    expected = provider_positions(module)
    assert dict(positions_of(module, wanted, source, ast.parse(source))) == {node: expected[node] for node in wanted}
    assert answered == [False]


def test_nested_wanted_nodes(answered: List[bool]) -> None:
    """A node, its ancestors and descendants asked for together: the outermost
    statement holding them is generated whole, a ``def`` asked for with its body."""
    source = "class A:\n    def f(self):\n        return g(h(1), k=2)\n\n    def other(self):\n        pass\n"
    module = cst.parse_module(source)
    cls = module.body[0]
    method = cls.body.body[0]  # type: ignore[attr-defined]
    ret = method.body.body[0].body[0]  # type: ignore[attr-defined]
    call = ret.value
    inner = call.args[0].value
    expected = provider_positions(module)
    tree = ast.parse(source)
    for wanted in ([call, inner], [method, call, inner], [cls, ret, inner], [method.params, inner], [method.name]):
        assert dict(positions_of(module, wanted, source, tree)) == {node: expected[node] for node in wanted}
    assert answered == [True] * 5


def test_only_the_holding_statement_is_generated_up_to_the_node(
    answered: List[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The statements before the one holding the node, and what follows the node,
    are not generated (the point of it all: their code generation is the cost)."""
    tokens: List[str] = []
    add_token = positions_module._OffsetState.add_token

    def recorded(self, value):  # type: ignore[no-untyped-def]
        tokens.append(value)
        add_token(self, value)

    monkeypatch.setattr(positions_module._OffsetState, "add_token", recorded)
    source = (
        "before_1 = 1\n"
        "def before_2():\n    return 2\n"
        "class Holder:\n    def earlier(self):\n        return 3\n"
        "    def test(self):\n        target(1)\n        after_in_method(2)\n"
        "after_1 = 4\n"
    )
    module = cst.parse_module(source)
    target = module.body[2].body.body[1].body.body[0].body[0].value  # type: ignore[attr-defined]
    found = positions_of(module, [target], source, ast.parse(source))
    assert dict(found) == {target: provider_positions(module)[target]}
    assert answered == [True]
    assert "target" in tokens
    assert not {"before_1", "before_2", "Holder", "earlier", "after_in_method", "after_1"} & set(tokens)


def test_the_engine_takes_its_positions_from_the_statements(
    answered: List[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the engine (unread bodies reduced): the statements answer, with the
    provider's positions and fixes."""
    source = textwrap.dedent(
        """\
        from unittest import mock


        def test_unrelated():
            x = 1
            y = 2
            assert x + y == 3


        def test_misspelt():
            m = mock.Mock()
            m.do()
            m.asert_called_once()
            m.assert_called_once_with
        """
    )
    new = Engine().lint(source, "test_example.py").diagnostics
    assert new and answered and all(answered)
    monkeypatch.setattr(positions_module, "positions_of", lambda module, nodes, *rest: provider_positions(module))
    old = Engine().lint(source, "test_example.py").diagnostics
    assert [(d, d.fix) for d in new] == [(d, d.fix) for d in old]
