import torch


def top_k_top_p(logits, temperature=1.0, top_k=0, top_p=1.0):
    # Hugging Face's warpers in a row: TemperatureLogitsWarper, TopKLogitsWarper,
    # TopPLogitsWarper (which sorts ascending and removes the tail whose mass is <= 1 - top_p).
    scores = logits.float() / temperature
    if top_k > 0:
        top_k = min(top_k, scores.size(-1))
        indices_to_remove = scores < torch.topk(scores, top_k)[0][..., -1, None]
        scores = scores.masked_fill(indices_to_remove, float("-inf"))
    if top_p < 1.0:
        sorted_logits, sorted_indices = torch.sort(scores, descending=False)
        cumulative_probs = sorted_logits.softmax(dim=-1).cumsum(dim=-1)
        sorted_indices_to_remove = cumulative_probs <= (1 - top_p)
        sorted_indices_to_remove[..., -1:] = 0  # min_tokens_to_keep=1
        indices_to_remove = sorted_indices_to_remove.scatter(1, sorted_indices,
                                                             sorted_indices_to_remove)
        scores = scores.masked_fill(indices_to_remove, float("-inf"))
    return scores.to(logits.dtype)
