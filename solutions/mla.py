"""Multi-head latent attention (MLA), DeepSeek-V2 section 2.1, written by hand: the reference
that `handwrite check mla` grades against. Equation numbers are the paper's (arXiv 2405.04434).
"""

import math

import torch
import torch.nn as nn

ROPE_BASE = 10000.0


class MultiHeadLatentAttention(nn.Module):
    """Causal self-attention whose keys and values are rebuilt from one small latent per token.

    forward(x (B, T, C), cache=None) -> (y (B, T, C), (c_kv (B, Tk, dc), k_r (B, Tk, dr))),
    C = d_model, Tk = past + T. The cache is what a previous call returned: it holds only the
    latent c_kv and the shared, already rotated rope key k_r, dc + dr numbers per position,
    where multi-head attention would keep 2 * nh * hs.
    Shape comments: nh = n_heads, hs = d_head, dc = d_c, dcq = d_cq, dr = d_rope.
    """

    def __init__(self, d_model: int, n_heads: int, d_head: int, d_c: int, d_cq: int,
                 d_rope: int):
        super().__init__()
        assert d_rope % 2 == 0, f"d_rope={d_rope}: RoPE turns pairs of features: make it even"
        self.n_heads, self.d_head, self.d_rope = n_heads, d_head, d_rope
        # Keys and values: one joint down-projection to the latent, which is all the cache
        # keeps, and two up-projections that rebuild every head's key and value from it.
        self.w_dkv = nn.Linear(d_model, d_c, bias=False)  # (9)
        self.w_uk = nn.Linear(d_c, n_heads * d_head, bias=False)  # (10)
        self.w_uv = nn.Linear(d_c, n_heads * d_head, bias=False)  # (11)
        # Queries are compressed too (it saves activation memory in training, not cache).
        self.w_dq = nn.Linear(d_model, d_cq, bias=False)  # (12)
        self.w_uq = nn.Linear(d_cq, n_heads * d_head, bias=False)  # (13)
        # Decoupled RoPE: position lives in extra features of its own, dr per query head and
        # ONE rope key shared by all heads, so that the latent stays free of position.
        self.w_qr = nn.Linear(d_cq, n_heads * d_rope, bias=False)  # (14)
        self.w_kr = nn.Linear(d_model, d_rope, bias=False)  # (15)
        self.w_o = nn.Linear(n_heads * d_head, d_model, bias=False)  # (19)

    def forward(self, x: torch.Tensor, cache: tuple[torch.Tensor, torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, _ = x.shape  # batch, new positions, d_model
        past = 0 if cache is None else cache[0].shape[1]  # positions already in the cache
        # The new positions continue where the cache ends: RoPE and the causal mask must both
        # count from `past`, not from 0.
        pos = torch.arange(past, past + T, device=x.device)  # (T,)

        # Queries: (12) c_Q = W_DQ h, (13) q_C = W_UQ c_Q, (14) q_R = RoPE(W_QR c_Q).
        c_q = self.w_dq(x)  # (B, T, dcq)
        q_c = self.split_heads(self.w_uq(c_q), self.d_head)  # (B, nh, T, hs)
        q_r = self.rope(self.split_heads(self.w_qr(c_q), self.d_rope), pos)  # (B, nh, T, dr)

        # What the cache keeps of the new positions: the latent and the rotated rope key.
        c_kv, k_r = self.compress(x, pos)  # (B, T, dc), (B, T, dr)
        if cache is not None:
            # Append after the past; torch.cat makes new tensors, so the caller's cache is
            # left as it was.
            c_kv = torch.cat([cache[0], c_kv], dim=1)  # (B, Tk, dc)
            k_r = torch.cat([cache[1], k_r], dim=1)  # (B, Tk, dr)

        # (10) k_C = W_UK c_KV, (11) v_C = W_UV c_KV: every head's key and value, for every
        # position, rebuilt from the latent; (a deployment absorbs W_UK into the queries and
        # W_UV into W_O instead, and never builds them).
        Tk = c_kv.shape[1]
        k_c = self.split_heads(self.w_uk(c_kv), self.d_head)  # (B, nh, Tk, hs)
        v_c = self.split_heads(self.w_uv(c_kv), self.d_head)  # (B, nh, Tk, hs)
        # (16) q = [q_C; q_R], (17) k = [k_C; k_R]: the same rope key for every head.
        q = torch.cat([q_c, q_r], dim=-1)  # (B, nh, T, hs + dr)
        k_r_heads = k_r[:, None].expand(B, self.n_heads, Tk, self.d_rope)  # (B, nh, Tk, dr)
        k = torch.cat([k_c, k_r_heads], dim=-1)  # (B, nh, Tk, hs + dr)

        o = self.attend(q, k, v_c, past)  # (B, nh, T, hs), (18)
        # (19) u = W_O [o_1; ...; o_nh]: heads side by side, transposed back first so that
        # each position's heads are neighbours before they are flattened.
        o = o.transpose(1, 2).reshape(B, T, self.n_heads * self.d_head)  # (B, T, nh * hs)
        return self.w_o(o), (c_kv, k_r)  # (B, T, C), ((B, Tk, dc), (B, Tk, dr))

    def compress(self, x: torch.Tensor, pos: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
        """What a position leaves in the cache: (9) c_KV = W_DKV h and (15) k_R = RoPE(W_KR h),
        (B, T, dc) and (B, T, dr)."""
        # The latent gets no RoPE. q_C^T k_C = q_C^T W_UK c_KV lets a deployment fold W_UK
        # into the queries and attend straight over the cached latents; a turn that depends on
        # the key's position, put between W_UK and c_KV, would forbid that and force every
        # past key to be rebuilt at every step. Position goes into k_R instead, which is
        # rotated once, here, and cached rotated: a past key never turns again.
        c_kv = self.w_dkv(x)  # (B, T, dc)
        k_r = self.rope(self.w_kr(x), pos)  # (B, T, dr): one key for all heads
        return c_kv, k_r

    def split_heads(self, x: torch.Tensor, size: int) -> torch.Tensor:
        """(B, T, nh * size) -> (B, nh, T, size): head h gets features h*size ... (h+1)*size-1."""
        B, T, _ = x.shape
        return x.view(B, T, self.n_heads, size).transpose(1, 2)  # (B, nh, T, size)

    def rope(self, x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """RoPE, half-split (rotate_half) convention: of d = x.shape[-1] features, feature i
        turns with feature i + d/2 by pos * base^(-2i/d). x (..., T, d), pos (T,) -> the same
        shape and dtype as x."""
        dtype, d = x.dtype, x.shape[-1]
        half = d // 2
        # Angles and the turn in float32 at least: float16 holds an angle of 100 only to
        # within 0.03 radians.
        work = torch.promote_types(dtype, torch.float32)
        i = torch.arange(half, device=x.device, dtype=work)  # (d/2,)
        inv_freq = ROPE_BASE ** (-2 * i / d)  # (d/2,): pair 0 turns fastest, 1 rad a step
        angles = pos.to(work)[:, None] * inv_freq  # (T, d/2)
        angles = torch.cat([angles, angles], dim=-1)  # (T, d): pair i and i + d/2 share one
        x = x.to(work)  # (..., T, d)
        # rotate_half: (x1, x2) -> (-x2, x1), so x * cos + rotate_half(x) * sin turns each
        # pair (x1_i, x2_i) by its angle.
        rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)  # (..., T, d)
        return (x * angles.cos() + rotated * angles.sin()).to(dtype)  # (..., T, d)

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, past: int
               ) -> torch.Tensor:
        """(18): causal softmax(q k^T / sqrt(hs + dr)) v in every head; q (B, nh, T, hs + dr),
        k (B, nh, Tk, hs + dr), v (B, nh, Tk, hs) -> (B, nh, T, hs)."""
        dtype = q.dtype
        # float16/bfloat16 lose digits in every dot product and in the softmax: work in float32.
        work = torch.promote_types(dtype, torch.float32)
        q, k, v = q.to(work), k.to(work), v.to(work)
        T, Tk = q.shape[-2], k.shape[-2]
        # Each score is a sum over hs + dr features, content and rope alike: scale by the size
        # of the whole dot product, not by hs alone.
        scale = math.sqrt(self.d_head + self.d_rope)
        scores = q @ k.transpose(-2, -1) / scale  # (B, nh, T, Tk)
        # New position i sits at past + i: it sees the whole cache and the new positions up to
        # itself. triu(past + 1) marks the future; counted from 0 instead (triu(1)), new
        # position 0 would see cached position 0 only.
        future = torch.ones(T, Tk, dtype=torch.bool, device=q.device)  # (T, Tk)
        future = future.triu(past + 1)  # (T, Tk): True where key j > past + i
        scores = scores.masked_fill(future, float("-inf"))  # (B, nh, T, Tk)
        # softmax subtracts each row's max first, so scores of 1e3 don't overflow exp; a row is
        # never all -inf, as each position sees itself.
        weights = scores.softmax(dim=-1)  # (B, nh, T, Tk): over the keys, sums to 1
        return (weights @ v).to(dtype)  # (B, nh, T, hs)
