"""Issue 5: the widget as a visitor meets it, in headless Chromium."""

import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.conftest import RASA_TOKEN, STAFF_TOKEN
from tests.e2e.test_live_status import http


def open_widget(page, servers):
    page.goto(f"{servers.web}/")
    launcher = page.locator(".launcher")
    expect(launcher).to_have_attribute("aria-label", "打开在线咨询")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".connection")).to_be_hidden(timeout=15000)  # connected
    return page.locator(".log")


def ask(page, text):
    page.locator("#gz-input").fill(text)
    page.locator("#gz-input").press("Enter")


def bot_messages(page):
    return page.locator(".message.bot")


def expect_bot_says(page, text, timeout=15000):
    """A bot bubble with this text appears (answers may come as several bubbles)."""
    expect(page.locator(".message.bot", has_text=text).last).to_be_visible(timeout=timeout)


def test_ask_click_reload_and_see_the_conversation(context, servers):
    page = context.new_page()
    log = open_widget(page, servers)
    expect(page.locator("#gz-input")).to_be_focused()
    ask(page, "为什么暂停开票")
    expect_bot_says(page, "维护")
    expect(log).to_have_attribute("aria-live", "polite")

    page.locator(".quick-replies button", has_text="现在恢复了吗").last.click()
    expect_bot_says(page, "以广州市税务局正式公告为准")
    expect(page.locator(".message.user").last).to_have_text(re.compile("现在恢复了吗"))

    page.screenshot(path=str(OUTPUT / "widget-open.png"))

    page.reload()
    page.locator(".launcher").click()
    expect(page.locator(".message.user").first).to_contain_text("为什么暂停开票", timeout=15000)
    expect(page.locator(".message.bot", has_text="维护").first).to_be_visible()
    # the quick replies of old answers stay usable
    page.locator(".quick-replies button", has_text="急需开票怎么办").first.click()
    expect_bot_says(page, "纸质发票")

    # a new tab continues the same conversation
    other = context.new_page()
    other.goto(f"{servers.web}/")
    other.locator(".launcher").click()
    expect(other.locator(".message.user").first).to_contain_text("为什么暂停开票", timeout=15000)


def test_html_from_the_visitor_shows_as_text_and_runs_nothing(context, servers):
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_widget(page, servers)
    ask(page, "<img src=x onerror=alert(1)>")
    expect(page.locator(".message.user").last).to_have_text(re.compile(r"<img src=x onerror=alert\(1\)>"))
    expect(bot_messages(page).last).to_be_visible(timeout=15000)
    time.sleep(0.5)
    assert page.locator(".log img").count() == 0
    assert dialogs == []


def test_panel_fits_a_small_phone(browser, servers):
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 640}, is_mobile=True)
    try:
        page = context.new_page()
        open_widget(page, servers)
        box = page.locator(".panel").bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= 360 and box["y"] + box["height"] <= 640
        input_box = page.locator("#gz-input").bounding_box()
        assert input_box["y"] + input_box["height"] <= 640
        page.screenshot(path=str(OUTPUT / "widget-360.png"))
    finally:
        context.close()


def test_message_typed_offline_is_sent_on_reconnect_and_counted_unread(context, servers):
    page = context.new_page()
    open_widget(page, servers)
    page.evaluate("window.gzEinvoiceWidget.socket.disconnect()")
    expect(page.locator(".connection")).to_contain_text("连接已断开")
    ask(page, "纸质发票可以替代吗")
    expect(page.locator(".message.user .pending").last).to_be_visible()
    page.locator(".close").click()
    expect(page.locator(".launcher")).to_be_focused()
    page.evaluate("window.gzEinvoiceWidget.socket.connect()")
    expect(page.locator(".badge")).to_be_visible(timeout=15000)
    page.locator(".launcher").click()
    expect(page.locator(".badge")).to_be_hidden()
    expect_bot_says(page, "纸质发票")
    expect(page.locator(".message.user .pending")).to_have_count(0)
    assert page.locator(".message.bot").count() < 10, "one answer, no replays"


def test_offline_message_survives_a_reload(context, servers):
    page = context.new_page()
    open_widget(page, servers)
    page.evaluate("window.gzEinvoiceWidget.socket.disconnect()")
    ask(page, "能不能预约办理")
    page.reload()  # the message was never sent; it must not be lost
    page.locator(".launcher").click()
    expect_bot_says(page, "预约")


