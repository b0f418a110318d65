#!/usr/bin/env bash
# The loopback load test of `backprop serve` (issue 16's table), with wrk (Debian's, installed if missing) and curl.
# Run from the repository root:
#   benchmarks/serve/load.sh [seconds per run, default 6] [models, default "w1 digits"]
# For each model: one server with batching off and one with --max-delay-us $DELAY_US (default 200), both with the floor
# endpoint on; one-row requests as JSON and as binary tensors (the answer in the same form), at 1, 16 and 64
# connections, to /infer and (on the batching-off server; the floor never batches) to /floor. Before and after each run
# it scrapes /metrics, so each row reports the server's gen-0/1/2 collections and managed bytes allocated per request.
#   w1:     784-256-128-10 ReLU (the W1 workload), trained 1 epoch on 2000 random 784-feature rows (Fashion-MNIST-shaped)
#   digits: 64-128-10 ReLU, trained 2 epochs on the embedded digits
# wrk runs one thread and shares the machine's cores with the server. Prints a Markdown table, then the issue's goals.
set -euo pipefail
seconds="${1:-6}"
models="${2:-w1 digits}"
delay="${DELAY_US:-200}"
port="${PORT:-8124}"
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

train() { # name -> $work/name.bpm
  case "$1" in
    w1) train_w1 ;;
    digits) "$backprop" train --epochs 2 --quiet --save "$work/digits.bpm" > /dev/null ;;
    *) echo "load.sh: unknown model $1 (w1 or digits)" >&2; exit 2 ;;
  esac
}

features() { case "$1" in w1) echo 784 ;; *) echo 64 ;; esac; }

start() { # model delay
  "$backprop" serve --model "$work/$1.bpm" --urls "http://127.0.0.1:$port" --max-delay-us "$2" --floor > /dev/null &
  server=$!
  wait_ready
}

stop() { kill -TERM "$server"; wait "$server" || true; server=; }

wrk_run() { # model endpoint format connections seconds -> RESULT line
  FEATURES=$(features "$1") FORMAT="$3" wrk -t 1 -c "$4" -d "${5}s" --latency -s "$here/request.lua" \
    "http://127.0.0.1:$port/v2/models/$1/$2" | grep '^RESULT'
}

results="$work/results.tsv"
measure() { # model endpoint format batching connections
  local before after result
  before=$(scrape_figures)
  result=$(wrk_run "$1" "$2" "$3" "$5" "$seconds")
  after=$(scrape_figures)
  echo "$1 $2 $3 $4 $5 $result $before $after" | awk '{
    for (i = 7; i <= 13; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } # $6 is "RESULT"; then 5 figures before, 5 after
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d/%d\t%.0f\t%.0f\n", $1, $2, $3, $4, $5, v["rps"], v["p50_us"],
      v["p99_us"], v["p999_us"], v["non2xx"], v["socket_errors"], $19 - $14, $20 - $15, $21 - $16,
      ($22 - $17) / (v["requests"] > 0 ? v["requests"] : 1), $23 / 1048576 }' >> "$results"
}

for model in $models; do
  train "$model"
  for batching in off on; do
    start "$model" "$([ $batching = on ] && echo "$delay" || echo 0)"
    # Warm-up: under load the JIT takes 10-15 s to reach its last tier (instrumented, then optimized code); measured
    # before that, a run counts the JIT and the PGO probes, not the server.
    wrk_run "$model" infer json 16 10 > /dev/null
    wrk_run "$model" infer binary 16 3 > /dev/null
    if [ $batching = off ]; then
      wrk_run "$model" floor json 16 3 > /dev/null
      wrk_run "$model" floor binary 16 3 > /dev/null
    fi
    for format in json binary; do
      for connections in 1 16 64; do
        measure "$model" infer "$format" "$batching" "$connections"
        if [ $batching = off ]; then measure "$model" floor "$format" - "$connections"; fi
      done
    done
    stop
  done
done

us() { awk -v t="$1" 'BEGIN { if (t >= 1000) printf "%.2f ms", t / 1000; else printf "%d µs", t }'; }
echo "| model | endpoint | body | batching | connections | requests/s | p50 | p99 | p99.9 | non-2xx | socket errors | GC gen0/1/2 | allocated B/request | RSS after |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
sort -t$'\t' -k1,1 -k2,2r -k3,3r -k4,4 -k5,5n "$results" | while IFS=$'\t' read -r m e f b c rps p50 p99 p999 non2xx errors gc alloc rss; do
  echo "| $m | $e | $f | $b | $c | $(printf %.0f "$rps") | $(us "$p50") | $(us "$p99") | $(us "$p999") | $non2xx | $errors | $gc | $alloc | $rss MiB |"
done

# The issue's goals: infer at >= 80 % (binary) / 60 % (JSON) of the floor's throughput; at 64 connections batching
# >= 1.5x batching off at a p99 <= 2x batching off's; no failed request.
echo
awk -F'\t' '
  { key = $1 " " $2 " " $3 " " $4 " " $5; rps[key] = $6; p99[key] = $8; failed += $10 + $11 }
  END {
    split("'"$models"'", ms, " ")
    for (i in ms) { m = ms[i]
      for (c = 1; c <= 64; c *= (c == 1 ? 16 : 4)) {
        jf = rps[m " floor json - " c]; bf = rps[m " floor binary - " c]
        printf "%s, %d connections: JSON infer at %.0f %% (batching off) / %.0f %% (on) of the floor (goal 60 %%); binary at %.0f %% / %.0f %% (goal 80 %%)\n",
          m, c, 100 * rps[m " infer json off " c] / jf, 100 * rps[m " infer json on " c] / jf,
          100 * rps[m " infer binary off " c] / bf, 100 * rps[m " infer binary on " c] / bf
      }
      for (f = 1; f <= 2; f++) { fmt = (f == 1 ? "json" : "binary")
        on = m " infer " fmt " on 64"; off = m " infer " fmt " off 64"
        printf "%s, %s, 64 connections: batching on gives %.2fx the throughput of off (goal 1.5x) at %.2fx its p99 (goal <= 2x); the floor is %.2fx off, the most that removing the model entirely could give\n",
          m, fmt, rps[on] / rps[off], p99[on] / p99[off], rps[m " floor " fmt " - 64"] / rps[off]
      }
    }
    printf "failed requests (non-2xx + socket errors), all runs: %d (goal 0)\n", failed
  }' "$results"
