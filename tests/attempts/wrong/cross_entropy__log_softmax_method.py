# expect: rules
def cross_entropy(logits, target):
    logp = logits.float().log_softmax(-1)  # the one call the drill is about
    return -logp.gather(-1, target[:, None]).mean().to(logits.dtype)
