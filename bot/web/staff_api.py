"""The staff JSON API behind the console: hand-offs, suggested answers, figures, unanswered."""
from __future__ import annotations

import logging
from typing import Any, Dict, List

import aiohttp
import yaml
from aiohttp import web

from bot.conversations.transcript import transcript
from bot.faq.answers import answer_text
from bot.faq.catalogue import load_catalogue
from bot.insights.metrics import render
from bot.insights.tally import figures as tally_figures
from bot.web.auth import require_staff
from bot.web.responses import json_response
from bot.web.status_api import error, read_json

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_REPLY_CHARS = 1000
DIALOGUE_INTENTS = ("ask_outage_status", "find_service_point", "request_human", "greet", "goodbye", "thank",
                    "affirm", "deny", "bot_challenge", "out_of_scope", "subscribe_restoration",
                    "unsubscribe_restoration")


def _topic_ids() -> List[str]:
    return list(load_catalogue())


def _handoff(request: web.Request):
    try:
        handoff = request.app["handoffs"].get(int(request.match_info["handoff_id"]))
    except ValueError:
        handoff = None
    if handoff is None or handoff.closed_at:
        raise web.HTTPNotFound(text='{"error": "no open hand-off with that id"}', content_type="application/json")
    return handoff


@routes.get("/api/handoffs")
async def list_handoffs(request: web.Request) -> web.Response:
    require_staff(request)
    tracker_db = request.app["tracker_db"]
    return json_response({"handoffs": [
        {**h.__dict__, "transcript": transcript(tracker_db.events(h.conversation_id))}
        for h in request.app["handoffs"].open_handoffs()
    ]})


@routes.post("/api/handoffs/{handoff_id}/take")
async def take(request: web.Request) -> web.Response:
    name = require_staff(request)
    request.app["handoffs"].take(_handoff(request).id, name)
    return json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/reply")
async def reply(request: web.Request) -> web.Response:
    name = require_staff(request)
    handoff = _handoff(request)
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_REPLY_CHARS:
        return error(422, f"text: 1-{MAX_REPLY_CHARS} characters", "text")
    try:
        await request.app["rasa"].trigger_intent(
            handoff.conversation_id, "EXTERNAL_staff_reply", {"staff_text": text.strip()}
        )
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("staff reply to %s failed: %r", handoff.conversation_id, problem)
        return error(502, "the assistant did not take the reply; try again")
    if not handoff.taken_by:
        request.app["handoffs"].take(handoff.id, name)
    return json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/release")
async def release(request: web.Request) -> web.Response:
    name = require_staff(request)
    handoff = _handoff(request)
    try:
        await request.app["rasa"].trigger_intent(handoff.conversation_id, "EXTERNAL_handoff_released")
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("release of %s failed: %r", handoff.conversation_id, problem)
        return error(502, "the assistant did not take the release; try again")
    request.app["handoffs"].close(handoff.id, name)
    return json_response({"ok": True})


@routes.post("/api/assist")
async def assist(request: web.Request) -> web.Response:
    require_staff(request)
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 1000:
        return error(422, "text: 1-1000 characters", "text")
    try:
        parse = await request.app["rasa"].parse(text.strip())
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("assist parse failed: %r", problem)
        return error(502, "the assistant is not reachable")
    catalogue = load_catalogue()
    ranking = (((parse.get("response_selector") or {}).get("faq")) or {}).get("ranking") or []
    faq_share = next((i["confidence"] for i in parse.get("intent_ranking") or [] if i["name"] == "faq"), 0.0)
    suggestions = []
    for item in ranking:
        topic = (item.get("intent_response_key") or "").partition("/")[2]
        if topic in catalogue and len(suggestions) < 3:
            suggestions.append({
                "topic": f"faq/{topic}",
                "title": catalogue[topic].title,
                "confidence": round(float(item["confidence"]) * faq_share, 4),
                "answer": answer_text(topic),
                "source": f"公告 {catalogue[topic].sections}",
            })
    return json_response({"suggestions": suggestions, "intent": (parse.get("intent") or {}).get("name")})


@routes.get("/api/topics")
async def topics(request: web.Request) -> web.Response:
    require_staff(request)
    catalogue = load_catalogue()
    return json_response({"topics": [{"topic": t.key, "title": t.title} for t in catalogue.values()]
                          + [{"topic": name, "title": name} for name in DIALOGUE_INTENTS]})


@routes.get("/api/stats")
async def stats(request: web.Request) -> web.Response:
    require_staff(request)
    figures = tally_figures(request.app["figures"].totals())
    catalogue = load_catalogue()
    for row in figures["top_topics"] + figures["feedback"]:
        topic = catalogue.get(row["topic"].partition("/")[2])
        row["title"] = topic.title if topic else row["topic"]
    return json_response(figures)


@routes.get("/api/unanswered")
async def list_unanswered(request: web.Request) -> web.Response:
    require_staff(request)
    known = request.app["labels"].all()
    questions = request.app["figures"].unanswered(500)
    for question in questions:
        label = known.get(question["id"])
        question["label"] = label.topic if label else None
    return json_response({"questions": questions[:500]})


@routes.post("/api/unanswered/{question_id}/label")
async def label(request: web.Request) -> web.Response:
    name = require_staff(request)
    question_id = request.match_info["question_id"]
    body = await read_json(request)
    topic = body.get("topic") if isinstance(body, dict) else None
    allowed = {f"faq/{t}" for t in _topic_ids()} | set(DIALOGUE_INTENTS)
    if topic not in allowed:
        return error(422, "topic: one of the catalogue's ids or a dialogue intent", "topic")
    question = request.app["figures"].question(question_id)
    if question is None:
        return error(404, "no such unanswered question", "id")
    request.app["labels"].put(question_id, question["text"], topic, name)
    return json_response({"ok": True})


@routes.get("/api/unanswered/export")
async def export(request: web.Request) -> web.Response:
    """The labelled questions as Rasa NLU YAML, for the next training."""
    require_staff(request)
    by_topic: Dict[str, List[str]] = {}
    for row in request.app["labels"].all().values():
        by_topic.setdefault(row.topic, []).append(" ".join(row.text.split()))
    document = {"version": "3.1", "nlu": [
        {"intent": topic, "examples": "".join(f"- {text}\n" for text in sorted(set(texts)))}
        for topic, texts in sorted(by_topic.items())
    ]}

    class Literal(str):
        pass

    yaml.SafeDumper.add_representer(Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|"))
    for item in document["nlu"]:
        item["examples"] = Literal(item["examples"])
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return web.Response(text=text, content_type="application/x-yaml", charset="utf-8", headers={
        "Content-Disposition": 'attachment; filename="unanswered_nlu.yml"'})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format (scrape with the staff token as bearer)."""
    require_staff(request)
    store = request.app["handoffs"]
    text = render(request.app["figures"].totals(), store.count(), len(store.open_handoffs()))
    return web.Response(text=text, content_type="text/plain", charset="utf-8",
                        headers={"Cache-Control": "no-store"})
