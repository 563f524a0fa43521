"""The one place this project changes Rasa 3.6's own code: a cost per message, not behaviour.

Imported by bot/tracker_store.py, which every Rasa server of this project loads from
endpoints.yml (so `make run`, the scaled set-up and the stock-Rasa anchor all get it).
`apply()` is idempotent. tests/unit/test_rasa_patches.py proves each behaviour unchanged.

1. The action server's answer is still checked against Rasa's schema, by a validator built
   once. `RemoteAction._validate_action_result` calls `jsonschema.validate`, which re-checks
   the (constant, ~30-alternative) schema itself and builds a new validator on every action
   call: 9-17 % of a replica's time under load. Same schema, same `best_match` error, same
   message appended.
2. An event's class is looked up by its type name in a table: `Event.resolve_by_type` walks
   every subclass of Event (recursively, checking each for abstractness) for each event of
   every tracker loaded or answered, about 4 % of a replica's time. The table is Rasa's own
   first match, filled as names are asked for; a name it cannot place still takes Rasa's path
   (its default, the old `topic` event, or its error).
3. Calls to the action server reuse their connections: `EndpointConfig.request` opens a new
   aiohttp session, and with it a new TCP connection, for every call (about 5 % of a replica's
   time, and an accept on the action server). Here each endpoint keeps one session per event
   loop; idle connections are dropped after 2 s, before the action server (Sanic: 5 s) or
   nginx would close them under it.
4. The action answer's events are checked against the one alternative of the schema's `oneOf`
   their type names: Rasa's schema tries each of its 23 event alternatives on every event (most
   of the check's time). Each alternative fixes `event` to its own constant, so at most one can
   match an event, and an event is valid exactly when that one does; an answer this quick check
   does not pass goes through the full check above (so an invalid one fails with Rasa's error).
5. A slot is copied by copying its attributes: `copy.copy` went through `__reduce_ex__` for
   each of the domain's ~60 slots every time Rasa made a tracker (`init_copy`, once per policy
   and prediction to replay the history: ~6 % of a replica's time). Slot defines no
   `__copy__`, `__reduce__`, `__getstate__`, `__setstate__` or `__slots__`, so `copy.copy` made
   exactly this: a new object of the same class with the same attribute dict (shallow).
6. A graph's minimal schema for a set of targets is worked out once: the graph runner asks
   `GraphSchema.minimal_graph_schema` on every NLU parse and every policy prediction, and it
   walks every path to every dependency again (no memo: ~4 % of a replica's time). A schema's
   nodes are not changed once it is built (Rasa builds a new schema instead), so the answer for
   the same schema and targets is the same; it is remembered on the schema (by its nodes'
   identity and number too, in case) and handed out as the same (read-only) object.
7. A graph run calls its nodes directly, each once, dependencies first: `DaskGraphRunner.run`
   handed every NLU parse and policy prediction to `dask.get`, whose scheduler (ordering the
   tasks, queues, a synchronous executor) was ~12 % of a replica's time for graphs of a few
   dozen nodes in one thread. Rasa's graphs are only tasks `(GraphNode, "dependency", ...)`
   and inputs `(name, value)`; for those this is what `dask.get` computes: each node called
   once with its dependencies' results (a name that is not in the graph passed as it is), the
   inputs as given, the targets' results in order, a node's exception raised as it was. A graph
   of any other shape still goes to dask. The order among nodes that do not depend on each
   other may differ from dask's; Rasa's nodes (NLU components in a chain, policies reading the
   tracker) do not depend on it.
8. Whether the domain is empty is asked against the empty domain's dict built once: the
   processor asks `Domain.is_empty` on every parse (`_check_for_unseen_features`), which built
   a new empty Domain from `{}` each time (~6 % of a replica's time). The empty domain is
   always the same, so its dict is too; the model's domain is still compared with it.
9. A conversation's past states are replayed once per tracker, not once per policy and
   prediction: `Domain.states_for_tracker_history` (MemoizationPolicy, and the rule policy's
   newest states, twice a prediction) replays every applied event of the tracker into a fresh
   copy and builds a state before each action, though within a turn the processor's tracker
   only grows. The replay points (each state as `get_active_state` built it, and what Rasa's
   loop reads of that prior tracker) are kept on the tracker, keyed by the identity of the
   applied events they came from: when the tracker's applied events still begin with those,
   only the new ones are replayed; otherwise (a revert, a restart, a loop undone: anything
   that changes the past) it is replayed from the start. Rasa's own loop then runs over fresh
   copies of the states, so what it hands out is built exactly as before. The applied events
   themselves are worked out again only when a new event can change which earlier ones count
   (a restart, a revert, a loop). Only plain
   `DialogueStateTracker`s of conversations are served from it (training trackers keep
   Rasa's path), and only with `omit_unset_slots` off (as our policies ask).
10. CountVectorsFeaturizer's counts are built straight into the matrix Rasa keeps: for each
   message it called sklearn's `CountVectorizer.transform` (a CSR matrix, checked), sorted its
   indices and converted it to COO (checked again), twice per featurizer, for a handful of
   tokens: ~8 % of a replica's time, mostly scipy's checks. Here the same analyzer of the same
   vectorizer counts the same vocabulary entries, and the COO matrix is made once from the
   rows, columns (sorted within a row, as `sort_indices` left them) and counts, with the dtypes
   sklearn and scipy gave them; the parse results are the same on every evaluation set
   (tests/unit/test_rasa_patches.py).
11. The deep copies Rasa makes only to log them at debug level are made only when debug is on:
   the processor, MemoizationPolicy, RulePolicy and the form action pass
   `copy.deepcopy(events/states/slots/parse data)` as arguments of `structlogger.debug(...)`,
   and Python builds the arguments before the call, even when `rasa run` (log level INFO)
   made structlog's `debug` a method that does nothing (~4 % of a replica's time). In those
   four modules `copy.deepcopy` is used for nothing else, so `copy` there names a stand-in
   whose `deepcopy` hands back its argument unchanged while structlog's configured logger
   drops debug (its `debug` is structlog's own no-op) and deep-copies as before otherwise
   (debug on, or structlog configured any other way): what is logged is what was logged.
12. The loaded model is moved out of the garbage collector's reach: after `Agent.load_model`
   the process's objects (~700,000: the model's graph, vocabularies, TensorFlow's and
   SQLAlchemy's modules) are collected once and frozen (`gc.freeze()`), so that the full
   collections Python starts when enough new objects have survived (one every few hundred
   messages) no longer walk them: each such pause was 450-600 ms of one message (the p99 and
   ~1.5 ms a message on average). Before the freeze the model parses three throwaway texts
   (`warm_up`: the processor's own parse on a throwaway tracker; nothing stored, run or sent),
   so that what the NLU loads on first use (pypinyin's dictionaries: about a second, and
   ~400,000 more objects) is loaded and frozen too instead of costing the first visitor's
   message. Objects made later are collected as before; nothing frozen is ever freed, which
   for objects that live as long as the model changes nothing.
13. A tracker's copy is made from its state, not by replaying it: `DialogueStateTracker.copy`
   (the processor's temporary tracker before every action, the form's before validating)
   replayed every event of the conversation into a new tracker (~1 ms an action on a tracker of
   a few hundred events: ~5 % of a replica's time). Rasa keeps a tracker's state re-creatable by
   replaying its events ("MUST be re-creatable by processing all the events", trackers.py), and
   replaying them again into a tracker that already holds them changes none of the events
   (the two events that write into an earlier user message, `EntitiesAdded` and
   `DefinePrevUserUtteredFeaturization`, write what is there already). So the copy is made as
   the replay leaves it: `init_copy()` (Rasa's: the slots copied, no model or assistant id, no
   source), the same events, each slot's attributes, the paused flag, the follow-up action, a
   new dict of the latest action, the same latest user and bot messages, a new
   `TrackerActiveLoop` with the same fields. Only plain `DialogueStateTracker`s without an event
   limit, whose events are all Rasa's own kinds but `StoryExported` (whose replay writes a
   file), all timestamped, and whose latest user message is an event it holds, take this path
   (the latest bot message, when none is held, is a new empty one, as the replay's); any other
   still replays (tests/unit/test_rasa_patches.py: at every point of every story, with the
   in-place changes, reverts and restarts, the copy is Rasa's).
14. `DialogueStateTracker.applied_events`, asked four or five times a message (the processor's
   session check and action limit, slot extraction, the rule policy) and each time walking every
   event of the conversation, is answered from patch 9's memo of it (the events added since the
   last call appended when none of them can change which earlier ones count; Rasa's walk
   otherwise), as a new list each time as Rasa's is. Only plain trackers of conversations, as in 9.
15. An action that only reads the tracker is given the tracker itself, not a copy: before every
   action the processor copies the tracker (`_run_action`: "as we might need to discard the
   policy events in case of a rejection") and applies the prediction's events to the copy. When
   the prediction brings no events (every prediction of our policies but a loop's) and the
   action is one of Rasa's that never change the tracker they are given (`action_listen`, an
   `utter_*` response, `utter_faq` (the response the parse selected), a custom action on the
   action server: they read its slots, events and latest message and
   return new events, which the processor applies to the tracker itself afterwards, as before),
   the copy would be the tracker's state, read and thrown away: `action_listen` at the end of
   every message, and a custom action or response after another action (0.05 ms a copy here).
   Any other action, or a prediction with events (the rule policy's
   `DefinePrevUserUtteredFeaturization` before the first action after a user message: it would
   be applied twice to a shared tracker), still gets the copy.
16. The count vectors' COO matrix (10) is assembled without scipy's checks: `coo_matrix(...)`
   checked the shape, chose the index dtype, copied the index arrays to it and then re-checked
   the whole matrix (`_check`: dtypes, bounds, `nnz`), twice per featurizer a message (~2 %).
   The arrays are made here already as scipy would keep them (int32 indices, the vectorizer's
   dtype, native byte order, every index inside the shape by construction: a row of a document,
   a column of the vocabulary), so the matrix is set up with exactly the attributes
   `coo_matrix.__init__` leaves (tests/unit/test_rasa_patches.py: equal to scipy's built
   matrix, and scipy's own `_check` passes on it).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import dataclasses
import gc
import itertools
import logging
import math
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import aiohttp
import dask
import jsonschema
import numpy as np
import scipy.sparse
import structlog
from jsonschema import ValidationError
from rasa.core.actions.action import ActionBotResponse, ActionListen, ActionRetrieveResponse, RemoteAction
from rasa.core.agent import Agent
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.core.processor import MessageProcessor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core import constants as core_constants
from rasa.shared.core import events as rasa_events
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

_validator: Optional[Any] = None


def action_answer_validator() -> Any:
    """A validator of RemoteAction.action_response_format_spec(), its schema checked once."""
    global _validator
    if _validator is None:
        schema = RemoteAction.action_response_format_spec()
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _validator = cls(schema)
    return _validator


_quick: Optional[Tuple[Any, Dict[Text, Any]]] = None


def quick_validators() -> Tuple[Any, Dict[Text, Any]]:
    """A validator of the answer without its events, and one per event type (its `oneOf`
    alternative with the properties every event shares); no event validators if the
    alternatives did not each fix a distinct `event` constant (then every answer is checked in full)."""
    global _quick
    if _quick is None:
        schema = RemoteAction.action_response_format_spec()
        cls = jsonschema.validators.validator_for(schema)
        item = schema["properties"]["events"]["items"]
        shared = {k: v for k, v in item.items() if k != "oneOf"}
        names = [alt.get("properties", {}).get("event", {}).get("const") for alt in item["oneOf"]]
        by_type: Dict[Text, Any] = {}
        if None not in names and len(set(names)) == len(names):
            by_type = {name: cls({**shared, "allOf": [alt]}) for name, alt in zip(names, item["oneOf"], strict=True)}
        _quick = (cls(schema), by_type)
    return _quick


def quickly_valid(result: Any) -> bool:
    """True only when the answer is valid under Rasa's schema (False: not known, check in full)."""
    whole, by_type = quick_validators()
    if not by_type or not isinstance(result, dict):
        return False
    events = result.get("events")
    if "events" in result:
        if not isinstance(events, list):
            return False
        for event in events:
            name = event.get("event") if isinstance(event, dict) else None
            validator = by_type.get(name) if isinstance(name, str) else None
            if validator is None or not validator.is_valid(event):
                return False
        result = {**result, "events": []}
    return bool(whole.is_valid(result))


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with the validator built once."""
    if quickly_valid(result):
        return True
    error = jsonschema.exceptions.best_match(action_answer_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Event.resolve_by_type, remembering the class found for each name."""
    found = _event_classes.get(type_name)
    if found is None:
        found = _resolve_by_type(type_name, default)  # Rasa's walk (and its default, None or error)
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


