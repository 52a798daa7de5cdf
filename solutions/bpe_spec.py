"""The BPE drill: corpora built at run time, a drive that turns strings into tensors, a
round-trip property, hints and known mistakes."""

import torch

from handwrite.grader.i18n import T, both
from handwrite.grader.spec import Call, Case, Drill, Mistake, Property
from handwrite.solutions.bpe import _count, _merge, bpe

reference = bpe  # the name a mistake uses to call the reference (see grader/selftest.py)


def _corpus(alphabet="abcde", runs=True):
    """A corpus of d.W distinct words drawn at run time (so no answer can be memorised),
    each repeated a random number of times; runs: some words are runs of one letter, where
    overlapping pairs (a a a) matter. Learns d.M merges, then encodes d.E words of its own."""
    def build(r, d):
        g = r.gen
        vocab = []
        while len(vocab) < d.W:
            n = int(torch.randint(2, 7, (1,), generator=g))
            letters = torch.randint(len(alphabet), (n,), generator=g).tolist()
            word = "".join(alphabet[i] for i in letters)
            if runs and len(vocab) % 3 == 0:
                word = alphabet[letters[0]] * (n + 1)  # a a a ...: pairs that overlap
            if word not in vocab:
                vocab.append(word)
        times = torch.randint(1, 5, (d.W,), generator=g).tolist()
        words = [w for w, k in zip(vocab, times) for _ in range(k)]
        order = torch.randperm(len(words), generator=g).tolist()
        corpus = " ".join(words[i] for i in order)
        # text: corpus words and unseen ones, some with a letter the corpus never had
        pick = torch.randint(d.W, (d.E,), generator=g).tolist()
        text = " ".join(vocab[i] if i % 2 else vocab[i][::-1] + "z" for i in pick)
        return Call((corpus, d.M, text))
    return build


def _given(corpus, text):
    def build(r, d):
        return Call((corpus, d.M, text))
    return build


# --- the drive: runs in the sandbox, as source (torch and its arguments only) -------------

def train_and_encode(bpe, corpus, n_merges, text):
    merges, tokens = bpe(corpus, n_merges, text)
    merges, tokens = [tuple(m) for m in merges], list(tokens)
    for m in merges:
        if len(m) != 2 or not all(isinstance(s, str) for s in m):
            raise TypeError(tr("a merge must be a pair of strings (a, b), got {m!r}",
                               "每个 merge 必须是一对字符串 (a, b)，实际是 {m!r}", m=m))
    if not all(isinstance(t, str) for t in tokens):
        raise TypeError(tr("tokens must be a list of strings", "tokens 必须是字符串列表"))
    pieces = [s for m in merges for s in m]
    # One width fixed by the inputs (no symbol outgrows the longest word), so that an attempt
    # learning other merges shows other letters, not another tensor shape.
    width = max([len(w) for w in corpus.split() + text.split()] + [1])
    if any(len(s) > width for s in pieces + tokens):
        raise ValueError(tr("a symbol is longer than any word: merges stay inside words",
                            "有符号比任何词都长：合并只能发生在词内部"))

    def codes(strings):  # each string as its code points, 0-padded to one width
        rows = [[ord(ch) for ch in s] + [0] * (width - len(s)) for s in strings]
        return torch.tensor(rows, dtype=torch.long).reshape(len(strings), width)

    return codes(pieces).reshape(len(merges), 2, width), codes(tokens)  # (M, 2, L), (N, L)


def _strings(codes):
    return ["".join(chr(c) for c in row if c) for row in codes.tolist()]


def _round_trip(call, out, seen):
    text = call.args[2]
    got = "".join(_strings(out[1]))
    want = "".join(text.split())
    if got == want:
        return None
    return both("the tokens joined give {got!r}, not the text's words {want!r}: encoding "
                "only regroups a word's characters, it never drops, adds or reorders one",
                "tokens 拼起来是 {got!r}，而不是文本的单词 {want!r}：编码只是把一个单词的"
                "字符重新分组，不会丢掉、增加或调换任何字符", got=got[:60], want=want[:60])


