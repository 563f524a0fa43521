"""The staff JSON API behind the console: hand-offs, suggested answers, figures, unanswered."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

import aiohttp
import yaml
from aiohttp import web

from bot.conversations.transcript import transcript
from bot.db import now_utc
from bot.faq.answers import answer_text
from bot.faq.catalogue import load_catalogue
from bot.handoffs.store import OUTCOMES, Handoff
from bot.insights.metrics import render
from bot.insights.stats import agent_figures, desk_figures
from bot.insights.tally import figures as tally_figures
from bot.web.auth import is_supervisor, require_staff, require_supervisor
from bot.web.responses import json_response
from bot.web.status_api import error, read_json

logger = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_REPLY_CHARS = 1000
STAFF_OUTCOMES = tuple(o for o in OUTCOMES if o != "left")  # "left" is the visitor's doing
MIN_SUGGESTION_CONFIDENCE = 0.05  # a suggested reply below this is noise, not shown (nor counted)
# a visitor's messages that ask nothing to suggest an answer for
NOT_QUESTIONS = (
    "request_human",
    "cancel_handoff",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "feedback",
    "rate",
    "bot_challenge",
)
LEFT_SHOWN_SECONDS = 1800  # a visitor who left the queue stays listed (greyed) this long
DIALOGUE_INTENTS = (
    "ask_outage_status",
    "find_service_point",
    "request_human",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "bot_challenge",
    "out_of_scope",
    "subscribe_restoration",
    "unsubscribe_restoration",
)


def _topic_ids() -> List[str]:
    return list(load_catalogue())


def _handoff(request: web.Request, open_only: bool = True) -> Handoff:
    raw = request.match_info["handoff_id"]
    # a database integer: anything else (words, 10**30) is simply not a hand-off
    handoff = request.app["handoffs"].get(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) <= 15 else None
    if handoff is None or (open_only and handoff.closed_at):
        raise web.HTTPNotFound(text='{"error": "no open hand-off with that id"}', content_type="application/json")
    if not is_supervisor(request) and handoff.taken_by not in (None, request["staff_name"]) and request.method != "GET":
        raise web.HTTPConflict(
            text=json.dumps({"error": f"{handoff.taken_by} has this conversation"}), content_type="application/json"
        )
    request["audit_target"] = f"handoff {handoff.id} ({handoff.conversation_id})"
    return handoff


def _row(handoff: Handoff, now: datetime) -> Dict[str, Any]:
    """A queue row: what the list shows, without the transcript."""
    opened = datetime.fromisoformat(handoff.opened_at)
    return {
        **handoff.__dict__,
        "waiting_seconds": max(0, int((now - opened).total_seconds())),
        "left": handoff.outcome == "left",
    }


def _visible(request: web.Request, handoff: Handoff) -> bool:
    """Agents see the unassigned hand-offs and their own; supervisors see everyone's."""
    return is_supervisor(request) or handoff.taken_by in (None, request["staff_name"])


@routes.get("/api/handoffs")
async def list_handoffs(request: web.Request) -> web.Response:
    """The queue (open hand-offs), plus those whose visitor left in the last half hour."""
    require_staff(request)
    store = request.app["handoffs"]
    now = now_utc()
    rows = [_row(h, now) for h in store.open_handoffs() if _visible(request, h)]
    rows += [
        _row(h, now) for h in store.recently_left(now - timedelta(seconds=LEFT_SHOWN_SECONDS)) if _visible(request, h)
    ]
    staff = [u["name"] for u in request.app["accounts"].users()] if is_supervisor(request) else []
    return json_response({"handoffs": rows, "me": request["staff_name"], "role": request["staff_role"], "staff": staff})


def _status_at(request: web.Request, at: str) -> Optional[Dict[str, Any]]:
    """The live status as it was when the hand-off opened (the newest change before it)."""
    opened = datetime.fromisoformat(at)
    for status in request.app["status_store"].history(limit=500):
        if status.updated_at <= opened:
            return {
                "state": status.state,
                "expected_resume_at": status.expected_resume_at.isoformat() if status.expected_resume_at else None,
                "updated_at": status.updated_at.isoformat(),
            }
    return None


@routes.get("/api/handoffs/{handoff_id}")
async def handoff_detail(request: web.Request) -> web.Response:
    """One hand-off with its transcript and the status at the time."""
    require_staff(request)
    handoff = _handoff(request, open_only=False)
    return json_response(
        {
            **_row(handoff, now_utc()),
            "transcript": transcript(request.app["tracker_db"].events(handoff.conversation_id)),
            "status_at_open": _status_at(request, handoff.opened_at),
        }
    )


@routes.post("/api/handoffs/{handoff_id}/take")
async def take(request: web.Request) -> web.Response:
    name = require_staff(request)
    request.app["handoffs"].take(_handoff(request).id, name)
    return json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/assign")
