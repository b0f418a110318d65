#!/usr/bin/env bash
# A quick loopback load test of `backprop serve` with wrk (Debian's wrk, installed if missing): one-row JSON infer
# requests at 1, 16 and 64 connections, dynamic batching off and on. Run from the repository root:
#   benchmarks/serve/load.sh [seconds per run, default 8]
# It trains a small digits model (64-128-10) into a temporary folder first. wrk shares the machine's cores with the server.
set -euo pipefail
seconds="${1:-8}"
port=8124
command -v wrk > /dev/null || apt-get install -y wrk > /dev/null
dotnet build src/Backprop.Cli -c Release > /dev/null
backprop=src/Backprop.Cli/bin/Release/net10.0/backprop
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$backprop" train --epochs 2 --save "$work/digits.bpm" > /dev/null
for delay in 0 200; do
  "$backprop" serve --model "$work/digits.bpm" --urls "http://127.0.0.1:$port" --max-delay-us "$delay" &
  server=$!
  sleep 3
  for connections in 1 16 64; do
    echo "== --max-delay-us $delay, $connections connections, ${seconds} s"
    wrk -t 1 -c "$connections" -d "${seconds}s" --latency -s benchmarks/serve/post.lua \
      "http://127.0.0.1:$port/v2/models/digits/infer" | grep -E "Requests/sec|  50%|  99%|Non-2xx|errors" || true
  done
  kill -TERM "$server"
  wait "$server"
done