_new_session = EndpointConfig.session
IDLE_CONNECTION_SECONDS = 2.0


class _KeptSession:
    """`async with endpoint.session()` that leaves the shared session open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc: Any) -> None:
        return None


def _kept_session(self: EndpointConfig) -> Any:
    """EndpointConfig.session, one per endpoint and event loop, kept open between calls."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # outside a loop: Rasa's own (closed by its caller)
        return _new_session(self)
    kept = self.__dict__.get("_kept_session")
    if kept is None or kept[0] is not loop or kept[1].closed:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
        session = aiohttp.ClientSession(  # as Rasa's, with a connector that drops idle connections sooner
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
        )
        kept = (loop, session)
        self.__dict__["_kept_session"] = kept
    return _KeptSession(kept[1])


def _copy_slot(self: Slot) -> Slot:
    """What `copy.copy` made of a slot: a new object of its class with the same attributes."""
    cls: Any = type(self)
    copied: Slot = cls.__new__(cls)  # as copyreg.__newobj__
    copied.__dict__.update(self.__dict__)
    return copied


_minimal_graph_schema = GraphSchema.minimal_graph_schema


def minimal_graph_schema(self: GraphSchema, targets: Optional[List[Text]] = None) -> GraphSchema:
    """GraphSchema.minimal_graph_schema, remembered per schema and targets."""
    key = (tuple(targets) if targets else None, id(self.nodes), len(self.nodes))
    known: Dict[Any, GraphSchema] = self.__dict__.setdefault("_minimal_schemas", {})
    found = known.get(key)
    if found is None:
        found = known[key] = _minimal_graph_schema(self, targets)
    return found


