"""Self-attention with a KV cache, written by hand: the reference that `handwrite check kv_cache`
grades against."""

import math

import torch
import torch.nn as nn


class CachedSelfAttention(nn.Module):
    """Causal multi-head self-attention with rotary positions, called once on a prompt
    (prefill) and then on each new chunk of tokens (decode), with the keys and values of
    everything before it passed back in as the cache.

    forward(x (B, T, C), cache=None) -> (y (B, T, C), (k, v)), C = d_model; cache and the
    returned (k, v) are each (B, nh, P + T, hs) with P = 0 when cache is None.
    Shape comments: nh = heads, hs = d_head = C // nh, P = positions already in the cache,
    T = new positions in x, Tk = P + T = every key the new queries may read.
    """

    def __init__(self, d_model: int, heads: int):
        super().__init__()
        assert d_model % heads == 0, f"d_model={d_model} doesn't split into {heads} heads"
        assert (d_model // heads) % 2 == 0, "RoPE turns features in pairs: d_head must be even"
        self.heads = heads
        self.d_head = d_model // heads
        # No biases, as in Llama. One projection each: queries, keys and values play different
        # roles. Only keys and values are cached: a query is used once, by its own token.
        self.q_proj = nn.Linear(d_model, d_model, bias=False)
        self.k_proj = nn.Linear(d_model, d_model, bias=False)
        self.v_proj = nn.Linear(d_model, d_model, bias=False)
        self.o_proj = nn.Linear(d_model, d_model, bias=False)  # mixes what the heads found

    def forward(self, x: torch.Tensor,
                cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, C = x.shape  # batch, new positions, d_model
        # The new tokens come after everything in the cache: their positions start at P.
        P = 0 if cache is None else cache[0].shape[2]
        # Only the new tokens are projected: the past's keys and values are in the cache
        # already, which is the whole saving of a KV cache.
        q = self.split_heads(self.q_proj(x))  # (B, nh, T, hs)
        k = self.split_heads(self.k_proj(x))  # (B, nh, T, hs)
        v = self.split_heads(self.v_proj(x))  # (B, nh, T, hs)
        # Turn q and k by their absolute positions P ... P + T - 1, not 0 ... T - 1: a key
        # must be turned exactly as the full forward would turn it, once, before it is cached.
        q = self.rope(q, P)  # (B, nh, T, hs)
        k = self.rope(k, P)  # (B, nh, T, hs)
        if cache is not None:
            k_past, v_past = cache  # (B, nh, P, hs) each
            # Append on the time dim (2). torch.cat makes new tensors: the caller's cache is
            # left as it was, so it can still be used (a beam, a retry) after this call.
            k = torch.cat([k_past, k], dim=2)  # (B, nh, Tk, hs)
            v = torch.cat([v_past, v], dim=2)  # (B, nh, Tk, hs)
        y = self.attend(q, k, v, P)  # (B, nh, T, hs)
        # Heads back side by side: transpose first, so that each position's heads are
        # neighbours in memory, then flatten them (a view straight from (B, nh, T, hs) would
        # mix positions).
        y = y.transpose(1, 2).reshape(B, T, C)  # (B, T, C)
        # The new cache: everything so far, keys already turned, ready for the next call.
        return self.o_proj(y), (k, v)  # (B, T, C), ((B, nh, Tk, hs), (B, nh, Tk, hs))

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, nh, T, hs): head h gets features h*hs ... (h+1)*hs - 1."""
        B, T, C = x.shape
        # transpose puts heads before positions, so that each head is a batch of its own.
        return x.view(B, T, self.heads, self.d_head).transpose(1, 2)  # (B, nh, T, hs)

    def rope(self, t: torch.Tensor, start: int) -> torch.Tensor:
        """Rotary embedding, half-split (GPT-NeoX / Hugging Face Llama): feature j pairs with
        feature j + hs/2 and both turn by the angle p * 10000^(-2j / hs), p = start + row."""
        dtype, T = t.dtype, t.shape[-2]
        half = self.d_head // 2
        # Angles in float32 at least: in float16 a position times a frequency keeps ~3 digits,
        # and the error grows with the position.
        work = torch.promote_types(dtype, torch.float32)
        j = torch.arange(half, device=t.device, dtype=work)  # (hs/2,)
        freqs = 10000.0 ** (-2 * j / self.d_head)  # (hs/2,): fast-turning pairs first
        pos = torch.arange(start, start + T, device=t.device, dtype=work)  # (T,)
        angles = pos[:, None] * freqs[None, :]  # (T, hs/2)
        cos, sin = angles.cos(), angles.sin()  # (T, hs/2): broadcast over B and heads
        t1, t2 = t.to(work).chunk(2, dim=-1)  # (B, nh, T, hs/2) each: the two halves
        # A 2-D rotation of each pair (t1[j], t2[j]): it keeps norms, and q . k then depends
        # only on the distance between the two positions.
        turned = torch.cat([t1 * cos - t2 * sin, t2 * cos + t1 * sin], dim=-1)  # (B, nh, T, hs)
        return turned.to(dtype)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, P: int) -> torch.Tensor:
        """Causal scaled dot-product attention of T new queries over P + T keys: (B, nh, T, hs)."""
        dtype = q.dtype
        # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
        work = torch.promote_types(dtype, torch.float32)
        q, k, v = q.to(work), k.to(work), v.to(work)
        T, Tk = q.shape[-2], k.shape[-2]
        # Scale by one head's size, hs: each score is a sum of hs terms.
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, nh, T, Tk)
        # New query i sits at position P + i and may read keys 0 ... P + i: every past key,
        # and the new ones up to itself. tril's diagonal=P shifts the causal edge right by P;
        # a plain tril() would hide the past from the first queries of a chunk.
        visible = torch.ones(T, Tk, dtype=torch.bool, device=q.device).tril(diagonal=P)  # (T, Tk)
        # -inf gives hidden keys exactly zero weight; key 0 is visible to every query, so no
        # row is all -inf (which would be nan).
        scores = scores.masked_fill(~visible, float("-inf"))  # (B, nh, T, Tk)
        weights = scores.softmax(dim=-1)  # (B, nh, T, Tk): over the keys, sums to 1
        return (weights @ v).to(dtype)  # (B, nh, T, hs)
