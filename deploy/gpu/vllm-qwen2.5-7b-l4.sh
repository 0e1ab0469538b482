#!/usr/bin/env bash
# Qwen2.5-7B-Instruct behind vLLM's OpenAI-compatible server on an L4 node (24 GB per GPU).
# The GPU worker's llm class (GPU_WORKER_CLASSES=llm) calls it at LLM_BASE_URL=http://<node>:8000/v1.
#
# Sizing: bf16 weights are ~15 GB; at 0.90 memory utilisation ~6 GB stay for the KV cache, about
# 100k tokens for this model (28 layers × 4 KV heads × 128 × 2 × 2 B ≈ 57 KB/token). A report
# is ~1k prompt + ≤700 completion tokens, so the worker's 8 concurrent requests per GPU
# (GPU_LLM_SLOTS_PER_GPU) fit with room; --max-num-seqs leaves headroom above the slot count.
# With several GPUs on the node, data parallelism keeps one endpoint: one replica per GPU.
#
# Needs: NVIDIA driver + CUDA 12.x, `pip install vllm` (pin the version in the image), the model
# in the Hugging Face cache or HF_TOKEN to pull it once. Bind to the VPC address only.
set -euo pipefail

MODEL="${MODEL:-Qwen/Qwen2.5-7B-Instruct}"
SERVED_NAME="${SERVED_NAME:-Qwen/Qwen2.5-7B-Instruct}"   # must equal the workers' LLM_MODEL
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8000}"
GPUS="${GPU_COUNT:-$(nvidia-smi --query-gpu=index --format=csv,noheader | wc -l)}"
MAX_NUM_SEQS="${MAX_NUM_SEQS:-16}"

args=(
  serve "$MODEL"
  --served-model-name "$SERVED_NAME"
  --host "$HOST" --port "$PORT"
  --dtype bfloat16
  --max-model-len 8192
  --gpu-memory-utilization 0.90
  --max-num-seqs "$MAX_NUM_SEQS"
  --enable-prefix-caching
  --data-parallel-size "$GPUS"
)
# Same value as the workers' LLM_API_KEY; vLLM then refuses requests without it.
if [[ -n "${VLLM_API_KEY:-}" ]]; then args+=(--api-key "$VLLM_API_KEY"); fi

exec vllm "${args[@]}"