def run_graph(graph: Dict[Text, Any], targets: List[Text]) -> Optional[Tuple[Any, ...]]:
    """`dask.get(graph, targets)` for a graph of Rasa's shape; None for any other shape."""
    for task in graph.values():
        if not isinstance(task, tuple) or not task:
            return None
        if callable(task[0]) and not all(isinstance(arg, str) for arg in task[1:]):
            return None
    results: Dict[Text, Any] = {}

    def result(key: Text) -> Any:
        if key not in results:
            task = graph[key]
            if callable(task[0]):
                task = task[0](*(result(arg) if arg in graph else arg for arg in task[1:]))
            results[key] = task
        return results[key]

    return tuple(result(target) for target in targets)


_dask_get = dask.get
_dask_run = DaskGraphRunner.run
_runner_logger = logging.getLogger("rasa.engine.runner.dask")  # Rasa's own logger of graph runs


def _run_graph_directly(
    self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
) -> Dict[Text, Any]:
    """DaskGraphRunner.run, its graph run by `run_graph` (dask's for any other shape)."""
    run_targets = targets if targets else self._graph_schema.target_names
    minimal_schema = self._graph_schema.minimal_graph_schema(run_targets)
    graph = self._build_dask_graph(minimal_schema)
    if inputs:
        self._add_inputs_to_graph(inputs, graph)
    _runner_logger.debug("Running graph with inputs: %s, targets: %s and %s.", inputs, targets, self._execution_context)
    try:
        computed = run_graph(graph, list(run_targets)) if all(t in graph for t in run_targets) else None
        if computed is None:
            computed = _dask_get(graph, run_targets)
        return dict(computed)
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


