"""The words a channel adds itself (not the bot's answers), in the visitor's language.

WeChat and 微信客服 turn buttons into numbered options and refuse what the limit policy refuses;
these are their words, per language, so a visitor who writes English reads English there too.
On WeChat the options are typed numbers: "回复 1：…" / "Reply 1: …" (never "tap" or "点按钮").
"""

from __future__ import annotations

from typing import Dict

TEXTS: Dict[str, Dict[str, str]] = {
    "zh": {
        "option": "回复 {number}：{title}",
        "menu_head": "请选择（也可以回复数字）：",
        "ask_for_text": "抱歉，我目前只能看懂文字消息。请用文字描述您的问题，例如“什么时候恢复开票”。",
        "busy": "抱歉，系统繁忙，请稍后再试。",
        "busy_hotline": "抱歉，系统繁忙，请稍后再试，或拨打{hotline}咨询。",
        "too_fast": "您发送得太快了，请稍等片刻再试。",
        "too_long": "您的消息太长了，请精简到{limit}字以内再发送。",
    },
    "en": {
        "option": "Reply {number}: {title}",
        "menu_head": "Please choose (or reply with a number):",
        "ask_for_text": 'Sorry, I can only read text messages. Please type your question, for example "When can I issue invoices again?"',
        "busy": "Sorry, the system is busy. Please try again later.",
        "busy_hotline": "Sorry, the system is busy. Please try again later, or call {hotline}.",
        "too_fast": "You are sending messages too fast. Please wait a moment and try again.",
        "too_long": "Your message is too long. Please shorten it to {limit} characters or fewer and send it again.",
    },
}


def say(lang: str, key: str, **values: object) -> str:
    """The text `key` in `lang` (Chinese for any other language), filled with `values`."""
    return (TEXTS.get(lang) or TEXTS["zh"])[key].format(**values)


def in_language(text: str, lang: str) -> str:
    """A channel text given in Chinese, in `lang` (any other text unchanged)."""
    for key, chinese in TEXTS["zh"].items():
        if "{" not in chinese and chinese == text:
            return say(lang, key)
    return text
