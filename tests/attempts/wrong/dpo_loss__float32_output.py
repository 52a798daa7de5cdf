# expect: gradients, numerics, shape
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps,
             ref_rejected_logps, beta=0.1, label_smoothing=0.0):
    pc, pr = policy_chosen_logps.float(), policy_rejected_logps.float()
    rc, rr = ref_chosen_logps.float(), ref_rejected_logps.float()
    z = beta * ((pc - pr) - (rc - rr))
    losses = -F.logsigmoid(z) * (1 - label_smoothing) - F.logsigmoid(-z) * label_smoothing
    # never cast back: float16 in, float32 out
    return losses.mean(), (beta * (pc - rc)).detach(), (beta * (pr - rr)).detach()
