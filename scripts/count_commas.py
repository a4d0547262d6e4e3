#!/usr/bin/env python3
"""How often each word of original (unspun) text has a comma before and after it, for
dictionaries/commas.tsv. The language model reads no punctuation, yet a spinner keeps it:
"nonetheless," stands for "however," (83 of 85 "however" in the pairs' originals are followed
by a comma), "nonetheless" without one for "still" (8 of 167).

    scripts/count_commas.py data/extra-pairs-*/ > dictionaries/commas.tsv

Reads every NNN.orig.txt in the folders given (not their loose/ subfolders). Words are
lowercased with curly apostrophes made straight, as the repairer normalises them; a word is
followed (preceded) by a comma when only spaces stand between it and one. Prints the words
seen at least MIN_SEEN times: word, times seen, with a comma before, with one after, with
both (", however,")."""
import re
import sys
from collections import Counter
from pathlib import Path

MIN_SEEN = 5
WORD = re.compile(r"[^\W\d_]+(?:['\u2019.][^\W\d_]+)*")


def main():
    seen, before, after, both = Counter(), Counter(), Counter(), Counter()
    files = sorted(f for d in sys.argv[1:] for f in Path(d).glob("*.orig.txt"))
    if not files:
        sys.exit("count_commas.py: no NNN.orig.txt in the folders given")
    for f in files:
        text = f.read_text(encoding="utf-8")
        for m in WORD.finditer(text):
            w = m.group(0).lower().replace("\u2019", "'")
            seen[w] += 1
            b = text[max(0, m.start() - 8):m.start()].rstrip(" \t").endswith(",")
            a = text[m.end():m.end() + 8].lstrip(" \t").startswith(",")
            before[w] += b
            after[w] += a
            both[w] += a and b
    words = sum(seen.values())
    print(f"# word\tseen\tcomma before\tcomma after\tboth\t(from {len(files)} original texts, {words} words)")
    for w in sorted(seen):
        if seen[w] >= MIN_SEEN:
            print(f"{w}\t{seen[w]}\t{before[w]}\t{after[w]}\t{both[w]}")


if __name__ == "__main__":
    main()
