"""Unexpected failures reach the client masked, with a correlation id that is also in the log."""

from __future__ import annotations

import logging
import re

import pytest
from catalog_support import load
from fastmcp import Client
from fastmcp.exceptions import ToolError
from salient_catalog.server import create
from salient_core.db import Database
from sqlalchemy import text


async def test_internal_error_is_masked_and_correlated(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    await load(sqlite_url)
    async with Client(create(db=sqlite_url)) as client:
        db = Database(sqlite_url)
        async with db.transaction() as session:  # break the database under the running server
            await session.execute(text("ALTER TABLE variants RENAME TO variants_gone"))
        await db.close()
        with (
            caplog.at_level(logging.ERROR, logger="salient_core.middleware"),
            pytest.raises(ToolError) as caught,
        ):
            await client.call_tool("check_availability", {"sku": "BW-TITAN"})
    message = str(caught.value)
    found = re.search(r"Internal error in 'check_availability' \(correlation id ([0-9a-f]{12})\)", message)
    assert found, message
    assert "variants" not in message  # no internals leak to the client
    logged = [r for r in caplog.records if getattr(r, "correlation_id", None) == found.group(1)]
    assert logged and logged[0].exc_info is not None
