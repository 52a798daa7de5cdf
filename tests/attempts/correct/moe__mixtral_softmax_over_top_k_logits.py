import torch
import torch.nn as nn
import torch.nn.functional as F


class MoE(nn.Module):
    # Softmax over the k chosen logits (the same gates as renormalising), all in the input's
    # dtype; dispatch as Hugging Face's Mixtral does: a one-hot expert mask, torch.where per
    # expert, index_add_ into a buffer of the input's dtype.
    def __init__(self, d_model, d_hidden, n_experts, top_k):
        super().__init__()
        self.top_k = top_k
        self.n_experts = n_experts
        self.router = nn.Linear(d_model, n_experts, bias=False)
        self.experts = nn.ModuleList([
            nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(), nn.Linear(d_hidden, d_model))
            for _ in range(n_experts)])

    def forward(self, x):
        hidden = x.reshape(-1, x.shape[-1])
        logits = self.router(hidden)
        top_logits, selected = torch.topk(logits, self.top_k, dim=-1)
        weights = F.softmax(top_logits, dim=-1)
        final = torch.zeros_like(hidden)
        expert_mask = F.one_hot(selected, num_classes=self.n_experts).permute(2, 1, 0)
        for e in range(self.n_experts):
            slot, token = torch.where(expert_mask[e])
            if token.shape[0] == 0:
                continue
            out = self.experts[e](hidden[token]) * weights[token, slot, None]
            final.index_add_(0, token, out.to(hidden.dtype))
        return final.reshape(x.shape)
