# expect: shape, rules
import math

import torch


def flash_attention(q, k, v, block_size=16, causal=False):
    # Looks tiled: scores one block at a time... then torch.cat puts every tile back into the
    # whole (B, H, Tq, Tk) matrix before one softmax. Right numbers, none of the memory saved.
    dtype = q.dtype
    q, k, v = q.float() / math.sqrt(q.size(-1)), k.float(), v.float()
    tiles = [q @ k[..., s:s + block_size, :].transpose(-2, -1)
             for s in range(0, k.size(-2), block_size)]
    scores = torch.cat(tiles, dim=-1)
    if causal:
        T = q.size(-2)
        future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    return (scores.softmax(dim=-1) @ v).to(dtype)
