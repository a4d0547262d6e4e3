#!/usr/bin/env python3
"""Select spin-table rows from `unspin dict learn` output (the review step, made repeatable).

Adds the hand-written rows of dictionaries/spins-curated.tsv. Keeps every proposed row except swaps between two
function words of dictionaries/function-words.txt (editorial noise of the alignment, e.g. "on"/"at"), rows whose
spun side is a number, pieces of a contraction's expansion ("aren't" -> "are"), and rows listed in
dictionaries/spins-rejected.tsv.
Usage: unspin dict learn --pairs DIR [--pairs DIR2] | scripts/select_spins.py > dictionaries/spins.tsv
       scripts/select_spins.py < dictionaries/spins.tsv > new.tsv   (select a table again after a rule changed)
"""
import os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
FUNCTION = set()
for line in open(os.path.join(here, "..", "dictionaries", "function-words.txt"), encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        FUNCTION.add(line.strip())
rejected = set()
rej_path = os.path.join(here, "..", "dictionaries", "spins-rejected.tsv")
if os.path.exists(rej_path):
    for line in open(rej_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        rejected.add((f[0], f[1]))



def contraction_fragment(a, b):
    """Whether `a` is a contraction and `b` a single other word: a piece of the contraction's
    expansion the aligner split off ("aren't" -> "are" or "not", "it's" -> "it", "we've" ->
    "we"), which as a repair changes the meaning ("aren't" -> "are"). Whole-word equivalents
    stand ("can't" -> "cannot")."""
    a = a.replace("’", "'")
    b = b.replace("’", "'")
    if " " in b or "'" in b or not re.fullmatch(r"[a-z]+'[a-z]+", a):
        return False
    if a.endswith("'s") and not b.endswith("s"):
        # "it's" -> "it" is a fragment; "company's" -> "firm" is a possessive dropped, also
        # not a substitution a repair can make whole.
        return True
    return (a, b) != ("can't", "cannot")


# Words a spinner adds that change little but tense, mood or emphasis ("could have", "very
# long"): an added-word row made only of these and function words, or ending its spun phrase
# in a function word, is kept only when seen in many documents ("whether or not" ->
# "whether"), since as a repair it can change the sense ("don't have" -> "have").
HEDGES = {"will", "would", "may", "might", "could", "can", "should", "shall", "must", "have",
          "has", "had", "do", "does", "did", "don't", "doesn't", "didn't", "quite", "very",
          "really", "just", "also", "now", "even", "still", "know", "got", "get", "make"}
MIN_DOCS_FOR_ADDED_FUNCTION_WORDS = 10


def added_words(spun, orig):
    """The words `spun` adds around `orig` when it is `orig` with words before or after it
    (the rows `dict learn` makes of words a spinner added: "gross sales" -> "sales")."""
    s, o = spun.split(), orig.split()
    if len(s) <= len(o):
        return None
    if s[: len(o)] == o:
        return s[len(o):]
    if s[len(s) - len(o):] == o:
        return s[: len(s) - len(o)]
    return None


rows = []
for line in sys.stdin:
    if line.startswith("#") or not line.strip():
        continue
    # Learned rows carry a seventh field; a selected table (6 fields) can be selected again.
    spun, orig, count, docs, kept, example = line.rstrip("\n").split("\t")[:6]
    if (spun.lower(), orig) in rejected:
        continue
    # A name's row ("Change" -> "switch": the phrase counted inside names) meets the same
    # rules as the phrase's own rows.
    row_spun = spun
    spun = spun.lower()
    if contraction_fragment(spun, orig) or contraction_fragment(orig, spun):
        continue
    if spun in FUNCTION and orig in FUNCTION:
        continue
    added = added_words(spun, orig)
    if added and int(docs) < MIN_DOCS_FOR_ADDED_FUNCTION_WORDS:
        outer = added[-1] if spun.startswith(orig + " ") else added[0]
        if outer in FUNCTION or all(w in FUNCTION or w in HEDGES for w in added):
            continue  # "a couple of" -> "a", "fed's rate of" -> "fed's": half a phrase
    if spun.replace(",", "").replace(".", "").isdigit():
        continue  # digits are almost always the writer's own ("4 -> four" misfires)
    # Rows seen once are kept too: the decoder weighs each row by its counts (a row seen
    # once and never left unchanged gets a share of 1/2) and the language model, and
    # leave-one-out shows the single sightings of other documents restore more than
    # they break (see the quality benchmark).
    rows.append((row_spun, orig, count, docs, kept, example))
cur_path = os.path.join(here, "..", "dictionaries", "spins-curated.tsv")
have = {(r[0], r[1].lower()) for r in rows}
for line in open(cur_path, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    f = tuple(line.rstrip("\n").split("\t"))
    if (f[0], f[1].lower()) not in have:
        rows.append(f)
rows.sort(key=lambda r: (r[0], r[1].lower()))  # an acronym ("US") sorts as lowercase
print("# spun\toriginal\tcount\tdocs\tkept\texample")
for r in rows:
    print("\t".join(r))
