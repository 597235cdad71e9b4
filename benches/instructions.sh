#!/usr/bin/env bash
# Instructions per plan of `planlint check`, by stage, counted by valgrind's
# callgrind: unlike wall time, the count does not move with the load of a
# shared machine, so two builds compare to the percent on any machine.
# The corpus is the five seeds copied four times (20 plans), checked on one
# thread; the figures are per plan, in thousands of instructions.
#
#   bash benches/instructions.sh [BINARY]    (default: a fresh release build)
#
# Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "benches/instructions.sh needs valgrind" >&2; exit 2; }
bin=${1:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/planlint
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/plans"
for i in 1 2 3 4; do
  for f in seeds/*.txt; do cp "$f" "$work/plans/$(basename "$f" .txt)_$i.txt"; done
done
plans=20

# Inclusive instructions of the function named $2 (the line `file:NAME`,
# with or without the ` [object]` callgrind_annotate adds to some).
inclusive() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v n=$plans -v name="$2" '{
      line = $0; sub(/ \[[^]]*\]$/, "", line)
      if (substr(line, length(line) - length(name)) == ":" name) {
        gsub(",", "", $1); printf "%d", $1 / n / 1000; exit
      }
    }'
}

four=task-owner-missing,deadline-damaged,deadline-before-issue,numbering-sequence
printf '%-34s %8s %8s %8s %8s %8s\n' "kilo-instructions per plan" total load parse rules draw
for run in "all rules, human:ALL:human" "all rules, compact:ALL:compact" "the four textlint rules:$four:human"; do
  IFS=: read -r label select format <<<"$run"
  printer=$([ "$format" = human ] && echo human::Human || echo compact::Compact)
  out="$work/callgrind.out"
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" check -q --no-config -j 1 \
    --select "$select" --format "$format" "$work/plans" >/dev/null 2>"$work/err" || true
  total=$(grep -o 'Collected : [0-9]*' "$work/err" | awk -v n=$plans '{printf "%d", $3 / n / 1000}')
  printf '%-34s %8s %8s %8s %8s %8s\n' "$label" "$total" \
    "$(inclusive "$out" 'planlint::load::load_bytes')" \
    "$(inclusive "$out" 'planlint::parse::parse_with_index')" \
    "$(inclusive "$out" 'planlint::check::RuleSet::run')" \
    "$(inclusive "$out" "<planlint::emit::$printer as planlint::emit::Printer>::render")"
done
