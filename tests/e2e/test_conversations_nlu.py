"""Issue 13 end to end over REST: follow-ups, complaint, rumour, capabilities, small talk, unsure questions."""

from tests.e2e.chat import Chat, SocketChat, button_titles, buttons, texts
from tests.e2e.test_live_status import put_status


def test_follow_ups_continue_the_topic_just_discussed(servers):
    chat = Chat(servers.rasa)
    first = texts(chat.say("线下开票要带什么材料"))
    assert "业务资料" in first or "材料" in first
    queue = texts(chat.say("要排队吗"))
    assert "预约" in queue  # the appointment answer, not "帮不上忙"
    where = chat.say("在哪")
    assert "天河" in button_titles(where)  # the finder asks for the district

    chat = Chat(servers.rasa)
    chat.say("为什么电子发票系统暂停了")
    now = texts(chat.say("那我现在怎么办"))
    assert "线下" in now and "不在我的解答范围内" not in now


def test_a_follow_up_with_no_grounded_answer_says_so(servers):
    chat = Chat(servers.rasa)
    chat.say("可以去税务局线下开发票吗")
    reply = texts(chat.say("要钱吗"))
    assert "没有说明" in reply and "12366" in reply


def test_complaint_is_acknowledged_with_the_hotline_and_a_human_never_a_subscription(servers):
    reply = Chat(servers.rasa).say("我要投诉，你们系统停了害我损失了一个大单")
    assert "12366" in texts(reply) and "抱歉" in texts(reply)
    assert "/request_human" in [b["payload"] for b in buttons(reply)]
    assert "通知" not in texts(reply) and "/subscribe_restoration" not in [b["payload"] for b in buttons(reply)]


def test_a_declined_notification_never_signs_up(servers):
    """On the widget, which can notify: "不用提醒我" is never a sign-up, whatever the NLU made of it."""
    put_status(servers, state="suspended")
    chat = SocketChat(servers.rasa)
    try:
        for text in ("恢复的时候不用提醒我了", "恢复通知我不要了"):
            reply = chat.say(text)
            assert "已为您登记" not in texts(reply)
            if "/unsubscribe_restoration" in [b["payload"] for b in buttons(reply)]:
                assert "还是不需要通知" in texts(reply)
                assert "没有登记" in texts(chat.say("/unsubscribe_restoration"))
        assert "已为您登记恢复通知" in texts(chat.say("/subscribe_restoration"))
    finally:
        chat.close()


def test_rumour_with_a_date_is_answered_from_the_live_status_only(servers):
    put_status(servers, state="suspended", expected_resume_at=None)
    reply = texts(Chat(servers.rasa).say("网上说12月15号恢复开票，是真的吗"))
    assert "无法核实" in reply and "尚未公布" in reply
    assert "15" not in reply  # the rumour's date is never repeated as a fact

    put_status(servers, state="suspended", expected_resume_at="2026-12-03T09:00:00+08:00")
    reply = texts(Chat(servers.rasa).say("听说下周三就恢复了，真的假的"))
    assert "12月3日" in reply or "明天" in reply or "今天" in reply
    put_status(servers, state="suspended", expected_resume_at=None)


def test_a_rumour_once_the_service_is_back_hears_first_that_it_is_back(servers):
    put_status(servers, state="normal")
    try:
        reply = texts(Chat(servers.rasa).say("网上说明天才恢复，是真的吗"))
        assert reply.index("已经恢复") < reply.index("无法核实") and "已恢复正常" in reply
        english = texts(Chat(servers.rasa).say("someone online says it's back next week, is that true?"))
        assert "already back" in english and "can't verify" in english
    finally:
        put_status(servers, state="suspended", expected_resume_at=None)


def test_what_can_you_do_lists_the_services(servers):
    reply = Chat(servers.rasa).say("你能做什么")
    assert "查找线下服务点" in button_titles(reply) and "恢复" in texts(reply)
    # the REST API can neither notify later nor carry a staff reply: neither is promised there
    assert "通知您" not in texts(reply) and "转人工" not in texts(reply) + " ".join(button_titles(reply))
    english = Chat(servers.rasa).say("what can you do for me")
    assert "notify" not in texts(english) and "Find an offline service point" in button_titles(english)
    widget = SocketChat(servers.rasa)
    try:  # the widget can do both
        reply = widget.say("你能做什么")
        assert "恢复后通知您" in texts(reply) and "转人工客服" in texts(reply)
    finally:
        widget.close()


def test_small_talk_turns_back_to_the_service(servers):
    reply = Chat(servers.rasa).say("给我讲个笑话吧")
    assert "咨询助手" in texts(reply) and "不在我的解答范围内" not in texts(reply)


def test_unsure_in_domain_question_is_clarified_not_declined(servers):
    reply = Chat(servers.rasa).say("发票的事")
    assert "您是想问" in texts(reply) and 2 <= len(buttons(reply)) <= 3


def test_plainly_unrelated_question_is_declined(servers):
    reply = texts(Chat(servers.rasa).say("社保卡丢了怎么补办"))
    assert "不在我的解答范围内" in reply or "没有理解" in reply


def test_hours_follow_up_comes_from_the_operator_data_or_says_it_is_not_on_file(servers):
    from tests.e2e.test_service_points import setup_points

    setup_points(servers)  # 天河 has hours on file, 番禺 none
    chat = Chat(servers.rasa)
    chat.say("线下开票要带什么材料")
    asked = chat.say("几点开门")
    assert "哪个区" in texts(asked) and "天河" in button_titles(asked)  # not declined as out of scope
    assert "工作日 9:00-17:00" in texts(chat.say('/find_service_point{"district":"天河"}'))  # its button

    chat = Chat(servers.rasa)
    assert "测试番禺办税服务厅" in texts(chat.say("番禺区的办税服务厅在哪里"))
    reply = texts(chat.say("周末开吗"))
    # none on file for 番禺: said, never invented
    assert "办公时间" in reply and "暂未收录" in reply and "12366" in reply

    chat = Chat(servers.rasa)
    chat.say("天河区的办税服务厅在哪里")
    assert "工作日 9:00-17:00" in texts(chat.say("几点关门"))  # the district just discussed


def test_another_place_after_the_offline_answer_is_out_of_scope_not_a_follow_up(servers):
    """bot/nlu/scope_guard.py: a hospital's hours or a bank's address are never the halls' hours or the finder."""
    from tests.e2e.test_service_points import setup_points

    setup_points(servers)
    chat = Chat(servers.rasa)
    chat.say("线下开票要带什么材料")
    for question in ("附近医院几点关门", "那边的银行在哪里"):
        reply = chat.say(question)
        assert "不在我的解答范围内" in texts(reply), question
        assert "工作日 9:00-17:00" not in texts(reply) and "哪个区" not in texts(reply), question
    asked = chat.say("那办税服务厅几点开门")  # the service's own question still continues the topic
    assert "哪个区" in texts(asked) or "工作日 9:00-17:00" in texts(asked)


def test_english_follow_ups_continue_the_topic(servers):
    chat = Chat(servers.rasa)
    chat.say("Can I get an invoice issued offline at the tax office?")
    bring = texts(chat.say("what do I need to bring"))
    assert "bring" in bring.lower() or "document" in bring.lower(), bring
    there = chat.say("how do I get there")
    assert "which district" in texts(there).lower() and "Tianhe" in button_titles(there)
