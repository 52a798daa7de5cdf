# expect: numerics, rules
import torch


def cross_entropy(logits, target):
    logits -= logits.amax(dim=-1, keepdim=True)  # changes the caller's logits
    lse = logits.exp().sum(dim=-1).log()
    return (lse - logits.gather(-1, target[:, None]).squeeze(-1)).mean()
