# expect: numerics, stability
import torch.nn as nn
import torch.nn.functional as F


class SwiGLU(nn.Module):
    def __init__(self, d_model, d_hidden):
        super().__init__()
        self.w1 = nn.Linear(d_model, d_hidden, bias=False)
        self.w3 = nn.Linear(d_model, d_hidden, bias=False)
        self.w2 = nn.Linear(d_hidden, d_model, bias=False)

    def forward(self, x):
        # float32 inside, but never cast back: w2 (a float16 or float64 Linear) gets
        # a float32 input and raises
        return self.w2(F.silu(self.w1(x).float()) * self.w3(x).float())
