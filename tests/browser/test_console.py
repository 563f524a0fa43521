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


def test_staff_fill_in_a_service_point_and_a_visitor_is_told_it(browser, servers):
    """The way an operator closes a data gap: the console shows what is missing, the bot uses the fix."""
    add_staff(servers, "zhao", "another long password")
    staff_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    visitor_context = browser.new_context(locale="zh-CN")
    try:
        staff = staff_context.new_page()
        log_in(staff, servers, "zhao", "another long password")
        staff.get_by_role("tab", name="服务点").click()
        expect(staff.locator("#points-completeness")).to_contain_text(re.compile(r"共 \d+ 个服务点"))
        row = staff.locator("#points-table tbody tr").filter(has_text="越秀区税务局")
        expect(row.locator('td[data-label="待补充"]')).to_contain_text("地址")

        row.get_by_role("button", name=re.compile("编辑")).click()
        form = staff.locator("#point-form")
        form.get_by_label("地址").fill("测试越秀路3号")
        form.get_by_role("button", name="保存").click()
        expect(staff.locator("#points-note")).to_contain_text("已保存")
        expect(row.locator('td[data-label="待补充"]')).not_to_contain_text("地址")
        staff.screenshot(path=str(OUTPUT / "console-points.png"))

        visitor = visitor_context.new_page()
        open_widget(visitor, servers)
        ask(visitor, "越秀区的办税服务厅在哪里")
        expect_bot_says(visitor, "测试越秀路3号")
        expect_bot_says(visitor, "出发前请先致电服务点或拨打12366确认")
    finally:
        staff_context.close()
        visitor_context.close()
