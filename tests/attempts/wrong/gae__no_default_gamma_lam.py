# expect: device, load, numerics, shape, stability
import torch


def gae(rewards, values, dones, gamma, lam):
    r, v = rewards.double(), values.double()
    alive = 1.0 - dones.double()
    delta = r + gamma * v[1:] * alive - v[:-1]
    last, adv = torch.zeros_like(delta[0]), []
    for t in reversed(range(r.shape[0])):
        last = delta[t] + gamma * lam * alive[t] * last
        adv.append(last)
    adv = torch.stack(adv[::-1])
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)
