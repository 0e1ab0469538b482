# syntax=docker/dockerfile:1
# AUTOMATIC1111's Stable Diffusion WebUI as an API server: the process of the diffusion pool that
# needs CUDA (the Lightbox GPU worker beside it is plain Node and calls it over HTTP). The same
# flags as deploy/gpu/diffusion-a1111-t4.sh: API only, xformers, fp16 for the T4 (Turing, no bf16).
# The SD 1.5 checkpoint is mounted at /models/stable-diffusion (the lightbox-models bucket).
#   docker build -f deploy/gpu/a1111.Dockerfile -t lightbox-a1111 deploy/gpu
ARG CUDA_IMAGE=nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04
FROM ${CUDA_IMAGE}
ARG A1111_REF=v1.10.1
ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1
RUN apt-get update \
  && apt-get install -y --no-install-recommends git python3 python3-venv python3-pip libgl1 libglib2.0-0 \
  && rm -rf /var/lib/apt/lists/*
RUN useradd --uid 1000 --create-home webui
USER webui
WORKDIR /home/webui
RUN git clone --depth 1 --branch ${A1111_REF} https://github.com/AUTOMATIC1111/stable-diffusion-webui.git webui
WORKDIR /home/webui/webui
# Installs torch (CUDA 12 wheels) and the WebUI's Python dependencies at build time, not on the
# pod's first start, then exits.
RUN python3 launch.py --skip-torch-cuda-test --exit --xformers
EXPOSE 7860
CMD ["python3", "launch.py", "--nowebui", "--api", "--listen", "--port", "7860", "--xformers", "--no-half-vae", "--ckpt-dir", "/models/stable-diffusion", "--skip-version-check", "--skip-prepare-environment", "--no-download-sd-model"]
