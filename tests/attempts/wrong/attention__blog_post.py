# expect: shape, numerics, gradients, masking, stability
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class MultiheadAttention(nn.Module):
    # The two bugs of the blog post this project grew from: k and v go through q_proj, and
    # masked scores are filled with -1e9, which float16 can't hold.
    def __init__(self, d_model: int, heads: int = 8):
        super().__init__()
        self.d_model = d_model
        self.heads = heads
        self.d_k = d_model // heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        bsz = q.shape[0]
        q = self.q_proj(q).view(bsz, -1, self.heads, self.d_k).transpose(1, 2)
        k = self.q_proj(k).view(bsz, -1, self.heads, self.d_k).transpose(1, 2)
        v = self.q_proj(v).view(bsz, -1, self.heads, self.d_k).transpose(1, 2)
        attn = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d_k)
        if mask is not None:
            attn = attn.masked_fill(mask == 0, -1e9)
        scores = F.softmax(attn, dim=-1)
        out = torch.matmul(scores, v)
        concat = out.transpose(1, 2).contiguous().view(bsz, -1, self.d_model)
        return self.o_proj(concat)
