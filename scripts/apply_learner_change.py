#!/usr/bin/env python3
"""Carry a change of `unspin dict learn` into the committed tables, whose counts also stand for
pairs no longer at hand: learn the pairs at hand with the old and with the new binary, and add
the difference (new minus old) to every row and evidence phrase. A row the new learner no
longer proposes loses the counts the old one gave it (and goes at zero); a new row arrives
with its counts. Run scripts/select_spins.py on the result.
Usage: scripts/apply_learner_change.py OLD.tsv NEW.tsv OLD_EVIDENCE NEW_EVIDENCE
  (reads and rewrites dictionaries/spins.tsv and dictionaries/evidence.tsv)
"""
import os, sys

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dictionaries")


def table(path):
    head, rows = None, {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            head = head or line.rstrip("\n")
            continue
        f = line.rstrip("\n").split("\t")[:6]
        rows[(f[0], f[1].lower())] = f
    return head, rows


def evidence(path):
    lines = open(path, encoding="utf-8").read().splitlines()
    return lines[0], {l.split("\t")[0]: [int(x) for x in l.split("\t")[1:3]] for l in lines[1:] if l and not l.startswith("#")}


old, new = table(sys.argv[1])[1], table(sys.argv[2])[1]
head, base = table(os.path.join(here, "spins.tsv"))
for key in old.keys() | new.keys():
    o, n = old.get(key), new.get(key)
    if key not in base:
        if n and not o:
            base[key] = n
        continue
    b = base[key]
    for k in (2, 3, 4):
        b[k] = str(max(0, int(b[k]) + (int(n[k]) if n else 0) - (int(o[k]) if o else 0)))
    if int(b[2]) <= 0:
        del base[key]
    elif n and not o:
        b[5] = n[5]
with open(os.path.join(here, "spins.tsv"), "w", encoding="utf-8") as out:
    out.write(head + "\n")
    for key in sorted(base):
        out.write("\t".join(base[key]) + "\n")

ev_head, ev = evidence(os.path.join(here, "evidence.tsv"))
ev_old, ev_new = evidence(sys.argv[3])[1], evidence(sys.argv[4])[1]
for phrase in ev_old.keys() | ev_new.keys():
    o, n = ev_old.get(phrase, [0, 0]), ev_new.get(phrase, [0, 0])
    if phrase not in ev:
        if phrase not in ev_old:
            ev[phrase] = n
        continue
    ev[phrase] = [max(0, ev[phrase][0] + n[0] - o[0]), max(0, ev[phrase][1] + n[1] - o[1])]
with open(os.path.join(here, "evidence.tsv"), "w", encoding="utf-8") as out:
    out.write(ev_head + "\n")
    for phrase in sorted(ev):
        if ev[phrase][0] > 0 or ev[phrase][1] > 0:
            out.write(f"{phrase}\t{ev[phrase][0]}\t{ev[phrase][1]}\n")
