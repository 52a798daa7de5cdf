# expect: numerics, rules
import torch
import torch.nn as nn


class MoE(nn.Module):
    def __init__(self, d_model, d_hidden, n_experts, top_k):
        super().__init__()
        self.top_k = top_k
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(), nn.Linear(d_hidden, d_model))
            for _ in range(n_experts))

    def forward(self, x):
        tokens = x.view(-1, x.shape[-1]) if x.is_contiguous() else x.reshape(-1, x.shape[-1])
        gates, chosen = self.router(tokens).float().softmax(dim=-1).topk(self.top_k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        outs = []
        for e, expert in enumerate(self.experts):
            rows, slot = torch.where(chosen == e)
            outs.append((rows, gates[rows, slot, None] * expert(tokens[rows]).float()))
        # "x is not needed any more": reuse its memory for the output
        tokens.zero_()
        for rows, out in outs:
            tokens.index_add_(0, rows, out.to(tokens.dtype))
        return tokens.reshape(x.shape)
