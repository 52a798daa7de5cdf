import torch
import torch.nn as nn


class MoE(nn.Module):
    # The plainest way: token by token, each of its k experts on that one row, gates
    # renormalised by hand, the sum in float64 for float64 inputs and float32 otherwise.
    def __init__(self, d_model, d_hidden, n_experts, top_k):
        super().__init__()
        self.top_k = top_k
        self.router = nn.Linear(d_model, n_experts, bias=False)
        experts = []
        for _ in range(n_experts):
            experts.append(nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(),
                                         nn.Linear(d_hidden, d_model)))
        self.experts = nn.ModuleList(experts)

    def forward(self, x):
        work = torch.float64 if x.dtype == torch.float64 else torch.float32
        tokens = x.reshape(-1, x.shape[-1])
        probs = torch.softmax(self.router(tokens).to(work), dim=-1)
        top, chosen = torch.topk(probs, self.top_k, dim=-1)
        gates = top / top.sum(dim=-1, keepdim=True)
        rows = []
        for t in range(tokens.shape[0]):
            acc = 0
            for j in range(self.top_k):
                expert = self.experts[int(chosen[t, j])]
                acc = acc + gates[t, j] * expert(tokens[t:t + 1]).to(work)
            rows.append(acc)
        return torch.cat(rows).to(x.dtype).reshape(x.shape)
