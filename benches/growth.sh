#!/usr/bin/env bash
# Prints how parse time grows with size (1×, 4×, 16×) for each hostile input
# shape. Linear growth: the time ratios are about 4 and 16 (and MB/s is flat).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo bench --bench growth 2>/dev/null)
echo "$out"
echo
echo "median time relative to 1× (linear: 4× → ~4, 16× → ~16)"
echo "$out" | awk '
  function secs(v, u) { return u=="ns"?v/1e9:u=="µs"?v/1e6:u=="ms"?v/1e3:v }
  /^[├╰]─ / { name=$2 }
  /^ *[│ ] *[├╰]─ (1|4|16) / {
    f=$2; med=$7; unit=$8
    t=secs(med, unit)
    if (f==1) base=t
    printf "  %-22s %3s×  %10.3f ms  ratio %6.2f\n", name, f, t*1000, t/base
  }'
