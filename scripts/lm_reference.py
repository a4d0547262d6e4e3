#!/usr/bin/env python3
"""Reference n-gram probabilities for tests/lm_reference.rs.

Scores unigrams, bigrams and trigrams drawn deterministically from a short
sample of ordinary news English with the pocketsphinx Python package (the
reference implementation of the trie model format) and writes them to
fixtures/lm_reference.tsv, grouped into sections:

    unigram            P(w)
    bigram-seen        P(w | h1), "h1 w" stored in the model
    bigram-backoff     P(w | h1), "h1 w" not stored: bo(h1) + P(w)
    trigram-seen       P(w | h2 h1), "h2 h1 w" stored
    trigram-backoff    "h2 h1 w" not stored, "h1 w" stored: bo(h2 h1) + P(w | h1)
    trigram-backoff2   neither stored: bo(h2 h1) + bo(h1) + P(w)

pocketsphinx does not expose which n-grams are stored, so sections are
inferred from the scores: a back-off weight bo(h1) is the median of
P(x | h1) - P(x) over rare probe words x (whose bigrams with h1 are almost
never stored). An n-gram whose score equals the back-off estimate up to the
integer rounding pocketsphinx applies is "backed off"; one that differs by
more than AMBIGUOUS_UNITS is "stored"; anything in between is skipped. That
gap keeps the labels unambiguous: the trie also holds synthetic bigrams (the
builder's stand-ins for pruned bigrams that lead to stored trigrams) whose
probability is the back-off value up to quantisation.

NGramModel.prob(words) takes the predicted word first and the history in
reverse order, [w, h1, h2], and returns an int in pocketsphinx log units
(log base 1.0001, truncated toward zero); log10 = score * log10(1.0001).

Usage: python3 scripts/lm_reference.py   (from the repository root or anywhere)
"""

import hashlib
import importlib.metadata
import math
import os
import random
import re
import statistics

import pocketsphinx

SEED = 20240611
LOG10_OF_BASE = math.log10(1.0001)
# OOV words score logmath's zero (-536870912 for base 1.0001).
OOV_THRESHOLD = -100_000_000
# Scores are truncated to integers, so a back-off sum can land 1 unit off each
# of its terms; anything within this many units counts as "backed off".
ROUNDING_UNITS = 2
# Scores this close to the back-off estimate (but not within rounding) may be
# quantised back-off values or real n-grams; such candidates are skipped.
AMBIGUOUS_UNITS = 200

QUOTAS = [
    ("unigram", 60),
    ("bigram-seen", 80),
    ("bigram-backoff", 70),
    ("trigram-seen", 80),
    ("trigram-backoff", 70),
    ("trigram-backoff2", 60),
]

# Rare words used to estimate back-off weights (filtered to the vocabulary).
PROBES = [
    "aardvark", "kumquat", "xylophone", "zeppelin", "marmoset", "quixotic",
    "pangolin", "wombat", "gazebo", "kerosene", "obsidian", "periwinkle",
    "sassafras", "tambourine", "vermilion", "walrus", "yodel", "zucchini",
]

# Sample news text (written for this script).
TEXT = """
The city council voted on Tuesday to approve a new budget for the coming year.
Officials said the plan would raise spending on schools and public safety while
cutting costs in other areas. The mayor told reporters that the vote was an
important step for the city and its residents.

Heavy rain is expected to continue through the weekend in much of the state,
according to the National Weather Service. Forecasters warned that rivers could
rise above flood levels by Sunday morning, and residents in low areas were told
to prepare to leave their homes if necessary.

Stocks rose sharply on Wall Street yesterday as investors welcomed news that
inflation had slowed last month. The Dow Jones industrial average gained more
than two hundred points, and bond prices also moved higher. Analysts said the
report could make it easier for the Federal Reserve to hold interest rates
steady at its next meeting.

The president said on Monday that he would meet with leaders of both parties
next week to discuss a plan to reduce the federal deficit. He said he was
willing to consider changes to the tax code but would not support cuts in
health care for older Americans. Republicans in Congress have said they want
to see lower taxes and less government spending.

Police arrested two men early Friday after a fire destroyed a warehouse on the
east side of town. No one was hurt in the blaze, but the building was a total
loss. Investigators believe the fire was set on purpose, a spokesman for the
fire department said.

The home team won its third game in a row last night, beating its rivals by a
score of five to three. The coach said after the game that his players had
worked hard all season and deserved the victory. Thousands of fans filled the
stadium despite the cold weather.

A new study found that children who spend more time reading at home do better
in school than those who watch a lot of television. The researchers followed
more than one thousand students for several years. Parents and teachers should
encourage young people to read every day, the report said.

The company announced that it will close two of its plants and lay off about
four hundred workers by the end of the year. A union official called the
decision a terrible blow to the local economy. The company said it had lost
money for three straight quarters because of falling demand for its products.
"""


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Reference:
    def __init__(self, path):
        self.lm = pocketsphinx.NGramModel(
            pocketsphinx.Config(), pocketsphinx.LogMath(), path
        )
        self.cache = {}

    def score(self, h2, h1, w):
        """Integer pocketsphinx score of P(w | h2 h1); None = no history."""
        words = [w] + [h for h in (h1, h2) if h is not None]
        key = tuple(words)
        if key not in self.cache:
            # prob() builds a char** from a list; keep lists short (<= 3).
            self.cache[key] = self.lm.prob(words)
        return self.cache[key]

    def known(self, word):
        return self.score(None, None, word) > OOV_THRESHOLD


