#!/usr/bin/env bash
# Stable Diffusion img2img behind the AUTOMATIC1111 WebUI HTTP API, one server per T4 (16 GB).
# The GPU worker's diffusion class (GPU_WORKER_CLASSES=diffusion) calls every server listed in
# DIFFUSION_BACKEND_URL (comma-separated, one per GPU): POST /sdapi/v1/img2img to render,
# GET /sdapi/v1/progress for the step heartbeats, POST /sdapi/v1/interrupt on cancellation.
#
#   deploy/gpu/diffusion-a1111-t4.sh            # one server per GPU: ports 7860, 7861, …
#   GPU_INDEX=0 deploy/gpu/diffusion-a1111-t4.sh  # just GPU 0 on port 7860
#
# Needs: NVIDIA driver + CUDA 12.x, a checkout of AUTOMATIC1111/stable-diffusion-webui at a pinned
# tag in A1111_DIR (its launch.py installs its Python dependencies on first start), and an SD 1.5
# checkpoint (e.g. v1-5-pruned-emaonly.safetensors) in $A1111_DIR/models/Stable-diffusion/.
# --nowebui serves the API alone; --xformers keeps a 768-px SD 1.5 job well inside a T4's memory;
# fp16 (the default) because Turing has no bf16. Bind to the VPC address only: the API has no auth here.
set -euo pipefail

A1111_DIR="${A1111_DIR:-/opt/stable-diffusion-webui}"
CKPT="${CKPT:-v1-5-pruned-emaonly.safetensors}"
HOST="${HOST:-0.0.0.0}"
BASE_PORT="${BASE_PORT:-7860}"

serve_one() {
  local gpu="$1" port="$2"
  CUDA_VISIBLE_DEVICES="$gpu" python "$A1111_DIR/launch.py" \
    --nowebui --api --listen --server-name "$HOST" --port "$port" \
    --xformers --no-half-vae \
    --ckpt "$A1111_DIR/models/Stable-diffusion/$CKPT" \
    --skip-version-check --no-download-sd-model
}

cd "$A1111_DIR"
if [[ -n "${GPU_INDEX:-}" ]]; then
  serve_one "$GPU_INDEX" "$((BASE_PORT + GPU_INDEX))"
  exit
fi
pids=()
for gpu in $(nvidia-smi --query-gpu=index --format=csv,noheader); do
  serve_one "$gpu" "$((BASE_PORT + gpu))" &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' TERM INT
wait
