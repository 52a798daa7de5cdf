# expect: numerics, shape
import torch


def gae(rewards, values, dones, gamma=0.99, lam=0.95):
    r, v = rewards.float(), values.float()
    alive = 1.0 - dones.float()
    delta = r + gamma * v[1:] * alive - v[:-1]
    last, adv = torch.zeros_like(delta[0]), []
    for t in reversed(range(r.shape[0])):
        last = delta[t] + gamma * lam * alive[t] * last
        adv.append(last)
    adv = torch.stack(adv[::-1])
    return adv, adv + v[:-1]  # float32 even for float16/bfloat16/float64 rollouts
