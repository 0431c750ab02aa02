import pytest


@pytest.fixture
def temp_port_registry():
    return {}
