import math

import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    # einsum in the input dtype, scaling applied to the rank-r activations; merge builds a new
    # Linear and swaps in new Parameters.
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.r, self.alpha = r, alpha
        self.base = nn.Linear(in_features, out_features).requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, in_features))
        self.lora_B = nn.Parameter(torch.empty(out_features, r))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B)

    def forward(self, x):
        h = torch.einsum("...i,ri->...r", x, self.lora_A) * (self.alpha / self.r)
        return self.base(x) + torch.einsum("...r,or->...o", h, self.lora_B)

    def merge(self):
        W = self.base.weight
        out = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        out.weight = nn.Parameter(W + self.lora_B @ self.lora_A * (self.alpha / self.r))
        out.bias = nn.Parameter(self.base.bias.clone())
        return out
