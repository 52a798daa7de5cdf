# expect: device
import torch


def gae(rewards, values, dones, gamma=0.99, lam=0.95):
    r, v = rewards.float(), values.float()
    alive = 1.0 - dones.float()
    delta = r + gamma * v[1:] * alive - v[:-1]
    last = torch.zeros(r.shape[1:])  # on the CPU, whatever device the rollout is on
    adv = []
    for t in reversed(range(r.shape[0])):
        last = delta[t] + gamma * lam * alive[t] * last
        adv.append(last)
    adv = torch.stack(adv[::-1])
    return adv.to(rewards.dtype), (adv + v[:-1]).to(rewards.dtype)