async def assign(request: web.Request) -> web.Response:
    """A supervisor gives the conversation to another staff member."""
    require_supervisor(request)
    handoff = _handoff(request)
    body = await read_json(request)
    staff = body.get("staff") if isinstance(body, dict) else None
    if not isinstance(staff, str) or staff not in {u["name"] for u in request.app["accounts"].users()}:
        return error(422, "staff: the name of a staff account", "staff")
    request.app["handoffs"].take(handoff.id, staff)
    request["audit_detail"] = f"to {staff}"
    return json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/reply")
async def reply(request: web.Request) -> web.Response:
    name = require_staff(request)
    handoff = _handoff(request)
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_REPLY_CHARS:
        return error(422, f"text: 1-{MAX_REPLY_CHARS} characters", "text")
    suggestion = body.get("suggestion")
    if suggestion is not None and not isinstance(suggestion, str):
        return error(422, "suggestion: the topic of the suggested reply used", "suggestion")
    try:
        await request.app["rasa"].send_staff_reply(handoff.conversation_id, text.strip(), name)
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("staff reply to %s failed: %r", handoff.conversation_id, problem)
        return error(502, "the assistant did not take the reply; try again")
    store = request.app["handoffs"]
    store.replied(handoff.id, name)
    if suggestion:
        if body.get("edited"):
            store.record_suggestion(handoff.id, suggestion, "edited", name)
        store.record_suggestion(handoff.id, suggestion, "sent", name)
    request["audit_detail"] = text.strip()[:200]
    return json_response({"ok": True})


@routes.post("/api/handoffs/{handoff_id}/release")
async def release(request: web.Request) -> web.Response:
    """Close with an outcome (and an optional note); the conversation returns to the bot."""
    name = require_staff(request)
    handoff = _handoff(request)
    body = await read_json(request) if request.can_read_body else {}
    body = body if isinstance(body, dict) else {}
    outcome, note = body.get("outcome"), body.get("note") or ""
    if outcome is not None and outcome not in STAFF_OUTCOMES:
        return error(422, f"outcome: one of {', '.join(STAFF_OUTCOMES)}", "outcome")
    if not isinstance(note, str) or len(note) > 500:
        return error(422, "note: up to 500 characters", "note")
    if handoff.kind == "live":
        try:
            await request.app["rasa"].release_handoff(handoff.conversation_id, name, outcome or "")
        except (aiohttp.ClientError, TimeoutError) as problem:
            logger.warning("release of %s failed: %r", handoff.conversation_id, problem)
            return error(502, "the assistant did not take the release; try again")
    request.app["handoffs"].close(handoff.id, name, outcome, note)
    request["audit_detail"] = f"{outcome or '-'} {note}".strip()
    return json_response({"ok": True})


async def suggest(request: web.Request, text: str) -> List[Dict[str, Any]]:
    """The three best FAQ answers for a visitor's message, as the bot would answer them."""
    parse = await request.app["rasa"].parse(text.strip())
    catalogue = load_catalogue()
    ranking = (((parse.get("response_selector") or {}).get("faq")) or {}).get("ranking") or []
    faq_share = next((i["confidence"] for i in parse.get("intent_ranking") or [] if i["name"] == "faq"), 0.0)
    suggestions: List[Dict[str, Any]] = []
    for item in ranking:
        topic = (item.get("intent_response_key") or "").partition("/")[2]
        if topic in catalogue and len(suggestions) < 3:
            suggestions.append(
                {
                    "topic": f"faq/{topic}",
                    "title": catalogue[topic].title,
                    "confidence": round(float(item["confidence"]) * faq_share, 4),
                    "answer": answer_text(topic),
                    "source": f"应急指南 {catalogue[topic].sections}",
                }
            )
    return suggestions


