"""The admin view in a real headless Chromium: real server states, signing in and out, finding sessions, phones."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Locator, Page, expect
from salient_host.engine.conversation import ConversationEngine
from web_support import ADMIN_TOKEN, screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")
PHONE = {"width": 375, "height": 740}


async def sign_in(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/admin/login")
    await page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Servers")).to_be_visible()


async def chat(engine: ConversationEngine, text: str) -> str:
    session = await engine.start(account="demo", agent="sales")
    async for _ in engine.send(session.id, text, account="demo", client_message_id=f"m-{session.id}"):
        pass
    return session.id


def server_row(page: Page, name: str) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))


async def test_first_look_shows_each_servers_real_state_and_tool_count(page: Page, base_url: str) -> None:
    # A fresh host: no conversation has connected to any server yet.
    await sign_in(page, base_url)
    library = server_row(page, "library")
    await expect(library.locator("td[data-label='state']")).to_have_text("up")
    await expect(library.locator("td[data-label='tools']")).to_have_text("1")  # tiny_server offers `search`
    crm = server_row(page, "crm")
    await expect(crm.locator("td[data-label='state']")).to_have_text("up")
    tools = int(await crm.locator("td[data-label='tools']").inner_text())
    assert tools > 5


async def test_sign_out_shows_only_when_signed_in(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/admin/login")
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    await sign_in(page, base_url)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


async def test_sessions_are_paged_and_searchable(page: Page, base_url: str, engine: ConversationEngine) -> None:
    for _ in range(27):
        await engine.start(account="demo", agent="sales")
    wanted = await chat(engine, "Do you sell a zebra-striped walker?")
    await sign_in(page, base_url)

    count = page.get_by_role("status").filter(has_text="Sessions")
    await expect(count).to_have_text("Sessions 1 to 25 of 28, newest first.")
    sessions = page.locator("section", has=page.get_by_role("heading", name="Sessions", exact=True))
    await expect(sessions.locator("tbody tr")).to_have_count(25)
    await page.get_by_role("link", name="Older →").click()
    await expect(count).to_have_text("Sessions 26 to 28 of 28, newest first.")
    await expect(sessions.locator("tbody tr")).to_have_count(3)
    await page.get_by_role("link", name="← Newer").click()
    await expect(count).to_have_text("Sessions 1 to 25 of 28, newest first.")

    await page.get_by_role("searchbox", name="Search").fill("ZEBRA")
    await page.get_by_role("button", name="Find").click()
    await expect(count).to_have_text("Sessions 1 to 1 of 1 matching, newest first.")
    await expect(sessions.get_by_role("link", name=wanted)).to_be_visible()
    await page.get_by_role("searchbox", name="Search").fill("100%_nothing")
    await page.get_by_role("button", name="Find").click()
    await expect(count).to_have_text("No sessions match.")


async def test_admin_pages_fit_a_phone(browser: Browser, base_url: str, engine: ConversationEngine) -> None:
    session_id = await chat(engine, "Can I return a walker?")
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/admin/login")
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        await sign_in(page, base_url)
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        await page.screenshot(path=screenshot_path("admin-mobile"), full_page=True)
        await page.get_by_role("link", name=session_id).click()
        await expect(page.get_by_role("heading", name=f"Session {session_id}")).to_be_visible()
        assert await page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        await page.screenshot(path=screenshot_path("admin-session-mobile"), full_page=True)
    finally:
        await context.close()
