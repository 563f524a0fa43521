"""The load test's ladder (bot.devtools.scale_test.next_rate): coarse far from the limit, fine near it."""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Set, Tuple

from bot.devtools.scale_test import (
    ATTEMPTS,
    LEAD_IN_SECONDS,
    RECOVERY_SECONDS,
    RISE_LEAD_IN_SECONDS,
    calibrated_start,
    lead_in_for,
    next_rate,
)


def climb(
    limit: float, unlucky: Set[Tuple[float, int]] = frozenset(), start: Optional[float] = None
) -> List[Tuple[float, int, bool]]:
    """The attempts made against a set-up that holds every rate up to `limit` (but `unlucky` ones),
    with the ladder calibrated to jump to `start` after its first step."""
    state: Dict[str, Any] = {"start": start}
    following = (6.0, 1)
    made: List[Tuple[float, int, bool]] = []
    while following is not None and len(made) < 40:
        rate, attempt = following
        passed = rate <= limit and (rate, attempt) not in unlucky
        made.append((rate, attempt, passed))
        following = next_rate(rate, passed, attempt, state)
    return made


def test_coarse_steps_then_fine_ones_from_the_last_rate_within_the_limit() -> None:
    assert climb(41) == [
        (6, 1, True),
        (12, 1, True),  # doubled up to 12, then by 12
        (24, 1, True),
        (36, 1, True),
        (48, 1, False),  # the first step over: back to 36, up by 4
        (40, 1, True),
        (44, 1, False),
        (44, 2, False),  # its second attempt ends the search
    ]


def test_the_limit_is_found_to_four_messages_a_second() -> None:
    for limit in (9, 20, 25, 33, 47, 62, 95):
        made = climb(limit)
        best = max(r for r, _a, p in made if p)
        assert limit - 4 < best <= limit, (limit, made)
        last_rate, last_attempt, last_passed = made[-1]
        assert not last_passed and last_attempt == ATTEMPTS and last_rate <= best + 4


def test_one_unlucky_attempt_does_not_end_the_search() -> None:
    made = climb(20, unlucky={(16.0, 1)})
    assert (16, 1, False) in made and (16, 2, True) in made
    assert max(r for r, _a, p in made if p) == 20


def test_a_first_step_over_the_limit_is_tried_once_more_and_ends_it() -> None:
    assert climb(3) == [(6, 1, False), (6, 2, False)]


def test_a_calibrated_start_skips_the_steps_far_below_the_limit() -> None:
    assert climb(49, start=36) == [
        (6, 1, True),
        (36, 1, True),  # the calibration's jump
        (48, 1, True),
        (60, 1, False),
        (52, 1, False),
        (52, 2, False),
    ]


def test_a_calibrated_jump_too_far_comes_back_halfway_then_closes_in() -> None:
    made = climb(23, start=40)
    assert made[:3] == [(6, 1, True), (40, 1, False), (22, 1, True)]
    assert max(r for r, _a, p in made if p) == 22  # found to 4 msg/s
    assert made[-1][1] == ATTEMPTS and not made[-1][2] and len(made) <= 7


def test_the_limit_is_found_to_four_messages_a_second_whatever_the_calibration() -> None:
    for start in (None, 12, 24, 36, 60):
        for limit in (9, 20, 25, 33, 47, 62, 95):
            made = climb(limit, start=start)
            best = max((r for r, _a, p in made if p), default=None)
            assert best is not None and limit - 4 < best <= limit, (start, limit, made)
            assert not made[-1][2] and made[-1][1] == ATTEMPTS


def test_the_calibration_is_three_quarters_of_what_the_cpu_per_message_allows(monkeypatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    # two replicas at 6 msg/s (a closing check's first step): the stack bounds it, 2000/43.3 = 46
    first_step = {
        "rasa:5006": 14.7,
        "rasa:5007": 17.7,
        "postgres": 4.2,
        "web": 1.5,
        "actions": 1.3,
        "nginx": 0.8,
        "redis": 0.8,
        "load generator": 2.1,
        "rasa:5008": 0.2,
    }
    assert calibrated_start(first_step, [5006, 5007]) == 32
    # one replica: its Rasa server bounds it, 1000/27.9 = 35.8
    assert calibrated_start({"rasa:5006": 27.9, "postgres": 4.5, "web": 1.3}, [5006]) == 24
    assert calibrated_start({"rasa:5006": 0.0}, [5006]) is None  # nothing measured: no jump


def test_the_calibration_counts_only_the_cores_the_stack_could_have() -> None:
    first_step = {"rasa:5006": 13.0, "rasa:5007": 13.0, "postgres": 3.0, "web": 0.7, "load generator": 1.5}
    assert calibrated_start(first_step, [5006, 5007], cores=2.0) == 44  # 0.7 x 2000/31.2 = 44.9
    assert calibrated_start(first_step, [5006, 5007], cores=1.0) == 20  # half the machine busy elsewhere: 22.4
    assert calibrated_start(first_step, [5006, 5007], cores=0.5) is None  # no jump: the ladder's own steps
    assert calibrated_start({"rasa:5006": 25.0, "postgres": 3.0}, [5006], cores=0.6) is None


def test_a_calibrated_jump_gets_the_first_steps_lead_in_the_coarse_ladder_none() -> None:
    passed = [{"offered_msg_per_s": 6.0, "passed": True}]
    assert lead_in_for([], 6.0) == LEAD_IN_SECONDS  # from no visitors
    assert lead_in_for(passed, 60.0) == LEAD_IN_SECONDS  # 6 -> 60: too few visitors for the rate
    assert lead_in_for(passed, 12.0) == RISE_LEAD_IN_SECONDS  # a doubling: 74 % of it in the window without
    assert lead_in_for([{"offered_msg_per_s": 52.0, "passed": True}], 56.0) == 0  # a fine step: 98 % without
    assert lead_in_for([{"offered_msg_per_s": 52.0, "passed": True}], 64.0) == 0  # 95 % without
    assert lead_in_for([{"offered_msg_per_s": 72.0, "passed": False}], 64.0) == RECOVERY_SECONDS
