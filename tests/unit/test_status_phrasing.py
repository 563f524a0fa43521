from datetime import datetime, timezone

import pytest

from bot.status.client import StatusReading
from bot.status.model import OutageStatus, StatusError
from bot.status.phrasing import SHANGHAI, describe, format_time, status_line

NOW = datetime(2031, 12, 2, 10, 0, tzinfo=SHANGHAI)


def status(**fields):
    data = {"state": "suspended", "message": "", "updated_at": "2031-12-02T09:30:00+08:00", **fields}
    return OutageStatus.from_dict(data)


def test_times_read_naturally_in_guangzhou():
    assert format_time(datetime(2031, 12, 3, 1, 0, tzinfo=timezone.utc), NOW) == "明天上午9点"
    assert format_time(datetime(2031, 12, 2, 15, 30, tzinfo=SHANGHAI), NOW) == "今天下午3点30分"
    assert format_time(datetime(2031, 12, 9, 9, 0, tzinfo=SHANGHAI), NOW) == "12月9日 09:00"
    assert format_time(datetime(2032, 1, 9, 9, 0, tzinfo=SHANGHAI), NOW) == "2032年1月9日 09:00"


def test_suspended_without_a_resume_time_says_not_announced():
    text = describe(StatusReading(status(), True), NOW)
    assert "暂停中" in text and "尚未公布" in text and "以广州市税务局正式公告为准" in text


def test_announced_resume_time_and_source_are_given():
    reading = StatusReading(
        status(expected_resume_at="2031-12-03T09:00:00+08:00", source_url="https://example.gov.cn/a"), True
    )
    text = describe(reading, NOW)
    assert "明天上午9点" in text and "https://example.gov.cn/a" in text and "状态更新于今天上午9点30分" in text


def test_normal_says_it_is_back_and_gives_no_resume_time():
    text = describe(StatusReading(status(state="normal", expected_resume_at="2031-12-03T09:00:00+08:00"), True), NOW)
    assert "已恢复正常" in text and "预计恢复" not in text


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"state": "off"}, "state"),
        ({"updated_at": None}, "updated_at"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"source_url": "ftp://x"}, "source_url"),
    ],
)
def test_invalid_status_names_the_field(fields, field):
    with pytest.raises(StatusError) as error:
        status(**fields)
    assert error.value.field == field


def test_english_says_the_same_facts_from_the_same_composer():
    reading = StatusReading(
        status(
            expected_resume_at="2031-12-03T09:00:00+08:00",
            started_at="2031-12-01T18:00:00+08:00",
            message="系统正在维护升级。",
            source_url="https://example.gov.cn/a",
        ),
        True,
    )
    english, chinese = describe(reading, NOW, lang="en"), describe(reading, NOW)
    assert len(english.splitlines()) == len(chinese.splitlines())
    assert "**suspended** (since 1 Dec 18:00)" in english and "（自12月1日 18:00起）" in chinese
    assert "Expected back: **tomorrow 9:00 am**." in english and "预计恢复时间：**明天上午9点**。" in chinese
    # the staff's note is operator data: kept as written, and labelled so in English
    assert "Note from the staff (in Chinese, as they wrote it): 系统正在维护升级。" in english
    assert "Source: https://example.gov.cn/a" in english and "Status updated today 9:30 am." in english
    assert status_line(reading, NOW, lang="en") == (
        "Status: the e-invoice service is suspended, expected back tomorrow 9:00 am (updated today 9:30 am)."
    )


def test_english_times_and_the_unknown_and_stale_status():
    assert format_time(datetime(2031, 12, 2, 0, 5, tzinfo=SHANGHAI), NOW, lang="en") == "today 12:05 am"
    assert format_time(datetime(2032, 1, 9, 9, 0, tzinfo=SHANGHAI), NOW, lang="en") == "9 Jan 2032 09:00"
    assert "no restoration time" in describe(StatusReading(None, False), NOW, lang="en")
    stale = status_line(StatusReading(status(state="degraded"), False), NOW, lang="en")
    assert stale.endswith("(updated today 9:30 am) (last known status, may be out of date).")
    assert describe(StatusReading(status(state="normal"), True), NOW, lang="fr") == describe(
        StatusReading(status(state="normal"), True), NOW
    )  # an unknown language gets the default, Chinese
