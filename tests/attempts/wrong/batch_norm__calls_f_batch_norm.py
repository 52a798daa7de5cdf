# expect: rules
import torch.nn.functional as F


def batch_norm(x, running_mean, running_var, weight, bias, training=True,
               momentum=0.1, eps=1e-5):
    return F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
