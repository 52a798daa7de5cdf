# expect: load
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    # Correct maths, wrong contract: A and B where the reference has lora_A and lora_B.
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.requires_grad_(False)
        self.A = nn.Parameter(torch.empty(r, in_features))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = nn.Parameter(torch.zeros(out_features, r))
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.A.T @ self.B.T) * self.scaling

    @torch.no_grad()
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        merged.weight.copy_(W + self.scaling * self.B @ self.A)
        merged.bias.copy_(self.base.bias)
        return merged
