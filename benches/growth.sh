#!/usr/bin/env bash
# Prints how parse time grows with size (1×, 4×, 16×) for each hostile input
# shape. Linear growth: the median time ratios are about 4 and 16.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo bench --bench growth 2>/dev/null)
echo "$out"
echo
echo "median parse time relative to 1× (linear growth: 4× → ~4, 16× → ~16)"
echo "$out" | python3 -c '
import re, sys
units = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
name, base = None, None
for line in sys.stdin:
    m = re.match(r"^[├╰]─ (\w+)", line)
    if m:
        name = m.group(1)
        continue
    m = re.match(r"^[│ ]\s+[├╰]─ (\d+)\s+(?:[\d.]+ \S+\s+│\s+){2}([\d.]+) (\S+)", line)
    if m and name:
        factor, t = int(m.group(1)), float(m.group(2)) * units[m.group(3)]
        if factor == 1:
            base = t
        print(f"  {name:<22} {factor:>3}×  {t*1000:10.3f} ms   ratio {t/base:6.2f}")
'
