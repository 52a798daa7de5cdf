"""Generalised advantage estimation over a rollout with episode ends: the reference that
`handwrite check gae` grades against."""

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor,
        gamma: float = 0.99, lam: float = 0.95) -> tuple[torch.Tensor, torch.Tensor]:
    """rewards (T, ...), values (T + 1, ...), dones (T, ...) -> (advantages, returns), both
    (T, ...) in rewards' dtype.

    delta_t = r_t + gamma * V_{t+1} * (1 - d_t) - V_t
    A_t     = delta_t + gamma * lam * (1 - d_t) * A_{t+1},   A_T = 0
    returns = A + V[:T]
    dones[t] = 1: the episode ended AT step t, so V_{t+1} (the next episode's first state)
    is neither bootstrapped nor reached by the advantage of step t.
    """
    # float16/bfloat16 would round every step of the recursion, and the rounding adds up
    # along T: accumulate in float32 at least.
    work = torch.promote_types(rewards.dtype, torch.float32)
    r = rewards.to(work)  # (T, ...)
    v = values.to(work)  # (T + 1, ...) the last row bootstraps the state after step T - 1
    # 1 where the episode goes on after step t, 0 where it ended there. .to() accepts bool
    # and 0/1 floats alike (1 - a bool tensor is an error in torch).
    alive = 1.0 - dones.to(work)  # (T, ...)

    # The one-step TD errors, all at once. At a done, V_{t+1} belongs to the NEXT episode
    # (the env has reset): the return from step t is just r_t.
    delta = r + gamma * v[1:] * alive - v[:-1]  # (T, ...)

    # A_t = sum_l (gamma lam)^l delta_{t+l}, cut at the episode's end: computed backwards,
    # because each A_t needs A_{t+1}. One step per t; every env (trailing dims) at once.
    running = torch.zeros_like(delta[0])  # (...) A_T = 0: nothing follows the last step
    steps = []
    for t in reversed(range(r.shape[0])):
        # alive[t] = 0 stops the next episode's advantage from flowing back into this one.
        running = delta[t] + gamma * lam * alive[t] * running  # (...)
        steps.append(running)
    advantages = torch.stack(steps[::-1])  # (T, ...) back in time order

    # The lambda-return: the target of the value loss. A = returns - V, so add V back.
    returns = advantages + v[:-1]  # (T, ...)
    return advantages.to(rewards.dtype), returns.to(rewards.dtype)
