#!/usr/bin/env bash
# The soak of issue 16: `backprop serve` under wrk for 5 minutes (or $1 seconds) at 64 connections, one-row binary
# requests to the W1 model (784-256-128-10 ReLU) with dynamic batching on (--max-delay-us $DELAY_US, default 200),
# scraping /metrics every 30 s: GC collections by generation, managed bytes allocated and resident memory, from the
# first scrape (after a warm-up) to the last; the counters count from the server's start. Run from the repository root:
#   benchmarks/serve/soak.sh [seconds, default 300]
set -euo pipefail
seconds="${1:-300}"
delay="${DELAY_US:-200}"
port="${PORT:-8125}"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

train_w1
"$backprop" serve --model "$work/w1.bpm" --urls "http://127.0.0.1:$port" --max-delay-us "$delay" > /dev/null &
server=$!
wait_ready
url="http://127.0.0.1:$port/v2/models/w1/infer"
warm_up=15

scrape() { # elapsed-seconds -> one row: gen0 gen1 gen2, allocated MiB, RSS MiB
  scrape_figures | awk -v t="$1" '{ printf "| %d s | %d | %d | %d | %.1f MiB | %.1f MiB |\n", t, $1, $2, $3, $4 / 1048576, $5 / 1048576 }'
}

answered() { # the server's count of infer requests answered ok
  curl -sf "http://127.0.0.1:$port/metrics" | awk -F'[ ]' '/^backprop_infer_requests_total\{.*outcome="ok"\}/ { n += $2 } END { print n + 0 }'
}

# One wrk run, so the same 64 connections carry the warm-up and the soak: new connections would make Kestrel's
# per-connection state (~11 KB each) new objects just as the soak starts. The warm-up, 15 s: the JIT reaches its last
# tier in 10-15 s under load (see load.sh), and the request pools fill to the load's concurrency. The counters are
# the process's since it started, so the first row also shows what start-up and the warm-up cost.
FORMAT=binary wrk -t 1 -c 64 -d "$(( warm_up + seconds ))s" --latency -s "$here/request.lua" "$url" > "$work/wrk.txt" &
load=$!
sleep "$warm_up"
echo "| elapsed | gen0 | gen1 | gen2 | allocated | RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
started=$(date +%s)
first=$(answered)
allocated_first=$(scrape_figures | awk '{ print $4 }')
scrape 0
while kill -0 "$load" 2> /dev/null; do
  sleep 30
  if kill -0 "$load" 2> /dev/null; then scrape $(( $(date +%s) - started )); fi
done
wait "$load"
elapsed=$(( $(date +%s) - started ))
last=$(answered)
allocated_last=$(scrape_figures | awk '{ print $4 }')
scrape "$elapsed"
echo "soak: $(( last - first )) requests answered in ${elapsed} s after the warm-up, $(( (last - first) / elapsed )) requests/s," \
  "$(( (allocated_last - allocated_first) / (last - first > 0 ? last - first : 1) )) B allocated per request"
echo "wrk, warm-up included: $(grep '^RESULT' "$work/wrk.txt")"
