# Sourced by load.sh and soak.sh (from the repository root): wrk and curl (Debian's, installed if missing), the CLI
# built, a scratch folder and a cleanup that stops the server, and the helpers both scripts use:
#   train_w1             the W1 model, 784-256-128-10 ReLU, trained 1 epoch on 2000 random Fashion-MNIST-shaped rows,
#                        saved as $work/w1.bpm
#   wait_ready           waits for $port's /v2/health/ready (10 s at most); fails when the server did not start
#   scrape_figures       one line from $port's /metrics: gen0 gen1 gen2 allocated-bytes resident-bytes
# Set $port before sourcing; $server holds the running server's process id, for the cleanup.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# A fresh machine has no package lists yet: update them once if the first install finds nothing.
for tool in wrk curl; do
  command -v "$tool" > /dev/null || apt-get install -y -q "$tool" > /dev/null 2>&1 || { apt-get update -q > /dev/null && apt-get install -y -q "$tool" > /dev/null; }
done
dotnet build src/Backprop.Cli -c Release > /dev/null
backprop=src/Backprop.Cli/bin/Release/net10.0/backprop
work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

train_w1() {
  awk 'BEGIN { srand(16); for (r = 0; r < 2000; r++) { line = ""; for (c = 0; c < 784; c++) line = line int(rand() * 256) / 255 ",";
               print line int(rand() * 10) } }' > "$work/w1.csv"
  "$backprop" train --data "$work/w1.csv" --layers 256,128 --epochs 1 --quiet --save "$work/w1.bpm" > /dev/null
}

wait_ready() {
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && return; sleep 0.1; done
  echo "$(basename "$0"): the server did not start" >&2; exit 1
}

scrape_figures() {
  curl -sf "http://127.0.0.1:$port/metrics" | awk '
    /^dotnet_gc_collections_total\{generation="0"\}/ { g0 = $2 } /^dotnet_gc_collections_total\{generation="1"\}/ { g1 = $2 }
    /^dotnet_gc_collections_total\{generation="2"\}/ { g2 = $2 } /^dotnet_gc_allocated_bytes_total / { a = $2 }
    /^process_resident_memory_bytes / { r = $2 } END { print g0, g1, g2, a, r }'
}
