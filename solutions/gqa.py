"""Grouped-query attention, written by hand: the reference that `handwrite check gqa` grades
against."""

import math

import torch
import torch.nn as nn


class GroupedQueryAttention(nn.Module):
    """Causal self-attention in which each group of query heads shares one key/value head.

    forward(x (B, T, C)) -> (B, T, C), C = d_model. Query head h reads KV head h // g, with
    g = n_heads // n_kv_heads: n_kv_heads == n_heads is multi-head attention, n_kv_heads == 1
    multi-query attention (MQA).
    Shape comments: nh = n_heads, nkv = n_kv_heads, g = nh // nkv (query heads per KV head),
    hs = d_head = C // nh.
    """

    def __init__(self, d_model: int, n_heads: int, n_kv_heads: int):
        super().__init__()
        assert d_model % n_heads == 0, f"d_model={d_model} doesn't split into {n_heads} heads"
        assert n_heads % n_kv_heads == 0, (
            f"{n_heads} query heads don't split evenly over {n_kv_heads} KV heads")
        self.n_heads = n_heads
        self.n_kv_heads = n_kv_heads
        self.group = n_heads // n_kv_heads  # g: query heads per KV head
        self.d_head = d_model // n_heads
        # Queries keep all n_heads heads; keys and values get only n_kv_heads. That is the whole
        # point: the KV cache, which dominates memory when generating, shrinks by g. No biases,
        # as in Llama and Mistral.
        self.q_proj = nn.Linear(d_model, n_heads * self.d_head, bias=False)
        self.k_proj = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.v_proj = nn.Linear(d_model, n_kv_heads * self.d_head, bias=False)
        self.o_proj = nn.Linear(n_heads * self.d_head, d_model, bias=False)  # mixes the heads

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, T, C = x.shape  # batch, positions, d_model
        q = self.split_heads(self.q_proj(x), self.n_heads)  # (B, nh, T, hs)
        k = self.split_heads(self.k_proj(x), self.n_kv_heads)  # (B, nkv, T, hs)
        v = self.split_heads(self.v_proj(x), self.n_kv_heads)  # (B, nkv, T, hs)
        # Give every query head its KV head; from here on it is multi-head attention with the
        # KV heads repeated, which is all GQA is.
        k = self.expand_kv(k)  # (B, nh, T, hs)
        v = self.expand_kv(v)  # (B, nh, T, hs)
        y = self.attend(q, k, v)  # (B, nh, T, hs)
        # Heads back side by side: transpose first, so that each position's heads are
        # neighbours in memory, then flatten them (a view straight from (B, nh, T, hs) would
        # mix positions).
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        return self.o_proj(y)  # (B, T, C)

    def split_heads(self, x: torch.Tensor, heads: int) -> torch.Tensor:
        """(B, T, heads * hs) -> (B, heads, T, hs): head h gets features h*hs ... (h+1)*hs - 1."""
        B, T, _ = x.shape
        # transpose puts heads before positions, so that each head is a batch of its own.
        return x.view(B, T, heads, self.d_head).transpose(1, 2)  # (B, heads, T, hs)

    def expand_kv(self, kv: torch.Tensor) -> torch.Tensor:
        """(B, nkv, T, hs) -> (B, nh, T, hs): query head h reads KV head h // g."""
        # repeat_interleave copies KV head 0 g times, then KV head 1 g times ...: consecutive
        # query heads share a KV head. .repeat(1, g, 1, 1) would tile 0, 1, ..., 0, 1, ... and
        # pair query head h with KV head h % nkv: a different model, one the weights were not
        # trained for.
        return kv.repeat_interleave(self.group, dim=1)  # (B, nh, T, hs)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Causal scaled dot-product attention in every head at once: (B, nh, T, hs)."""
        dtype = q.dtype
        # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
        work = torch.promote_types(dtype, torch.float32)
        q, k, v = q.to(work), k.to(work), v.to(work)
        T = q.size(-2)
        # Scale by one head's size, hs, not d_model: each score is a sum of hs terms, with a
        # spread of ~sqrt(hs).
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, nh, T, T)
        # True above the diagonal marks the future: query i may see keys 0 ... i only. Made on
        # q's device, so it works wherever the module runs.
        future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)  # (T, T)
        # -inf gives future keys exactly zero weight; the diagonal is never masked, so no row is
        # all -inf (which would be nan).
        scores = scores.masked_fill(future, float("-inf"))  # (B, nh, T, T)
        weights = scores.softmax(dim=-1)  # (B, nh, T, T): over the keys, sums to 1
        return (weights @ v).to(dtype)  # (B, nh, T, hs)
