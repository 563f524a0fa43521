"""Rasa's RulePolicy, building only the dialogue states its rules can look at.

Why: to predict, RulePolicy turns the whole conversation into a list of states (one per
action, `tracker.past_states`), logs a deep copy of all of them, and then checks every rule
against every state back to the first (`_get_possible_keys`). A rule looks back only as many
states as it has: at a distance of `len(rule)` or more, `_is_rule_applicable` accepts every
rule without looking. So the states older than the longest rule (of both lookups it checks:
the rules and the loops' unhappy paths) never change a prediction; this policy builds just the
newest ones, from the same replay of the tracker, and everything else is RulePolicy's own.
It trains exactly as RulePolicy (the same lookups); tests/unit/test_rule_policy.py proves its
states are the tail of RulePolicy's and its predictions the same, on the test stories.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_patches import prior_points


def recent_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last `count` of `tracker.past_states(domain)` (no rule-only turns ignored, as RulePolicy
    asks them): from the tracker's kept replay (bot/rasa_patches.py 9), each state made only for
    the newest; a tracker that is not a conversation's is replayed here, as Rasa replays it."""
    if type(tracker) is DialogueStateTracker and not tracker.is_rule_tracker:
        return [point.state(domain, point.previous_action()) for point in prior_points(tracker, domain)[-count:]]
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
