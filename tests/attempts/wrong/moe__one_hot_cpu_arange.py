# expect: device
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
        probs = self.router(tokens).float().softmax(dim=-1)
        gates, chosen = probs.topk(self.top_k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        # one-hot (N, k, E) against an arange made on the CPU, wherever x is
        hit = chosen[..., None] == torch.arange(len(self.experts))
        weight = (gates[..., None] * hit).sum(dim=1)  # (N, E): a token's gate for each expert
        y = torch.zeros(tokens.shape, device=x.device)
        for e, expert in enumerate(self.experts):
            rows = hit[:, :, e].any(dim=-1).nonzero().squeeze(-1)
            if len(rows):
                y = y.index_add(0, rows, weight[rows, e, None] * expert(tokens[rows]).float())
        return y.to(x.dtype).reshape(x.shape)