def last_question(events: List[Dict[str, Any]]) -> Optional[str]:
    """The visitor's last message that asks something (not "转人工", "谢谢", a button tap…)."""
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        text = (event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
        if text and not text.startswith("/") and not intent.startswith("EXTERNAL") and intent not in NOT_QUESTIONS:
            return text
    return None


@routes.get("/api/handoffs/{handoff_id}/suggestions")
async def handoff_suggestions(request: web.Request) -> web.Response:
    """Suggested replies for the visitor's last question; each one shown is recorded."""
    name = require_staff(request)
    handoff = _handoff(request)
    question = last_question(request.app["tracker_db"].events(handoff.conversation_id))
    if not question:
        return json_response({"question": None, "suggestions": []})
    try:
        suggestions = await suggest(request, question[:1000])
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("suggestions parse failed: %r", problem)
        return error(502, "the assistant is not reachable")
    suggestions = [s for s in suggestions if s["confidence"] >= MIN_SUGGESTION_CONFIDENCE]
    for item in suggestions:
        request.app["handoffs"].record_suggestion(handoff.id, item["topic"], "shown", name)
    return json_response({"question": question, "suggestions": suggestions})


@routes.post("/api/handoffs/{handoff_id}/suggestions/inserted")
async def suggestion_inserted(request: web.Request) -> web.Response:
    name = require_staff(request)
    handoff = _handoff(request)
    body = await read_json(request)
    topic = body.get("topic") if isinstance(body, dict) else None
    if not isinstance(topic, str) or topic.partition("/")[2] not in load_catalogue():
        return error(422, "topic: a suggestion's topic", "topic")
    request.app["handoffs"].record_suggestion(handoff.id, topic, "inserted", name)
    request["audit_detail"] = topic
    return json_response({"ok": True})


@routes.post("/api/assist")
async def assist(request: web.Request) -> web.Response:
    require_staff(request)
    body = await read_json(request)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 1000:
        return error(422, "text: 1-1000 characters", "text")
    try:
        suggestions = await suggest(request, text)
    except (aiohttp.ClientError, TimeoutError) as problem:
        logger.warning("assist parse failed: %r", problem)
        return error(502, "the assistant is not reachable")
    return json_response({"suggestions": suggestions})


@routes.get("/api/topics")
async def topics(request: web.Request) -> web.Response:
    require_staff(request)
    catalogue = load_catalogue()
    return json_response(
        {
            "topics": [{"topic": t.key, "title": t.title} for t in catalogue.values()]
            + [{"topic": name, "title": name} for name in DIALOGUE_INTENTS]
        }
    )


@routes.get("/api/stats")
async def stats(request: web.Request) -> web.Response:
    require_staff(request)
    totals = request.app["figures"].totals()
    figures = tally_figures(totals)
    store = request.app["handoffs"]
    handoffs = store.all()
    figures["desk"] = desk_figures(totals, handoffs, store.suggestion_counts())
    agents = agent_figures(handoffs)
    figures["agents"] = agents if is_supervisor(request) else [a for a in agents if a["staff"] == request["staff_name"]]
    catalogue = load_catalogue()
    for row in figures["top_topics"] + figures["feedback"] + figures["desk"]["satisfaction_by_topic"]:
        topic = catalogue.get(row["topic"].partition("/")[2])
        row["title"] = topic.title if topic else {"human": "人工服务", "other": "其他"}.get(row["topic"], row["topic"])
    return json_response(figures)


@routes.get("/api/staff")
async def list_staff(request: web.Request) -> web.Response:
    require_supervisor(request)
    return json_response({"staff": request.app["accounts"].users()})


@routes.post("/api/staff")
async def add_staff(request: web.Request) -> web.Response:
    """Create an account (or reset its password and role)."""
    require_supervisor(request)
    body = await read_json(request)
    body = body if isinstance(body, dict) else {}
    name, password, role = body.get("name"), body.get("password"), body.get("role") or "agent"
    if not all(isinstance(v, str) for v in (name, password, role)):
        return error(422, "name, password and role are text", "name")
    try:
        request.app["accounts"].add_user(name, password, role)
    except ValueError as problem:
        field = str(problem).partition(":")[0]
        return error(422, str(problem), field)
    request["audit_target"] = f"staff {name}"
    request["audit_detail"] = f"role {role}"
    return json_response({"ok": True})


@routes.post("/api/staff/{name}/role")
async def set_role(request: web.Request) -> web.Response:
    require_supervisor(request)
    name = request.match_info["name"]
    body = await read_json(request)
    role = body.get("role") if isinstance(body, dict) else None
    if name == request["staff_name"]:
        return error(422, "you cannot change your own role", "role")
    try:
        found = request.app["accounts"].set_role(name, role if isinstance(role, str) else "")
    except ValueError as problem:
        return error(422, str(problem), "role")
    if not found:
        return error(404, "no such staff account", "name")
    request["audit_target"] = f"staff {name}"
    request["audit_detail"] = f"role {role}"
    return json_response({"ok": True})


@routes.delete("/api/staff/{name}")
async def remove_staff(request: web.Request) -> web.Response:
    require_supervisor(request)
    name = request.match_info["name"]
    if name == request["staff_name"]:
        return error(422, "you cannot remove your own account", "name")
    if not request.app["accounts"].remove_user(name):
        return error(404, "no such staff account", "name")
    request["audit_target"] = f"staff {name}"
    return json_response({"ok": True})


@routes.get("/api/audit")
async def audit(request: web.Request) -> web.Response:
    require_supervisor(request)
    return json_response({"entries": request.app["audit"].recent(300)})


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

    class Literal(str):
        pass

    yaml.SafeDumper.add_representer(Literal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", v, style="|"))
    document = {
        "version": "3.1",
        "nlu": [
            {"intent": topic, "examples": Literal("".join(f"- {text}\n" for text in sorted(set(texts))))}
            for topic, texts in sorted(by_topic.items())
        ],
    }
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    return web.Response(
        text=text,
        content_type="application/x-yaml",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="unanswered_nlu.yml"'},
    )


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Prometheus text format (scrape with the staff token as bearer)."""
    require_staff(request)
    store = request.app["handoffs"]
    text = render(request.app["figures"].totals(), store.count(), len(store.open_handoffs()))
    return web.Response(text=text, content_type="text/plain", charset="utf-8", headers={"Cache-Control": "no-store"})
