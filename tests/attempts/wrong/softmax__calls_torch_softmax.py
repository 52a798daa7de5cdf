# expect: rules
import torch.nn.functional as F

sm = getattr(F, "soft" + "max")  # captured at import, called through an alias


def softmax(x, dim=-1):
    return sm(x, dim=dim)
