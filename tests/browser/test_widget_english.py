"""Issue 13 item 4 in the browser: a visitor who writes English reads everything in English.

The answers, their buttons, the status banner and the widget's own controls switch to English
in the turn the visitor writes English, and back to Chinese in the turn they write Chinese.
Operator data (the staff's status note, hall names) stays Chinese and is labelled so.
"""

import re

from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.test_widget import ask, expect_bot_says, open_widget
from tests.e2e.test_live_status import put_status

CJK = re.compile(r"[\u4e00-\u9fff]")
NOTE = "系统正在维护升级。"


def controls(page) -> dict:
    """The words the widget draws itself, as the visitor sees them."""
    return page.evaluate(
        """() => {
        const root = document.getElementById("gz-einvoice-widget").shadowRoot;
        const text = (selector) => Array.from(root.querySelectorAll(selector), (n) => n.textContent.trim());
        return {
          title: text("header h2").join(" "),
          human: text("header .human").join(" "),
          send: text(".send").join(" "),
          placeholder: root.querySelector("#gz-input").getAttribute("placeholder"),
          banner: text(".status-banner").join(" "),
          feedback: text(".feedback").join(" "),
          suggestions: text(".suggestions").join(" "),
          launcher: root.querySelector(".launcher").getAttribute("aria-label"),
          close: root.querySelector(".close").getAttribute("aria-label"),
          log: root.querySelector(".log").getAttribute("aria-label"),
        };
    }"""
    )


def test_english_in_english_out_then_chinese_again(context, servers):
    put_status(servers, state="suspended", expected_resume_at="2031-12-03T09:00:00+08:00", message=NOTE)
    try:
        page = context.new_page()
        open_widget(page, servers)
        expect(page.locator(".status-banner")).to_contain_text("电子发票服务：暂停中", timeout=10000)
        before = controls(page)
        assert before["human"] == "转人工" and before["send"] == "发送" and "您可以这样问" in before["suggestions"]

        ask(page, "when will the e-invoice system be back")
        expect_bot_says(page, "suspended")
        expect(page.locator("header .human")).to_have_text("Talk to a person")
        expect(page.locator(".feedback")).to_contain_text("Was this answer helpful?", timeout=5000)
        expect(page.locator(".status-banner")).to_contain_text(
            "E-invoice service: suspended · expected back 3 Dec 09:00"
        )
        # the staff's note is operator data: shown as written, labelled as Chinese
        expect_bot_says(page, f"Note from the staff (in Chinese, as they wrote it): {NOTE}")
        english = controls(page)
        for name, text in english.items():
            assert text and not CJK.search(text), (name, text)
        assert english["send"] == "Send" and english["placeholder"] == "Type your question…"
        assert english["launcher"] == "Minimise the chat" and english["log"] == "Conversation"
        buttons = page.locator(".message.bot").last.locator(".quick-replies button")
        titles = buttons.all_text_contents()
        assert titles and not any(CJK.search(t) for t in titles), titles
        page.screenshot(path=str(OUTPUT / "widget-english.png"))

        page.locator(".quick-replies button", has_text="I need an invoice urgently").last.click()
        expect_bot_says(page, "paper invoices")
        page.locator(".feedback button", has_text="Yes").click(timeout=15000)
        expect(page.locator(".feedback")).to_contain_text("Thank you for your feedback!")

        page.reload()  # the language is the visitor's: it survives a reload
        page.locator(".launcher").click()
        expect(page.locator("header .human")).to_have_text("Talk to a person", timeout=15000)
        expect(page.locator(".message.user").first).to_contain_text("when will the e-invoice system be back")

        ask(page, "那为什么暂停了")
        expect_bot_says(page, "临时措施")  # (the staff's note above already says 维护)
        expect(page.locator("header .human")).to_have_text("转人工")
        expect(page.locator(".status-banner")).to_contain_text("电子发票服务：暂停中 · 预计12月3日 09:00恢复")
        expect(page.locator(".feedback")).to_contain_text("这个回答有帮助吗？", timeout=5000)
        chinese = controls(page)
        assert chinese["send"] == "发送" and chinese["placeholder"] == "请输入您的问题…"
        assert chinese["launcher"] == "收起在线咨询"
        last_titles = page.locator(".message.bot").last.locator(".quick-replies button").all_text_contents()
        assert all(CJK.search(t) for t in last_titles), last_titles
        page.screenshot(path=str(OUTPUT / "widget-english-then-chinese.png"))
    finally:
        put_status(servers, state="suspended")


def test_a_page_in_english_starts_the_widget_in_english(context, servers):
    """<html lang="en"> (or data-lang="en") starts in English; "Talk to a person", pressed before
    the visitor writes anything, gets an English hand-off because the payload carries the language."""
    page = context.new_page()
    # The demo page is Chinese: make it an English page before the (deferred) widget starts.
    # (A page rewritten with route.fulfill would count as a public page to Chromium's local
    # network checks and could not reach the servers on 127.0.0.1.)
    page.add_init_script(
        """document.addEventListener("readystatechange", () => {
            if (document.readyState === "interactive") document.documentElement.lang = "en";
        });"""
    )
    page.goto(f"{servers.web}/")
    launcher = page.locator(".launcher")
    expect(launcher).to_have_attribute("aria-label", "Open the chat")
    launcher.click()
    expect(page.locator(".connection")).to_be_hidden(timeout=15000)
    expect(page.locator(".notice.welcome")).to_contain_text("Hello! I'm the automatic assistant")
    expect(page.locator(".suggestions")).to_contain_text("You can ask:")
    expect(page.locator("header h2")).to_have_text("E-invoice assistant")
    page.locator("header .human").click()
    expect(page.locator(".message.user").last).to_contain_text("Talk to a person")
    expect_bot_says(page, "staffed hours")
    page.locator(".quick-replies button", has_text="Cancel the agent request").last.click()
    expect(page.locator(".message.bot").last).not_to_contain_text("staffed hours", timeout=15000)
    texts = page.locator(".message.bot").all_text_contents()
    assert not any(CJK.search(t) for t in texts[-1:]), texts[-1:]
    page.screenshot(path=str(OUTPUT / "widget-english-page.png"))
