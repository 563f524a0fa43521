"""bot/rasa_patches.py changes what an action call costs, not what Rasa accepts."""

import dask
import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_patches

GOOD = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "outage_state", "value": "normal"}], "responses": [{"text": "好"}]},
    {"events": [{"event": "followup", "name": "action_listen"}, {"event": "reset_slots"}]},
    {},
]
BAD = [
    {"events": [{"event": "slot", "value": "x"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": {"event": "slot"}},  # not a list
    {"responses": ["text"]},  # a response that is not an object
    {"events": [{"name": "x"}]},  # an event without its type
]


def action() -> RemoteAction:
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:9/webhook"))


@pytest.mark.parametrize("answer", GOOD)
def test_valid_answers_pass_as_before(answer):
    assert jsonschema.validate(answer, RemoteAction.action_response_format_spec()) is None  # Rasa's own check
    rasa_patches.apply()
    assert action()._validate_action_result(answer) is True


@pytest.mark.parametrize("answer", BAD)
def test_malformed_answers_are_still_rejected_with_rasas_error(answer):
    with pytest.raises(jsonschema.ValidationError) as stock:
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())
    rasa_patches.apply()
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result
    with pytest.raises(jsonschema.ValidationError) as patched:
        action()._validate_action_result(answer)
    assert patched.value.message.startswith(stock.value.message)  # the same (best-matching) error
    assert "Failed to validate Action server response" in patched.value.message


def test_the_schema_is_checked_and_the_validator_built_once():
    assert rasa_patches.action_answer_validator() is rasa_patches.action_answer_validator()


def test_the_rasa_server_loads_the_patch_with_the_tracker_store():
    import bot.tracker_store  # noqa: F401  (endpoints.yml names it: every Rasa server imports it)

    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


def test_events_resolve_to_rasas_classes():
    from rasa.shared.core import events
    from rasa.shared.utils.common import all_subclasses

    rasa_patches.apply()
    for cls in all_subclasses(events.Event):
        first = next(c for c in all_subclasses(events.Event) if c.type_name == cls.type_name)
        assert events.Event.resolve_by_type(cls.type_name) is first
        assert events.Event.resolve_by_type(cls.type_name) is first  # from the table
    assert events.Event.resolve_by_type("topic") is None
    assert events.Event.resolve_by_type("no_such", default=events.SlotSet) is events.SlotSet
    with pytest.raises(ValueError):
        events.Event.resolve_by_type("no_such")
    assert events.Event.from_parameters({"event": "slot", "name": "a", "value": 1}) == events.SlotSet("a", 1)


async def test_action_calls_reuse_one_session_per_endpoint():
    from aiohttp import web

    rasa_patches.apply()
    peers = []

    async def answer(request):
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        for _ in range(3):
            assert await endpoint.request(json={"x": 1}, method="post") == {"events": [], "responses": []}
        assert len(set(peers)) == 1  # one connection, kept
    finally:
        session = endpoint.__dict__["_kept_session"][1]
        await session.close()
        await runner.cleanup()


# every event Rasa can take from an action server, valid and broken (a property of the wrong type)
EVENTS = [
    {"event": "slot", "name": "district", "value": "天河"},
    {"event": "slot", "name": "district", "value": None, "timestamp": 1.5},
    {"event": "bot", "text": "好", "data": {"buttons": [{"title": "a", "payload": "/b"}]}},
    {"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0},
    {"event": "followup", "name": "action_handle_miss"},
    {"event": "active_loop", "name": None},
    {"event": "session_started", "metadata": {"x": 1}},
    {"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}},
    {"event": "reset_slots"},
    {"event": "restart"},
    {"event": "reminder", "intent": "x", "date_time": "2026-11-29T08:00:00"},
    {"event": "slot", "name": 3, "value": "x"},  # a name that is not text
    {"event": "bot", "text": 1},
    {"event": "user", "parse_data": {"intent": {"name": 1}}},
    {"event": "slot", "name": "a", "value": 1, "timestamp": "now"},
    {"event": "action", "name": "x", "confidence": "high"},
    {"event": "no_such_event"},
    {"event": ["slot"]},
    {"event": None},
    {"name": "x"},
    "slot",
    None,
]
ANSWERS = (
    GOOD
    + BAD
    + [{"events": [e]} for e in EVENTS]
    + [{"events": [EVENTS[0], e], "responses": [{"response": "utter_greet"}]} for e in EVENTS]
    + [{"events": [], "responses": [{"text": 1}]}, {"events": None}, {"responses": None}, {"extra": 1}, [], "x"]
)


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_quick_check_passes_only_what_rasas_schema_passes(answer):
    valid = jsonschema.validators.validator_for(RemoteAction.action_response_format_spec())(
        RemoteAction.action_response_format_spec()
    ).is_valid(answer)
    if rasa_patches.quickly_valid(answer):
        assert valid, answer
    rasa_patches.apply()
    if valid:
        assert action()._validate_action_result(answer) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as patched:
            action()._validate_action_result(answer)
        with pytest.raises(jsonschema.ValidationError) as rasa:
            jsonschema.validate(answer, RemoteAction.action_response_format_spec())
        assert patched.value.message.startswith(rasa.value.message)


def test_the_quick_check_covers_every_event_type_and_passes_the_usual_answers():
    _whole, by_type = rasa_patches.quick_validators()
    schema = RemoteAction.action_response_format_spec()["properties"]["events"]["items"]
    assert sorted(by_type) == sorted(alt["properties"]["event"]["const"] for alt in schema["oneOf"])
    assert all(rasa_patches.quickly_valid(answer) for answer in GOOD)
    assert sum(rasa_patches.quickly_valid({"events": [e]}) for e in EVENTS) >= 10


def test_a_slot_is_copied_as_copy_copy_copied_it():
    import copy
    from pathlib import Path

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.slots import Slot

    domain = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
    rasa_patches.apply()
    assert Slot.__copy__ is rasa_patches._copy_slot
    for slot in domain.slots:
        slot.value = ["a"] if slot.type_name == "list" else slot.value
        stock = copy._reconstruct(slot, None, *slot.__reduce_ex__(4))  # copy.copy without __copy__
        ours = copy.copy(slot)
        assert type(ours) is type(stock) is type(slot)
        assert ours.__dict__ == stock.__dict__ and ours.__dict__ is not slot.__dict__
        assert all(ours.__dict__[k] is slot.__dict__[k] for k in slot.__dict__)  # shallow, as before
        ours.value = "changed"
        assert slot.value != "changed" or stock.value == "changed"
    # what would make copy.copy do more than this: none on any slot class (ABC's __slots__ is empty)
    for slot_class in {type(slot) for slot in domain.slots}:
        for cls in slot_class.__mro__[:-1]:  # object's own are the default path
            assert not {"__reduce__", "__reduce_ex__", "__getstate__", "__setstate__", "__new__"} & set(vars(cls))
            assert not vars(cls).get("__slots__"), cls


def test_a_minimal_graph_schema_is_rasas_own_remembered():
    from pathlib import Path

    from rasa.engine.graph import GraphSchema, SchemaNode
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.recipes.recipe import TrainingType
    from rasa.shared.importers.importer import TrainingDataImporter

    root = Path(__file__).resolve().parents[2]
    config = TrainingDataImporter.load_from_config(str(root / "config.yml")).get_config()
    recipe = DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.BOTH)
    rasa_patches.apply()
    stock = rasa_patches._minimal_graph_schema
    checked = 0
    for schema in (recipe.train_schema, recipe.predict_schema):
        for targets in ([name] for name in schema.nodes):
            ours = schema.minimal_graph_schema(targets)
            assert ours == stock(schema, targets)
            assert schema.minimal_graph_schema(targets) is ours  # remembered
            checked += 1
        assert schema.minimal_graph_schema() == stock(schema, None)
        assert schema.minimal_graph_schema(schema.target_names) == stock(schema, schema.target_names)
    assert checked > 20
    # a schema whose nodes change (Rasa does not do that) is worked out again
    grown = GraphSchema(dict(recipe.predict_schema.nodes))
    before = grown.minimal_graph_schema()
    grown.nodes["extra"] = SchemaNode(
        needs={}, uses=SchemaNode, constructor_name="create", fn="run", config={}, is_target=True
    )
    assert "extra" in grown.minimal_graph_schema().nodes and "extra" not in before.nodes


def test_a_graph_of_rasas_shape_runs_as_dask_ran_it():
    calls = []

    def node(name):
        def call(*args):
            calls.append(name)
            return (name, [a[1] if isinstance(a, tuple) else a for a in args])

        return call

    graph = {
        "a": (node("a"), "input", "not-a-key"),
        "b": (node("b"), "a"),
        "c": (node("c"), "a", "b"),
        "input": ("input", {"text": "你好"}),
    }
    assert rasa_patches.run_graph(graph, ["c", "b"]) == dask.get(graph, ["c", "b"])
    assert calls.count("a") == 2 and calls.count("b") == 2  # each node once a run (one run each)
    assert rasa_patches.run_graph({"x": [1, 2]}, ["x"]) is None  # any other shape goes to dask
    assert rasa_patches.run_graph({"x": (node("x"), ["a"])}, ["x"]) is None

    def fails(*args):
        raise KeyError("raised as it was")

    with pytest.raises(KeyError, match="raised as it was"):
        rasa_patches.run_graph({"f": (fails,)}, ["f"])


@pytest.fixture(scope="module")
def agent(trained_agent):
    return trained_agent


def test_the_models_graphs_give_what_dask_gave(agent):
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_patches.apply()
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata
    assert type(runner).run is rasa_patches._run_graph_directly
    texts = ["为什么暂停开票", "什么时候恢复", "我要找人工", "天河区的办税服务厅在哪", "hello", "发票", "/greet"]
    for text in texts:
        tracker = DialogueStateTracker("graph-test", agent.domain.slots)
        parsed = []
        for run in (rasa_patches._dask_run, type(runner).run):
            message = UserMessage(text, sender_id="graph-test", message_id="graph-test-message")
            out = run(
                runner,
                inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
                targets=[metadata.nlu_target],
            )
            parsed.append(out[metadata.nlu_target][0].as_dict())
        assert parsed[0] == parsed[1], text
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(text, parsed[0]["intent"], parsed[0].get("entities", []), parse_data=parsed[0]))
        predictions = [
            run(runner, inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[metadata.core_target]
            for run in (rasa_patches._dask_run, type(runner).run)
        ]
        assert predictions[0].probabilities == predictions[1].probabilities, text
        assert (predictions[0].policy_name, predictions[0].events, predictions[0].optional_events) == (
            predictions[1].policy_name,
            predictions[1].events,
            predictions[1].optional_events,
        )


def test_the_domain_is_empty_exactly_when_rasa_said_so():
    from pathlib import Path

    from rasa.shared.core.domain import Domain

    stock = lambda domain: domain.as_dict() == Domain.from_dict({}).as_dict()  # noqa: E731  (Rasa's is_empty)
    rasa_patches.apply()
    assert Domain.is_empty is rasa_patches._domain_is_empty
    project = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
    for domain in (project, Domain.empty(), Domain.from_dict({"intents": ["greet"]}), Domain.from_dict({"slots": {}})):
        assert domain.is_empty() == stock(domain)
    assert Domain.empty().is_empty() and not project.is_empty()


def _stock_and_kept_states(domain, tracker, rule_only_data):
    """Rasa's states of the tracker, and ours (kept replay) for each way the policies ask."""
    stock_applied, applied = rasa_patches._rasa_applied_events(tracker), rasa_patches.applied_events(tracker)
    assert len(applied) == len(stock_applied) and all(a is b for a, b in zip(applied, stock_applied, strict=True))
    for ignore, data in ((False, None), (True, rule_only_data), (True, None)):
        stock = rasa_patches._states_for_tracker_history(domain, tracker, False, ignore, data)
        kept = rasa_patches.states_for_tracker_history(domain, tracker, False, ignore, data)
        assert kept == stock, (ignore, len(tracker.events))
    # a fresh tracker of the same events (no kept replay) gives them too
    assert rasa_patches.states_for_tracker_history(domain, tracker.copy()) == rasa_patches._states_for_tracker_history(
        domain, tracker
    )


def test_past_states_from_the_kept_replay_are_rasas_as_the_tracker_grows(trained_agent):
    """Events added one by one to the same tracker, as the processor adds them in a turn (with the
    in-place changes of the user's message Rasa's ensemble and entity events make, a revert and a
    restart), and now and then loaded anew from its stored form (the next turn: the replay this
    process kept is taken up): after each, the states are Rasa's, whichever way they are asked for."""
    from rasa.shared.core.events import (
        ActionExecuted,
        DefinePrevUserUtteredFeaturization,
        EntitiesAdded,
        Restarted,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    from tests.unit.test_rule_policy import conversations

    rasa_patches.apply()
    domain = trained_agent.domain
    rule_only_data = next(
        node._component
        for node in trained_agent.processor.graph_runner._instantiated_nodes.values()
        if type(node._component).__name__ == "RecentStatesRulePolicy"
    )._get_rule_only_data()
    assert rule_only_data
    checked = reused = taken_up = 0
    for conversation in conversations(domain)[-6:]:
        live = DialogueStateTracker(conversation.sender_id, domain.slots)
        after_user = False
        for index, event in enumerate(conversation.events):
            if index % 9 == 8:  # a new turn: the tracker loaded anew, its events new objects
                before = live.__dict__.get("_prior_points")
                live = DialogueStateTracker.from_dict(live.sender_id, [e.as_dict() for e in live.events], domain.slots)
                _stock_and_kept_states(domain, live, rule_only_data)
                taken_up += before is not None and live.__dict__["_prior_points"] is before
            live.update(event)
            if isinstance(event, UserUttered):
                after_user = True
            elif isinstance(event, ActionExecuted) and after_user and event.action_name != "action_listen":
                live.update(DefinePrevUserUtteredFeaturization(index % 2 == 0))  # as the ensemble adds it
                after_user = False
            if index % 7 == 3:
                live.update(EntitiesAdded([{"entity": "language", "value": "zh", "start": 0, "end": 1}]))
            kept = live.__dict__.get("_prior_points")
            _stock_and_kept_states(domain, live, rule_only_data)
            reused += live.__dict__["_prior_points"] is kept
            checked += 1
        for change in (UserUtteranceReverted(), ActionExecuted("action_listen"), Restarted()):
            live.update(change)
            _stock_and_kept_states(domain, live, rule_only_data)
    assert checked > 100 and reused > checked / 2  # mostly only the new events replayed
    assert taken_up > 10


def test_count_vectors_are_sklearns_matrices(trained_agent):
    """The model's count vectorizers: the same COO matrix (data, rows, columns, dtypes, shape)
    as sklearn's transform, sorted and converted as Rasa did, for tokens seen and unseen."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    featurizers = [
        node._component
        for node in trained_agent.processor.graph_runner._instantiated_nodes.values()
        if isinstance(node._component, CountVectorsFeaturizer)
    ]
    assert len(featurizers) == 2  # config.yml: words and character n-grams
    documents = [["电子", "发票", "暂停", "发票"], ["why", "Suspended", "？"], ["从未见过的词"], [" "], ["a b", "c"]]
    from sklearn.exceptions import NotFittedError

    fitted = 0
    for featurizer in featurizers:
        for vectorizer in featurizer.vectorizers.values():
            if not hasattr(vectorizer, "vocabulary_"):  # an attribute with no training data: sklearn's error
                with pytest.raises(NotFittedError):
                    vectorizer.transform(["发票"])
                with pytest.raises(NotFittedError):
                    rasa_patches.count_matrix(vectorizer, ["发票"])
                continue
            fitted += 1
            for tokens in [*documents, [" ".join(d) for d in documents]]:
                stock = vectorizer.transform(tokens)
                stock.sort_indices()
                stock = stock.tocoo()
                ours = rasa_patches.count_matrix(vectorizer, tokens)
                assert type(ours) is type(stock) and ours.shape == stock.shape
                for name in ("data", "row", "col"):
                    mine, theirs = getattr(ours, name), getattr(stock, name)
                    assert mine.dtype == theirs.dtype and mine.tolist() == theirs.tolist(), name
                assert ours.has_canonical_format == stock.has_canonical_format
                assert vars(ours).keys() == vars(stock).keys()  # the attributes scipy's __init__ sets
                ours._check()  # and scipy's own check passes on the matrix assembled without it
                assert ours.toarray().tolist() == stock.toarray().tolist()
    assert fitted >= 2


def test_count_vectors_are_assembled_without_scipys_checks(trained_agent, monkeypatch):
    """Patch 16: no `coo_matrix.__init__` (and its `_check`) per message, only the arrays."""
    import scipy.sparse
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    vectorizers = [
        vectorizer
        for node in trained_agent.processor.graph_runner._instantiated_nodes.values()
        if isinstance(node._component, CountVectorsFeaturizer)
        for vectorizer in node._component.vectorizers.values()
        if hasattr(vectorizer, "vocabulary_")
    ]
    checks = []
    monkeypatch.setattr(scipy.sparse.coo_matrix, "_check", lambda self: checks.append(self))
    matrices = [rasa_patches.count_matrix(vectorizer, ["电子", "发票", "暂停"]) for vectorizer in vectorizers]
    assert all(matrix.format == "coo" for matrix in matrices) and sum(m.nnz for m in matrices) > 0
    assert vectorizers and not checks


def test_every_evaluation_set_parses_the_same_with_the_count_vectors_patch(trained_agent):
    """Full parse results (intent, ranking, entities, every score) of every set in tests/nlu/,
    with Rasa's own CountVectorsFeaturizer._create_features and with ours. Only the set and the
    position are reported, never an example's text."""
    import asyncio
    from pathlib import Path

    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    from bot.nlu import evaluate

    rasa_patches.apply()
    patched = CountVectorsFeaturizer._create_features
    assert patched is rasa_patches._create_count_features
    sets = sorted((Path(__file__).resolve().parents[2] / "tests" / "nlu").glob("*.yml"))
    assert len(sets) >= 3

    async def parse_all(texts):
        return [await trained_agent.parse_message(text) for text in texts]

    try:
        for path in sets:
            texts = [text for text, _label, _entities in evaluate.load_examples(str(path)) if text]
            CountVectorsFeaturizer._create_features = rasa_patches._stock_create_features
            stock = asyncio.run(parse_all(texts))
            CountVectorsFeaturizer._create_features = patched
            ours = asyncio.run(parse_all(texts))
            differing = [i for i, (a, b) in enumerate(zip(stock, ours, strict=True)) if a != b]
            assert len(stock) == len(texts) and not differing, (path.name, differing[:5])
    finally:
        CountVectorsFeaturizer._create_features = patched


def _debug_deepcopies(module_name):
    """Every `copy.deepcopy(...)` call in a module, and whether it is an argument of a
    `structlogger.debug(...)` call."""
    import ast
    import importlib
    import inspect

    tree = ast.parse(inspect.getsource(importlib.import_module(module_name)))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "deepcopy" and getattr(node.value, "id", "") == "copy":
            up, in_debug = node, False
            while up in parents:
                up = parents[up]
                func = getattr(up, "func", None)
                if isinstance(up, ast.Call) and isinstance(func, ast.Attribute) and func.attr == "debug":
                    in_debug = getattr(func.value, "id", "") == "structlogger"
                    break
            found.append(in_debug)
    return found


@pytest.mark.parametrize("module_name", rasa_patches.DEBUG_COPY_MODULES)
def test_the_modules_deep_copy_only_for_debug_entries(module_name):
    uses = _debug_deepcopies(module_name)
    assert uses and all(uses), f"{module_name} deep-copies outside a debug entry: patch 11 must not cover it"


def test_debug_copies_are_made_exactly_when_structlog_keeps_debug(monkeypatch):
    import importlib
    import logging

    import structlog

    rasa_patches.apply()
    value = {"events": [{"event": "slot", "value": ["a"]}]}
    modules = [importlib.import_module(name) for name in rasa_patches.DEBUG_COPY_MODULES]
    saved = structlog.get_config()
    try:
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))  # rasa run's default
        assert rasa_patches.debug_dropped()
        for module in modules:
            assert module.copy.deepcopy(value) is value
            assert module.copy.copy is __import__("copy").copy  # the rest of `copy` as it was
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))  # rasa run --debug
        assert not rasa_patches.debug_dropped()
        for module in modules:
            copied = module.copy.deepcopy(value)
            assert copied == value and copied is not value and copied["events"][0] is not value["events"][0]
    finally:
        structlog.configure(**saved)


