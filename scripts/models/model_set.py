"""What the generated model sets share: the graph builder (convert/common.py, the one home of it),
BERT-style text inputs, and the writer of a models dir with its models.lock.json in the format
`npm run models:pull` writes, so the model store verifies generated files like pulled ones.

Used by scripts/models/test_twins.py (committed test twins) and scripts/models/bench_models.py
(shape-faithful bench models). Needs only `onnx` and `numpy` (.tools/py).
"""
import gzip
import hashlib
import json
import os
import sys

from onnx import TensorProto, helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert"))
from common import Graph  # noqa: E402,F401

SEED = 20240611

TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def text_inputs():
    return [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"]) for n in TEXT_INPUTS]



def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_set(out_dir, entries, generator, compress_over_bytes=None):
    """entries: [(model_id, version, {file_name: bytes})] → files plus models.lock.json. A file
    over `compress_over_bytes` also gets a gzipped copy (<name>.gz) to commit in its place; the
    lock holds the raw file's hash either way."""
    lock = {"lockVersion": 1, "models": {}}
    lock_path = os.path.join(out_dir, "models.lock.json")
    if os.path.exists(lock_path):
        with open(lock_path, encoding="utf-8") as f:
            lock = json.load(f)
    for model_id, version, files in entries:
        folder = os.path.join(out_dir, model_id, version)
        os.makedirs(folder, exist_ok=True)
        recorded = {}
        for name, data in files.items():
            path = os.path.join(folder, name)
            tmp = path + ".tmp"
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
            if compress_over_bytes is not None and len(data) > compress_over_bytes:
                with open(tmp, "wb") as f:
                    # mtime 0 and no file name: the same bytes give the same .gz on every machine.
                    f.write(gzip.compress(data, compresslevel=9, mtime=0))
                os.replace(tmp, path + ".gz")
            recorded[name] = {"sha256": sha256_of(path), "sizeBytes": os.path.getsize(path)}
        lock["models"][f"{model_id}@{version}"] = {
            "id": model_id,
            "version": version,
            "source": {"kind": "generated", "generator": generator},
            "files": recorded,
        }
        print(f"  {model_id}@{version}: " + ", ".join(f"{n} ({r['sizeBytes']} B)" for n, r in recorded.items()))
    tmp = lock_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(lock, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, lock_path)
