#!/usr/bin/env python3
"""Generate a throughput corpus from ../shared/corpus (output git-ignored, e.g. under data/).

    scripts/make_throughput_corpus.py OUT --mb 100 [--shape articles|long|paragraphs]

Spun and clean texts mixed 1:1 by bytes, each copy with its paragraphs rotated so files differ.
Shapes: `articles` one article per file (~2 KB), `long` about 200 articles per file (~400 KB),
`paragraphs` one paragraph per file. Prints files, bytes and how many came from spun texts.
"""

import argparse
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"


def texts():
    spun = sorted((CORPUS / "pairs").glob("*.spun.txt"))
    clean = sorted((CORPUS / "clean").glob("*.txt"))
    if not spun or not clean:
        raise SystemExit(f"no corpus under {CORPUS}: run from a checkout with ../shared beside it")
    read = lambda p: p.read_text(encoding="utf-8")
    return [read(p) for p in spun], [read(p) for p in clean]


def paragraphs(text):
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n") if p.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mb", type=float, default=100)
    ap.add_argument("--shape", choices=["articles", "long", "paragraphs"], default="articles")
    a = ap.parse_args()
    spun, clean = texts()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    target = int(a.mb * 1e6)
    written = files = spun_files = 0
    k = 0
    batch = []
    while written < target:
        source = spun if k % 2 == 0 else clean
        t = source[(k // 2) % len(source)]
        paras = paragraphs(t)
        r = (k // (2 * len(source))) % max(len(paras), 1)
        paras = paras[r:] + paras[:r]
        if a.shape == "paragraphs":
            units = [p + "\n" for p in paras]
        else:
            units = ["\n\n".join(paras) + "\n"]
        for u in units:
            if a.shape == "long":
                batch.append(u)
                if len(batch) < 200:
                    continue
                u, batch = "\n".join(batch), []
            (out / f"{files // 1000:04d}").mkdir(exist_ok=True)
            (out / f"{files // 1000:04d}" / f"{files:07d}.txt").write_text(u, encoding="utf-8")
            files += 1
            spun_files += source is spun and a.shape != "long"
            written += len(u.encode("utf-8"))
        k += 1
    print(f"{out}: {files} files, {written} bytes, shape {a.shape}")


if __name__ == "__main__":
    main()
