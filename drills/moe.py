"""Top-k mixture-of-experts layer - write it by hand.

Contract
    MoE(d_model, d_hidden, n_experts, top_k) is an nn.Module whose
    parameters are exactly:
        router   nn.Linear(d_model, n_experts, bias=False)
        experts  nn.ModuleList of n_experts experts, each
                 nn.Sequential(nn.Linear(d_model, d_hidden), nn.SiLU(),
                               nn.Linear(d_hidden, d_model))
    The grader loads the reference's weights into yours with
    load_state_dict(strict=True) (no other parameters or persistent
    buffers), then writes a router weight of its own.

    forward(x) returns y, the same shape as x:
        x  (..., d_model)  one or more leading dims: (N, d_model),
                           (B, T, d_model) ...; each position is a
                           token, routed on its own
    For each token:
        probs = softmax(router(x)) over all n_experts
        its top_k experts are the top_k largest probs; their probs,
        divided by their sum, are its gates (they sum to 1). A softmax
        over the top_k chosen logits gives the same gates: also fine.
        y = sum over its top_k experts e of gate_e * experts[e](x)
    Call each expert as a module, experts[e](rows), on exactly the
    tokens that chose it (any batching of them), never on the others:
    the grader counts the rows each expert runs on. An expert that no
    token chose need not run at all.

    The module and x share one floating dtype: float16, bfloat16,
    float32 or float64; y has it too, and x is not modified. It must
    work for router logits as large as 300, and on any device. Ties in
    the top-k are never tested.

Allowed: torch.softmax, torch.topk, torch.where, index_add_, nn.Linear.

Grade it:  handwrite check moe
"""

import torch
import torch.nn as nn


class MoE(nn.Module):
    def __init__(self, d_model: int, d_hidden: int, n_experts: int,
                 top_k: int):
        super().__init__()
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError
