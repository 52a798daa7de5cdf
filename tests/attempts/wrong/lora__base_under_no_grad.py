# expect: gradients
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        self.base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, in_features))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.lora_B = nn.Parameter(torch.zeros(out_features, r))
        self.scaling = alpha / r

    def forward(self, x):
        with torch.no_grad():  # "the base is frozen anyway": but x's gradient runs through it
            y = self.base(x)
        return y + (x @ self.lora_A.T @ self.lora_B.T) * self.scaling

    @torch.no_grad()
    def merge(self):
        W = self.base.weight
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        merged.weight.copy_(W + self.scaling * self.lora_B @ self.lora_A)
        merged.bias.copy_(self.base.bias)
        return merged
