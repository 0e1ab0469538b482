#!/usr/bin/env python3
"""Writes shape-faithful models for benchmarks: full-size architectures with random weights.

    PYTHONPATH=.tools/py python3 scripts/models/bench_models.py .lightbox/models-bench [--only NAME]

The CLIP ViT-B/32 image encoder (patch 32, width 768, 12 layers, ~88M weights, ~350 MB),
ko-sbert-nli's BERT-base (12 × 768, vocab 32000, ~110M weights, ~440 MB) and KcELECTRA-small as
a sequence classifier (embed 128 → 256, 12 layers, vocab 54343, ~14M weights, ~55 MB); `--only
NAME` picks some. Inference cost matches the real models, the outputs mean nothing. Never
commit them.
"""
import argparse
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper

from model_set import SEED, Graph, text_inputs, write_set
from tokenizer_files import wordpiece_tokenizer_json

GENERATOR = "scripts/models/bench_models.py"
PRODUCER = "lightbox " + GENERATOR


class Transformer:
    """Random-weight transformer pieces shared by the shape-faithful ViT, BERT and ELECTRA graphs.

    Only compute and memory must match the real models, so weights are N(0, 0.02) and every
    layer norm is the identity affine; the graph structure (matmuls, heads, norms, activations)
    is the real one.
    """

    def __init__(self, g, rng, width, heads, mlp, eps):
        self.g, self.rng, self.width, self.heads, self.mlp, self.eps = g, rng, width, heads, mlp, eps
        self.head_dim = width // heads

    def w(self, *shape, scale=0.02):
        return self.g.const(self.rng.normal(0, scale, size=shape).astype(np.float32), "w")

    def i64(self, *values):
        return self.g.const(np.array(values, dtype=np.int64), "shape")

    def layer_norm(self, x, width=None):
        width = width or self.width
        g = self.g
        return g.op("LayerNormalization", [x, g.const(np.ones(width, np.float32), "ln_g"), g.const(np.zeros(width, np.float32), "ln_b")], axis=-1, epsilon=self.eps)

    def linear(self, x, fan_in, fan_out):
        return self.g.op("Add", [self.g.op("MatMul", [x, self.w(fan_in, fan_out)]), self.g.const(np.zeros(fan_out, np.float32), "b")])

    def gelu(self, x):
        """Exact (erf) GELU, as BERT and ELECTRA use."""
        g = self.g
        inner = g.op("Erf", [g.op("Mul", [x, g.const(np.array(1 / np.sqrt(2), np.float32), "rsqrt2")])])
        return g.op("Mul", [g.op("Mul", [x, g.const(np.array(0.5, np.float32), "half")]), g.op("Add", [inner, g.const(np.array(1.0, np.float32), "one")])])

    def quick_gelu(self, x):
        """x * sigmoid(1.702 x), as OpenAI's CLIP uses."""
        g = self.g
        return g.op("Mul", [x, g.op("Sigmoid", [g.op("Mul", [x, g.const(np.array(1.702, np.float32), "gelu")])])])

    def attention(self, h, mask_bias=None):
        """Multi-head self-attention over [N, seq, width]; the sequence length may be symbolic."""
        g = self.g
        to_heads = self.i64(0, -1, self.heads, self.head_dim)
        qkv = [g.op("Transpose", [g.op("Reshape", [self.linear(h, self.width, self.width), to_heads])], perm=[0, 2, 1, 3]) for _ in range(3)]
        scale = g.const(np.array(1.0 / np.sqrt(self.head_dim), np.float32), "scale")
        scores = g.op("Mul", [g.op("MatMul", [qkv[0], g.op("Transpose", [qkv[1]], perm=[0, 1, 3, 2])]), scale])
        if mask_bias is not None:
            scores = g.op("Add", [scores, mask_bias])
        attn = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), qkv[2]])
        merged = g.op("Reshape", [g.op("Transpose", [attn], perm=[0, 2, 1, 3]), self.i64(0, -1, self.width)])
        return self.linear(merged, self.width, self.width)

    def pre_norm_layer(self, x):
        """CLIP's residual block: x + attn(ln(x)), then x + mlp(ln(x))."""
        g = self.g
        x = g.op("Add", [x, self.attention(self.layer_norm(x))])
        h = self.quick_gelu(self.linear(self.layer_norm(x), self.width, self.mlp))
        return g.op("Add", [x, self.linear(h, self.mlp, self.width)])

    def post_norm_layer(self, x, mask_bias):
        """BERT's block: ln(x + attn(x)), then ln(x + mlp(x))."""
        g = self.g
        x = self.layer_norm(g.op("Add", [x, self.attention(x, mask_bias)]))
        h = self.gelu(self.linear(x, self.width, self.mlp))
        return self.layer_norm(g.op("Add", [x, self.linear(h, self.mlp, self.width)]))


