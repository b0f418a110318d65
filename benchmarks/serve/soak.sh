#!/usr/bin/env bash
# The soak of issue 16: `backprop serve` under wrk for 5 minutes (or $1 seconds) at 64 connections, one-row binary
# requests to the W1 model (784-256-128-10 ReLU) with dynamic batching on (--max-delay-us $DELAY_US, default 200),
# scraping /metrics every 30 s: GC collections by generation, managed bytes allocated and resident memory, from the
# first scrape (after a warm-up) to the last. Run from the repository root:
#   benchmarks/serve/soak.sh [seconds, default 300]
set -euo pipefail
seconds="${1:-300}"
delay="${DELAY_US:-200}"
port="${PORT:-8125}"
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk > /dev/null || apt-get install -y wrk > /dev/null
command -v curl > /dev/null || apt-get install -y curl > /dev/null
dotnet build src/Backprop.Cli -c Release > /dev/null
backprop=src/Backprop.Cli/bin/Release/net10.0/backprop
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

awk 'BEGIN { srand(16); for (r = 0; r < 2000; r++) { line = ""; for (c = 0; c < 784; c++) line = line int(rand() * 256) / 255 ",";
             print line int(rand() * 10) } }' > "$work/w1.csv"
"$backprop" train --data "$work/w1.csv" --layers 256,128 --epochs 1 --quiet --save "$work/w1.bpm" > /dev/null
"$backprop" serve --model "$work/w1.bpm" --urls "http://127.0.0.1:$port" --max-delay-us "$delay" > /dev/null &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/v2/models/w1/infer"
FORMAT=binary wrk -t 1 -c 64 -d 5s -s "$here/request.lua" "$url" > /dev/null # warm-up: the JIT's tiers

scrape() { # elapsed-seconds -> one row: gen0 gen1 gen2, allocated MiB, RSS MiB
  curl -sf "http://127.0.0.1:$port/metrics" | awk -v t="$1" '
    /^dotnet_gc_collections_total\{generation="0"\}/ { g0 = $2 } /^dotnet_gc_collections_total\{generation="1"\}/ { g1 = $2 }
    /^dotnet_gc_collections_total\{generation="2"\}/ { g2 = $2 } /^dotnet_gc_allocated_bytes_total / { a = $2 }
    /^process_resident_memory_bytes / { r = $2 }
    END { printf "| %d s | %d | %d | %d | %.1f MiB | %.1f MiB |\n", t, g0, g1, g2, a / 1048576, r / 1048576 }'
}

echo "| elapsed | gen0 | gen1 | gen2 | allocated | RSS |"
echo "| --- | --- | --- | --- | --- | --- |"
FORMAT=binary wrk -t 1 -c 64 -d "${seconds}s" --latency -s "$here/request.lua" "$url" > "$work/wrk.txt" &
load=$!
started=$(date +%s)
scrape 0
while kill -0 "$load" 2> /dev/null; do
  sleep 30
  if kill -0 "$load" 2> /dev/null; then scrape $(( $(date +%s) - started )); fi
done
wait "$load"
scrape $(( $(date +%s) - started ))
grep '^RESULT' "$work/wrk.txt"
