#!/usr/bin/env python3
"""Generate the inputs of the batch measurements from ../shared/corpus (output git-ignored).

    scripts/make_batch_corpus.py folder data/batch --files 10000 [--bad]
        A tree of N text files, 100 per folder, spun and clean articles mixed (a copy of a
        corpus text, its paragraphs rotated so the files differ). --bad adds one of each bad
        input unspin must survive: binary, Latin-1, empty, CRLF, BOM, hidden.
    scripts/make_batch_corpus.py jsonl data/filter.jsonl --lines 100000 [--bad-every 1000]
        JSON Lines, one paragraph per line under "text" with other fields around it; every
        Nth line is malformed (cut short, no text field, a number as text, not UTF-8, blank).

Prints what it wrote and how many files/lines are spun, so a run can be checked against it.
"""

import argparse
import json
import os
import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def corpus_texts():
    spun = sorted((CORPUS / "pairs").glob("*.spun.txt"))
    clean = sorted((CORPUS / "clean").glob("*.txt")) + sorted((CORPUS / "pairs").glob("*.orig.txt"))
    if not spun or not clean:
        raise SystemExit(f"no corpus under {CORPUS}: run from a checkout with ../shared beside it")
    read = lambda p: p.read_text(encoding="utf-8")
    return [read(p) for p in spun], [read(p) for p in clean]


def rotated(text, k):
    paras = [p for p in text.split("\n\n") if p.strip()]
    k %= max(len(paras), 1)
    return "\n\n".join(paras[k:] + paras[:k]) + "\n"


def folder(out, files, bad):
    spun, clean = corpus_texts()
    rng = random.Random(5)
    n_spun = 0
    for i in range(files):
        d = out / f"{i // 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        is_spun = rng.random() < 0.5
        pool = spun if is_spun else clean
        n_spun += is_spun
        text = rotated(pool[i % len(pool)], i // len(pool))
        (d / f"{i:05d}.txt").write_text(text, encoding="utf-8")
    if bad:
        b = out / "bad"
        b.mkdir(parents=True, exist_ok=True)
        (b / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR")
        (b / "latin1.txt").write_bytes("Caf\u00e9 owners mentioned the firm.\n".encode("latin-1"))
        (b / "empty.txt").write_bytes(b"")
        (b / "crlf.txt").write_bytes(spun[0].replace("\n", "\r\n").encode())
        (b / "bom.txt").write_bytes(b"\xef\xbb\xbf" + spun[1].encode())
        (b / ".hidden.txt").write_text(spun[2], encoding="utf-8")
    print(f"wrote {files} files under {out} ({n_spun} spun, {files - n_spun} clean)"
          + (", and 6 bad inputs under bad/" if bad else ""))


def jsonl(out, lines, bad_every):
    spun, clean = corpus_texts()
    paras = lambda texts: [p.strip() for t in texts for p in t.split("\n\n") if len(p.split()) >= 8]
    sp, cl = paras(spun), paras(clean)
    rng = random.Random(5)
    bad_kinds = [
        lambda i: b'{"id": %d, "text": "cut short' % i,
        lambda i: json.dumps({"id": i, "body": "no text field"}).encode(),
        lambda i: json.dumps({"id": i, "text": 42}).encode(),
        lambda i: b'{"id": %d, "text": "caf\xe9"}' % i,
        lambda i: b"",
    ]
    n_bad = n_spun = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        for i in range(lines):
            if bad_every and i % bad_every == bad_every - 1:
                f.write(bad_kinds[n_bad % len(bad_kinds)](i) + b"\n")
                n_bad += 1
                continue
            is_spun = rng.random() < 0.5
            n_spun += is_spun
            text = rng.choice(sp if is_spun else cl)
            doc = {"id": i, "meta": {"source": "corpus", "n": 1.5e2, "tags": ["news"]}, "text": text, "lang": "en"}
            f.write(json.dumps(doc, ensure_ascii=False).encode() + b"\n")
    print(f"wrote {lines} lines to {out} ({n_bad} malformed, {n_spun} spun paragraphs)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("folder")
    a.add_argument("out", type=pathlib.Path)
    a.add_argument("--files", type=int, default=10000)
    a.add_argument("--bad", action="store_true")
    b = sub.add_parser("jsonl")
    b.add_argument("out", type=pathlib.Path)
    b.add_argument("--lines", type=int, default=100000)
    b.add_argument("--bad-every", type=int, default=1000)
    args = ap.parse_args()
    if args.cmd == "folder":
        folder(args.out, args.files, args.bad)
    else:
        jsonl(args.out, args.lines, args.bad_every)


if __name__ == "__main__":
    main()
