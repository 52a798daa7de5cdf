"""Flash attention (the forward pass), written by hand: the reference that
`handwrite check flash_attention` grades against."""

import math

import torch


def flash_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, block_size: int = 16,
                    causal: bool = False) -> torch.Tensor:
    """softmax(q @ k^T / sqrt(d)) @ v, one block of keys at a time, in q's dtype.

    q (B, H, Tq, d), k (B, H, Tk, d), v (B, H, Tk, dv) -> (B, H, Tq, dv). The keys are taken
    in blocks of ``block_size`` (the last may be shorter), so the largest score tile is
    (B, H, Tq, block_size): the (B, H, Tq, Tk) score matrix is never built. causal=True needs
    Tq == Tk: query i sees keys 0 ... i.
    """
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, not {block_size}")
    B, H, Tq, Tk = q.size(0), q.size(1), q.size(-2), k.size(-2)
    if causal and Tq != Tk:
        raise ValueError(f"causal=True is for self-attention: Tq == Tk, not {Tq} and {Tk}")
    dtype = q.dtype
    # float16/bfloat16 lose digits in every dot product, and the running sums below are
    # rescaled once per block: keep all of it in float32, as the real kernels do.
    work = torch.promote_types(dtype, torch.float32)
    # Scale q once instead of every tile of scores: q k^T / sqrt(d) either way. A dot product
    # of d terms has a spread of ~sqrt(d); dividing keeps the scores ~1 for any d.
    q = q.to(work) / math.sqrt(q.size(-1))  # (B, H, Tq, d): a new tensor, the caller's q stays
    k, v = k.to(work), v.to(work)  # (B, H, Tk, d), (B, H, Tk, dv)

    # The online softmax keeps, for every query, three running quantities over the keys seen
    # so far, all relative to the largest score seen so far, m:
    #   m    the running max of the scores              (B, H, Tq, 1)
    #   l    sum of exp(score - m)                      (B, H, Tq, 1)
    #   acc  sum of exp(score - m) * v_j                (B, H, Tq, dv)
    # so that acc / l, after the last block, is softmax(scores) @ v. m starts at -inf (no key
    # seen): then exp(m - m_new) is exactly 0 and the first block needs no special case.
    m = torch.full((B, H, Tq, 1), float("-inf"), dtype=work, device=q.device)  # (B, H, Tq, 1)
    l = torch.zeros_like(m)  # (B, H, Tq, 1)
    acc = torch.zeros(B, H, Tq, v.size(-1), dtype=work, device=q.device)  # (B, H, Tq, dv)
    # Query positions, for the causal mask: made on q's device, like every new tensor here.
    i = torch.arange(Tq, device=q.device)[:, None]  # (Tq, 1)

    for start in range(0, Tk, block_size):
        kb = k[..., start:start + block_size, :]  # (B, H, bk, d): bk = block_size, or less last
        vb = v[..., start:start + block_size, :]  # (B, H, bk, dv)
        s = q @ kb.transpose(-2, -1)  # (B, H, Tq, bk): one tile of scores, never all Tk
        if causal:
            # The key's position in the sequence, start + its index in the block: comparing
            # the index in the block with i would let later blocks' future keys in.
            j = torch.arange(start, start + kb.size(-2), device=q.device)[None, :]  # (1, bk)
            # -inf: exp(-inf - m) == 0, so a future key gets exactly zero weight. Key 0 is in
            # the first block and every query sees it, so m is finite from then on and a row
            # of this tile that is all -inf (a query before the block) adds nothing.
            s = s.masked_fill(j > i, float("-inf"))  # (B, H, Tq, bk)
        # The max grows (or stays): subtracting it before exp keeps every exp <= 1, so scores
        # of 1e3 can't overflow.
        m_new = torch.maximum(m, s.amax(dim=-1, keepdim=True))  # (B, H, Tq, 1)
        p = torch.exp(s - m_new)  # (B, H, Tq, bk): this block's unnormalised weights
        # What l and acc hold was measured against the old max: exp(x - m_old) * alpha ==
        # exp(x - m_new). Both must be rescaled, or the blocks are added on different scales.
        alpha = torch.exp(m - m_new)  # (B, H, Tq, 1): <= 1; exactly 0 on the first block
        l = alpha * l + p.sum(dim=-1, keepdim=True)  # (B, H, Tq, 1)
        acc = alpha * acc + p @ vb  # (B, H, Tq, dv)
        m = m_new  # the next block is measured against the max of everything seen so far

    # Normalise once at the end: l > 0, as every query has seen at least one key.
    return (acc / l).to(dtype)  # (B, H, Tq, dv)