def _merges_match(call, out, seen):
    want, _ = reference(*call.args)
    got = [tuple(_strings(pair)) for pair in out[0]]  # (M, 2, L) -> [(a, b), ...]
    for i, (g, w) in enumerate(zip(got, want)):
        if g != tuple(w):
            return both("merge {i} is {g}, where the reference learns {w} (the merges before "
                        "it agree): check the pair counts and the tie-break",
                        "第 {i} 条合并是 {g}，参考答案这里学到的是 {w}（之前的合并都一致）："
                        "检查 pair 的计数和平局规则", i=i, g=g, w=tuple(w))
    if len(got) != len(want):
        return both("{n} merges learned, the reference learns {m}: learn n_merges of them, "
                    "stopping early only when no word has two symbols left",
                    "学到了 {n} 条合并，参考答案学到 {m} 条：应学满 n_merges 条，只有在没有"
                    "任何词还剩两个符号时才提前停止", n=len(got), m=len(want))
    return None


MERGES = Property(T("the merges are the reference's, in order",
                    zh="合并规则与参考答案相同，顺序也相同"), "numerics", _merges_match)

ROUND_TRIP = Property(T("the tokens join back into the text (round trip)",
                        zh="tokens 拼接后还原出原文本（往返一致）"), "numerics", _round_trip)

# Ties: (a, b), (b, a), (c, d) all appear 3 times; the smallest pair, (a, b), goes first.
TIES = "ab ab ab ba ba ba cd cd cd"
# Across words: "ab" ends and "ba" begins words; (b, b) would only exist across a boundary.
BOUNDARY = "ab ab ab ba ba ba ca"
# Overlap: seven a's hold (a, a) 6 times overlapping, but only 3 merges can fire there; (b, c)
# fires 4 times. Counting overlaps, (a, a) (6) goes first; counted right, (b, c) (4) does.
OVERLAP = "aaaaaaa bcbc bcbc abab"

CASES = (
    Case(T("every dim a distinct size: 7 words, 5 merges",
           zh="每个维度大小都不同：7 个词，5 次合并"),
         "shape", dict(W=7, M=5, E=3), _corpus(), drive=train_and_encode,
         properties=(MERGES, ROUND_TRIP)),
    Case(T("a corpus of one word", zh="语料只有一个词"),
         "shape", dict(W=1, M=3, E=4), _corpus(runs=False), drive=train_and_encode, properties=(MERGES,)),
    Case(T("more merges asked than exist: stops early",
           zh="要求的合并次数多于可合并的：提前停止"),
         "shape", dict(W=2, M=40, E=3), _given("abc abc ab", "abc cab"),
         drive=train_and_encode, properties=(MERGES, ROUND_TRIP)),
    Case(T("random corpus: 12 words, 10 merges", zh="随机语料：12 个词，10 次合并"),
         "numerics", dict(W=12, M=10, E=5), _corpus(), drive=train_and_encode,
         properties=(MERGES, ROUND_TRIP)),
    Case(T("equal counts: the smallest pair wins", zh="计数相同：取最小的 pair"),
         "numerics", dict(W=3, M=4, E=5), _given(TIES, "abcd dcba"), drive=train_and_encode, properties=(MERGES,)),
    Case(T("a pair never spans two words", zh="pair 不能跨越两个词"),
         "numerics", dict(W=3, M=4, E=5), _given(BOUNDARY, "abba cab"), drive=train_and_encode, properties=(MERGES,)),
    Case(T("overlapping pairs (a a a) counted once per merge",
           zh="重叠的 pair（a a a）按实际能合并的次数计数"),
         "numerics", dict(W=4, M=3, E=5), _given(OVERLAP, "aaaaa bcbcbc"),
         drive=train_and_encode, properties=(MERGES, ROUND_TRIP)),
    Case(T("larger corpus, 6 letters: 20 words, 16 merges",
           zh="更大的语料，6 个字母：20 个词，16 次合并"),
         "numerics", dict(W=20, M=16, E=6), _corpus("abcdef"), drive=train_and_encode,
         properties=(MERGES, ROUND_TRIP)),
)


def tie_break_largest(corpus, n_merges, text):
    freq = {}
    for w in corpus.split():
        freq[w] = freq.get(w, 0) + 1
    words = {w: list(w) for w in freq}
    merges = []
    for _ in range(n_merges):
        stats = {}
        for w, symbols in words.items():
            for pair, n in _count(symbols).items():
                stats[pair] = stats.get(pair, 0) + n * freq[w]
        if not stats:
            break
        best = max(stats, key=lambda pair: (stats[pair], pair))  # the bug: largest pair wins
        merges.append(best)
        words = {w: _merge(symbols, *best) for w, symbols in words.items()}
    tokens = []
    for w in text.split():
        symbols = list(w)
        for a, b in merges:
            symbols = _merge(symbols, a, b)
        tokens += symbols
    return merges, tokens