_empty_domain_dict: Optional[Dict[Text, Any]] = None


def _domain_is_empty(self: Domain) -> bool:
    """Domain.is_empty, the empty domain's dict built once."""
    global _empty_domain_dict
    if _empty_domain_dict is None:
        _empty_domain_dict = Domain.empty().as_dict()
    return bool(self.as_dict() == _empty_domain_dict)


class PriorPoint:
    """What Rasa's loop reads of the tracker as it stood before an action (or at the end).

    The user's message is kept as its position among the applied events and its sub-state
    built anew on each use: later events of the same turn change that event in place
    (`DefinePrevUserUtteredFeaturization`, `EntitiesAdded`), and Rasa's replay sees those
    changes at every point too. (Replaying applied events, only a `UserUttered` sets the latest
    message: the events that reset it never count as applied.) Before any, the latest message is
    the replay's own empty one, which only replayed events change (`EntitiesAdded`): its
    sub-state is taken as it stood at the point, as Rasa's replay takes it.
    """

    __slots__ = ("hide_rule_turn", "followup_action", "latest_action_name", "active_loop_name", "parts")

    def __init__(self, replay: DialogueStateTracker, hide_rule_turn: bool, domain: Domain, message: int) -> None:
        self.hide_rule_turn = hide_rule_turn
        self.followup_action = replay.followup_action
        self.latest_action_name = replay.latest_action_name
        self.active_loop_name = replay.active_loop_name
        self.parts = (  # get_active_state's, the user's as the message's position (or its sub-state)
            message if message >= 0 else domain._get_user_sub_state(replay),
            domain._get_slots_sub_state(replay),
            domain._get_prev_action_sub_state(replay),
            domain._get_active_loop_sub_state(replay),
        )

    def previous_action(self) -> Optional[Dict[Text, Text]]:
        """`Domain._get_prev_action_sub_state` of the prior tracker, as a new dict."""
        action = self.parts[2]
        return dict(action) if action is not None else None

    def state(self, domain: Domain, previous_action: Optional[Dict[Text, Text]], applied: List[Event]) -> State:
        """`Domain.get_active_state` of the prior tracker: new dicts, the user's built now."""
        message, slots, _action, loop = self.parts
        if isinstance(message, int):
            user = domain._get_user_sub_state(_Latest(applied[message]))
        else:
            user = dict(message)
        return domain._clean_state(
            {
                core_constants.USER: user,
                core_constants.SLOTS: dict(slots),
                core_constants.PREVIOUS_ACTION: previous_action,
                core_constants.ACTIVE_LOOP: dict(loop),
            }
        )


