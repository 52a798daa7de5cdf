"""Learning-rate schedule: linear warmup, then cosine decay to a floor -
write it by hand.

Contract
    lr_at(step, base_lr, warmup_steps, total_steps, min_lr) returns
    the learning rate at optimizer step `step`, as a Python float.

    step          int >= 0, 0-based (it may go past total_steps)
    base_lr       float > 0: the peak, reached at the end of warmup
    warmup_steps  int, 0 <= warmup_steps < total_steps (0: no warmup)
    total_steps   int: where the decay ends
    min_lr        float, 0 <= min_lr <= base_lr: the floor

    step < warmup_steps                  (linear warmup from 0)
        lr = base_lr * step / warmup_steps
        so lr = 0 at step 0, and base_lr * (W-1) / W at step W-1.
    warmup_steps <= step < total_steps   (cosine decay)
        progress = (step - warmup_steps) / (total_steps - warmup_steps)
        lr = min_lr + 0.5 * (base_lr - min_lr) * (1 + cos(pi * progress))
        so lr = base_lr exactly at step == warmup_steps.
    step >= total_steps                  (the floor)
        lr = min_lr

    Return a Python float (an int or a 0-d tensor is accepted too).

Allowed: anything in Python (math, torch). The point is the formula:
write it, don't wrap torch.optim.lr_scheduler (not checked).

Grade it:  handwrite check lr_schedule
"""


def lr_at(step: int, base_lr: float, warmup_steps: int, total_steps: int,
          min_lr: float) -> float:
    raise NotImplementedError
