"""One voice over EVERY text the assistant can send, as the web widget and WeChat show it.

Reads every response variant in domain.yml (placeholders filled from the operator data, the
way Rasa fills them from slots) and the texts the actions compose (status, service points),
renders each for the web (Markdown) and for WeChat (bot/wechat/render.py), and checks the house
style: 您 not 你, “” not 「」, 办税服务厅, no spaces inside Chinese, 应急指南 not 公告 for the
vendor's guide, no "点按钮" on WeChat, no tautological contacts, phone-sized answers. English
variants and the English composed texts are rendered as an English visitor gets them (WeChat:
"Reply 1: …") and hold no Chinese beyond the operator's data, which they label as such.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import pytest
import yaml

from bot.contacts import load_contacts
from bot.service_points.phrasing import ask_district, describe_district, describe_nearest
from bot.service_points.store import load_points
from bot.status.client import StatusReading
from bot.status.model import OutageStatus
from bot.status.phrasing import SHANGHAI, describe, status_line
from bot.wechat.render import render

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# the web app's server messages (staff reply, release, restoration notice) are sent as well
DOMAIN["responses"].update(
    yaml.safe_load((ROOT / "bot/conversations/server_messages.yml").read_text(encoding="utf-8"))["responses"]
)
NOW = datetime(2031, 12, 2, 10, 0, tzinfo=SHANGHAI)

CJK = "\u4e00-\u9fff"
SPACE_INSIDE_CHINESE = re.compile(rf"[{CJK}，。：；！？、“”（）][ \t\u3000]+[{CJK}，。：；！？、“”（）]")
# the one sanctioned use of 公告: the bureau's own official notice
OFFICIAL_NOTICE = re.compile(r"(广州市)?税务局(的)?正式公告")
TAUTOLOGY = re.compile(r"热线[：:][^\n]*热线|网站[：:][^\n]*网站[^（:：]|(公众号)[：:][^\n]*公众号")
MAX_CHARS = 300
# an English variant says the same in about twice the characters (and its status line is English)
MAX_CHARS_ENGLISH = 650


def slot_values() -> Dict[str, str]:
    reading = StatusReading(sample_status("suspended"), True)
    return {
        **load_contacts().template_vars(),
        "status_line": status_line(reading, NOW),
        "staff_text": "您好，您的问题已记录。",
        "staffed_hours": "工作日9:00-18:00",
    }


def english_values() -> Dict[str, str]:
    return {
        "status_line": status_line(StatusReading(sample_status("suspended"), True), NOW, lang="en"),
        "staffed_hours": "Mon–Fri 09:00-18:00",
    }


def sample_status(state: str, **fields) -> OutageStatus:
    return OutageStatus.from_dict(
        {
            "state": state,
            "message": "系统正在维护升级。",
            "updated_at": "2031-12-02T09:30:00+08:00",
            "expected_resume_at": "2031-12-05T09:00:00+08:00",
            **fields,
        }
    )


def fill(text: str, values: Dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def response_messages() -> Iterator[Tuple[str, Dict]]:
    """(name#variant, a bot message as Rasa would send it) for every response variant."""
    values = slot_values()
    for name, variants in DOMAIN["responses"].items():
        for index, variant in enumerate(variants):
            english = {"name": "language", "type": "slot", "value": "en"} in (variant.get("condition") or [])
            filled = fill(variant.get("text", ""), {**values, **(english_values() if english else {})})
            message = {"text": filled, "buttons": variant.get("buttons") or [], "english": english}
            yield f"{name}#{index}", message


def composed_messages() -> Iterator[Tuple[str, Dict]]:
    """Texts the actions write themselves: the status in every state, the service points,
    in both languages."""
    points = load_points(ROOT / "data" / "service_points.yml")
    for lang in ("zh", "en"):
        flag = {"english": lang == "en"}
        for state in ("suspended", "degraded", "normal"):
            for fresh in (True, False):
                reading = StatusReading(sample_status(state, source_url="https://example.gov.cn/n"), fresh)
                yield f"{lang}/describe/{state}/{fresh}", {"text": describe(reading, NOW, lang), **flag}
                yield f"{lang}/status_line/{state}/{fresh}", {"text": status_line(reading, NOW, lang), **flag}
        yield f"{lang}/describe/unknown", {"text": describe(StatusReading(None, False), NOW, lang), **flag}
        tianhe = [p for p in points if p.district == "天河"]
        yield f"{lang}/points/district", {"text": describe_district("天河", tianhe, lang), **flag}
        yield f"{lang}/points/none", {"text": describe_district("从化", [], lang), **flag}
        yield f"{lang}/points/nearest-none", {"text": describe_nearest([], lang), **flag}
        yield f"{lang}/points/nearest", {"text": describe_nearest([(points[0], 1.2)], lang), **flag}
        yield f"{lang}/points/ask", {"text": ask_district(unrecognised=True, place="深圳", lang=lang), **flag}


ALL = list(response_messages()) + list(composed_messages())


# Operator data in an English text, which stays as the operator entered it (Chinese): the staff's
# status note, service-point names and their fields, a Chinese name glossed beside its English
# one ("Tianhe (天河)", "e-invoice (电子发票)"), a place the visitor named, the contact details of
# data/contacts.yml, and a staff member's own reply.
OPERATOR_DATA = re.compile(
    r"^Note from the staff \(in Chinese, as they wrote it\):.*$"
    r"|\*\*[^*\n]+\*\*"
    r"|^- (Address|Opening hours|Phone|Appointments|Notes): .*$"
    r"|\([\u4e00-\u9fff]{2,4}\)"
    r"|^[\u4e00-\u9fff]{2,3}(?= is not in Guangzhou)|(?<=For )[\u4e00-\u9fff]{2,3}(?=, please)",
    re.MULTILINE,
)
# on WeChat an English text never asks to tap or click a button: options are typed numbers
TAP_A_BUTTON = re.compile(r"\b(tap|click|press)\b[^.\n]{0,30}\b(button|below|option)", re.IGNORECASE)


def english_problems(text: str, channel: str) -> List[str]:
    """An English text (its Markdown source) shows no Chinese beyond the operator's data; as
    WeChat renders it, it says "Reply 1:" and asks no one to tap a button."""
    found = []
    if channel == "web":
        rest = OPERATOR_DATA.sub("", text)
        for value in [*load_contacts().template_vars().values(), slot_values()["staff_text"]]:
            rest = rest.replace(value, "")
        chinese = re.findall(r"[\u4e00-\u9fff]+", rest)
        if chinese:
            found.append(f"Chinese in an English text: {chinese}")
    if channel == "wechat":
        if TAP_A_BUTTON.search(text):
            found.append(f"{TAP_A_BUTTON.search(text).group(0)!r} on WeChat (options are Reply with a number)")
        if "回复 " in text:
            found.append("回复 in an English WeChat text (say Reply 1:)")
        if re.search(r"^\s*\d{1,2}[.、]", text, re.MULTILINE):
            found.append("an answer's own numbered list clashes with Reply 1")
    return found


def problems(text: str, channel: str) -> List[str]:
    found = []
    if "你" in text:
        found.append("你 instead of 您")
    if "「" in text or "」" in text:
        found.append("「」 instead of “”")
    if "税务服务厅" in text:
        found.append("税务服务厅 instead of 办税服务厅")
    if SPACE_INSIDE_CHINESE.search(text):
        found.append(f"space inside Chinese: {SPACE_INSIDE_CHINESE.search(text).group(0)!r}")
    if "公告" in OFFICIAL_NOTICE.sub("", text):
        found.append("公告 for the vendor's guide (say 应急指南)")
    if TAUTOLOGY.search(text):
        found.append(f"tautology: {TAUTOLOGY.search(text).group(0)!r}")
    if "帮不上忙" in text:
        found.append("帮不上忙 (say what happened: not understood, or not covered)")
    if channel == "wechat":
        for phrase in ("点按钮", "点下面", "点击按钮", "点击下方", "点“", "点击“"):
            if phrase in text:
                found.append(f"{phrase} on WeChat (buttons are 回复数字)")
        if re.search(r"^\s*\d{1,2}[.、]", text, re.MULTILINE):
            found.append("an answer's own numbered list clashes with 回复 1")
    return found


@pytest.mark.parametrize("name, message", ALL, ids=[name for name, _ in ALL])
def test_web_text_keeps_the_house_style(name, message):
    text = message["text"]
    assert problems(text, "web") == []
    assert not re.search(r"\{\w+\}", text) or name.startswith("utter_staff_reply"), text
    assert len(text) <= (MAX_CHARS_ENGLISH if message.get("english") else MAX_CHARS), (len(text), text)


@pytest.mark.parametrize("name, message", ALL, ids=[name for name, _ in ALL])
def test_wechat_rendering_keeps_the_house_style(name, message):
    english = message.get("english")
    rendered = "\n\n".join(render([message], lang="en" if english else "zh").parts)
    assert problems(rendered, "wechat") == []
    if english:
        assert english_problems(rendered, "wechat") == []
    if message.get("buttons"):
        assert ("Reply 1: " if english else "回复 1：") in rendered


ENGLISH = [(name, message) for name, message in ALL if message.get("english")]


@pytest.mark.parametrize("name, message", ENGLISH, ids=[name for name, _ in ENGLISH])
def test_english_texts_are_english_but_for_the_operators_data(name, message):
    text = message["text"] + "\n" + "\n".join(b["title"] for b in message.get("buttons") or [])
    assert english_problems(text, "web") == []


def test_the_english_checker_catches_each_rule():
    assert english_problems("The service is 暂停中.", "web")
    assert english_problems("Please tap the button below.", "wechat")
    assert english_problems("It is back.\n回复 1：Thanks", "wechat")
    assert not english_problems("Do not tap links in text messages.", "wechat")
    assert not english_problems("**国家税务总局广州市天河区税务局办税服务厅**\n- Address: 天河路1号", "web")
    assert not english_problems("Note from the staff (in Chinese, as they wrote it): 系统维护。", "web")
    assert english_problems("Note from the staff: 系统维护。", "web")  # unlabelled: not allowed


def test_the_checker_catches_each_rule():
    """The rules themselves fail on the defects issue #12 found."""
    assert problems("请你稍候", "web")
    assert problems("回复「取消通知」", "web")
    assert problems("到税务服务厅办理", "web")
    assert problems("拨打 全国纳税服务热线 12366 咨询", "web")
    assert problems("公告提到可以补偿", "web")
    assert problems("税务服务热线：全国纳税服务热线 12366", "web")
    assert problems("抱歉，这个问题我帮不上忙", "web")
    assert problems("请点下面的按钮", "wechat")
    assert problems("1. 到办税服务厅\n回复 1：查找线下服务点", "wechat")
    assert not problems("以广州市税务局正式公告为准。拨打12366纳税缴费服务热线", "web")


def test_every_state_dependent_answer_has_a_restored_variant():
    """An answer that speaks of the suspension says something else once the service is back."""
    speaks_of_suspension = re.compile(r"暂停期间|线上开不了|暂时拿不到|现在可以这样做|可能有这些影响|临时暂停|跨地区")
    for name, variants in DOMAIN["responses"].items():
        default = [v for v in variants if not v.get("condition")]
        if default and speaks_of_suspension.search(default[0].get("text", "")):
            states = {c["value"] for v in variants for c in v.get("condition") or [] if c["name"] == "outage_state"}
            assert "normal" in states, name


def test_restored_variants_offer_no_sign_up():
    for name, variants in DOMAIN["responses"].items():
        for variant in variants:
            if {"name": "outage_state", "type": "slot", "value": "normal"} in (variant.get("condition") or []):
                titles = [b["title"] for b in variant.get("buttons") or []]
                assert "恢复了通知我" not in titles and "急需开票怎么办" not in titles, name
                assert not re.search(r"暂停期间|暂停中|线上开不了", variant["text"]), name
