import torch
import torch.nn.functional as F


def info_nce(a, b, temperature=0.07):
    # As in OpenAI's CLIP training code: a logit scale of 1/t, logits_per_text as the
    # transpose of logits_per_image, everything in the inputs' own dtype.
    image_features = F.normalize(a, dim=-1)
    text_features = F.normalize(b, dim=-1)
    logit_scale = 1.0 / temperature
    logits_per_image = logit_scale * image_features @ text_features.t()
    logits_per_text = logits_per_image.t()
    labels = torch.arange(a.shape[0], device=a.device, dtype=torch.long)
    total_loss = (F.cross_entropy(logits_per_image, labels)
                  + F.cross_entropy(logits_per_text, labels)) / 2
    return total_loss
