"""Byte-pair encoding (BPE): train merges, then encode - write it by hand.

Contract
    bpe(corpus, n_merges, text) returns (merges, tokens).

    corpus    a str; its words are corpus.split() (split on whitespace).
              Every word starts as the list of its characters.
    n_merges  an int >= 0: how many merges to learn at most
    text      a str to encode with the merges learned

    Training, n_merges times: count every adjacent pair of symbols
    inside words (a pair never spans two words), weighted by how often
    the word occurs; take the pair with the highest count, ties going
    to the smallest pair as a tuple of strings (min over
    (-count, (a, b))); record (a, b) and replace it in every word by
    the one symbol a + b, left to right, never overlapping (a a a ->
    aa a). A pair's count is how many times that merge would fire:
    occurrences counted left to right without overlap, so a a a counts
    (a, a) once and a a a a twice. Stop early when no word has two
    symbols left.

    Encoding: each word of text.split() starts as its characters; apply
    every merge in the order it was learned, the same way. tokens is
    the list of symbols of all words, in order (a character the corpus
    never had stays a token of its own).

    Returns merges: a list of (a, b) pairs of str, in learned order;
    tokens: a list of str. The inputs must not be modified.

Allowed: anything in Python (dict, collections.Counter, ...).

Grade it:  handwrite check bpe
"""


def bpe(corpus: str, n_merges: int,
        text: str) -> tuple[list[tuple[str, str]], list[str]]:
    raise NotImplementedError