class _Latest:
    """What `Domain._get_user_sub_state` reads of a tracker: its latest user message."""

    __slots__ = ("latest_message",)

    def __init__(self, latest_message: Any) -> None:
        self.latest_message = latest_message


class PriorPoints:
    """A tracker's replay: its applied events so far, the replaying copy, a point per action."""

    __slots__ = ("domain", "applied", "replay", "points", "message")

    def __init__(self, tracker: DialogueStateTracker, domain: Domain) -> None:
        self.domain = domain
        self.applied: List[Event] = []
        self.replay = tracker.init_copy()
        self.points: List[PriorPoint] = []
        self.message = -1  # the position of the latest UserUttered replayed

    def extend(self, events: List[Event]) -> None:
        """Replay more applied events (as `generate_all_prior_trackers` does), the end point anew."""
        replay, points, domain = self.replay, self.points, self.domain
        if points:
            points.pop()  # the end point: the tracker after the events replayed so far
        for position, event in enumerate(events, start=len(self.applied)):
            if isinstance(event, ActionExecuted):
                points.append(PriorPoint(replay, event.hide_rule_turn, domain, self.message))
            replay.update(event)
            if isinstance(event, UserUttered):
                self.message = position
        points.append(PriorPoint(replay, False, domain, self.message))
        self.applied.extend(events)

    def starts(self, applied: List[Event], same_objects: bool) -> bool:
        """Whether `applied` begins with the events replayed here (the same objects, or, for a
        tracker loaded anew, events of the same type, time and content)."""
        if len(self.applied) > len(applied):
            return False
        if same_objects:
            return all(a is b for a, b in zip(self.applied, applied, strict=False))
        return all(a is b or _same_event(a, b) for a, b in zip(self.applied, applied, strict=False))


# what an event holds beside what the replay reads of it (and the user message's featurization,
# which is read from the tracker's own event at each use)
_NOT_REPLAYED = frozenset({"metadata", "parse_data", "use_text_for_featurization"})


def _same_event(a: Event, b: Event) -> bool:
    """The same event (type, time and every attribute the replay can read), loaded anew."""
    if type(a) is not type(b) or a.timestamp != b.timestamp:
        return False
    mine, theirs = a.__dict__, b.__dict__
    return all(mine.get(k) == theirs.get(k) for k in mine.keys() | theirs.keys() if k not in _NOT_REPLAYED)


# the replays of the conversations this process answered last, for their next message (loaded anew)
RECENT_REPLAYS = 256
_recent: "OrderedDict[Text, PriorPoints]" = OrderedDict()


# events that can change which earlier events count as applied (DialogueStateTracker.applied_events)
_RESHAPING = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)


_rasa_applied_events = DialogueStateTracker.applied_events


def _applied_events_method(self: DialogueStateTracker) -> List[Event]:
    """DialogueStateTracker.applied_events from `applied_events`' memo (a new list, as Rasa's)."""
    if type(self) is not DialogueStateTracker or self.is_rule_tracker:
        return _rasa_applied_events(self)
    return list(applied_events(self))


