# expect: load
import torch
import torch.nn as nn
import torch.nn.functional as F


class MoE(nn.Module):
    # Right maths, wrong contract: the experts' weights stacked into (E, ...) parameters, where
    # the reference has experts.0.0.weight, experts.0.2.bias ...
    def __init__(self, d_model, d_hidden, n_experts, top_k):
        super().__init__()
        self.top_k = top_k
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.w1 = nn.Parameter(torch.randn(n_experts, d_hidden, d_model) / d_model**0.5)
        self.b1 = nn.Parameter(torch.zeros(n_experts, d_hidden))
        self.w2 = nn.Parameter(torch.randn(n_experts, d_model, d_hidden) / d_hidden**0.5)
        self.b2 = nn.Parameter(torch.zeros(n_experts, d_model))

    def forward(self, x):
        tokens = x.reshape(-1, x.shape[-1])
        gates, chosen = self.router(tokens).float().softmax(dim=-1).topk(self.top_k, dim=-1)
        gates = gates / gates.sum(dim=-1, keepdim=True)
        y = torch.zeros(tokens.shape, device=x.device)
        for e in range(self.w1.shape[0]):
            rows, slot = torch.where(chosen == e)
            h = F.silu(F.linear(tokens[rows], self.w1[e], self.b1[e]))
            out = F.linear(h, self.w2[e], self.b2[e]).float()
            y = y.index_add(0, rows, gates[rows, slot, None] * out)
        return y.to(x.dtype).reshape(x.shape)