def main():
    root = repo_root()
    model_path = os.path.join(root, "dictionaries", "en-us.lm.bin")
    with open(model_path, "rb") as f:
        model_sha = hashlib.sha256(f.read()).hexdigest()
    ref = Reference(model_path)
    rng = random.Random(SEED)

    # Sentences -> lowercase tokens in the vocabulary, wrapped in <s> ... </s>.
    sentences = []
    for sentence in re.split(r"(?<=[.!?])\s+", TEXT.strip()):
        tokens = re.findall(r"[a-z]+(?:'[a-z]+)?", sentence.lower())
        tokens = [t for t in tokens if ref.known(t)]
        if tokens:
            sentences.append(["<s>"] + tokens + ["</s>"])
    vocab = list(dict.fromkeys(t for s in sentences for t in s[1:-1]))
    probes = [p for p in PROBES if ref.known(p)]
    assert len(probes) >= 8, probes

    def bo1(h1):
        return statistics.median(
            ref.score(None, h1, x) - ref.score(None, None, x) for x in probes
        )

    def bo2(h2, h1):
        return statistics.median(
            ref.score(h2, h1, x) - ref.score(None, h1, x) for x in probes
        )

    def stored(score, backoff):
        """True / False, or None when too close to call."""
        distance = abs(score - backoff)
        if distance <= ROUNDING_UNITS:
            return False
        if distance <= AMBIGUOUS_UNITS:
            return None
        return True

    def bigram_stored(h1, w):
        backoff = ref.score(None, None, w) + bo1(h1)
        return stored(ref.score(None, h1, w), backoff)

    def trigram_stored(h2, h1, w):
        backoff = ref.score(None, h1, w) + bo2(h2, h1)
        return stored(ref.score(h2, h1, w), backoff)

    def classify(h2, h1, w):
        """Section name, or None if the n-gram is ambiguous."""
        if h1 is None:
            return "unigram"
        bigram = bigram_stored(h1, w)
        if bigram is None:
            return None
        if h2 is None:
            return "bigram-seen" if bigram else "bigram-backoff"
        trigram = trigram_stored(h2, h1, w)
        if trigram is None:
            return None
        if trigram:
            return "trigram-seen"
        return "trigram-backoff" if bigram else "trigram-backoff2"

    # Candidates: n-grams from the text (mostly stored) and random
    # combinations of its words (mostly not), in a fixed order.
    candidates = [(None, None, w) for w in vocab + ["</s>", "<s>"]]
    for s in sentences:
        candidates += [(None, s[i - 1], s[i]) for i in range(1, len(s))]
        candidates += [(s[i - 2], s[i - 1], s[i]) for i in range(2, len(s))]
    pairs = [(None, s[i - 1], s[i]) for s in sentences for i in range(1, len(s))]
    for _ in range(600):
        candidates.append((None, rng.choice(vocab), rng.choice(vocab)))
        _, h1, w = rng.choice(pairs)
        candidates.append((rng.choice(vocab), h1, w))
        candidates.append((rng.choice(vocab), rng.choice(vocab), rng.choice(vocab)))
    candidates = list(dict.fromkeys(candidates))
    rng.shuffle(candidates)

    sections = {name: [] for name, _ in QUOTAS}
    quota = dict(QUOTAS)
    for ngram in candidates:
        name = classify(*ngram)
        if name is not None and len(sections[name]) < quota[name]:
            sections[name].append(ngram)
    # <s> as a predicted word is a special case worth pinning down.
    if (None, None, "<s>") not in sections["unigram"]:
        sections["unigram"][-1] = (None, None, "<s>")
    for name, wanted in QUOTAS:
        assert len(sections[name]) == wanted, (name, len(sections[name]))

    version = importlib.metadata.version("pocketsphinx")
    out_path = os.path.join(root, "fixtures", "lm_reference.tsv")
    total = sum(len(v) for v in sections.values())
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        out.write(
            f"# Reference log10 probabilities from pocketsphinx {version} "
            "(Python package) NGramModel.prob() on dictionaries/en-us.lm.bin\n"
            f"# model sha256 {model_sha}\n"
            f"# generated by scripts/lm_reference.py (seed {SEED}); {total} rows\n"
            "# log10prob = prob([w, h1, h2]) * log10(1.0001); pocketsphinx "
            "truncates to integer log units (<= 4.4e-5 log10)\n"
            "# columns: h2, h1, w, log10prob (tab-separated; empty field = no history)\n"
        )
        for name, _ in QUOTAS:
            out.write(f"# section: {name}\n")
            for h2, h1, w in sections[name]:
                lp = ref.score(h2, h1, w) * LOG10_OF_BASE
                out.write(f"{h2 or ''}\t{h1 or ''}\t{w}\t{lp:.7f}\n")
    print(f"wrote {total} rows to {out_path}")


if __name__ == "__main__":
    main()
