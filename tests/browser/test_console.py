"""Issue 7 in the browser: a widget visitor asks for a human, staff answer from the console."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.test_widget import ask, expect_bot_says, open_widget
from tests.e2e.test_staff import add_staff


def log_in(page, servers, name, password):
    page.goto(f"{servers.web}/console")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name=re.compile("登录")).click()
    expect(page).to_have_url(re.compile(r"/console$"))


def test_staff_answer_a_widget_visitor_from_the_console(browser, servers):
    add_staff(servers, "li", "a long enough password")
    visitor_context = browser.new_context(locale="zh-CN")
    staff_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    dialogs = []
    try:
        visitor = visitor_context.new_page()
        open_widget(visitor, servers)
        ask(visitor, "我要找真人")
        expect_bot_says(visitor, "转接人工")
        ask(visitor, "<img src=x onerror=alert(1)>在吗")
        expect_bot_says(visitor, "已转人工，请稍候")

        staff = staff_context.new_page()
        staff.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        log_in(staff, servers, "li", "a long enough password")
        card = staff.locator(".handoff").filter(has_text="我要找真人").first
        expect(card).to_be_visible(timeout=15000)
        expect(card.locator(".msg.user", has_text="onerror")).to_have_text(re.compile(r"<img src=x onerror=alert\(1\)>在吗"))
        assert staff.locator(".handoff img").count() == 0

        card.locator(".reply-text").fill("您好，我是客服小李，请问您遇到什么问题？")
        card.locator(".reply-send").click()
        expect_bot_says(visitor, "您好，我是客服小李")
        expect(card.locator(".msg.staff").first).to_contain_text("客服小李", timeout=10000)
        staff.screenshot(path=str(OUTPUT / "console-queue.png"))

        card.locator(".release").click()
        expect(staff.locator(".handoff").filter(has_text="我要找真人")).to_have_count(0, timeout=10000)
        expect_bot_says(visitor, "人工客服已结束本次服务")
        assert dialogs == []
    finally:
        visitor_context.close()
        staff_context.close()
