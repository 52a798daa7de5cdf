# expect: shape, numerics
def bpe(corpus, n_merges, text):
    words = {}
    for w in corpus.split():
        words[w] = words.get(w, 0) + 1
    seqs = {w: list(w) for w in words}

    def merge(s, a, b):
        out, i = [], 0
        while i < len(s):
            if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                out.append(a + b)
                i += 2
            else:
                out.append(s[i])
                i += 1
        return out

    def merge_text(s, a, b):  # written again for encoding, with the pair joined backwards
        out, i = [], 0
        while i < len(s):
            if i + 1 < len(s) and s[i] == a and s[i + 1] == b:
                out.append(b + a)
                i += 2
            else:
                out.append(s[i])
                i += 1
        return out

    merges = []
    for _ in range(n_merges):
        stats = {}
        for w, s in seqs.items():
            last = {}
            for i in range(len(s) - 1):
                p = (s[i], s[i + 1])
                if last.get(p, -1) <= i:
                    stats[p] = stats.get(p, 0) + words[w]
                    last[p] = i + 2
        if not stats:
            break
        best = min(stats, key=lambda p: (-stats[p], p))
        merges.append(best)
        seqs = {w: merge(s, *best) for w, s in seqs.items()}
    tokens = []
    for w in text.split():
        s = list(w)
        for a, b in merges:
            s = merge_text(s, a, b)
        tokens += s
    return merges, tokens