def applied_events(tracker: DialogueStateTracker) -> List[Event]:
    """`tracker.applied_events()`: the events added since the last call appended to the last
    answer when none of them can change what came before (no restart, session start, revert or
    loop event, no run of a loop Rasa may undo), Rasa's own walk over all events otherwise."""
    events = tracker.events
    memo = tracker.__dict__.get("_applied_events")
    if memo is not None:
        seen, applied, loops = memo
        if len(events) >= len(seen) and all(a is b for a, b in zip(seen, events, strict=False)):
            new = list(itertools.islice(events, len(seen), None))
            if not any(
                isinstance(e, _RESHAPING) or (isinstance(e, ActionExecuted) and e.action_name in loops) for e in new
            ):
                applied = applied + new
                tracker.__dict__["_applied_events"] = (seen + new, applied, loops)
                return applied
    applied = _rasa_applied_events(tracker)
    loops = {e.name for e in events if isinstance(e, ActiveLoop) and e.name}
    tracker.__dict__["_applied_events"] = (list(events), applied, loops)
    return applied


def prior_points(tracker: DialogueStateTracker, domain: Domain) -> Tuple[List[PriorPoint], List[Event]]:
    """The tracker's replay points and applied events, replaying only the applied events added
    since the last call for this tracker, or since this process last replayed this conversation."""
    applied = applied_events(tracker)
    kept: Optional[PriorPoints] = tracker.__dict__.get("_prior_points")
    if kept is None or kept.domain is not domain or not kept.starts(applied, same_objects=True):
        kept = _recent.pop(tracker.sender_id, None)
        if kept is not None and kept.domain is domain and kept.starts(applied, same_objects=False):
            kept.applied = applied[: len(kept.applied)]  # this tracker's own events from now on
        else:
            kept = PriorPoints(tracker, domain)
        tracker.__dict__["_prior_points"] = kept
    if len(kept.applied) < len(applied) or not kept.points:
        kept.extend(applied[len(kept.applied) :])
    _recent[tracker.sender_id] = kept
    _recent.move_to_end(tracker.sender_id)
    while len(_recent) > RECENT_REPLAYS:
        _recent.popitem(last=False)
    return kept.points, kept.applied


