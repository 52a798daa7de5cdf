"""A top-k mixture-of-experts layer, written by hand: the reference that `handwrite check moe`
grades against."""

import torch
import torch.nn as nn


class MoE(nn.Module):
    """n_experts small feed-forward networks; a router sends each token to top_k of them and
    mixes their outputs by its gates.

    forward(x (..., C)) -> (..., C), C = d_model. Shape comments: N = the number of tokens (all
    leading dims flattened), E = n_experts, k = top_k, Hd = d_hidden, n = the tokens one expert
    gets.
    """

    def __init__(self, d_model: int, d_hidden: int, n_experts: int, top_k: int):
        super().__init__()
        self.top_k = top_k
        # One score per expert and token. No bias: a bias would send every token toward the
        # same few experts whatever it holds.
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(), nn.Linear(d_hidden, d_model))
            for _ in range(n_experts))

    def route(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens (N, C) -> gates (N, k) in float32 at least, summing to 1 per token, and the
        experts they belong to, chosen (N, k)."""
        work = torch.promote_types(tokens.dtype, torch.float32)
        # The softmax in float32 at least: float16 would round the probabilities that the
        # gates are made of. (softmax subtracts the row max itself: large logits are safe.)
        probs = self.router(tokens).to(work).softmax(dim=-1)  # (N, E): over all experts
        top, chosen = probs.topk(self.top_k, dim=-1)  # (N, k) each, most likely first
        # Renormalise: the k gates of a token sum to 1, so its output keeps the scale of one
        # expert's, however much probability the experts it skipped had. (Identical to a
        # softmax over the k chosen logits.)
        gates = top / top.sum(dim=-1, keepdim=True)  # (N, k)
        return gates, chosen

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape, dtype = x.shape, x.dtype
        tokens = x.reshape(-1, shape[-1])  # (N, C): routing is per token, batch or not
        gates, chosen = self.route(tokens)  # (N, k), (N, k)
        # Sum in float32 at least: a token's k weighted outputs would round at every add.
        y = torch.zeros(tokens.shape, dtype=gates.dtype, device=x.device)  # (N, C)
        for e, expert in enumerate(self.experts):
            # Each token picks an expert at most once, so (row, slot) pairs are unique: row is
            # the token, slot says which of its k gates belongs to this expert.
            rows, slot = torch.where(chosen == e)  # (n,), (n,)
            if rows.numel() == 0:
                continue  # no token chose this expert: it does no work at all
            # The expert sees only its own tokens: that is the point of a sparse layer, each
            # token costs k expert calls, not n_experts.
            out = expert(tokens[rows])  # (n, C), in x's dtype
            # index_add_, not y[rows] = ...: a token's other experts have written there too.
            y.index_add_(0, rows, gates[rows, slot, None] * out.to(y.dtype))  # (N, C)
        return y.to(dtype).reshape(shape)  # (..., C)
