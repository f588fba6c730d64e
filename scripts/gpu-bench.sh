#!/usr/bin/env bash
# The benchmark on a GPU: keystroke → ghost-text latency from real timings, Alembic next to
# llama.vscode (its own client against a CUDA llama-server), naive and sliding, on a model with
# Qwen2.5-Coder 1.5B's real shapes and vocabulary (random weights: the speed is real, the text is
# not). Run it where an NVIDIA GPU is present, never in CI. It finishes in under 8 minutes on one
# GPU once llama-server is built (the CUDA build is cached per machine, like the CPU one), prints
# what it measured and on what, and exits non-zero when any step fails.
#
# Usage: scripts/gpu-bench.sh [--cpu-smoke] [--chars <n>] [--out <dir>]
#   --cpu-smoke   the same steps on the CPU with the tiny test model and short replays: proves the
#                 plumbing on a machine without a GPU (its figures mean nothing)
#   --chars <n>   characters typed per file (default 600; 120 with --cpu-smoke)
#   --out <dir>   where the model, the report and the log go (default .cache/gpu-bench)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

smoke=0
chars=""
out="$root/.cache/gpu-bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-smoke) smoke=1 ;;
    --chars) chars="${2:?--chars needs a number}"; shift ;;
    --out) out="${2:?--out needs a folder}"; shift ;;
    *) echo "gpu-bench: unknown option $1 (use --cpu-smoke, --chars <n>, --out <dir>)" >&2; exit 2 ;;
  esac
  shift
done
[[ -z "$chars" || "$chars" =~ ^[0-9]+$ ]] || { echo "gpu-bench: --chars must be a number" >&2; exit 2; }
chars="${chars:-$([ $smoke = 1 ] && echo 120 || echo 600)}"
mkdir -p "$out"
log="$out/gpu-bench.log"
: >"$log"
started=$SECONDS

step=""
fail() { echo "gpu-bench: FAILED at: $step (see $log)" >&2; }
trap fail ERR
say() { echo "gpu-bench: $*" | tee -a "$log" >&2; }
begin() { step="$1"; say "[$(( SECONDS - started )) s] $1"; }

begin "checking the machine"
command -v node >/dev/null || { step="Node.js is needed"; false; }
[ -d node_modules/node-llama-cpp ] || { step="node_modules is missing: run npm install first"; false; }
if [ $smoke = 0 ]; then
  if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
    step="no NVIDIA GPU here (nvidia-smi finds none): run with --cpu-smoke to check the plumbing"
    false
  fi
  gpu="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -1)"
  say "GPU: $gpu"
else
  gpu="none (CPU smoke run)"
fi
say "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores)"

begin "building the extension and the CLI"
npm run build >>"$log" 2>&1

begin "writing the model"
if [ $smoke = 1 ]; then
  model="$out/test-model-qwen-tiny.gguf"
  npm run make-test-model -- --vocab qwen "$model" >>"$log" 2>&1
else
  model="$out/qwen2.5-coder-1.5b-shape.gguf"
  [ -s "$model" ] || npm run make-test-model -- --vocab qwen --shape qwen2.5-coder-1.5b "$model" >>"$log" 2>&1
fi
[ -s "$model" ] || { step="the model generator wrote no $model"; false; }
say "model: $model ($(du -h "$model" | cut -f1))"

begin "getting llama-server"
server_flags=()
if [ $smoke = 0 ] && command -v nvcc >/dev/null; then
  server="$(bash scripts/build-llama-server.sh --cuda 2> >(tee -a "$log" >&2) | tail -1)"
else
  [ $smoke = 0 ] && say "WARNING: no nvcc here: llama.vscode's llama-server runs on the CPU, Alembic on the GPU"
  server="$(bash scripts/build-llama-server.sh 2> >(tee -a "$log" >&2) | tail -1)"
fi
[ -x "$server" ] || { step="llama-server was not built"; false; }
say "llama-server: $server ($("$server" --version 2>&1 | head -1))"

begin "choosing the files"
files=(--file node_modules/node-llama-cpp/llama/addon/AddonContext.cpp --file node_modules/@types/vscode/index.d.ts)
if command -v python3 >/dev/null; then
  stdlib="$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')"
  [ -f "$stdlib/argparse.py" ] && files=(--file "$stdlib/argparse.py" "${files[@]}")
fi
for f in "${files[@]}"; do [ "$f" = --file ] || [ -f "$f" ] || { step="missing file $f"; false; }; done
paths=(); for f in "${files[@]}"; do [ "$f" = --file ] || paths+=("$f"); done
say "files: ${paths[*]}"

begin "replaying (all strategies, latencies from real timings)"
if [ $smoke = 1 ]; then engine=(--gpu off --threads 1); else engine=(--gpu cuda); fi
report="$out/report.txt"
# The replay gets what is left of the 8 minutes (model writing and a first build aside).
budget=$(( 480 - (SECONDS - started) ))
[ $budget -gt 60 ] || budget=300
timeout "$budget" node bin/alembic.js bench replay --model "$model" "${engine[@]}" "${files[@]}" \
  --from-line 300 --chars "$chars" --strategy all --llama-server "$server" --server-context 32768 \
  --json >"$out/report.json" 2>>"$log"
node -e '
  const reports = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  const rows = (Array.isArray(reports) ? reports : [reports]).map((r) =>
    `${r.strategy.padEnd(13)} ${String(r.keystrokes).padStart(5)} keys  ${r.evaluatedPerKey.toFixed(1).padStart(7)} eval tok/key  ` +
    `${r.modelCallRatio.toFixed(2)} calls/key  key→ghost p50/p99 ${r.latencyMs.p50}/${r.latencyMs.p99} ms  ` +
    `pauses shown ${(r.pauses.coverage * 100).toFixed(0)}% at p50/p90/p99 ${r.pauses.latencyMs.p50}/${r.pauses.latencyMs.p90}/${r.pauses.latencyMs.p99} ms` +
    `${r.errors ? `  ERRORS ${r.errors}: ${r.firstError}` : ""}`);
  console.log(rows.join("\n"));
  process.exit((Array.isArray(reports) ? reports : [reports]).some((r) => r.errors > 0 || !r.intact) ? 1 : 0);
' "$out/report.json" | tee "$report"

step="done"
trap - ERR
say "measured on: GPU $gpu; model $(basename "$model"); llama-server $("$server" --version 2>&1 | head -1)"
say "finished in $(( SECONDS - started )) s; report: $report, JSON: $out/report.json, log: $log"
