"""Rasa's RulePolicy, building only the dialogue states its rules can look at.

Why: to predict, RulePolicy turns the whole conversation into a list of states (one per
action, `tracker.past_states`), logs a deep copy of all of them, and then checks every rule
against every state back to the first (`_get_possible_keys`). A rule looks back only as many
states as it has: at a distance of `len(rule)` or more, `_is_rule_applicable` accepts every
rule without looking. So the states older than the longest rule (of both lookups it checks:
the rules and the loops' unhappy paths) never change a prediction; this policy builds just the
newest ones, from the same replay of the tracker, and everything else is RulePolicy's own.
Matching rules against those states, RulePolicy parsed each rule's key and reversed its
states again for every rule, state and prediction; here each lookup's rules are read once
(their states reversed, list values as the tuples RulePolicy compares) and matched by the same
tests in the same order.
It trains exactly as RulePolicy (the same lookups); tests/unit/test_rule_policy.py proves its
states are the tail of RulePolicy's and its predictions the same, on the test stories.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

from bot.rasa_patches import prior_points


def recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last `count` of `tracker.past_states(domain)` (no rule-only turns ignored, as RulePolicy
    asks them): from the tracker's kept replay (bot/rasa_patches.py 9), each state made only for
    the newest; a tracker that is not a conversation's is replayed here, as Rasa replays it."""
    if type(tracker) is DialogueStateTracker and not tracker.is_rule_tracker:
        points, applied = prior_points(tracker, domain)
        return [point.state(domain, point.previous_action(), applied) for point in points[-count:]]
    events = tracker.applied_events()
    total = 1 + sum(1 for event in events if isinstance(event, ActionExecuted))
    skip = total - count
    replay = tracker.init_copy()
    states: List[State] = []
    seen = 0
    for event in events:
        if isinstance(event, ActionExecuted):
            if seen >= skip:
                states.append(domain._clean_state(domain.get_active_state(replay)))
            seen += 1
        replay.update(event)
    if seen >= skip:
        states.append(domain._clean_state(domain.get_active_state(replay)))
    return states


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class RecentStatesRulePolicy(RulePolicy):
    _longest: Tuple[Tuple[int, int, int, int], int] = ((0, 0, 0, 0), 0)
    _read_rules: Dict[int, Tuple[int, Dict[Text, Any], "RulesRead"]] = {}
    _training = False

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """RulePolicy's training, which predicts with lookups it is still changing: all states."""
        self._training = True
        try:
            return super().train(training_trackers, domain, **kwargs)
        finally:
            self._training = False

    def longest_rule(self) -> Optional[int]:
        """States in the longest rule of the lookups now held (None: all states are needed)."""
        rules, unhappy = self.lookup.get(RULES), self.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH)
        if self._training or rules is None or unhappy is None:
            return None
        key = (id(rules), len(rules), id(unhappy), len(unhappy))
        if self._longest[0] != key:
            longest = max((len(self._rule_key_to_state(k)) for k in [*rules, *unhappy]), default=0)
            self._longest = (key, longest)
        return self._longest[1]

    def _prediction_states(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        use_text_for_last_user_input: bool = False,
        rule_only_data: Optional[Dict[Text, Any]] = None,
    ) -> List[State]:
        longest = self.longest_rule()
        if longest is None:
            return super()._prediction_states(tracker, domain, use_text_for_last_user_input, rule_only_data)
        # RulePolicy's own: MaxHistoryTrackerFeaturizer.prediction_states with rule-only turns kept
        states = recent_states(tracker, domain, longest)
        states = self.featurizer.slice_state_history(states, self.featurizer.max_history)
        self.featurizer._choose_last_user_input([states], use_text_for_last_user_input)
        return states

    def _rules_read(self, lookup: Dict[Text, Text]) -> "RulesRead":
        """Each rule key of a lookup with its states reversed, list values made tuples."""
        known = self._read_rules.get(id(lookup))
        if known is None or known[0] != len(lookup) or known[1] is not lookup:
            rules = []
            for key in lookup:
                reversed_states = [
                    {
                        kind: {name: tuple(v) if isinstance(v, list) else v for name, v in sub_state.items()}
                        for kind, sub_state in state.items()
                    }
                    for state in reversed(self._rule_key_to_state(key))
                ]
                rules.append((key, reversed_states))
            known = (len(lookup), lookup, RulesRead(rules))
            self._read_rules = {**self._read_rules, id(lookup): known}
        return known[2]

    def _get_possible_keys(self, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
        """RulePolicy._get_possible_keys: the rules whose states all match, read once; for the
        newest state, only the rules whose last action can be that state's (RulesRead)."""
        if self._training:
            return super()._get_possible_keys(lookup, states)
        read = self._rules_read(lookup)
        possible = read.rules
        for turn, state in enumerate(reversed(states)):
            if turn == 0:
                possible = read.candidates(state)
            possible = [rule for rule in possible if _applicable(rule[1], turn, state)]
        return {key for key, _states in possible}


Rule = Tuple[Text, List[State]]


class RulesRead:
    """A lookup's rules, and for the newest state the ones that can match it at all: a rule
    whose last state names a previous action (not "should not be set") matches only a state
    with that previous action (RulePolicy._does_rule_match_state compares it), so only those
    of that action, and the rules that name none, are tested. Of a previous action's rules,
    one whose last state names an intent (not "should not be set") matches only a state with
    that intent (the same comparison, with no early acceptance: both states have a previous
    action), so for a state's (previous action, intent) only those rules are kept (a list
    made once per pair)."""

    def __init__(self, rules: List[Rule]) -> None:
        self.rules = rules
        self.by_action: Dict[Optional[Text], List[Rule]] = {}
        for rule in rules:
            self.by_action.setdefault(_named_action(rule[1][0] if rule[1] else {}), []).append(rule)
        unnamed = self.by_action.get(None, [])
        self._unnamed = unnamed
        self._by_intent: Dict[Tuple[Any, Any], List[Rule]] = {}

    def candidates(self, state: State) -> List[Rule]:
        action = (state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
        named = self.by_action.get(action) if action is not None else None
        if not named:
            return self._unnamed
        intent = (state.get(USER) or {}).get(INTENT)
        key = (action, intent)
        found = self._by_intent.get(key)
        if found is None:
            found = [*(rule for rule in named if _may_have_intent(rule[1][0], intent)), *self._unnamed]
            self._by_intent[key] = found
        return found


def _may_have_intent(rule_state: State, intent: Any) -> bool:
    """Whether a rule's state can match a conversation state with this intent (as far as the
    intent goes): it names none, or "should not be set", or this one."""
    named = (rule_state.get(USER) or {}).get(INTENT)
    return not named or named == SHOULD_NOT_BE_SET or named == intent


def _named_action(rule_state: State) -> Optional[Text]:
    """The previous action's name a rule's state requires, if it requires one."""
    name = (rule_state.get(PREVIOUS_ACTION) or {}).get(ACTION_NAME)
    return name if name and name != SHOULD_NOT_BE_SET else None


def _applicable(reversed_rule_states: List[State], turn: int, conversation_state: State) -> bool:
    """RulePolicy._is_rule_applicable over a rule read once."""
    if turn >= len(reversed_rule_states):
        return True
    rule_state = reversed_rule_states[turn]
    current_previous_action = conversation_state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_state.get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    for state_type, rule_sub_state in rule_state.items():  # RulePolicy._does_rule_match_state
        conversation_sub_state = conversation_state.get(state_type, {})
        for key, value_from_rules in rule_sub_state.items():
            value_from_conversation = conversation_sub_state.get(key)
            if (
                value_from_rules
                and value_from_rules != SHOULD_NOT_BE_SET
                and value_from_conversation != value_from_rules
            ) or (
                value_from_rules == SHOULD_NOT_BE_SET
                and value_from_conversation
                and value_from_conversation != SHOULD_NOT_BE_SET
            ):
                return False
    return True
