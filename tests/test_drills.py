"""Every drill proves its own checks: the reference passes, the stub is "not implemented", and
each known mistake fails and is named as itself."""

import pytest

from handwrite.grader import Verdict, grade, registry, workspace
from handwrite.grader.spec import CATEGORIES

from conftest import DRILL_IDS, mistake_card, reference_card

MISTAKES = [(d, m.id) for d in DRILL_IDS for m in registry.load(d).mistakes]


def on_device(drill_id: str) -> bool:
    """Whether the drill has a device check (a pure-Python drill such as BPE has none)."""
    return registry.load(drill_id).on_device


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_reference_passes_every_check(drill_id):
    card = reference_card(drill_id)
    failed = [f"{c.category}/{c.name}: {c.message}" for c in card.checks if not c.passed]
    assert card.passed, (card.error, failed)
    wanted = {"load", "shape", "numerics", "rules"} | (
        {"device"} if on_device(drill_id) else set())
    assert wanted <= {c.category for c in card.checks}


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_stub_is_not_implemented(drill_id):
    card = grade(drill_id, registry.stub_path(drill_id))
    assert card.verdict is Verdict.TODO
    assert card.error.kind == "not_implemented"
    assert len(card.checks) == 1 and card.checks[0].category == "load"


@pytest.mark.parametrize("drill_id,mistake_id", MISTAKES)
def test_known_mistake_fails_and_is_named(drill_id, mistake_id):
    card = mistake_card(drill_id, mistake_id)
    assert not card.passed
    assert mistake_id in [m.id for m in card.mistakes], [
        (c.name, c.message[:200]) for c in card.checks if not c.passed]
    failing = [c for c in card.checks if not c.passed]
    assert all(c.category in CATEGORIES for c in failing)
    assert any(mistake_id in c.mistakes for c in failing)


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_drill_declares_enough(drill_id):
    drill = registry.load(drill_id)
    assert drill.title and drill.tags and drill.minutes > 0
    assert len(drill.hints) >= 3 and all(h.strip() for h in drill.hints)
    assert len(drill.mistakes) >= 3
    assert len({m.id for m in drill.mistakes}) == len(drill.mistakes)
    assert registry.stub_path(drill_id).exists() and registry.reference_path(drill_id).exists()
    if drill.differentiable:
        assert any(c.grad for c in drill.cases), "a drill needs a gradient case"
    assert len({c.name for c in drill.cases}) == len(drill.cases), "case names must be unique"
    stub = registry.stub_path(drill_id).read_text()
    assert "NotImplementedError" in stub and f"handwrite check {drill_id}" in stub
    # `handwrite attempt` shows the docstring in a panel that must fit 80 columns
    assert max(map(len, workspace.task(drill_id).splitlines())) <= 76
