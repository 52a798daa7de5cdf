# expect: shape, numerics, gradients, stability
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
        tokens = x.reshape(-1, x.shape[-1])
        gates, chosen = self.router(tokens).float().softmax(dim=-1).topk(self.top_k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        y = torch.zeros(tokens.shape, device=x.device)
        for e, expert in enumerate(self.experts):
            rows, slot = torch.where(chosen == e)
            # every expert weighted by the token's first gate, whichever slot it came from
            y = y.index_add(0, rows, gates[rows, 0, None] * expert(tokens[rows]).float())
        return y.to(x.dtype).reshape(x.shape)
