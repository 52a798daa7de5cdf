"""Symmetric InfoNCE (the CLIP loss) with a temperature - write it by hand.

Contract
    info_nce(a, b, temperature=0.07) returns the CLIP loss of N matching
    pairs: row i of a and row i of b are a positive pair; every other
    row of the batch is a negative.

    a            (N, D) floating: float16, bfloat16, float32, float64
    b            (N, D), the same dtype
    temperature  a Python float > 0 (a plain number, not a tensor)

    1. L2-normalise every row of a and of b, as F.normalize(x, dim=-1)
       does: x / max(||x||, 1e-12), so an all-zero row stays all zeros.
    2. logits = a_n @ b_n.T / temperature, shape (N, N): logits[i, j]
       is the cosine similarity of a_i and b_j, divided by temperature.
    3. labels = arange(N): the positive of row i is column i. With CE
       as F.cross_entropy (mean over the rows):
           loss = (CE(logits, labels) + CE(logits.T, labels)) / 2
       the a -> b direction (each a_i picks its b_i among all N rows of
       b) and the b -> a direction (each b_i picks its a_i), averaged.

    Returns a scalar (shape ()) with a's dtype. Gradients must flow to
    a and b. The inputs must not be modified. It must stay finite and
    accurate for temperature=0.01 (logits up to +-100), for an all-zero
    row, in float16 and bfloat16, and on any device.

Allowed: anything in torch, F.normalize and F.cross_entropy included:
torch has no InfoNCE loss to forbid. The drill is the symmetry, the
temperature and the normalisation.

Grade it:  handwrite check info_nce
"""

import torch
import torch.nn.functional as F


def info_nce(a: torch.Tensor, b: torch.Tensor,
             temperature: float = 0.07) -> torch.Tensor:
    raise NotImplementedError
