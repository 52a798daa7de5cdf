# expect: load
import math

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model, heads=8):
        super().__init__()
        self.heads = heads
        # One fused projection is a fine design, but not this contract: the state_dict has
        # qkv_proj.* where the reference's weights are q_proj.*, k_proj.* and v_proj.*.
        self.qkv_proj = nn.Linear(d_model, 3 * d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, Tq, C = q.shape
        w_q, w_k, w_v = self.qkv_proj.weight.chunk(3)
        b_q, b_k, b_v = self.qkv_proj.bias.chunk(3)
        split = lambda x: x.view(B, -1, self.heads, C // self.heads).transpose(1, 2)
        q = split(q @ w_q.T + b_q)
        k = split(k @ w_k.T + b_k)
        v = split(v @ w_v.T + b_v)
        scores = q @ k.transpose(-2, -1) / math.sqrt(C // self.heads)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.o_proj(y.transpose(1, 2).reshape(B, Tq, C))
