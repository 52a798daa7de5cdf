from collections import Counter


def bpe(corpus, n_merges, text):
    # words kept as tuples in a Counter; non-overlapping counts by scanning with a skip
    vocab = Counter(tuple(w) for w in corpus.split())

    def apply(word, a, b):
        out, i = [], 0
        while i < len(word):
            if word[i:i + 2] == (a, b):
                out.append(a + b)
                i += 2
            else:
                out.append(word[i])
                i += 1
        return tuple(out)

    merges = []
    while len(merges) < n_merges:
        stats = Counter()
        for word, n in vocab.items():
            seen_end = {}
            for i in range(len(word) - 1):
                p = word[i:i + 2]
                if seen_end.get(p, 0) <= i:
                    stats[p] += n
                    seen_end[p] = i + 2
        if not stats:
            break
        top = max(stats.values())
        best = sorted(p for p, c in stats.items() if c == top)[0]
        merges.append(best)
        new = Counter()
        for word, n in vocab.items():
            new[apply(word, *best)] += n
        vocab = new
    tokens = []
    for w in text.split():
        word = tuple(w)
        for a, b in merges:
            word = apply(word, a, b)
        tokens.extend(word)
    return merges, tokens
