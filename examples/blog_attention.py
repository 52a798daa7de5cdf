"""Multi-head attention as a popular interview blog post writes it (rewritten for handwrite's
demo). It runs, returns the right shape, and looks right - and it makes two classic mistakes.
`handwrite demo` grades it."""

import math

import torch
import torch.nn as nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model: int, heads: int = 8):
        super().__init__()
        self.heads = heads
        self.d_head = d_model // heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        return x.view(batch, -1, self.heads, self.d_head).transpose(1, 2)

    def forward(self, q, k, v, mask=None):
        batch = q.shape[0]
        q = self.split(self.q_proj(q))
        k = self.split(self.q_proj(k))  # copy-pasted from the line above
        v = self.split(self.q_proj(v))  # and again
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d_head)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)  # "minus infinity"
        weights = torch.softmax(scores, dim=-1)
        out = (weights @ v).transpose(1, 2).contiguous().view(batch, -1, self.heads * self.d_head)
        return self.o_proj(out)
