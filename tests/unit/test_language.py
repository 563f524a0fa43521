"""The language entity: follows what the visitor writes; short or button messages keep it."""

import pytest

from bot.nlu.language import detect


@pytest.mark.parametrize(
    "text, expected",
    [
        ("when will the e-invoice system be back", "en"),
        ("Where is the nearest tax hall?", "en"),
        ("电子发票什么时候恢复", "zh"),
        ("fapiao系统恢复没", "zh"),
        ("點解電子發票暫停咗", "zh"),
        ("我要complain，停这么久", "zh"),
        ("ok", None),
        ("1", None),
        ("hi", None),
        ("👍", None),
        ('/faq{"faq_topic":"reason"}', None),
        ("", None),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected
