#!/usr/bin/env bash
# Whole-process throughput of unspin against `wc -w` (the floor of reading the text) and
# `typos` (a fast dictionary checker), on corpora generated from ../shared/corpus.
# Prints MB/s (per core for -j1) and peak memory; checks that every run finds the same
# number of repairs, so a fast wrong answer fails.
#   scripts/throughput.sh [MB] [OUT]     (defaults: 10 MB, data/throughput)
#   SHAPES="articles long" scripts/throughput.sh 100    (only some corpus shapes)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-10}
out=${2:-data/throughput}
cores=$(nproc)
shapes=${SHAPES:-articles long paragraphs}
cargo build --release -q
bin=target/release/unspin
for shape in $shapes; do
  [ -d "$out/$shape-$mb" ] || python3 scripts/make_throughput_corpus.py "$out/$shape-$mb" --mb "$mb" --shape "$shape" >/dev/null
done

measure() { # label bytes command... -> prints a row; the command's stdout line count is the answer
  local label=$1 bytes=$2; shift 2
  local t0 t1 rss lines
  /usr/bin/time -f '%e %M' -o /tmp/unspin-time.$$ "$@" > /tmp/unspin-out.$$ 2>/dev/null || true
  read -r secs rss < <(tail -n 1 /tmp/unspin-time.$$)
  lines=$(wc -l < /tmp/unspin-out.$$)
  awk -v l="$label" -v b="$bytes" -v s="$secs" -v r="$rss" -v n="$lines" \
    'BEGIN { printf "%-34s %8.2f s %8.2f MB/s %8.0f MB peak %9d lines\n", l, s, b/1e6/(s>0?s:0.01), r/1024, n }'
  echo "$lines" > /tmp/unspin-lines.$$
}

# The copies `fix` writes are removed when the script ends, not before the next `fix`: ext4
# creates files slowly for minutes after many were deleted (it skips recently freed inodes),
# so removing them right before a run would time the file system.
rm -rf "$out"/fixed-*
trap 'rm -rf "$out"/fixed-*' EXIT
printf 'unspin throughput, %s MB per corpus, %s cores\n' "$mb" "$cores"
start=$( { /usr/bin/time -f '%e' $bin check /dev/null >/dev/null; } 2>&1 | tail -1 )
printf 'start-up (check /dev/null): %s s\n' "$start"
for shape in $shapes; do
  dir="$out/$shape-$mb"
  bytes=$(du -sb "$dir" | cut -f1)
  bytes=$(find "$dir" -type f -name '*.txt' -exec cat {} + | wc -c)
  echo "== $shape ($(find "$dir" -type f | wc -l) files, $bytes bytes)"
  measure "wc -w" "$bytes" sh -c "find '$dir' -type f -exec cat {} + | wc -w"
  if command -v typos >/dev/null; then
    measure "typos (all cores)" "$bytes" typos --format brief "$dir"
  fi
  measure "unspin check -j1" "$bytes" $bin check -q --format brief -j1 "$dir"
  one=$(cat /tmp/unspin-lines.$$)
  measure "unspin check -j$cores" "$bytes" $bin check -q --format brief -j"$cores" "$dir"
  all=$(cat /tmp/unspin-lines.$$)
  measure "unspin fix --out-dir -j$cores" "$bytes" $bin fix -q -j"$cores" --out-dir "$out/fixed-$shape" "$dir"
  # The same into memory (tmpfs), where creating files costs next to nothing: the gap to the
  # run above is the file system's, not unspin's.
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    shm=$(mktemp -d /dev/shm/unspin-fix.XXXXXX)
    measure "unspin fix --out-dir -j$cores (tmpfs)" "$bytes" $bin fix -q -j"$cores" --out-dir "$shm" "$dir"
    rm -rf "$shm"
  fi
  if [ "$one" != "$all" ]; then
    echo "FAILED: -j1 found $one repairs, -j$cores found $all" >&2
    exit 1
  fi
done
rm -f /tmp/unspin-time.$$ /tmp/unspin-out.$$ /tmp/unspin-lines.$$
