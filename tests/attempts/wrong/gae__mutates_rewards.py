# expect: rules
import torch


def gae(rewards, values, dones, gamma=0.99, lam=0.95):
    alive = 1.0 - dones.float()
    # delta built in rewards' own storage: rewards is changed for the caller
    delta = rewards
    delta += gamma * values[1:] * alive.to(rewards.dtype)
    delta -= values[:-1]
    adv, last = [], torch.zeros_like(delta[0], dtype=torch.float32)
    for t in reversed(range(delta.shape[0])):
        last = delta[t].float() + gamma * lam * alive[t] * last
        adv.append(last)
    adv = torch.stack(adv[::-1])
    return adv.to(rewards.dtype), (adv + values[:-1].float()).to(rewards.dtype)
