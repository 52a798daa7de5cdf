"""Hand-written attempts beyond the declared mistakes.

attempts/correct/<drill>__<style>.py: another correct way to write the drill; it must pass.
attempts/wrong/<drill>__<bug>.py: first line ``# expect: <category>, ...``; it must fail in
exactly those categories (proof that each check can fail on a real wrong attempt).
"""

import pytest

from conftest import CORRECT, WRONG, attempt_card


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_style_passes(path):
    card = attempt_card(path)
    assert card.passed, (card.error, [(c.name, c.message) for c in card.checks if not c.passed])


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_wrong_attempt_fails_where_expected(path):
    header = path.read_text().splitlines()[0]
    assert header.startswith("# expect:"), f"{path.name}: first line must be '# expect: ...'"
    expected = {c.strip() for c in header.removeprefix("# expect:").split(",")}
    card = attempt_card(path)
    assert not card.passed
    assert set(card.failing_categories) == expected, [
        (c.category, c.name, c.message[:300]) for c in card.checks if not c.passed]
