"""Generalised advantage estimation (GAE) - write it by hand.

Contract
    gae(rewards, values, dones, gamma=0.99, lam=0.95) returns the tuple
    (advantages, returns) of a rollout of T steps:

        delta_t = r_t + gamma * V_{t+1} * (1 - d_t) - V_t
        A_t     = delta_t + gamma * lam * (1 - d_t) * A_{t+1}
        A_T     = 0   (nothing after the last step)
        returns = A + V[:T]

    so A_t = sum_l (gamma * lam)^l * delta_{t+l}, summed up to the end
    of the episode that step t belongs to, never across it.

    rewards  (T, ...): any trailing env dims, even none: (T,), (T, N)
    values   (T + 1, ...): V(s_t) for the T states the steps start
             from, then V of the state after the last step (the
             bootstrap value)
    dones    (T, ...), bool or float 0.0/1.0. dones[t] = 1 means the
             episode ENDED at step t: values[t + 1] is then the first
             state of the next episode, so it is not bootstrapped,
             and no advantage flows back from step t + 1 into step t.

    Returns advantages and returns, both (T, ...) in rewards' dtype
    (float16, bfloat16, float32 or float64; values has it too; best
    accumulated in float32). The inputs must not be modified. It must
    work on any device. No gradient is checked: GAE is computed on a
    finished rollout, under torch.no_grad().

Grade it:  handwrite check gae
"""

import torch


def gae(rewards: torch.Tensor, values: torch.Tensor, dones: torch.Tensor,
        gamma: float = 0.99, lam: float = 0.95):
    raise NotImplementedError
