"""dlib's ResNet face descriptor from face-api's weights -> ONNX.

face-api ships only the weights (uint8-quantised, with scale/min per tensor) and declares the
network in code (src/faceRecognitionNet/*.ts); this re-declares it: conv 7x7/2 + scale + relu,
max-pool 3/2, residual blocks (conv+scale+relu, conv+scale, add, relu), down blocks that add a
2x2 average-pooled, zero-channel-padded shortcut, global average pool, fc 256->128.
Input NCHW RGB 0..255; the mean subtraction and /255 are inside the graph.
"""
import json
import sys

import numpy as np

from common import Graph, read_member, tfjs_weights, value

out_dir, pkg = sys.argv[1], sys.argv[2]
manifest = json.loads(read_member(pkg, "model/face_recognition_model-weights_manifest.json"))
W = tfjs_weights(manifest, [read_member(pkg, "model/face_recognition_model.bin")])
g = Graph()


def conv_layer(x, p, stride, relu, pad):
    f = W[f"{p}/conv/filters"]  # HWIO
    k = f.shape[0]
    wt = g.const(np.ascontiguousarray(f.transpose(3, 2, 0, 1)).astype(np.float32))
    b = g.const(W[f"{p}/conv/bias"].astype(np.float32))
    pads = [k // 2] * 4 if pad == "same" else [0, 0, 0, 0]
    y = g.op("Conv", [x, wt, b], kernel_shape=[k, k], strides=[stride, stride], pads=pads)
    s = g.const(W[f"{p}/scale/weights"].reshape(1, -1, 1, 1).astype(np.float32))
    sb = g.const(W[f"{p}/scale/biases"].reshape(1, -1, 1, 1).astype(np.float32))
    y = g.op("Add", [g.op("Mul", [y, s]), sb])
    return g.op("Relu", [y]) if relu else y


def residual(x, p):
    y = conv_layer(x, f"{p}/conv1", 1, True, "same")
    y = conv_layer(y, f"{p}/conv2", 1, False, "same")
    return g.op("Relu", [g.op("Add", [y, x])])


def residual_down(x, p, cin, size):
    """size: the input's spatial size, to know when the conv output is one short of the pool."""
    y = conv_layer(x, f"{p}/conv1", 2, True, "valid")
    y = conv_layer(y, f"{p}/conv2", 1, False, "same")
    cout = W[f"{p}/conv1/conv/filters"].shape[3]
    conv_size = (size - 3) // 2 + 1
    pool_size = size // 2
    pooled = g.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2])
    if conv_size != pool_size:
        # face-api pads the conv output with a zero row and column at the bottom/right.
        y = g.op("Pad", [y, g.const(np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64))])
    if cout != cin:
        pooled = g.op("Pad", [pooled, g.const(np.array([0, 0, 0, 0, 0, cout - cin, 0, 0], dtype=np.int64))])
    return g.op("Relu", [g.op("Add", [pooled, y])]), pool_size


mean = g.const(np.array([122.782, 117.001, 104.298], dtype=np.float32).reshape(1, 3, 1, 1))
x = g.op("Mul", [g.op("Sub", ["image", mean]), g.const(np.array(1 / 255, dtype=np.float32))])
x = conv_layer(x, "conv32_down", 2, True, "valid")  # 150 -> 72
x = g.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2])  # 72 -> 35
size = 35
for p in ["conv32_1", "conv32_2", "conv32_3"]:
    x = residual(x, p)
x, size = residual_down(x, "conv64_down", 32, size)
for p in ["conv64_1", "conv64_2", "conv64_3"]:
    x = residual(x, p)
x, size = residual_down(x, "conv128_down", 64, size)
for p in ["conv128_1", "conv128_2"]:
    x = residual(x, p)
x, size = residual_down(x, "conv256_down", 128, size)
for p in ["conv256_1", "conv256_2"]:
    x = residual(x, p)
x, size = residual_down(x, "conv256_down_out", 256, size)
x = g.op("Flatten", [g.op("GlobalAveragePool", [x])])
fc = g.const(W["fc"].astype(np.float32))
g.nodes.append(__import__("onnx").helper.make_node("MatMul", [x, fc], ["descriptor"]))
g.save(f"{out_dir}/model.onnx", [value("image", ["batch", 3, 150, 150])], [value("descriptor", ["batch", 128])],
       "dlib ResNet-29 face descriptor (CC0 weights) via @vladmandic/face-api 1.7.15")
print(f"dlib ResNet: {len(W)} tensors, {sum(v.size for v in W.values())} weights")