def test_the_loaded_model_is_frozen_out_of_the_collectors_reach(monkeypatch):
    import gc

    loaded, warmed = [], []
    monkeypatch.setattr(rasa_patches, "_load_model", lambda agent, path: loaded.append(path))
    monkeypatch.setattr(rasa_patches, "warm_up", warmed.append)
    before = gc.get_freeze_count()
    agent = object()
    try:
        rasa_patches._load_model_frozen(agent, "models/x.tar.gz")
        assert loaded == ["models/x.tar.gz"] and warmed == [agent]
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()


def test_the_rasa_server_loads_its_model_through_the_freezing_load():
    from rasa.core.agent import Agent

    rasa_patches.apply()
    assert Agent.load_model is rasa_patches._load_model_frozen


def _same_state(ours, rasas):
    """Two trackers alike in everything a replay sets (the events and messages the same objects)."""
    memos = {"_applied_events", "_prior_points"}  # the patches' own caches (9, 14), not state
    assert type(ours) is type(rasas) and ours.__dict__.keys() - memos == rasas.__dict__.keys() - memos
    for key, value in rasas.__dict__.items():
        if key in memos:
            continue
        mine = ours.__dict__[key]
        if key == "events":
            assert len(mine) == len(value) and all(a is b for a, b in zip(mine, value, strict=True))
            assert mine.maxlen == value.maxlen
        elif key == "slots":
            assert mine.keys() == value.keys()
            for name, slot in value.items():
                assert type(mine[name]) is type(slot) and mine[name].__dict__ == slot.__dict__
        elif key in ("latest_message", "latest_bot_utterance"):
            if any(event is value for event in rasas.events):
                assert mine is value
            else:  # an empty placeholder, made anew by each replay
                assert {**mine.__dict__, "timestamp": 0} == {**value.__dict__, "timestamp": 0}
        elif key == "active_loop":
            assert mine == value and (value is None or mine is not value)
        else:
            assert mine == value, key


