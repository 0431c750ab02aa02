"""Syntax helpers shared by every rule: the libcst parse, tree walks, name
resolution, positions, and cheap questions about CPython's ``ast`` tree."""
