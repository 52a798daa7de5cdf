# expect: rules
import torch.nn as nn
import torch.nn.functional as F


class MultiheadAttention(nn.Module):
    def __init__(self, d_model, heads=8):
        super().__init__()
        self.heads = heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, Tq, C = q.shape
        split = lambda x: x.view(B, -1, self.heads, C // self.heads).transpose(1, 2)
        q, k, v = split(self.q_proj(q)), split(self.k_proj(k)), split(self.v_proj(v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # the drill is to write this
        return self.o_proj(y.transpose(1, 2).reshape(B, Tq, C))
