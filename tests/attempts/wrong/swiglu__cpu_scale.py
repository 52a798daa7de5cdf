# expect: device
import torch
import torch.nn as nn


class SwiGLU(nn.Module):
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)

    def forward(self, x):
        h = self.w1(x).float()
        one = torch.ones(h.shape[-1])  # made on the CPU, not on x's device
        hidden = h / (one + torch.exp(-h)) * self.w3(x).float()
        return self.w2(hidden.to(x.dtype))
