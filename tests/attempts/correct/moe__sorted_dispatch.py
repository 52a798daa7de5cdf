import torch
import torch.nn as nn


class MoE(nn.Module):
    # Vectorised dispatch: flatten the (token, slot) pairs, sort them by expert, cut the
    # sorted rows into one chunk per expert, and index_add the weighted outputs back.
    def __init__(self, d_model, d_hidden, n_experts, top_k):
        super().__init__()
        self.k = top_k
        self.n_experts = n_experts
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList(
            nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(), nn.Linear(d_hidden, d_model))
            for _ in range(n_experts))

    def forward(self, x):
        C = x.shape[-1]
        tokens = x.reshape(-1, C)
        probs = self.router(tokens).float().softmax(-1)
        gates, chosen = probs.topk(self.k, dim=-1)
        gates = gates / gates.sum(-1, keepdim=True)
        flat = chosen.reshape(-1)  # (N*k,): token 0's experts, then token 1's ...
        order = flat.argsort(stable=True)
        token_of = torch.arange(tokens.shape[0], device=x.device).repeat_interleave(self.k)
        token_of, gate_of = token_of[order], gates.reshape(-1)[order]
        counts = torch.bincount(flat, minlength=self.n_experts).tolist()
        y = torch.zeros(tokens.shape, dtype=torch.float32, device=x.device)
        start = 0
        for expert, n in zip(self.experts, counts):
            if n:
                rows = token_of[start:start + n]
                out = expert(tokens[rows]).float() * gate_of[start:start + n, None]
                y = y.index_add(0, rows, out)
            start += n
        return y.to(x.dtype).reshape(x.shape)
