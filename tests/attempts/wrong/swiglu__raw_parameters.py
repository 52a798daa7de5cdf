# expect: load
import torch
import torch.nn as nn
import torch.nn.functional as F


class SwiGLU(nn.Module):
    # Correct maths, wrong contract: the state_dict has W_gate, W_up and W_down where the
    # reference's weights are w1.weight, w3.weight and w2.weight.
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.W_gate = nn.Parameter(torch.randn(d_hidden, d_model) / d_model**0.5)
        self.W_up = nn.Parameter(torch.randn(d_hidden, d_model) / d_model**0.5)
        self.W_down = nn.Parameter(torch.randn(d_model, d_hidden) / d_hidden**0.5)

    def forward(self, x):
        return F.linear(F.silu(F.linear(x, self.W_gate)) * F.linear(x, self.W_up), self.W_down)
