import torch
import torch.nn as nn


class SwiGLU(nn.Module):
    # silu written out as h * sigmoid(h), everything in the input dtype, even float16.
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)

    def forward(self, x):
        h = self.w1(x)
        return self.w2(h * torch.sigmoid(h) * self.w3(x))
