# expect: shape, numerics, masking, stability, gradients
# RoPE with interleaved pairs (2i, 2i + 1): the contract's RoPE is half-split (rotate_half).
import math

import torch
import torch.nn as nn


def rotate_half(t):
    # the bug: GPT-J / Meta-Llama pairing, feature 2i with 2i + 1, not i with i + d/2
    t1, t2 = t[..., 0::2], t[..., 1::2]
    return torch.stack([-t2, t1], dim=-1).flatten(-2)


class MultiHeadLatentAttention(nn.Module):
    def __init__(self, d_model, n_heads, d_head, d_c, d_cq, d_rope):
        super().__init__()
        self.n_heads, self.d_head, self.d_rope = n_heads, d_head, d_rope
        self.w_dkv = nn.Linear(d_model, d_c, bias=False)
        self.w_uk = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_uv = nn.Linear(d_c, n_heads * d_head, bias=False)
        self.w_dq = nn.Linear(d_model, d_cq, bias=False)
        self.w_uq = nn.Linear(d_cq, n_heads * d_head, bias=False)
        self.w_qr = nn.Linear(d_cq, n_heads * d_rope, bias=False)
        self.w_kr = nn.Linear(d_model, d_rope, bias=False)
        self.w_o = nn.Linear(n_heads * d_head, d_model, bias=False)

    def rope(self, t, pos):
        dtype = t.dtype
        t = t.float() if dtype != torch.float64 else t
        inv = 10000.0 ** (-torch.arange(0, self.d_rope, 2, device=t.device, dtype=t.dtype)
                          / self.d_rope)
        ang = pos.to(t.dtype)[:, None] * inv
        ang = ang.repeat_interleave(2, dim=-1)
        return (t * ang.cos() + rotate_half(t) * ang.sin()).to(dtype)

    def forward(self, x, cache=None):
        B, T, _ = x.shape
        H, hs, dr = self.n_heads, self.d_head, self.d_rope
        past = 0 if cache is None else cache[0].shape[1]
        pos = torch.arange(past, past + T, device=x.device)
        c_q = self.w_dq(x)
        q_c = self.w_uq(c_q).view(B, T, H, hs).transpose(1, 2)
        q_r = self.rope(self.w_qr(c_q).view(B, T, H, dr).transpose(1, 2), pos)
        c_kv = self.w_dkv(x)
        k_r = self.rope(self.w_kr(x), pos)
        if cache is not None:
            c_kv = torch.cat([cache[0], c_kv], dim=1)
            k_r = torch.cat([cache[1], k_r], dim=1)
        Tk = c_kv.shape[1]
        k_c = self.w_uk(c_kv).view(B, Tk, H, hs).transpose(1, 2)
        v = self.w_uv(c_kv).view(B, Tk, H, hs).transpose(1, 2)
        q = torch.cat([q_c, q_r], dim=-1).float()
        k = torch.cat([k_c, k_r[:, None].expand(B, H, Tk, dr)], dim=-1).float()
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs + dr)
        mask = torch.ones(T, Tk, dtype=torch.bool, device=x.device).triu(past + 1)
        scores = scores.masked_fill(mask, float("-inf"))
        o = (scores.softmax(dim=-1) @ v.float()).to(x.dtype)
        o = o.transpose(1, 2).reshape(B, T, H * hs)
        return self.w_o(o), (c_kv, k_r)
