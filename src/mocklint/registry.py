"""The explicit list of rules.  A rule that is not listed here does not run.

Add a new rule by writing its module under ``mocklint.rules``, appending its
class here, adding ``tests/fixtures/<rule-name>/`` and regenerating the docs
(``python scripts/generate_docs.py``); ``tests/test_meta.py`` checks each step.
Codes are never reused, even after a rule is removed.
"""

from __future__ import annotations

from typing import Tuple, Type

from mocklint.rule import Rule
from mocklint.rules.async_fixture_without_plugin import AsyncFixtureWithoutPlugin
from mocklint.rules.async_mock_call_as_context_manager import AsyncMockCallAsContextManager
from mocklint.rules.async_test_without_plugin import AsyncTestWithoutPlugin
from mocklint.rules.awaited_sync_mock import AwaitedSyncMock
from mocklint.rules.class_fixture_instance_method import ClassFixtureInstanceMethod
from mocklint.rules.fixture_not_found import FixtureNotFound
from mocklint.rules.fixture_positional_arguments import FixturePositionalArguments
from mocklint.rules.fixture_scope_mismatch import FixtureScopeMismatch
from mocklint.rules.funcargnames import Funcargnames
from mocklint.rules.get_event_loop_in_sync_test import GetEventLoopInSyncTest
from mocklint.rules.getfuncargvalue import Getfuncargvalue
from mocklint.rules.mark_on_fixture import MarkOnFixture
from mocklint.rules.metafunc_addcall import MetafuncAddcall
from mocklint.rules.mock_assert_no_op import MockAssertNoOp
from mocklint.rules.mock_leaked_into_shared_state import MockLeakedIntoSharedState
from mocklint.rules.nose_setup_teardown import NoseSetupTeardown
from mocklint.rules.parametrize_one_shot_iterator import ParametrizeOneShotIterator
from mocklint.rules.patch_call_always_fails import PatchCallAlwaysFails
from mocklint.rules.patch_target_missing import PatchTargetMissing
from mocklint.rules.patch_undone_before_use import PatchUndoneBeforeUse
from mocklint.rules.patcher_started_without_stop import PatcherStartedWithoutStop
from mocklint.rules.py_path_hook_argument import PyPathHookArgument
from mocklint.rules.pytest_asyncio_event_loop import PytestAsyncioEventLoop
from mocklint.rules.pytest_config_global import PytestConfigGlobal
from mocklint.rules.pytest_funcarg_prefix import PytestFuncargPrefix
from mocklint.rules.pytest_instance import PytestInstance
from mocklint.rules.pytest_msg_keyword import PytestMsgKeyword
from mocklint.rules.pytest_plugins_in_non_root_conftest import PytestPluginsInNonRootConftest
from mocklint.rules.pytest_raises_message import PytestRaisesMessage
from mocklint.rules.pytest_warns_none import PytestWarnsNone
from mocklint.rules.pytest_yield_fixture import PytestYieldFixture
from mocklint.rules.request_cached_setup import RequestCachedSetup
from mocklint.rules.unawaited_async_mock_call import UnawaitedAsyncMockCall
from mocklint.rules.yield_test import YieldTest

ALL_RULES: Tuple[Type[Rule], ...] = (
    AsyncMockCallAsContextManager,
    AwaitedSyncMock,
    UnawaitedAsyncMockCall,
    PytestConfigGlobal,
    PytestYieldFixture,
    PytestWarnsNone,
    PytestMsgKeyword,
    Getfuncargvalue,
    Funcargnames,
    FixturePositionalArguments,
    MetafuncAddcall,
    RequestCachedSetup,
    PytestFuncargPrefix,
    YieldTest,
    NoseSetupTeardown,
    MarkOnFixture,
    PytestInstance,
    PyPathHookArgument,
    ClassFixtureInstanceMethod,
    ParametrizeOneShotIterator,
    PytestRaisesMessage,
    PytestAsyncioEventLoop,
    AsyncTestWithoutPlugin,
    AsyncFixtureWithoutPlugin,
    FixtureNotFound,
    PytestPluginsInNonRootConftest,
    FixtureScopeMismatch,
    PatcherStartedWithoutStop,
    MockLeakedIntoSharedState,
    MockAssertNoOp,
    PatchUndoneBeforeUse,
    GetEventLoopInSyncTest,
    PatchCallAlwaysFails,
    PatchTargetMissing,
)
