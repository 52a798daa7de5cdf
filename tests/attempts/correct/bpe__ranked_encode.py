def bpe(corpus, n_merges, text):
    # encoding by merge rank (lowest-rank pair first, as GPT-2 does) instead of replaying
    # every merge in order: the same tokens
    words = [list(w) for w in corpus.split()]
    merges = []
    for _ in range(n_merges):
        counts = {}
        for w in words:
            i = 0
            while i < len(w) - 1:
                p = (w[i], w[i + 1])
                counts[p] = counts.get(p, 0) + 1
                # a run x x x: the next (x, x) may only start after this one
                i += 2 if (i + 2 < len(w) and w[i + 2] == w[i + 1] == w[i]) else 1
        if not counts:
            break
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        merges.append(best)
        for j, w in enumerate(words):
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            words[j] = out
    rank = {m: r for r, m in enumerate(merges)}
    tokens = []
    for w in text.split():
        s = list(w)
        while len(s) > 1:
            pairs = [(rank.get((s[i], s[i + 1]), len(rank)), i) for i in range(len(s) - 1)]
            r, i = min(pairs)
            if r == len(rank):
                break
            s = s[:i] + [s[i] + s[i + 1]] + s[i + 2:]
        tokens += s
    return merges, tokens
