import torch
import torch.nn as nn


def attend(q, k, v, mask=None):
    # float32 inside, additive 0 / -inf mask, scale folded into q.
    dtype = q.dtype
    q, k, v = q.float(), k.float(), v.float()
    scores = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
    if mask is not None:
        scores = scores + torch.zeros_like(scores).masked_fill(~mask, float("-inf"))
    return (scores.softmax(dim=-1) @ v).to(dtype)


class MultiheadAttention(nn.Module):
    def __init__(self, d_model: int, heads: int = 8):
        super().__init__()
        self.d_model, self.heads = d_model, heads
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)
        # a buffer that is not persistent stays out of the state_dict
        self.register_buffer("unused_scale", torch.ones(()), persistent=False)

    def _split(self, x):
        return x.unflatten(-1, (self.heads, -1)).transpose(1, 2)

    def forward(self, q, k, v, mask=None):
        B, T, _ = q.shape
        y = attend(self._split(self.q_proj(q)), self._split(self.k_proj(k)),
                   self._split(self.v_proj(v)), mask)
        y = y.transpose(1, 2).contiguous().view(B, T, self.d_model)
        return self.o_proj(y)
