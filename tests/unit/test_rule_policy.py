"""RecentStatesRulePolicy predicts exactly as Rasa's RulePolicy with the same trained lookups.

On every point of every conversation of the training and test stories (and of those stories
run back to back, so the history is longer than any rule), its states are the tail of
RulePolicy's and its prediction (action probabilities, rule matched) is the same.
"""

from pathlib import Path
from types import SimpleNamespace

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

from bot.policies.rules import RecentStatesRulePolicy, recent_states

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def policies(trained_agent):
    nodes = trained_agent.processor.graph_runner._instantiated_nodes.values()
    ours = next(node._component for node in nodes if isinstance(node._component, RulePolicy))
    assert type(ours) is RecentStatesRulePolicy  # config.yml names it
    stock = RulePolicy(
        dict(ours.config),
        ours._model_storage,
        ours._resource,
        SimpleNamespace(is_finetuning=False),  # the ExecutionContext's one field a policy reads
        ours.featurizer,
        ours.lookup,
    )
    return ours, stock, trained_agent.domain


def conversations(domain):
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[
            str(ROOT / "data" / "rules"),
            str(ROOT / "data" / "stories"),
            str(ROOT / "tests" / "stories"),
        ],
    )
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    stories = [t for t in trackers if not t.is_rule_tracker]
    assert len(stories) >= 20
    # the stories one after another: a long conversation, longer than any rule
    long = DialogueStateTracker.from_events("long", [e for t in stories for e in t.events], domain.slots)
    return [*trackers, long]


def points(tracker):
    """The tracker as it stood before each of its actions (as Rasa predicted it)."""
    events = tracker.applied_events()
    for index, event in enumerate(events):
        if type(event).__name__ == "ActionExecuted" and index:
            yield DialogueStateTracker.from_events(tracker.sender_id, events[:index], tracker.slots.values())


def test_the_same_states_tail_and_the_same_predictions(policies):
    ours, stock, domain = policies
    longest = ours.longest_rule()
    assert longest and longest < 20
    checked = 0
    for conversation in conversations(domain):
        for point in points(conversation):
            full = stock._prediction_states(point, domain, rule_only_data=stock._get_rule_only_data())
            tail = ours._prediction_states(point, domain, rule_only_data=ours._get_rule_only_data())
            assert tail == full[-longest:]
            for lookup in (RULES, RULES_FOR_LOOP_UNHAPPY_PATH):  # rules read once, matched as RulePolicy did
                assert ours._get_possible_keys(ours.lookup[lookup], full) == stock._get_possible_keys(
                    stock.lookup[lookup], full
                )
            assert recent_states(point, domain, 10**6) == point.past_states(domain)
            mine, theirs = (
                ours.predict_action_probabilities(point, domain),
                stock.predict_action_probabilities(point, domain),
            )
            assert mine.probabilities == theirs.probabilities
            assert (mine.action_metadata, mine.is_end_to_end_prediction) == (
                theirs.action_metadata,
                theirs.is_end_to_end_prediction,
            )
            checked += 1
    assert checked > 300


def test_the_newest_state_is_checked_only_against_rules_of_its_action_and_intent():
    """A rule whose last state names a previous action and an intent is a candidate only for a
    state with both; one naming no intent (or "should not be set") for any intent of its action;
    one naming no previous action always (RulesRead.candidates)."""
    from rasa.shared.core.constants import SHOULD_NOT_BE_SET

    from bot.policies.rules import RulesRead

    def rule(key, action, intent=None):
        state = {"prev_action": {"action_name": action}} if action else {}
        if intent:
            state["user"] = {"intent": intent}
        return (key, [state])

    rules = [
        rule("faq after listen", "action_listen", "faq"),
        rule("greet after listen", "action_listen", "greet"),
        rule("any intent after listen", "action_listen"),
        rule("no intent after listen", "action_listen", SHOULD_NOT_BE_SET),
        rule("faq after utter", "utter_faq", "faq"),
        rule("no action", None),
    ]
    read = RulesRead(rules)

    def keys(action, intent):
        return {key for key, _ in read.candidates({"prev_action": {"action_name": action}, "user": {"intent": intent}})}

    assert keys("action_listen", "faq") == {
        "faq after listen",
        "any intent after listen",
        "no intent after listen",
        "no action",
    }
    assert keys("action_listen", "thank") == {"any intent after listen", "no intent after listen", "no action"}
    assert keys("utter_faq", "greet") == {"no action"}
    assert keys("utter_faq", "faq") == {"faq after utter", "no action"}
    assert {key for key, _ in read.candidates({"user": {"intent": "faq"}})} == {"no action"}
    assert keys("action_listen", "faq") is not None and read.candidates(
        {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "faq"}}
    ) is read.candidates({"prev_action": {"action_name": "action_listen"}, "user": {"intent": "faq"}})  # made once
