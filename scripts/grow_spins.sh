#!/usr/bin/env bash
# Learn new spun/original pairs onto a committed spin table and evidence counts, then select
# the rows (scripts/select_spins.py). The base's counts stand for pairs no longer at hand;
# a pair the base already counted is recognised by its examples and skipped.
#   scripts/grow_spins.sh BASE_SPINS BASE_EVIDENCE PAIR_DIR...
# writes dictionaries/spins.tsv and dictionaries/evidence.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 evidence=$2; shift 2
args=()
for d in "$@"; do args+=(--pairs "$d"); done
cargo build --release -q
tmp=$(mktemp -d)
cp "$evidence" "$tmp/evidence.tsv"
target/release/unspin dict learn "${args[@]}" --base "$base" --evidence "$tmp/evidence.tsv" > "$tmp/learned.tsv"
scripts/select_spins.py < "$tmp/learned.tsv" > "$tmp/spins.tsv"
mv "$tmp/spins.tsv" dictionaries/spins.tsv
mv "$tmp/evidence.tsv" dictionaries/evidence.tsv
rm -rf "$tmp"
echo "dictionaries/spins.tsv: $(grep -vc '^#' dictionaries/spins.tsv) rows"
