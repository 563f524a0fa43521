"""The load test's ladder (bot.devtools.scale_test.next_rate): coarse far from the limit, fine near it."""

from __future__ import annotations

from typing import Any, Dict, List, Set, Tuple

from bot.devtools.scale_test import ATTEMPTS, next_rate


def climb(limit: float, unlucky: Set[Tuple[float, int]] = frozenset()) -> List[Tuple[float, int, bool]]:
    """The attempts made against a set-up that holds every rate up to `limit` (but `unlucky` ones)."""
    state: Dict[str, Any] = {}
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
