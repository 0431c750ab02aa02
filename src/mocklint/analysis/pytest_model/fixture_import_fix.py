"""MCK301's fix: make a fixture defined in a helper module visible to a test.

When the one definition of a missing fixture is a module-level fixture in a
helper module of the project (not a conftest.py, not a test module), the fix
changes a conftest.py, the way the project already shares fixtures:

- the root conftest.py (of the rootdir) has a literal ``pytest_plugins``:
  the helper module is appended to it;
- otherwise the nearest conftest.py on the test's path imports the fixture:
  ``from helpers.db import db  # noqa: F401`` after its last top-level import.

Either is an edit of another file (:class:`mocklint.rule.OtherFile`).  The
module is named the way pytest's default ``prepend`` import mode makes it
importable when that conftest.py is imported: relative to the folder it puts
on ``sys.path`` for one of the conftest.py files loaded by then (the first
ancestor that is not a package), through regular packages only.  No fix is
offered under ``--import-mode=importlib``, for an ambiguous definition, or
where the conftest.py cannot be read, already binds the name, or has no
import to put the new one after.
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional, Tuple

from mocklint.analysis.pytest_model.fixture_defs import OPAQUE, ModuleFacts
from mocklint.analysis.pytest_model.project import ProjectModel, _package_base, module_facts
from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.source import code
from mocklint.rule import Edit, Fix, OtherFile


def import_fix(model: ProjectModel, test_path: str, name: str) -> Optional[Fix]:
    """The fix for fixture ``name`` missing from the test module ``test_path``, or None."""
    if _importlib_mode(model):
        return None
    defined = model.definitions_anywhere(name)
    if len(defined) != 1:
        return None
    helper, where, registered = defined[0]
    if where != name or registered != name or not helper.endswith(".py"):
        return None
    if os.path.basename(helper) in ("conftest.py", "__init__.py") or helper == test_path:
        return None
    if model.is_test_module(helper):
        return None
    if not model.in_project(helper) or not isinstance(module_facts(helper), ModuleFacts):
        return None
    levels = [level for level in model.conftest_levels(os.path.dirname(test_path))]
    if not levels:
        return None
    root = os.path.join(model.root, "conftest.py")
    root_level = levels[0] if levels[0].path == root else None
    if root_level is not None and isinstance(root_level.facts, ModuleFacts) and root_level.facts.pytest_plugins:
        return _append_plugin(model, root_level.facts, helper, name)
    target = levels[-1]
    facts = target.facts
    if not isinstance(facts, ModuleFacts) or target.opaque or facts.module is None or facts.names is None:
        return None
    if facts.names.module_binds(facts.module, name):
        return None
    dotted = None
    for level in reversed(levels):  # the folders on sys.path once the target conftest is imported
        dotted = _dotted(helper, _package_base(os.path.dirname(level.path)))
        if dotted is not None:
            break
    if dotted is None:
        return None
    anchor = _last_import(facts.module)
    if anchor is None:
        return None
    text = f"from {dotted} import {name}  # noqa: F401"
    edit = Edit(anchor, text, new_line=True, file=OtherFile(target.path, facts.module))
    return Fix(f"Import `{name}` in {model.rel(target.path)}", (edit,), safe=False)


def _append_plugin(model: ProjectModel, facts: ModuleFacts, helper: str, name: str) -> Optional[Fix]:
    """Append the helper module to the root conftest's literal ``pytest_plugins``."""
    if facts.pytest_plugins is OPAQUE or facts.module is None:
        return None
    dotted = _dotted(helper, _package_base(os.path.dirname(facts.path)))
    if dotted is None or dotted in (facts.pytest_plugins or ()):
        return None
    value = _plugins_value(facts.module)
    if value is None:
        return None
    quote = '"'
    if isinstance(value, (cst.List, cst.Tuple)):
        elements = list(value.elements)
        if not elements:
            text = f'["{dotted}"]' if isinstance(value, cst.List) else f'("{dotted}",)'
            edit = Edit(value, text)
        else:
            last = elements[-1].value
            if not isinstance(last, cst.SimpleString):
                return None
            quote = last.quote if last.quote in ("'", '"') else '"'
            edit = Edit(last, f"{code(last)}, {quote}{dotted}{quote}")
    elif isinstance(value, cst.SimpleString):
        quote = value.quote if value.quote in ("'", '"') else '"'
        edit = Edit(value, f"[{code(value)}, {quote}{dotted}{quote}]")
    else:
        return None
    edit = Edit(edit.node, edit.text, file=OtherFile(facts.path, facts.module))
    return Fix(f"Add `{dotted}` to `pytest_plugins` in {model.rel(facts.path)}", (edit,), safe=False)


def _plugins_value(module: cst.Module) -> Optional[cst.BaseExpression]:
    """The value of the one module-level ``pytest_plugins = ...`` assignment."""
    found: List[cst.BaseExpression] = []
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: Tuple[cst.BaseExpression, ...] = ()
            if isinstance(small, cst.Assign):
                targets = tuple(t.target for t in small.targets)
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = (small.target,)
            if any(isinstance(t, cst.Name) and t.value == "pytest_plugins" for t in targets):
                if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                    return None
                found.append(small.value)
    return found[0] if len(found) == 1 else None


def _dotted(path: str, base: str) -> Optional[str]:
    """``path`` as a module importable from the folder ``base``, through regular packages."""
    rel = os.path.relpath(path, base)
    if rel.startswith(os.pardir) or os.path.isabs(rel):
        return None
    parts = rel[: -len(".py")].split(os.sep)
    folder = base
    for part in parts[:-1]:
        folder = os.path.join(folder, part)
        if not os.path.isfile(os.path.join(folder, "__init__.py")):
            return None
    if not all(part.isidentifier() for part in parts):
        return None
    if parts[0] in getattr(sys, "stdlib_module_names", ()) or parts[0] in sys.builtin_module_names:
        return None  # the standard library's module, already imported, would win
    return ".".join(parts)


def _last_import(module: cst.Module) -> Optional[cst.SimpleStatementLine]:
    """The last module-level import statement line (the new import goes after it)."""
    found = None
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            found = statement
    return found


def _importlib_mode(model: ProjectModel) -> bool:
    """Whether the pytest configuration may select ``--import-mode=importlib``
    (then conftest folders are not put on ``sys.path``)."""
    for source in model.config.sources:
        text = model.text(source) or ""
        if "import-mode" in text and "importlib" in text:
            return True
    return False
