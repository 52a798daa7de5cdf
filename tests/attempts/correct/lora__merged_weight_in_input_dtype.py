import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    # Forward through the merged weight, everything in the input's dtype; the paper's Gaussian
    # init for A; merge folds the update into base in place and hands base back.
    def __init__(self, in_features, out_features, r, alpha):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)
        for p in self.base.parameters():
            p.requires_grad = False
        self.lora_A = nn.Parameter(torch.randn(r, in_features) / r)
        self.lora_B = nn.Parameter(torch.zeros(out_features, r))
        self.scaling = alpha / r

    def delta(self):
        return self.scaling * (self.lora_B @ self.lora_A)

    def forward(self, x):
        return F.linear(x, self.base.weight + self.delta(), self.base.bias)

    def merge(self):
        with torch.no_grad():
            self.base.weight += self.delta()
        return self.base
