# expect: rules
import torch.nn.functional as F


def causal_lm_loss(logits, labels):
    V = logits.shape[-1]  # right answer, but it is the one call the drill is about
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1),
                           ignore_index=-100)
