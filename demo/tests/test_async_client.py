"""An aiohttp-style client tested with mocks: three classic mistakes."""
from unittest.mock import AsyncMock, MagicMock


async def test_fetch_status():
    session = AsyncMock()
    async with session.get("https://api.example.org/health") as response:
        assert response.status


async def test_cached_lookup():
    cache = MagicMock()
    cache.get.return_value = b"ada"
    assert await cache.get("user:1") == b"ada"


async def test_notifies_on_deploy():
    notifier = AsyncMock()
    notifier.send("#deploys", "deploy finished")
    notifier.send.assert_called_once()
