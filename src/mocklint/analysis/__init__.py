"""mocklint's analysis core: what test code and the code under test mean,
read statically (never imported, never run) and knowing nothing of flake8.

A newcomer's map, one package per question:

- ``syntax``: the syntax helpers every rule shares. ``source`` makes the one
  libcst parse of a file, ``bodies`` drops the function bodies no rule reads
  before it, ``tree`` walks the tree once, ``names`` resolves what a name or
  dotted expression was imported as, ``bindings`` counts how often each name
  is bound (and which are changed in place), ``positions`` finds line and column of
  the reported nodes, and ``ast_scan`` answers cheap questions on CPython's
  ``ast`` tree before any libcst work; ``lazy_import`` stands for libcst
  until a function first needs it (a file that never reaches the parse never
  imports it).
- ``mock_values``: what a mock is. ``mocks`` infers the kind of mock an
  expression holds (and its children, results, ``side_effect``...);
  ``targets`` and ``module_attributes`` read what a ``patch()`` target names;
  ``leaks`` what a test leaves behind; ``mock_fixes`` the fix the async mock
  rules share; ``candidates`` the syntactic index, on ``ast``, of which files
  and bodies can hold a mock at all.
- ``under_test``: the code under test. ``summaries`` records what the
  project's own functions demand of what they are handed, ``matching`` meets
  those demands with the mocks tests hand over, ``reach`` tells whether a file
  hands mocks to project code at all.
- ``pytest_model``: the pytest project as pytest would see it. ``project``
  (conftest chains, which fixtures a test can see), ``fixture_defs`` and
  ``fixture_requests``, ``plugin_fixtures``/``builtin_fixtures``/``declared``
  (what plugins and packaging provide), ``pytest_config``, ``collection``,
  ``pytest_roles``, ``async_plugins``, ``warning_filters``, and the shared
  logic of the removed-API rules (``removed_attribute``, ``compat_guards``).
- ``reads``: the files and parts of the environment linting a file read,
  which the result cache records as its dependencies.
"""