_states_for_tracker_history = Domain.states_for_tracker_history


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """Domain.states_for_tracker_history over the tracker's kept replay (Rasa's own loop)."""
    if omit_unset_slots or type(tracker) is not DialogueStateTracker or tracker.is_rule_tracker:
        return _states_for_tracker_history(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    states: List[State] = []
    last_ml_action_sub_state = None
    turn_was_hidden = False
    points, applied = prior_points(tracker, self)
    for point in points:
        previous_action = point.previous_action()  # the prior tracker's `latest_action`
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action_sub_state = previous_action
            if not point.followup_action and not point.latest_action_name == point.active_loop_name:
                turn_was_hidden = point.hide_rule_turn
            if turn_was_hidden:
                continue
        state = point.state(self, previous_action, applied)
        if ignore_rule_only_turns:
            self._remove_rule_only_features(state, rule_only_data)
            if states:
                self._substitute_rule_only_user_input(state, states[-1])
            if last_ml_action_sub_state:
                state[core_constants.PREVIOUS_ACTION] = last_ml_action_sub_state
        states.append(self._clean_state(state))
    return states


_stock_create_features = CountVectorsFeaturizer._create_features


def count_matrix(vectorizer: Any, documents: List[Text]) -> scipy.sparse.coo_matrix:
    """`vectorizer.transform(documents)`, its indices sorted, `.tocoo()`: the same matrix."""
    vectorizer._check_vocabulary()  # sklearn's errors for a vectorizer not fitted
    vocabulary = vectorizer.vocabulary_
    analyze = vectorizer.build_analyzer()
    rows: List[int] = []
    columns: List[int] = []
    counts: List[int] = []
    for row, document in enumerate(documents):
        counter: Dict[Any, int] = {}
        for feature in analyze(document):
            index = vocabulary.get(feature)
            if index is not None:
                counter[index] = counter.get(index, 0) + 1
        for index in sorted(counter):
            rows.append(row)
            columns.append(index)
            counts.append(1 if vectorizer.binary else counter[index])
    data = np.asarray(np.asarray(counts, dtype=np.intc), dtype=vectorizer.dtype)
    shape = (len(documents), len(vocabulary))
    if max(shape) >= _INT32_MAX or not data.dtype.isnative:
        return scipy.sparse.coo_matrix(
            (data, (np.asarray(rows, dtype=np.int32), np.asarray(columns, dtype=np.int32))),
            shape=shape,
            dtype=vectorizer.dtype,
            copy=False,
        )
    return unchecked_coo(data, np.asarray(rows, dtype=np.int32), np.asarray(columns, dtype=np.int32), shape)


_INT32_MAX = int(np.iinfo(np.int32).max)
_COO_DEFAULTS = vars(scipy.sparse.coo_matrix((1, 1)))  # what spmatrix.__init__ sets besides the arrays (maxprint)


def unchecked_coo(data: np.ndarray, rows: np.ndarray, columns: np.ndarray, shape: Tuple[int, int]) -> Any:
    """`coo_matrix((data, (rows, columns)), shape=shape)` for arrays already in the form scipy keeps
    (int32 indices inside `shape`, native `data`): the same attributes, without its checks (16)."""
    matrix = scipy.sparse.coo_matrix.__new__(scipy.sparse.coo_matrix)
    matrix.__dict__.update(_COO_DEFAULTS)
    matrix._shape = (int(shape[0]), int(shape[1]))
    matrix.row, matrix.col, matrix.data = rows, columns, data
    matrix.has_canonical_format = False
    return matrix


def _create_count_features(self: CountVectorsFeaturizer, attribute: Text, all_tokens: List[List[Text]]) -> Any:
    """CountVectorsFeaturizer._create_features with the matrices made by `count_matrix`."""
    if not self.vectorizers.get(attribute):
        return [None], [None]
    sequence_features: List[Any] = []
    sentence_features: List[Any] = []
    for tokens in all_tokens:
        if not tokens:
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        vectorizer = self.vectorizers[attribute]
        sequence_features.append(count_matrix(vectorizer, tokens))
        if attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            sentence_features.append(count_matrix(vectorizer, [" ".join(tokens)]))
        else:
            sentence_features.append(None)
    return sequence_features, sentence_features


def debug_dropped() -> bool:
    """Whether structlog's configured logger drops debug entries (its `debug` is the no-op)."""
    wrapper = structlog.get_config().get("wrapper_class")
    return getattr(wrapper, "debug", None) is _structlog_nop


_structlog_nop = getattr(structlog._native, "_nop", object())  # structlog's do-nothing method


class _DebugCopy:
    """The `copy` module as the modules of patch 11 see it: `deepcopy` only for debug logging."""

    def __getattr__(self, name: Text) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Optional[Dict[int, Any]] = None) -> Any:
        if debug_dropped():
            return value  # an argument of a debug entry that is dropped unread
        return copy.deepcopy(value, memo)


# the modules whose only use of `copy.deepcopy` is in arguments of `structlogger.debug(...)`
DEBUG_COPY_MODULES = (
    "rasa.core.processor",
    "rasa.core.policies.memoization",
    "rasa.core.policies.rule_policy",
    "rasa.core.actions.forms",
)


_load_model = Agent.load_model
_loader_logger = logging.getLogger("rasa.core.agent")

# parsed once after loading (Chinese, pinyin, English), so that what the NLU loads on its first
# use (pypinyin's dictionaries: ~1 s, and ~400,000 objects) is loaded before the freeze, not
# during the first visitor's message; the parses are thrown away
WARM_UP_TEXTS = ("你好，发票什么时候恢复", "fapiao shenme shihou huifu", "hello, when can I issue invoices")


def warm_up(agent: Agent) -> None:
    """The processor's own parse (`_parse_message_with_graph`) of each warm-up text, results
    dropped, on a throwaway tracker: no tracker store, no action, nothing sent."""
    from rasa.core.channels.channel import UserMessage

    processor = agent.processor
    if processor is None or not processor.model_metadata.nlu_target:
        return
    for text in WARM_UP_TEXTS:
        try:
            tracker = DialogueStateTracker("warm-up", processor.domain.slots)
            processor._parse_message_with_graph(UserMessage(text, sender_id="warm-up"), tracker)
        except Exception:  # a warm-up that fails changes nothing: the first message loads it
            _loader_logger.debug("warm-up parse failed", exc_info=True)


def _load_model_frozen(self: Agent, *args: Any, **kwargs: Any) -> None:
    """Agent.load_model, a warm-up parse, then the process's objects collected once and frozen (patch 12)."""
    _load_model(self, *args, **kwargs)
    warm_up(self)
    gc.collect()
    gc.freeze()


