# expect: numerics
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.requires_grad_(False)
        # "initialise like any other weight": so a fresh layer no longer equals its base
        self.lora_A = nn.Parameter(torch.randn(r, in_features) * 0.02)
        self.lora_B = nn.Parameter(torch.randn(out_features, r) * 0.02)
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling

    @torch.no_grad()
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        merged.weight.copy_(W + self.scaling * self.lora_B @ self.lora_A)
        merged.bias.copy_(self.base.bias)
        return merged
