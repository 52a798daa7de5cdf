"""LoRA (low-rank adaptation) of a linear layer, written by hand: the reference that
`handwrite check lora` grades against."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class LoRALinear(nn.Module):
    """A frozen nn.Linear plus a trainable low-rank update: W x + b + (alpha / r) B A x.

    forward(x (..., In)) -> (..., Out); merge() -> nn.Linear(In, Out) with the update folded
    into its weight. Shape comments: In = in_features, Out = out_features, R = r; "..." is any
    number of leading dims.
    """

    def __init__(self, in_features: int, out_features: int, r: int, alpha: float):
        super().__init__()
        self.base = nn.Linear(in_features, out_features)  # the pretrained layer, with its bias
        # Frozen: the optimizer never sees it, and backward stores no gradient for it. That is
        # where LoRA's memory saving comes from: only R * (In + Out) numbers train.
        self.base.requires_grad_(False)
        self.lora_A = nn.Parameter(torch.empty(r, in_features))  # (R, In): down to rank R
        self.lora_B = nn.Parameter(torch.empty(out_features, r))  # (Out, R): back up to Out
        # alpha / r, not alpha: the update's size then stays put when r changes, so a learning
        # rate tuned at one rank carries over to another.
        self.scaling = alpha / r
        self.reset_lora_parameters()

    def reset_lora_parameters(self) -> None:
        # B = 0, so B A = 0 and a fresh layer computes exactly what the pretrained one did:
        # fine-tuning starts from the model it adapts. A must not be 0 too, or dL/dB, which is
        # made of A x, would be 0 and neither matrix would ever move. A random A as in loralib
        # and PEFT (the same init nn.Linear gives its weight).
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dtype = x.dtype
        # float16/bfloat16 would round the two small matmuls and the sum: work in float32 at
        # least, and hand back x's dtype.
        work = torch.promote_types(dtype, torch.float32)
        x = x.to(work)  # (..., In)
        y = F.linear(x, self.base.weight.to(work), self.base.bias.to(work))  # (..., Out)
        # Through the rank-R bottleneck, A first: R * (In + Out) multiply-adds per row instead
        # of the In * Out that forming B A would cost.
        down = x @ self.lora_A.to(work).T  # (..., R)
        up = down @ self.lora_B.to(work).T  # (..., Out)
        return (y + self.scaling * up).to(dtype)  # (..., Out)

    def merge(self) -> nn.Linear:
        """A plain nn.Linear that computes what forward does: W + (alpha / r) B A, same bias.
        For inference: no extra matmuls, no trace of the adapter. The layer itself is left as
        it was, so it can go on training."""
        W = self.base.weight  # (Out, In)
        work = torch.promote_types(W.dtype, torch.float32)
        # On the layer's device and in its dtype: a Linear made with the defaults would sit on
        # the CPU in float32, whatever the layer is.
        merged = nn.Linear(W.shape[1], W.shape[0], device=W.device, dtype=W.dtype)
        with torch.no_grad():  # building weights, not a step to differentiate
            delta = self.lora_B.to(work) @ self.lora_A.to(work)  # (Out, In): rank R at most
            merged.weight.copy_(W.to(work) + self.scaling * delta)  # (Out, In)
            merged.bias.copy_(self.base.bias)  # (Out,): the update leaves the bias alone
        return merged
