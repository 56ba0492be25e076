#!/usr/bin/env bash
# The side-by-side table of docs/benchmarks.md (issue #15): runs ../shared/tools/peer-bench RUNS
# times (default 3) for each target form (CLI_HOST=localhost, then 127.0.0.1) with the compiled CLI,
# and prints the medians as a Markdown table, with the machine and the load it ran under.
# Run it on a quiet machine, from the repository root or anywhere:
#   scripts/peer-bench-medians.sh                 # builds dist/ first if it is missing
#   RUNS=5 LEVELS="1 8 64" PEER_BENCH=/path/to/peer-bench scripts/peer-bench-medians.sh
# Raw peer-bench outputs are kept in the directory it names at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER_BENCH=${PEER_BENCH:-../shared/tools/peer-bench}
RUNS=${RUNS:-3}
LEVELS=${LEVELS:-"1 8 64"}
CLI=${CLI:-"node dist/bin/cert-watch.js"}
[[ -x $PEER_BENCH ]] || { echo "peer-bench not found at $PEER_BENCH (set PEER_BENCH)" >&2; exit 1; }
[[ -f dist/bin/cert-watch.js ]] || npm run build >&2
RAW=$(mktemp -d /tmp/peer-bench-medians.XXXXXX)
LOADS=()
for host in localhost 127.0.0.1; do
  for run in $(seq "$RUNS"); do
    echo "peer-bench: CLI_HOST=$host run $run/$RUNS ($(cut -d' ' -f1-3 /proc/loadavg) load before)" >&2
    LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
    if ! CLI="$CLI" CLI_HOST=$host LEVELS="$LEVELS" "$PEER_BENCH" >"$RAW/$host.$run.out" 2>"$RAW/$host.$run.err"; then
      echo "peer-bench failed (CLI_HOST=$host, run $run): see $RAW/$host.$run.err" >&2
      tail -n 20 "$RAW/$host.$run.err" >&2
      exit 1
    fi
  done
done

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# column $3 = probes/s, $4 = CPU ms/probe of a peer-bench row ("tool C probes/s cpu notes").
col() { awk -v t="$2" -v c="$3" -v k="$4" '$1 == t && $2 == c { print $k }' "$RAW"/"$1".*.out; }
ratios() { # per run: cli probes/s ÷ blackbox probes/s at C
  for f in "$RAW/$1".*.out; do
    awk -v c="$2" '$1 == "blackbox" && $2 == c { b = $3 } $1 == "cli" && $2 == c { x = $3 }
      END { if (x ~ /^[0-9.]+$/ && b > 0) printf "%.2f\n", x / b }' "$f"
  done
}

echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores," \
  "Node $(node -v), $(date -u +%Y-%m-%d); $RUNS runs per target form, medians;" \
  "load average (1 min) before each run: ${LOADS[*]}; CLI=\"$CLI\"."
echo
echo "| targets | C | blackbox probes/s | \`cert-watch check\` probes/s | ratio | blackbox CPU ms/probe | \`check\` CPU ms/probe |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for host in localhost 127.0.0.1; do
  for c in $LEVELS; do
    fails=$(col "$host" cli "$c" 3 | grep -vc '^[0-9.]*$' || true)
    cli_rate=$(col "$host" cli "$c" 3 | grep '^[0-9.]*$' | median)
    ((fails == 0)) || cli_rate="$cli_rate ($fails run(s) FAILED)"
    echo "| \`$host:PORT\` | $c | $(col "$host" blackbox "$c" 3 | median) | $cli_rate | $(ratios "$host" "$c" | median)" \
      "| $(col "$host" blackbox "$c" 4 | median) | $(col "$host" cli "$c" 4 | median) |"
  done
done
echo
echo "Raw peer-bench outputs: $RAW"
