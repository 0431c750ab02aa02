"""Which classes and functions of a module pytest collects, decided statically.

pytest's defaults only (``python_classes = Test``, ``python_functions = test``,
both prefixes).  A class is collected when its name starts with ``Test``, it
sits at module level, and neither it nor a base defines ``__init__`` or
``__new__`` (pytest then warns "cannot collect test class" and skips it).
``__test__`` assignments turn collection off for a class or a module.

Precision first: whatever cannot be decided from the file alone -- a base class
imported from elsewhere (it could be ``unittest.TestCase``, or define
``setup_method``), a metaclass, a diamond -- answers "unknown", which the rules
treat as "not collected" and stay silent.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

from mocklint.analysis.syntax.lazy_import import libcst as cst
from mocklint.analysis.syntax.names import NameResolver
from mocklint.analysis.syntax.tree import Site

TEST_CLASS_PREFIX = "Test"
TEST_FUNCTION_PREFIX = "test"


def module_level_def(site: Site) -> bool:
    """Whether the node at ``site`` is a statement directly in the module body."""
    return isinstance(site.parent, cst.Module)


def enclosing_module_class(site: Site) -> Optional[cst.ClassDef]:
    """The class whose body holds the node at ``site`` directly, when that class
    itself sits directly in the module body; None otherwise."""
    chain = [ancestor for ancestor, _ in site.ancestors()]
    if (
        len(chain) == 3
        and isinstance(chain[0], cst.IndentedBlock)
        and isinstance(chain[1], cst.ClassDef)
        and isinstance(chain[2], cst.Module)
    ):
        return chain[1]
    return None


def module_classes(module: cst.Module) -> Dict[str, cst.ClassDef]:
    """Classes defined directly in the module body, by name (names defined twice are left out)."""
    found: Dict[str, cst.ClassDef] = {}
    twice: Set[str] = set()
    for statement in module.body:
        if isinstance(statement, cst.ClassDef):
            name = statement.name.value
            if name in found:
                twice.add(name)
            found[name] = statement
    for name in twice:
        del found[name]
    return found


def body_binds(block: cst.BaseSuite, name: str) -> bool:
    """Whether a class or module body binds ``name`` directly (def, class, assignment, import)."""
    statements = block.body if isinstance(block, cst.IndentedBlock) else ()
    return any(statement_binds(statement, name) for statement in statements)


def module_binds_directly(module: cst.Module, name: str) -> bool:
    return any(statement_binds(statement, name) for statement in module.body)


def statement_binds(statement: cst.CSTNode, name: str) -> bool:
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return statement.name.value == name
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                if any(_target_has(target.target, name) for target in small.targets):
                    return True
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                if _target_has(small.target, name):
                    return True
            elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.asname.name if alias.asname is not None else alias.name
                    if isinstance(bound, cst.Name) and bound.value == name:
                        return True
                    if isinstance(bound, cst.Attribute) and _head(bound) == name:
                        return True
    elif isinstance(statement, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
        # a binding under a condition still may happen: count it
        for child in _nested_blocks(statement):
            if body_binds(child, name):
                return True
    return False


def _nested_blocks(statement: cst.CSTNode) -> List[cst.BaseSuite]:
    blocks: List[cst.BaseSuite] = []
    body = getattr(statement, "body", None)
    if isinstance(body, cst.BaseSuite):
        blocks.append(body)
    orelse = getattr(statement, "orelse", None)
    while orelse is not None:
        blocks.append(orelse.body)
        orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
    for handler in getattr(statement, "handlers", ()):
        blocks.append(handler.body)
    final = getattr(statement, "finalbody", None)
    if final is not None:
        blocks.append(final.body)
    return blocks


def _head(node: cst.BaseExpression) -> Optional[str]:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def _target_has(target: cst.BaseExpression, name: str) -> bool:
    if isinstance(target, cst.Name):
        return target.value == name
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_target_has(element.value, name) for element in target.elements)
    if isinstance(target, cst.StarredElement):
        return _target_has(target.value, name)
    return False


def local_mro(cls: cst.ClassDef, module: cst.Module, names: NameResolver) -> Optional[List[cst.ClassDef]]:
    """``cls`` and its base classes, nearest first, when every base is a class of
    this module (or ``object``) and the hierarchy is a plain tree; else None."""
    classes = module_classes(module)
    order: List[cst.ClassDef] = []
    visiting: Set[int] = set()

    def visit(node: cst.ClassDef) -> bool:
        if id(node) in visiting or any(seen is node for seen in order):
            return False  # a cycle or a diamond: do not guess the C3 order
        if node.keywords:
            return False  # a metaclass can change everything
        visiting.add(id(node))
        order.append(node)
        for arg in node.bases:
            if arg.keyword is not None or arg.star:
                return False
            base = arg.value
            if not isinstance(base, cst.Name):
                return False
            if base.value == "object" and not names.scope_bindings(module, "object"):
                continue
            target = classes.get(base.value)
            if target is None or len(names.scope_bindings(module, base.value)) != 1:
                return False
            if not visit(target):
                return False
        visiting.discard(id(node))
        return True

    if not any(statement is cls for statement in module.body):
        return None
    return order if visit(cls) else None


def collected_test_class(cls: cst.ClassDef, module: cst.Module, names: NameResolver) -> Optional[List[cst.ClassDef]]:
    """The local MRO of ``cls`` when pytest collects it as a test class, else None."""
    if not cls.name.value.startswith(TEST_CLASS_PREFIX) or module_binds_directly(module, "__test__"):
        return None
    mro = local_mro(cls, module, names)
    if mro is None:
        return None
    for klass in mro:
        if any(body_binds(klass.body, special) for special in ("__init__", "__new__", "__test__")):
            return None
    return mro
