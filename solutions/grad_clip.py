"""Gradient clipping by global norm, written by hand: the reference that
`handwrite check grad_clip` grades against."""

import torch


def clip_grad_norm_(grads: list[torch.Tensor], max_norm: float,
                    eps: float = 1e-6) -> torch.Tensor:
    """Scales every tensor in ``grads`` IN PLACE by one coefficient, so that their global L2
    norm is at most ``max_norm``, as ``torch.nn.utils.clip_grad_norm_`` does (norm_type=2).

    Returns the total norm BEFORE clipping: a 0-d tensor in the grads' dtype, on their device.
    """
    dtype = grads[0].dtype
    # float16 squares overflow past 256 (256^2 > 65504) and underflow below 2^-12: sum the
    # squares in float32 at least (torch's vector_norm accumulates in float32 too).
    work = torch.promote_types(dtype, torch.float32)
    with torch.no_grad():  # clipping is bookkeeping between backward and step: no graph
        # One norm over ALL the tensors together, as if they were one flat vector: the sum of
        # every tensor's sum of squares. (Clipping each tensor by its own norm would change
        # the direction of the update; the global norm only shortens it.)
        squares = torch.stack([g.to(work).pow(2).sum() for g in grads])  # (n_tensors,)
        total_norm = squares.sum().sqrt()  # ()
        # eps keeps the division finite when every gradient is 0. The clamp makes clipping a
        # no-op below the threshold: a coefficient above 1 would scale small gradients UP.
        clip_coef = (max_norm / (total_norm + eps)).clamp(max=1.0)  # ()
        for g in grads:
            # In place: the caller's tensors (p.grad) are what the optimizer reads next.
            # Multiplying by 1 below the threshold leaves them bit for bit as they were.
            g.copy_(g.to(work) * clip_coef)  # (...) rounded back to g's dtype by copy_
    return total_norm.to(dtype)  # (), the norm before clipping, in the grads' dtype
