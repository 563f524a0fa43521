"""The words that cue this service, a negated notification, a complaint, another service or city.

Why a module of its own: the NLU weighs them as soft features (bot/nlu/domain_cue.py), and the
restoration action reads the negated notification as a hard rule: "恢复了不用提醒我" must never
sign anyone up, whatever the classifier made of it. Plain regexes, so the action server can use
them without loading the NLU.
"""

from __future__ import annotations

import re

from bot.nlu.normalize import to_simplified

# the service's own words ("天河的医院在哪" names a district, not this service)
SERVICE_WORDS = re.compile(
    "|".join(
        [
            r"发票|发漂|发飘|法票|发标|开票|开漂|开飘|票|张飞|数电|全电|税|办税|fapiao|invoice|tax",
            r"系统|平台|服务|恢复|暂停|停|维护|升级|上线|好返|得返|搞掂|system|service|outage|suspen",
            r"\bdown\b|\bback\b|resume|upgrade|maintenance|platform",
            r"大厅|大厅|服务厅|服务点|窗口|柜台|人工|真人|客服|agent|human|staff|counter|hall|kiosk",
            r"报销|报数|报账|补偿|赔|投诉|通知|提醒|备份|数据|资料|信息|隐私|预约|自助|公众号|官网|热线|12366",
            r"reimburs|compensat|complain|notif|backup|data|privacy|appointment|hotline|official",
        ]
    ),
    re.IGNORECASE,
)
DISTRICTS = r"越秀|海珠|荔湾|天河|白云|黄埔|番禺|花都|南沙|从化|增城"
# anything of this service, a district included
CUES = re.compile(f"{SERVICE_WORDS.pattern}|{DISTRICTS}", re.IGNORECASE)


# a negation or a stop word, then (within a few characters) a notification
NEGATED_NOTICE = re.compile(
    r"(别|不要|不用|不想|不必|不需要|无需|唔使|唔好|唔要|取消|停止|停掉|关掉|关闭|退订|撤|"
    r"stop|don'?t|no more|cancel|turn off|unsub)"
    r".{0,8}?(通知|提醒|推送|消息|短信|发|话我知|话俾我知|讲我知|讲俾我知|notif|alert|remind|message|text)",
    re.IGNORECASE,
)
COMPLAINT = re.compile(
    r"投诉|举报|损失|耽误|耽搁|太差|好差|差劲|垃圾|差评|不满|失望|过分|离谱|坑人|害我|害得|"
    r"负责任|给个说法|搞什么|气死|complain|ridiculous|unacceptable|terrible|cost me",
    re.IGNORECASE,
)
OTHER_SERVICE = re.compile(
    r"医保|社保|个税|个人所得税|公积金|养老金|退休金|失业金|生育|户口|户籍|身份证|护照|驾照|签证|"
    r"居住证|通行证|车船税|房产税|契税|罚款|老年卡|长者卡|敬老卡|高龄|低保|残疾证|结婚证|出生证|"
    r"medical insurance|social security|pension|passport|visa",
    re.IGNORECASE,
)
OTHER_CITY = re.compile(
    r"深圳|佛山|东莞|珠海|中山|惠州|江门|肇庆|汕头|湛江|北京|上海|天津|重庆|杭州|南京|苏州|成都|武汉|"
    r"长沙|西安|厦门|福州|香港|澳门|全国|外省|外地|shenzhen|shanghai|beijing|hong kong",
    re.IGNORECASE,
)
# the notification first, declined after it ("恢复通知我不要了"): for the action's rule only
NOTICE_DECLINED = re.compile(
    r"(通知|提醒|推送|notif|remind).{0,8}?(不要了|不用了|不需要了|唔要|唔使|取消|算了|撤销|撤回|撤掉|删掉|删除|退订)"
)


def negates_notice(text: str) -> bool:
    """ "不用提醒我了", "恢复通知我不要了", "stop the notifications": a notification declined."""
    folded = to_simplified(text or "")
    return bool(NEGATED_NOTICE.search(folded) or NOTICE_DECLINED.search(folded))


# places and offices of town life that are not a tax office: "X在哪", "X几点开门" about one of
# them is out of scope, never a follow-up of this service or its service-point finder
OTHER_PLACE = re.compile(
    r"医院|诊所|门诊|卫生站|卫生院|药店|药房|商场|广场|超市|市场|餐厅|饭店|酒楼|茶楼|酒店|宾馆|银行|"
    r"邮局|营业厅|公园|动物园|博物馆|图书馆|体育馆|游泳馆|电影院|景点|学校|幼儿园|大学|派出所|"
    r"车管所|出入境|民政局|医保局|社保局|社保中心|公证处|法院|机场|火车站|高铁站|汽车站|"
    r"hospital|clinic|pharmacy|\bmall\b|supermarket|restaurant|hotel|\bbank\b|post office|\bpark\b|"
    r"\bzoo\b|museum|library|cinema|school|university|police|airport|train station",
    re.IGNORECASE,
)


def names_other_place(text: str) -> bool:
    """The message names another place, office or service and nothing of this one."""
    folded = to_simplified(text or "")
    other = OTHER_PLACE.search(folded) or OTHER_SERVICE.search(folded)
    return bool(other) and not SERVICE_WORDS.search(folded)