_rasa_copy = DialogueStateTracker.copy

# Rasa's own event kinds whose replay only sets the tracker's state (StoryExported writes a file)
_STATE_EVENTS = frozenset(
    cls
    for cls in vars(rasa_events).values()
    if isinstance(cls, type)
    and issubclass(cls, Event)
    and cls.__module__ == rasa_events.__name__
    and cls is not rasa_events.StoryExported
)


def _copy_from_state(self: DialogueStateTracker) -> Optional[DialogueStateTracker]:
    """What `travel_back_in_time(inf)` builds, from the tracker's state; None where it may not be."""
    if type(self) is not DialogueStateTracker or self._max_event_history is not None:
        return None
    if type(self.slots) is not dict:
        return None
    events = self.events
    latest_user, latest_bot = self.latest_message, self.latest_bot_utterance
    user_held = bot_held = False
    for event in events:
        if type(event) not in _STATE_EVENTS or not event.timestamp <= math.inf:
            return None
        if event is latest_user:
            user_held = True
        if event is latest_bot:
            bot_held = True
    if not user_held:
        return None  # the empty placeholder (nothing said yet, or reset), which entity events change
    copied = self.init_copy()
    copied.events.extend(events)
    for name, slot in self.slots.items():
        copied.slots[name].__dict__.update(slot.__dict__)
    copied._paused = self._paused
    copied.followup_action = self.followup_action
    copied.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    copied.latest_message = latest_user
    if bot_held:  # else the empty placeholder init_copy made, as the replay makes one (nothing changes it)
        copied.latest_bot_utterance = latest_bot
    copied.active_loop = dataclasses.replace(self.active_loop) if self.active_loop is not None else None
    return copied


def _copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """DialogueStateTracker.copy, from the tracker's state where that is the replay's (patch 13);
    the tracker itself for the one copy `_run_action` makes before a read-only action (15)."""
    if _shared_tracker.get() is self:
        _shared_tracker.set(None)  # only the processor's first copy, made before the action runs
        return self
    copied = _copy_from_state(self)
    return copied if copied is not None else _rasa_copy(self)


# Actions whose `run` only reads the tracker it is given (Rasa's own classes, exactly: a subclass
# may do otherwise): ActionListen returns [], ActionBotResponse renders a response,
# ActionRetrieveResponse (`utter_faq`) renders the one the latest message's parse selected,
# RemoteAction sends the tracker's state to the action server and renders the responses it names.
READ_ONLY_ACTIONS: Tuple[type, ...] = (ActionListen, ActionBotResponse, ActionRetrieveResponse, RemoteAction)
_shared_tracker: contextvars.ContextVar[Optional[DialogueStateTracker]] = contextvars.ContextVar(
    "rasa_patches_shared_tracker", default=None
)
_stock_run_action = MessageProcessor._run_action


async def _run_action_sharing_tracker(
    self: MessageProcessor, action: Any, tracker: DialogueStateTracker, output_channel: Any, nlg: Any, prediction: Any
) -> bool:
    """`MessageProcessor._run_action`, whose temporary copy of the tracker is the tracker itself
    when the prediction brings no events and the action only reads it (15)."""
    share = not prediction.events and type(action) in READ_ONLY_ACTIONS
    token = _shared_tracker.set(tracker if share else None)
    try:
        return await _stock_run_action(self, action, tracker, output_channel, nlg, prediction)
    finally:
        _shared_tracker.reset(token)


def apply() -> None:
    import importlib

    for name in DEBUG_COPY_MODULES:
        module = importlib.import_module(name)
        if getattr(module, "copy", None) is copy:
            module.copy = _DebugCopy()  # type: ignore[attr-defined]
    Agent.load_model = _load_model_frozen
    MessageProcessor._run_action = _run_action_sharing_tracker
    DialogueStateTracker.copy = _copy_tracker
    DialogueStateTracker.applied_events = _applied_events_method
    CountVectorsFeaturizer._create_features = _create_count_features
    Domain.states_for_tracker_history = states_for_tracker_history
    Domain.is_empty = _domain_is_empty
    DaskGraphRunner.run = _run_graph_directly
    GraphSchema.minimal_graph_schema = minimal_graph_schema
    Slot.__copy__ = _copy_slot
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(resolve_by_type)
    EndpointConfig.session = _kept_session


__all__ = ["ValidationError", "action_answer_validator", "apply"]
