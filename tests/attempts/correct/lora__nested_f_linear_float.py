import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    # Nested F.linear calls, in float32 inside; frozen with requires_grad_ per parameter.
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.weight.requires_grad_(False)
        self.base.bias.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.zeros(r, in_features))
        nn.init.normal_(self.lora_A, std=0.02)
        self.lora_B = nn.Parameter(torch.zeros(out_features, r))
        self.scaling = alpha / r

    def forward(self, x):
        xf = x.float()
        y = F.linear(xf, self.base.weight.float(), self.base.bias.float())
        y = y + F.linear(F.linear(xf, self.lora_A.float()), self.lora_B.float()) * self.scaling
        return y.to(x.dtype)

    @torch.no_grad()
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0]).to(W)
        merged.weight.copy_(W.float() + self.scaling * (self.lora_B.float() @ self.lora_A.float()))
        merged.bias.copy_(self.base.bias)
        return merged