def test_feedback_is_recorded_in_the_conversation(context, servers):
    page = context.new_page()
    open_widget(page, servers)
    ask(page, "线下开票要带什么")
    page.locator(".feedback button", has_text="有帮助").click(timeout=15000)
    expect(page.locator(".feedback")).to_contain_text("谢谢您的反馈")
    session = page.evaluate("window.gzEinvoiceWidget.session")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = http("GET", f"{servers.rasa}/conversations/{session}/tracker?token={RASA_TOKEN}")[1]["events"]
        ratings = [e for e in events if e["event"] == "user" and e["parse_data"]["intent"]["name"] == "feedback"]
        if ratings:
            break
        time.sleep(0.3)
    assert ratings and ratings[-1]["parse_data"]["entities"][0]["value"] == "yes"


def test_human_button_and_escape_key(context, servers):
    page = context.new_page()
    open_widget(page, servers)
    page.locator("header .human").click()
    expect_bot_says(page, "人工")
    page.locator("#gz-input").press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    expect(page.locator(".launcher")).to_be_focused()


def test_location_button_sends_the_position_for_the_finder(browser, servers):
    status, _ = http(
        "PUT",
        f"{servers.web}/api/service-points/huangpu-tax-bureau",
        {
            "name": "测试黄埔办税服务厅",
            "district": "黄埔",
            "address": "测试三路3号",
            "latitude": 23.106,
            "longitude": 113.459,
        },
        STAFF_TOKEN,
    )
    assert status == 200
    time.sleep(1.2)
    context = browser.new_context(
        locale="zh-CN", geolocation={"latitude": 23.10, "longitude": 113.46}, permissions=["geolocation"]
    )
    try:
        page = context.new_page()
        open_widget(page, servers)
        page.locator(".location").click()
        expect_bot_says(page, "离您最近")
        expect(page.locator(".message.bot", has_text="测试黄埔办税服务厅").last).to_be_visible()
    finally:
        context.close()


def test_restoration_notice_reaches_an_open_widget(context, servers):
    from tests.e2e.test_live_status import put_status

    put_status(servers, state="suspended")
    page = context.new_page()
    open_widget(page, servers)
    ask(page, "恢复了通知我")
    expect_bot_says(page, "已为您登记恢复通知")
    try:
        put_status(servers, state="normal")
        expect_bot_says(page, "【恢复通知】", timeout=20000)
        expect_bot_says(page, "已恢复正常")
    finally:
        put_status(servers, state="suspended")


def test_a_flooding_socket_client_is_told_to_slow_down(context, servers):
    page = context.new_page()
    open_widget(page, servers)
    page.evaluate("""() => {
        const w = window.gzEinvoiceWidget;
        for (let i = 0; i < 25; i++) w.socket.emit("user_uttered", {message: "你好" + i, session_id: w.session});
    }""")
    expect_bot_says(page, "您发送得太快了")


def test_status_banner_and_suggested_questions(browser, servers):
    """The live status where visitors look first, updated while the widget stays open."""
    from tests.e2e.test_live_status import put_status

    put_status(servers, state="suspended", expected_resume_at="2031-12-03T09:00:00+08:00")
    context = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        open_widget(page, servers)
        banner = page.locator(".status-banner")
        expect(banner).to_contain_text("电子发票服务：暂停中", timeout=10000)
        expect(banner).to_contain_text("预计12月3日 09:00恢复")
        expect(banner).to_contain_text(re.compile(r"更新于今天\d\d:\d\d"))
        suggestions = page.locator(".suggestions button")
        expect(suggestions).to_have_count(3)
        page.screenshot(path=str(OUTPUT / "widget-status-banner.png"))
        put_status(servers, state="normal")
        # the banner polls every 20 s while the panel is open
        expect(banner).to_contain_text("电子发票服务：已恢复正常", timeout=30000)
        expect(banner).not_to_contain_text("预计")
        suggestions.first.click()
        expect_bot_says(page, "已恢复正常")
        expect(page.locator(".suggestions")).to_have_count(0)
    finally:
        put_status(servers, state="suspended")
        context.close()
