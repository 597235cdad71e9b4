#!/usr/bin/env bash
# End-to-end speed of `planlint check`: builds corpora of the seeds copied to
# 500 and 2,000 files, then prints the median wall time over several runs,
# plans per second and peak resident memory for: all bundled rules, the four
# rules a textlint setup would run, and a single file. As a baseline on the
# same run: `grep` reading the same 2,000 files for one deadline pattern (the
# floor that reading the files costs).
#
#   bash benches/check.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
cargo build --release --quiet
bin=target/release/planlint
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 500 2000; do
  mkdir -p "$work/c$n"
  i=0
  while [ "$i" -lt "$n" ]; do
    for f in seeds/*.txt; do
      [ "$i" -lt "$n" ] || break
      cp "$f" "$work/c$n/$(basename "$f" .txt)_$i.txt"
      i=$((i + 1))
    done
  done
done

# Median of wall seconds and max of peak KB over $runs runs of "$@".
measure() {
  local times=() mems=() out
  for _ in $(seq "$runs"); do
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -1 "$work/time")
    times+=("${out% *}"); mems+=("${out#* }")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%s ", a[int((NR+1)/2)]}'
  printf '%s\n' "${mems[@]}" | sort -n | tail -1
}

report() {
  local label=$1 files=$2; shift 2
  read -r secs kb < <(measure "$@")
  awk -v l="$label" -v f="$files" -v s="$secs" -v k="$kb" \
    'BEGIN {printf "  %-38s %6.3f s  %8.0f plans/s  %6.1f MB peak\n", l, s, (s > 0 ? f / s : 0), k / 1024}'
}

four=task-owner-missing,deadline-damaged,deadline-before-issue,numbering-sequence
echo "planlint check, median of $runs runs ($(nproc) cores)"
report "2,000 files, all rules" 2000 "$bin" check -q "$work/c2000"
report "  500 files, all rules" 500 "$bin" check -q "$work/c500"
report "2,000 files, the four textlint rules" 2000 "$bin" check -q --select "$four" "$work/c2000"
# One file takes less than the 10 ms that `time` resolves: the mean wall time of
# 50 runs in a row, process start included.
one_file() {
  local t0 t1
  t0=$EPOCHREALTIME
  for _ in $(seq 50); do
    "$bin" check -q seeds/000_bdb70f999160dca5.txt >/dev/null 2>&1 || true
  done
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "  %-38s %6.1f ms (mean of 50 runs, start-up included)\n", "1 file (seed 000), all rules", (b - a) * 1000 / 50}'
}
one_file
report "baseline: grep over the 2,000 files" 2000 grep -rc '月底前完成' "$work/c2000"
