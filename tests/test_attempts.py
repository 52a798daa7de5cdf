"""Hand-written attempts beyond the declared mistakes.

attempts/correct/<drill>__<style>.py: another correct way to write the drill; it must pass.
attempts/wrong/<drill>__<bug>.py: first line ``# expect: <category>, ...``; it must fail in
exactly those categories (proof that each check can fail on a real wrong attempt).
"""

from pathlib import Path

import pytest

from handwrite.grader import grade

from conftest import ATTEMPTS

CORRECT = sorted((ATTEMPTS / "correct").glob("*.py"))
WRONG = sorted((ATTEMPTS / "wrong").glob("*.py"))


def _drill(path: Path) -> str:
    return path.name.split("__")[0]


@pytest.mark.parametrize("path", CORRECT, ids=lambda p: p.stem)
def test_correct_style_passes(path):
    card = grade(_drill(path), path)
    assert card.passed, (card.error, [(c.name, c.message) for c in card.checks if not c.passed])


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_wrong_attempt_fails_where_expected(path):
    header = path.read_text().splitlines()[0]
    assert header.startswith("# expect:"), f"{path.name}: first line must be '# expect: ...'"
    expected = {c.strip() for c in header.removeprefix("# expect:").split(",")}
    card = grade(_drill(path), path)
    assert not card.passed
    assert set(card.failing_categories) == expected, [
        (c.category, c.name, c.message[:300]) for c in card.checks if not c.passed]
