"""Issue 16: what one replica sends reaches a widget connected to the other, within 2 s.

The widget (headless Chromium) is pinned to the first replica; the staff reply, the
restoration notice and the hand-off release are sent through the second, as the web app
sends them (server events appended with output_channel=latest), and must appear in the
widget within 2 s (python-socketio's Redis manager, bot/channels/socketio_redis.py).
"""

import asyncio
import concurrent.futures
import time

from playwright.sync_api import expect

# imported before any timing: the first delivery measured 2.2 s on a busy machine, most of it
# these modules' first import inside the timed call
from bot.conversations import server_events
from bot.conversations.rasa_api import RasaApi
from tests.browser.test_widget import ask, expect_bot_says

DELIVERY_SECONDS = 2.0


def open_widget_on(page, scaled, replica):
    """The demo page through nginx, its widget's socket pointed at one replica."""

    def pin(route):
        response = route.fetch()
        body = response.text().replace(f'data-socket-url="{scaled["url"]}"', f'data-socket-url="{replica}"')
        assert f'data-socket-url="{replica}"' in body
        route.fulfill(response=response, body=body)

    page.route(f"{scaled['url']}/", pin)
    page.goto(f"{scaled['url']}/")
    page.locator(".launcher").click()
    expect(page.locator(".connection")).to_be_hidden(timeout=15000)


def send_through(replica, token, session, kind, text=""):
    """What the web app sends (bot/conversations/rasa_api.py: server events with
    output_channel=latest), but through the given replica's API."""

    async def send():
        api = RasaApi(url=replica, token=token)
        if kind == "staff reply":
            await api.send_staff_reply(session, text, "scale-test")
        elif kind == "release":
            await api.release_handoff(session, "scale-test")
        else:
            state = await api.tracker(session)
            events = server_events.restoration_notice(
                "电子发票服务已恢复正常。", "normal", state.get("slots") or {}, state.get("latest_input_channel")
            )
            await api.append_events(session, events)

    # Playwright's sync API holds this thread's event loop: the client runs in its own thread
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, send()).result(timeout=30)


def delivered(page, replica, token, session, kind, sent, text):
    """Seconds from sending to the bubble in the widget (at most DELIVERY_SECONDS)."""
    began = time.monotonic()
    send_through(replica, token, session, kind, sent)
    left = max(DELIVERY_SECONDS - (time.monotonic() - began), 0.05)
    expect(page.locator(".message.bot", has_text=text).last).to_be_visible(timeout=left * 1000)
    return time.monotonic() - began


def test_staff_reply_notice_and_release_reach_a_widget_on_the_other_replica(context, scaled):
    here, other = scaled["replicas"][0], scaled["replicas"][1]
    page = context.new_page()
    open_widget_on(page, scaled, here)
    ask(page, "为什么暂停开票")  # the conversation's latest channel is now this socket
    expect_bot_says(page, "维护")
    session = page.evaluate("() => window.gzEinvoiceWidget.session")
    token = scaled["token"]

    took = [
        delivered(
            page, other, token, session, "staff reply", "您好，这里是另一台服务器上的客服", "另一台服务器上的客服"
        ),
        delivered(page, other, token, session, "restoration notice", "", "【恢复通知】"),
        delivered(page, other, token, session, "release", "", "人工客服已结束本次服务"),
    ]
    print(f"delivered across replicas in {[round(t, 2) for t in took]} s")
