# expect: load
def train_bpe(corpus, n_merges, text):  # named after the tutorial, not the contract
    return [], list("".join(text.split()))