def vit_b32_image_encoder(seed):
    """CLIP ViT-B/32's visual tower with random weights: same graph size and FLOPs as the real one."""
    rng = np.random.default_rng(seed)
    g = Graph("clip_vit_b32_image_shape_faithful", node_names=True)
    width, layers, heads, patch, grid, out_dim, mlp = 768, 12, 12, 32, 7, 512, 3072
    tokens = grid * grid + 1
    t = Transformer(g, rng, width, heads, mlp, 1e-5)
    conv = g.op("Conv", ["pixel_values", t.w(width, 3, patch, patch)], kernel_shape=[patch, patch], strides=[patch, patch])
    seq = g.op("Transpose", [g.op("Reshape", [conv, t.i64(0, width, grid * grid)])], perm=[0, 2, 1])  # [N,49,768]
    batch = g.op("Slice", [g.op("Shape", ["pixel_values"]), t.i64(0), t.i64(1)])
    cls_shape = g.op("Concat", [batch, t.i64(1, width)], axis=0)
    cls = g.op("Expand", [t.w(1, 1, width), cls_shape])
    x = g.op("Add", [g.op("Concat", [cls, seq], axis=1), t.w(1, tokens, width)])
    x = t.layer_norm(x)  # ln_pre
    for _ in range(layers):
        x = t.pre_norm_layer(x)
    pooled = t.layer_norm(g.op("Squeeze", [g.op("Slice", [x, t.i64(0), t.i64(1), t.i64(1)]), t.i64(1)]))  # ln_post on CLS
    g.op("MatMul", [pooled, t.w(width, out_dim)], out="image_embeds")
    return g.model(
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", out_dim])],
        "Shape-faithful CLIP ViT-B/32 image encoder with random weights, for benchmarks only.",
        producer=PRODUCER,
        full_check=True,
    )


def bert_family_encoder(g, t, vocab, embed, layers, max_positions):
    """BERT/ELECTRA embeddings (word + position + type, LN, ELECTRA's projection when embed <
    width) and `layers` post-norm blocks with the additive attention mask → [N, seq, width]."""
    seq_len = g.op("Slice", [g.op("Shape", ["input_ids"]), t.i64(1), t.i64(2)])
    positions = g.op("Slice", [t.w(max_positions, embed), t.i64(0), seq_len, t.i64(0)])
    words = g.op("Gather", [t.w(vocab, embed), "input_ids"], axis=0)
    types = g.op("Gather", [t.w(2, embed), "token_type_ids"], axis=0)
    x = t.layer_norm(g.op("Add", [g.op("Add", [words, types]), positions]), embed)
    if embed != t.width:
        x = t.linear(x, embed, t.width)
    # (1 - mask) * -10000 broadcast over heads and query positions, as in HF's BERT.
    mask = g.op("Cast", [g.op("Unsqueeze", ["attention_mask", t.i64(1, 2)])], to=TensorProto.FLOAT)
    bias = g.op("Mul", [g.op("Sub", [g.const(np.array(1.0, np.float32), "one"), mask]), g.const(np.array(-10000.0, np.float32), "neg")])
    for _ in range(layers):
        x = t.post_norm_layer(x, bias)
    return x


def bert_base_sentence_encoder(seed):
    """klue/bert-base as fine-tuned into jhgan/ko-sbert-nli: 12 × 768, 12 heads, vocab 32000."""
    rng = np.random.default_rng(seed)
    g = Graph("ko_sbert_nli_shape_faithful", node_names=True)
    t = Transformer(g, rng, 768, 12, 3072, 1e-12)
    x = bert_family_encoder(g, t, vocab=32000, embed=768, layers=12, max_positions=512)
    g.op("Identity", [x], out="last_hidden_state")
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 768])],
        "Shape-faithful ko-sbert-nli (BERT-base) with random weights, for benchmarks only.",
        producer=PRODUCER,
        full_check=True,
    )


def electra_small_classifier(seed, num_labels=2):
    """KcELECTRA-small-v2022 as a sequence classifier: embed 128 → 256, 12 layers, 4 heads,
    FFN 1024, vocab 54343, and HF's ElectraClassificationHead (dense, GELU, out_proj on [CLS])."""
    rng = np.random.default_rng(seed)
    g = Graph("kcelectra_small_toxicity_shape_faithful", node_names=True)
    t = Transformer(g, rng, 256, 4, 1024, 1e-12)
    x = bert_family_encoder(g, t, vocab=54343, embed=128, layers=12, max_positions=512)
    cls = g.op("Squeeze", [g.op("Slice", [x, t.i64(0), t.i64(1), t.i64(1)]), t.i64(1)])
    h = t.gelu(t.linear(cls, 256, 256))
    g.op("Identity", [t.linear(h, 256, num_labels)], out="logits")
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", num_labels])],
        "Shape-faithful KcELECTRA-small toxicity classifier with random weights, for benchmarks only.",
        producer=PRODUCER,
        full_check=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="models dir to write, e.g. .lightbox/models-bench (never commit it)")
    parser.add_argument("--only", action="append", choices=["clip-image", "sbert", "electra"], help="write only these (repeatable)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    wanted = set(args.only or ["clip-image", "sbert", "electra"])
    wordpiece = json.dumps(wordpiece_tokenizer_json(), ensure_ascii=False).encode("utf-8")
    print(f"writing shape-faithful models ({', '.join(sorted(wanted))}) into {args.out_dir}")
    # One model at a time, so only one full-size graph is in memory.
    if "clip-image" in wanted:
        write_set(args.out_dir, [("clip-vit-b32-image-bench", "bench-1", {"vision_model.onnx": vit_b32_image_encoder(SEED).SerializeToString()})], GENERATOR)
    # The bench text models take the test tokenizer: its ids fall inside both real vocabularies,
    # and sequence lengths of Korean text come out close to a real WordPiece vocabulary's.
    if "sbert" in wanted:
        model = bert_base_sentence_encoder(SEED + 10).SerializeToString()
        write_set(args.out_dir, [("ko-sbert-nli-bench", "bench-1", {"model.onnx": model, "tokenizer.json": wordpiece})], GENERATOR)
    if "electra" in wanted:
        model = electra_small_classifier(SEED + 11).SerializeToString()
        write_set(args.out_dir, [("kcelectra-small-toxicity-bench", "bench-1", {"model.onnx": model, "tokenizer.json": wordpiece})], GENERATOR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