def test_a_trackers_copy_is_the_replays(trained_agent):
    """Every story of the project grown event by event (with the in-place changes of the user's
    message, reverts, restarts, a tracker loaded anew, the model id the processor sets): at each
    point the copy made from the state is what Rasa's replay made, and changing the copy (as an
    action's temporary tracker is changed) leaves the tracker as it was; its applied events
    (patch 14) are those of Rasa's walk, the same objects, in a list of the caller's own."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        DefinePrevUserUtteredFeaturization,
        EntitiesAdded,
        Restarted,
        SlotSet,
        StoryExported,
        UserUtteranceReverted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    from tests.unit.test_rule_policy import conversations

    rasa_patches.apply()
    domain = trained_agent.domain
    checked = fast = 0
    for conversation in conversations(domain):
        live = DialogueStateTracker(conversation.sender_id, domain.slots)
        live.model_id = "model"
        after_user = False
        for index, event in enumerate(conversation.events):
            if index % 11 == 10:
                live = DialogueStateTracker.from_dict(live.sender_id, [e.as_dict() for e in live.events], domain.slots)
            live.update(event)
            if isinstance(event, UserUttered):
                after_user = True
            elif isinstance(event, ActionExecuted) and after_user and event.action_name != "action_listen":
                live.update(DefinePrevUserUtteredFeaturization(index % 2 == 0))
                after_user = False
            if index % 7 == 3:
                live.update(EntitiesAdded([{"entity": "language", "value": "zh", "start": 0, "end": 1}]))
            fast += rasa_patches._copy_from_state(live) is not None
            applied, stock_applied = live.applied_events(), rasa_patches._rasa_applied_events(live)
            assert len(applied) == len(stock_applied) and all(
                a is b for a, b in zip(applied, stock_applied, strict=True)
            )
            applied.append(SlotSet("language", "en"))  # a caller's change to its list is its own
            assert len(live.applied_events()) == len(stock_applied)
            ours = live.copy()
            _same_state(ours, rasa_patches._rasa_copy(live))
            if ours.active_loop is not None:  # the action's temporary tracker changes; the live one does not
                was = dataclasses_astuple(live.active_loop)
                ours.reject_action(ours.active_loop.name)
                ours.interrupt_loop(True)
                assert dataclasses_astuple(live.active_loop) == was
            ours.update(SlotSet("language", "en"))
            ours.update(ActiveLoop(None))
            _same_state(live.copy(), rasa_patches._rasa_copy(live))
            checked += 1
        for change in (UserUtteranceReverted(), ActionExecuted("action_listen"), Restarted(), StoryExported("/x")):
            if isinstance(change, StoryExported):  # its replay writes a file: Rasa's path, never ours
                live.events.append(change)
                assert rasa_patches._copy_from_state(live) is None
                continue
            live.update(change)
            _same_state(live.copy(), rasa_patches._rasa_copy(live))
    assert checked > 500 and fast > checked * 0.7  # all but the points before a user message


def dataclasses_astuple(value):
    import dataclasses

    return dataclasses.astuple(value)


def test_the_warm_up_parses_as_the_processor_and_changes_nothing(trained_agent, monkeypatch):
    """The warm-up parses each of its texts through the processor's own parse (so what the NLU
    loads on first use, pypinyin's dictionaries, is loaded), stores nothing, and a message
    parses the same before and after it."""
    import asyncio
    import sys

    from rasa.core.channels.channel import UserMessage

    processor = trained_agent.processor
    parsed = []
    stock_parse = type(processor)._parse_message_with_graph

    def recording_parse(message, tracker, *args):
        result = stock_parse(processor, message, tracker, *args)
        parsed.append((message.text, result["intent"]["name"] is not None))
        return result

    monkeypatch.setattr(processor, "_parse_message_with_graph", recording_parse)
    text = "fapiao shenme shihou huifu 发票什么时候恢复"

    def parse():
        return asyncio.run(processor.parse_message(UserMessage(text, sender_id="x")))

    before = parse()
    stored = list(asyncio.run(processor.tracker_store.keys()))
    parsed.clear()
    rasa_patches.warm_up(trained_agent)
    assert parsed == [(text, True) for text in rasa_patches.WARM_UP_TEXTS]
    assert "pypinyin.phrases_dict" in sys.modules
    assert parse() == before
    assert list(asyncio.run(processor.tracker_store.keys())) == stored


def test_an_action_that_only_reads_the_tracker_gets_the_tracker_itself(trained_agent, monkeypatch):
    """Patch 15: before `action_listen`, an `utter_*` response or a custom action whose
    prediction brings no events, the processor hands the action its tracker instead of a copy
    (read and thrown away); any other action, or a prediction with events, still gets a copy.
    The tracker afterwards holds the same events as with Rasa's own `_run_action`."""
    import asyncio

    from rasa.core.actions import action as rasa_action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import (
        ActionExecuted,
        ActiveLoop,
        BotUttered,
        DefinePrevUserUtteredFeaturization,
        SlotSet,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    rasa_patches.apply()
    processor = trained_agent.processor
    domain = processor.domain
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    given = []

    def recording(run, call=True):
        async def recorded(self, output_channel, nlg, tracker, domain):
            given.append(tracker)
            return await run(self, output_channel, nlg, tracker, domain) if call else [SlotSet("district", "天河区")]

        return recorded

    for cls in (rasa_action.ActionListen, rasa_action.ActionBotResponse, rasa_action.ActionDeactivateLoop):
        monkeypatch.setattr(cls, "run", recording(cls.run))
    monkeypatch.setattr(rasa_action.RemoteAction, "run", recording(rasa_action.RemoteAction.run, call=False))
    remote = rasa_action.RemoteAction("action_find_service_point", None)
    utter = next(name for name in domain.responses if name.startswith("utter_"))
    cases = [  # (action, events of the prediction, whether the action gets the tracker itself)
        (rasa_action.ActionListen(), [], True),
        (rasa_action.ActionBotResponse(utter), [], True),
        (remote, [], True),
        (rasa_action.ActionBotResponse(utter), [ActiveLoop(None)], False),
        (remote, [SlotSet("language", "en")], False),
        (rasa_action.ActionDeactivateLoop(), [], False),
    ]

    parse = asyncio.run(trained_agent.parse_message("为什么暂停开票"))
    faq = rasa_action.action_for_name_or_text("utter_faq", domain, None)
    assert type(faq) is rasa_action.ActionRetrieveResponse and parse["intent"]["name"] == "faq"
    monkeypatch.setattr(rasa_action.ActionRetrieveResponse, "run", recording(rasa_action.ActionRetrieveResponse.run))
    featurization = [DefinePrevUserUtteredFeaturization(True)]  # the rule policy's, after a user message
    cases += [
        (rasa_action.ActionListen(), featurization, False),
        (faq, [], True),
        (faq, featurization, False),  # applied to the copy (and then to the tracker): not shared
        (faq, [SlotSet("language", "en")], False),
    ]

    def tracker():
        fresh = DialogueStateTracker("spy", domain.slots)
        fresh.update_with_events(
            [ActionExecuted("action_listen"), UserUttered(parse["text"], parse["intent"], [], parse)], domain
        )
        return fresh

    def events(of):
        return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in of.events]

    for action, prediction_events, shared in cases:
        prediction = PolicyPrediction.for_action_name(domain, action.name(), "policy")
        prediction.events = list(prediction_events)
        ours, stock = tracker(), tracker()
        given.clear()
        asyncio.run(processor._run_action(action, ours, CollectingOutputChannel(), nlg, prediction))
        assert (given[0] is ours) is shared, action.name()
        assert rasa_patches._shared_tracker.get() is None  # nothing left for a later copy
        monkeypatch.setattr(MessageProcessor, "_run_action", rasa_patches._stock_run_action)
        prediction.events = list(prediction_events)
        asyncio.run(processor._run_action(action, stock, CollectingOutputChannel(), nlg, prediction))
        assert given[1] is not stock  # Rasa's: always a copy
        monkeypatch.setattr(MessageProcessor, "_run_action", rasa_patches._run_action_sharing_tracker)
        assert events(ours) == events(stock), action.name()
        assert ours.copy() is not ours  # any other copy is a copy
    assert any(isinstance(e, BotUttered) and e.text for e in ours.events)  # the FAQ was answered
