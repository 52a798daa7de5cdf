"""Linear warmup, then cosine decay to a floor: the reference that `handwrite check lr_schedule`
grades against."""

import math


def lr_at(step: int, base_lr: float, warmup_steps: int, total_steps: int,
          min_lr: float) -> float:
    """The learning rate at optimizer step ``step`` (0-based), as a Python float.

    Warmup: a straight line from 0 at step 0 to base_lr at step warmup_steps (exclusive).
    Decay: half a cosine from base_lr at step warmup_steps down to min_lr at total_steps.
    After total_steps: min_lr, for ever.
    """
    if step < warmup_steps:
        # step / warmup_steps, not (step + 1) / warmup_steps: the ramp starts at 0 (no update
        # at full strength before the optimizer's statistics exist) and lands exactly where
        # the cosine begins, so the two pieces meet at base_lr without a jump or a repeat.
        return base_lr * step / warmup_steps
    if step >= total_steps:
        # Past the end the cosine would climb back up (cos is periodic): hold the floor.
        return min_lr
    # progress runs 0 -> 1 over the DECAY phase only, the total_steps - warmup_steps steps
    # after warmup; warmup_steps < total_steps, so there is no division by zero.
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    # 0.5 * (1 + cos(pi * progress)) falls from 1 to 0; scaling the GAP base_lr - min_lr by
    # it, on top of min_lr, lands on the floor instead of on 0.
    return min_lr + 0.5 * (base_lr - min_lr) * (1.0 + math.cos(math.pi * progress))
