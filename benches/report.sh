#!/usr/bin/env bash
# Report throughput: `planlint report` over a corpus of 2,000 plans (the five
# seeds copied 400 times), release build. Each report runs RUNS times; the
# median wall-clock time gives files per second. The whole pipeline is timed:
# directory walk, load, parse (in parallel), the report script in the sandbox,
# rendering and the atomic write. Wall-clock figures depend on what else the
# machine runs; CPU seconds (user + system, over all threads) much less.
#
#   benches/report.sh                 # 2,000 files, 5 runs
#   FILES=500 RUNS=3 benches/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${FILES:-2000}
RUNS=${RUNS:-5}

cargo build --release --quiet
bin=target/release/planlint

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
seeds=(seeds/*.txt)
for ((i = 0; i < FILES; i++)); do
    seed=${seeds[i % ${#seeds[@]}]}
    cp "$seed" "$work/corpus/$(printf %04d "$i")_$(basename "$seed")"
done
bytes=$(du -sb "$work/corpus" | cut -f1)
echo "corpus: $FILES files, $((bytes / 1024)) KiB; $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg); $RUNS runs each (medians)"

# median of the arguments (nanoseconds)
median() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

bench() {
    local label=$1 out=$2
    shift 2
    local times=() cpus=() rows=""
    for ((r = 0; r < RUNS; r++)); do
        local start end code=0
        start=$(date +%s%N)
        /usr/bin/time -f "%U %S" -o "$work/cpu" \
            "$bin" report "$@" "$work/corpus" -o "$work/$out" 2>"$work/stderr" || code=$?
        end=$(date +%s%N)
        if ((code > 1)); then
            echo "$label: planlint failed (exit $code):" >&2
            head -5 "$work/stderr" >&2
            exit 1
        fi
        times+=($((end - start)))
        cpus+=($(awk '{ printf "%.0f", ($1 + $2) * 1e9 }' "$work/cpu"))
    done
    local m c
    m=$(median "${times[@]}")
    c=$(median "${cpus[@]}")
    if [[ $out == *.csv ]]; then rows=", $(($(grep -c $'\r$' "$work/$out") - 1)) rows"; fi
    awk -v l="$label" -v m="$m" -v c="$c" -v f="$FILES" -v r="$rows" -v s="$(stat -c %s "$work/$out")" \
        'BEGIN { printf "%-11s wall %6.2f s %6.0f files/s | cpu %6.2f s %6.0f files/cpu-s  (%d KiB out%s)\n", l, m / 1e9, f / (m / 1e9), c / 1e9, f / (c / 1e9), s / 1024, r }'
}

bench "tasks csv" tasks.csv tasks
bench "tasks xlsx" tasks.xlsx tasks
bench "units csv" units.csv units
# The parse alone (a script that only lists the files): what the reports add
# is the difference.
echo 'sheet.columns(["文件"]); for p in plans { sheet.row([p.file]); }' >"$work/files.rhai"
bench "parse only" files.csv --script "$work/files.rhai"
