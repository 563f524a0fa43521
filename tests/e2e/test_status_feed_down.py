"""With the status app stopped, the assistant answers from the last known status, and says so.

It stops the session's web app and starts it again afterwards.
"""

import signal
import time

from tests.e2e.chat import Chat, texts
from tests.e2e.test_live_status import put_status


def test_answers_from_last_known_status_when_the_feed_is_down(servers):
    put_status(servers, expected_resume_at="2031-12-05T14:30:00+08:00")
    chat = Chat(servers.rasa)
    assert "2031年12月5日 14:30" in texts(chat.say("几时恢复"))
    web = servers.procs["web"]
    web.send_signal(signal.SIGTERM)
    web.wait(timeout=10)
    try:
        time.sleep(1.2)
        text = texts(chat.say("什么时候恢复开票"))
        assert "2031年12月5日 14:30" in text
        assert "可能已过时" in text
    finally:
        servers.start_web()
