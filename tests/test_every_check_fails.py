"""No check that can't fail: every kind of check a drill has (each category, each named
property) fails on a real wrong attempt of that drill: its untouched stub, a known mistake or
a file under attempts/wrong. The scorecards are the ones the drill tests graded (conftest)."""

import pytest

from handwrite.grader import grade, registry
from handwrite.grader.i18n import say

from conftest import DRILL_IDS, WRONG, attempt_card, drill_of, mistake_card, reference_card

# A check that could not run ("not checked: the output is not what the contract says") proves
# nothing about the check itself.
NOT_RUN = ("not checked", "could not be checked", "not run")


def _real_failures(card) -> list:
    return [c for c in card.checks
            if not c.passed and not c.message.split("\n")[-1].startswith(NOT_RUN)]


def _wrong_cards(drill_id: str) -> list:
    drill = registry.load(drill_id)
    return ([grade(drill_id, registry.stub_path(drill_id))]
            + [mistake_card(drill_id, m.id) for m in drill.mistakes]
            + [attempt_card(p) for p in WRONG if drill_of(p) == drill_id])


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_every_check_of_the_drill_fails_on_a_wrong_attempt(drill_id):
    drill = registry.load(drill_id)
    failed = [c for card in _wrong_cards(drill_id) for c in _real_failures(card)]
    categories = {c.category for c in reference_card(drill_id).checks}
    assert categories <= {c.category for c in failed}, "categories that never fail"
    properties = {say(p.name) for case in drill.cases for p in case.properties}
    assert properties <= {c.name for c in failed}, "properties that never fail"