def merges_across_words(corpus, n_merges, text):
    # the bug: the corpus becomes one long symbol sequence, so pairs span word boundaries
    return reference("".join(corpus.split()), n_merges, "".join(text.split()))


def overlapping_pairs_double_counted(corpus, n_merges, text):
    freq = {}
    for w in corpus.split():
        freq[w] = freq.get(w, 0) + 1
    words = {w: list(w) for w in freq}
    merges = []
    for _ in range(n_merges):
        stats = {}
        for w, symbols in words.items():
            for pair in zip(symbols, symbols[1:]):  # the bug: a a a counts (a, a) twice
                stats[pair] = stats.get(pair, 0) + freq[w]
        if not stats:
            break
        best = min(stats, key=lambda pair: (-stats[pair], pair))
        merges.append(best)
        words = {w: _merge(symbols, *best) for w, symbols in words.items()}
    tokens = []
    for w in text.split():
        symbols = list(w)
        for a, b in merges:
            symbols = _merge(symbols, a, b)
        tokens += symbols
    return merges, tokens


DRILL = Drill(
    id="bpe",
    title=T("Byte-pair encoding: train merges, then encode",
            zh="BPE（字节对编码）：训练合并规则并编码"),
    difficulty="medium",
    tags=("llm", "tokenizer", "classic"),
    minutes=25,
    entry="bpe",
    reference=bpe,
    cases=CASES,
    forbidden=(),  # pure Python: no torch op does any of it
    aliases=("byte-pair-encoding", "tokenizer"),
    outputs=("merges", "tokens"),
    differentiable=False,
    on_device=False,
    hints=(
        T("Split the corpus into words; each word starts as a list of its characters. Repeat: "
          "count adjacent pairs inside words, merge the best pair everywhere, record it.",
          zh="先把语料按空白切成词，每个词一开始是它的字符列表。然后反复：统计词内相邻 pair，"
             "把最好的 pair 在所有地方合并，并记下这条合并规则。"),
        T("Best = highest count, ties to the smallest pair: min(stats, key=lambda p: "
          "(-stats[p], p)). Stop early when no word has two symbols left.",
          zh="最好的 pair = 计数最高，计数相同取最小的 pair：min(stats, key=lambda p: "
             "(-stats[p], p))。没有任何词还剩两个符号时提前停止。"),
        T("Count a pair as merging would fire it: scan left to right, and after an "
          "occurrence at i the next one may start at i + 2 at the earliest (a a a -> 1).",
          zh="按合并实际能发生的次数计数：从左到右扫描，在 i 处计了一次之后，下一次最早从 "
             "i + 2 开始（a a a 只计 1 次）。"),
        T("Merge: walk the word, if word[i:i+2] == [a, b] append a + b and jump 2, else "
          "append word[i] and step 1. Encode each word of text by replaying every merge in "
          "learned order.",
          zh="合并：遍历词，若 word[i:i+2] == [a, b] 就追加 a + b 并跳 2 步，否则追加 word[i] "
             "走 1 步。编码时对 text 的每个词按学到的顺序依次重放所有合并。"),
    ),
    mistakes=(
        Mistake("tie-break-wrong",
                T("among pairs with the same count the largest wins: the smallest must, "
                  "min(stats, key=lambda p: (-stats[p], p))",
                  zh="计数相同时选了最大的 pair：应选最小的，min(stats, key=lambda p: "
                     "(-stats[p], p))"),
                tie_break_largest),
        Mistake("merges-across-words",
                T("the corpus is treated as one sequence, so pairs span word boundaries: "
                  "split on whitespace and count pairs inside each word only",
                  zh="把语料当成一整个序列，pair 跨越了词边界：先按空白切词，只统计词内的 "
                     "pair"),
                merges_across_words),
        Mistake("overlapping-pairs-double-counted",
                T("zip(w, w[1:]) counts (a, a) twice in a a a, but only one merge can fire "
                  "there: after counting at i, skip to i + 2 for the same pair",
                  zh="zip(w, w[1:]) 在 a a a 里把 (a, a) 计了两次，但那里只能合并一次：同一个 "
                     "pair 在 i 处计数后，从 i + 2 开始继续"),
                overlapping_pairs_double_counted),
    ),
)
