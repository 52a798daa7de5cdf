"""LoRA linear layer (and merge) - write it by hand.

Contract
    LoRALinear(in_features, out_features, r, alpha) is an nn.Module whose
    parameters are exactly:
        base    nn.Linear(in_features, out_features), with bias: the
                pretrained layer, frozen (requires_grad False on both
                base.weight and base.bias)
        lora_A  nn.Parameter (r, in_features), random at init:
                nn.init.kaiming_uniform_(lora_A, a=math.sqrt(5)), as
                loralib and PEFT do (any random init passes)
        lora_B  nn.Parameter (out_features, r), all zeros at init
    so a fresh layer computes exactly what base does. The grader loads
    the reference's weights into yours with load_state_dict(strict=True)
    (no other parameters or persistent buffers), then writes a nonzero
    lora_B of its own.

    forward(x) returns base(x) + (x @ A^T @ B^T) * (alpha / r):
        x  (..., in_features)  any number of leading dims, even none
        -> (..., out_features)

    merge() returns a plain nn.Linear(in_features, out_features) on the
    layer's device and in its dtype, with weight W + (alpha / r) * B @ A
    and base's bias: it computes what forward does, with no adapter. It
    may build a new Linear or fold the update into base in place and
    return base; the layer is not used after merge().

    The module and x share one floating dtype: float16, bfloat16,
    float32 or float64; the output has it too, and x is not modified.
    It must work on any device.

Allowed: nn.Linear, F.linear, nn.init.

Grade it:  handwrite check lora
"""

import math

import torch
import torch.nn as nn


class LoRALinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, r: int,
                 alpha: float):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def merge(self) -> nn.Linear:
        raise NotImplementedError
