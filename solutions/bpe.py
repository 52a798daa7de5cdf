"""Byte-pair encoding, trained and applied by hand on characters: the reference that
`handwrite check bpe` grades against."""


def _merge(word: list[str], a: str, b: str) -> list[str]:
    """word with every occurrence of the pair (a, b) fused, left to right, never overlapping:
    in a a a the first two fuse and the third a is left alone."""
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(a + b)  # one new symbol; skip both halves so they cannot fuse again
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def _count(word: list[str]) -> dict[tuple[str, str], int]:
    """How many times merging each pair would fire in this word: occurrences counted left
    to right without overlap, exactly as _merge would replace them (a a a counts (a, a)
    once, not twice)."""
    counts: dict[tuple[str, str], int] = {}
    i = 0
    last: dict[tuple[str, str], int] = {}  # end of the last counted occurrence of each pair
    while i + 1 < len(word):
        pair = (word[i], word[i + 1])
        if last.get(pair, -1) <= i:  # this occurrence does not share a symbol with the last
            counts[pair] = counts.get(pair, 0) + 1
            last[pair] = i + 2
        i += 1
    return counts


def bpe(corpus: str, n_merges: int, text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Learns up to n_merges merges from corpus, then encodes text with them.

    Returns (merges, tokens): merges in the order they were learned, each a pair of strings;
    tokens the symbols of text, word after word. Words are split on whitespace and a pair
    never spans two words.
    """
    # Count each distinct word once, weighted by how often it occurs: the same statistics as
    # scanning the whole corpus, for a fraction of the work.
    freq: dict[str, int] = {}
    for w in corpus.split():
        freq[w] = freq.get(w, 0) + 1
    words = {w: list(w) for w in freq}  # every word starts as its characters
    merges: list[tuple[str, str]] = []
    for _ in range(n_merges):
        stats: dict[tuple[str, str], int] = {}
        for w, symbols in words.items():  # pairs inside one word only: no boundary crossing
            for pair, n in _count(symbols).items():
                stats[pair] = stats.get(pair, 0) + n * freq[w]
        if not stats:  # every word is a single symbol: nothing left to merge
            break
        # Most frequent first; among equals the smallest pair as a tuple of strings, so the
        # result never depends on dict order or on where a pair was first seen.
        best = min(stats, key=lambda pair: (-stats[pair], pair))
        merges.append(best)
        words = {w: _merge(symbols, *best) for w, symbols in words.items()}
    # Encoding replays the merges in the order they were learned, the order training applied
    # them in: a later merge may build on an earlier one's symbol, never the other way round.
    tokens: list[str] = []
    for w in text.split():
        symbols = list(w)
        for a, b in merges:
            symbols = _merge(symbols, a, b)
        tokens += symbols
    return merges, tokens
