#!/usr/bin/env python3
"""Writes the test twins: small ONNX models with exactly the contract of a catalogue model.

    PYTHONPATH=.tools/py python3 scripts/models/test_twins.py test/fixtures/models   (npm run models:make-test)

Each twin has the input/output names, dtypes and shapes (symbolic batch), files and tokenizer
format of the model it stands in for (src/models/catalogue/test-twins.ts), so preprocessing,
batching, session handling, output parsing and checksum checks run for real; only the
arithmetic inside is a toy, built so that tests can predict what it finds: the detectors find
bright squares, the embedders keep different inputs apart and equal ones together, the text
models key on known words. Twins exist for the built defaults (MobileNetV2, BlazeFace, dlib,
multilingual-e5-small and its int8 build, the clean-bot head) and for the pulled upgrades
(CLIP, YuNet, ArcFace, ko-sbert-nli, KcELECTRA).

Weights are derived from a fixed seed through sin(outer(u, v)), so a 512-wide projection costs
a few hundred bytes instead of hundreds of KB, and regenerating gives the same bytes. The output
folder gets a models.lock.json like the one `npm run models:pull` writes, so the model store
verifies the twins' sha256 exactly as it verifies real models.
"""
import argparse
import json
import os
import sys

import numpy as np
from onnx import TensorProto, helper

from model_set import SEED, Graph, text_inputs, write_set
from tokenizer_files import CLIP_BOS_ID, clip_tokenizer_json, unigram_tokenizer_json, wordpiece_tokenizer_json

GENERATOR = "scripts/models/test_twins.py"
PRODUCER = "lightbox " + GENERATOR
VERSION = "test-1"


def finish(g, inputs, outputs, doc):
    return g.model(inputs, outputs, doc, producer=PRODUCER, full_check=True)


def sin_projection(g, rng, rows, cols, hint):
    """A rows×cols matrix sin(u ⊗ v): pseudo-random, well spread, stored as rows+cols floats."""
    u = rng.normal(0, 1, size=(rows, 1)).astype(np.float32)
    v = rng.normal(0, 3, size=(1, cols)).astype(np.float32)
    return g.op("Sin", [g.op("Mul", [g.const(u, hint + "_u"), g.const(v, hint + "_v")])])


def center_rows(g, x):
    """Subtract each row's mean, so embeddings of different inputs are not all alike."""
    return g.op("Sub", [x, g.op("ReduceMean", [x], axes=[1], keepdims=1)])


def pooled_image_embedder(name, input_name, output_name, size, pool, dim, seed, doc):
    """[N,3,size,size] → average-pool to a small grid → centre → project to [N,dim]."""
    rng = np.random.default_rng(seed)
    g = Graph(name, node_names=True)
    grid = size // pool
    feats = 3 * grid * grid
    pooled = g.op("AveragePool", [input_name], kernel_shape=[pool, pool], strides=[pool, pool])
    flat = g.op("Flatten", [pooled], axis=1)
    w = sin_projection(g, rng, feats, dim, "proj")
    bias = g.const(rng.normal(0, 0.05, size=(dim,)).astype(np.float32), "bias")
    # Scaled so outputs are far from unit norm: the TS side must normalise, and tests see it.
    scale = g.const(np.array(3.0, dtype=np.float32), "scale")
    proj = g.op("Add", [g.op("MatMul", [center_rows(g, flat), w]), bias])
    g.op("Mul", [proj, scale], out=output_name)
    return finish(g, 
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", dim])],
        doc,
    )


def clip_text_encoder(seed):
    """input_ids int64 [N,77] → bag of sinusoidal token features (special tokens masked) → [N,512]."""
    rng = np.random.default_rng(seed)
    g = Graph("clip_text_encoder_test", node_names=True)
    width = 64
    ids_f = g.op("Cast", ["input_ids"], to=TensorProto.FLOAT)
    # BOS, EOS and padding (EOS) are the same in every prompt; leaving them out keeps different
    # prompts apart instead of all sharing one big constant component.
    keep = g.op("Cast", [g.op("Less", ["input_ids", g.const(np.array(CLIP_BOS_ID, dtype=np.int64), "bos")])], to=TensorProto.FLOAT)
    freqs = g.const(rng.uniform(0.01, 1.0, size=(1, 1, width)).astype(np.float32), "freqs")
    phase = g.const(rng.uniform(0, np.pi, size=(1, 1, width)).astype(np.float32), "phase")
    axes_last = g.const(np.array([2], dtype=np.int64), "axis2")
    token_feats = g.op("Sin", [g.op("Add", [g.op("Mul", [g.op("Unsqueeze", [ids_f, axes_last]), freqs]), phase])])
    masked = g.op("Mul", [token_feats, g.op("Unsqueeze", [keep, axes_last])])
    summed = g.op("ReduceSum", [masked, g.const(np.array([1], dtype=np.int64), "axis1")], keepdims=0)
    w = sin_projection(g, rng, width, 512, "proj")
    g.op("MatMul", [center_rows(g, summed), w], out="text_embeds")
    return finish(g, 
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", 77])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 512])],
        "Lightbox test twin of the CLIP ViT-B/32 text encoder: same contract, toy arithmetic.",
    )


# Where the five landmarks sit inside a detected box, in box units (right eye, left eye, nose,
# right mouth corner, left mouth corner: YuNet's order, which is also ArcFace's template order).
YUNET_TEST_KPS = [0.3, 0.35, 0.7, 0.35, 0.5, 0.55, 0.35, 0.75, 0.65, 0.75]


def yunet_detector(seed):
    """YuNet's contract on a fixed 1×3×640×640 BGR input, detecting bright squares.

    At each stride s the score is high where an s×s cell is much brighter than the 3s×3s area
    around it (a difference of box filters), so a bright s×s square aligned to the stride grid
    yields one detection at that stride; boxes are the cell itself and the landmarks sit at fixed
    places in it. That is enough to run the real decoding (priors, strides, score fusion, NMS,
    letterbox mapping) and alignment end to end.
    """
    del seed
    g = Graph("yunet_test", node_names=True)
    size = 640
    outputs = {}
    for stride in (8, 16, 32):
        cells = (size // stride) ** 2
        cell = g.op("AveragePool", ["input"], kernel_shape=[stride, stride], strides=[stride, stride])
        grey = g.op("ReduceMean", [cell], axes=[1], keepdims=1)
        around = g.op("AveragePool", [grey], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1)
        contrast = g.op("Sub", [grey, around])
        logits = g.op(
            "Div",
            [g.op("Sub", [contrast, g.const(np.array(180.0, dtype=np.float32), "thr")]), g.const(np.array(10.0, dtype=np.float32), "temp")],
        )
        score = g.op("Reshape", [g.op("Sigmoid", [logits]), g.const(np.array([1, cells, 1], dtype=np.int64), "shape")])
        g.op("Identity", [score], out=f"cls_{stride}")
        # obj is a constant near 1, so YuNet's fused score sqrt(cls*obj) stays close to cls.
        ones = g.op("Add", [g.op("Mul", [score, g.const(np.array(0.0, dtype=np.float32), "zero")]), g.const(np.array(0.98, dtype=np.float32), "objv")])
        g.op("Identity", [ones], out=f"obj_{stride}")
        zeros = g.op("Mul", [score, g.const(np.array(0.0, dtype=np.float32), "zero")])
        # (dx, dy) = (0.5, 0.5) puts the box centre mid-cell; log-size 0 makes the box one stride wide.
        g.op("Add", [zeros, g.const(np.array([[[0.5, 0.5, 0.0, 0.0]]], dtype=np.float32), "bbox")], out=f"bbox_{stride}")
        g.op("Add", [zeros, g.const(np.array([[YUNET_TEST_KPS]], dtype=np.float32), "kps")], out=f"kps_{stride}")
        outputs[stride] = cells
    outs = []
    for kind, width in (("cls", 1), ("obj", 1), ("bbox", 4), ("kps", 10)):
        for stride in (8, 16, 32):
            outs.append(helper.make_tensor_value_info(f"{kind}_{stride}", TensorProto.FLOAT, [1, outputs[stride], width]))
    return finish(g, 
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
        outs,
        "Lightbox test twin of YuNet 2023mar: same contract, detects bright stride-sized squares.",
    )



# The clean-bot's labels (src/models/catalogue/cleanbot-head.ts): `toxic` is the binary head.
E5_TEST_FREQS = (1.0, 3.0)
CLEANBOT_LABELS = ["toxic", "profanity", "insult", "harassment", "sexual", "threat"]


def token_feature_table(seed, width, ids, freq_range):
    """The rows sin(id·f + φ) that token_features computes in a graph built from `seed`, for `ids`."""
    rng = np.random.default_rng(seed)
    freqs = rng.uniform(*freq_range, size=(1, 1, width)).astype(np.float32)[0, 0]
    phase = rng.uniform(0, np.pi, size=(1, 1, width)).astype(np.float32)[0, 0]
    return np.sin(np.asarray(ids, np.float32)[:, None] * freqs + phase).astype(np.float32)


def cleanbot_head_test(embedder_seed, unigram_vocab):
    """cleanbot-e5-head's contract: embedding [N, 384] (a unit e5-twin vector) → logits [N, 6].

    The e5 twin's vector is the normalised mean of its tokens' features, so a text with a known
    toxic piece has a cosine of about 1/sqrt(tokens) with that piece's own direction (its
    features less the vocabulary's mean) and other texts about 0. The toxic and profanity logits are 30·(the best such cosine − 0.2);
    the other harm labels stay at −10. A toy keyed on the same words as the KcELECTRA twin.
    """
    pieces = {p: i for i, (p, _) in enumerate(unigram_vocab)}
    ids = [pieces["▁" + t] for t in TOXIC_TEST_TOKENS if "▁" + t in pieces] + [pieces["🤬"]]
    table = lambda ids: token_feature_table(embedder_seed, 384, ids, E5_TEST_FREQS)  # noqa: E731
    # Every text starts `query: ` and many have a bare '▁': a direction with no part along those
    # pieces' features is not moved by them.
    common, _ = np.linalg.qr(table([pieces["▁query"], pieces[":"], pieces["▁"], 3]).T)
    rows = table(ids).T
    rows = rows - common @ (common.T @ rows)
    directions = (rows / np.linalg.norm(rows, axis=0, keepdims=True)).astype(np.float32)  # [384, T]
    g = Graph("cleanbot_e5_head_test", node_names=True)
    best = g.op("ReduceMax", [g.op("MatMul", ["embedding", g.const(directions, "toxic_dirs")])], axes=[1], keepdims=1)
    toxic = g.op("Mul", [g.op("Sub", [best, g.const(np.array(0.2, np.float32), "thr")]), g.const(np.array(30.0, np.float32), "gain")])
    rest = g.op("Add", [g.op("Mul", [best, g.const(np.zeros((1, 4), np.float32), "zero")]), g.const(np.full((1, 4), -10.0, np.float32), "off")])
    g.op("Concat", [toxic, toxic, rest], axis=1, out="logits")
    return finish(
        g,
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", 384])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(CLEANBOT_LABELS)])],
        "Lightbox test twin of the clean-bot's e5 head: same contract, keyed on known toxic words.",
    )


# ---- twins of the built defaults (src/models/catalogue/built.ts, e5.ts, cleanbot-head.ts) -----

def dlib_descriptor_test(seed):
    """dlib-resnet-face's contract: image [N,3,150,150] RGB 0..255 → descriptor [N,128], raw.

    /255 inside the graph (the real one subtracts its mean there too), then pool, centre and
    project like the other image twins, scaled so that crops of one drawn face land well within
    dlib's same-person distance (0.6) of each other and different faces well outside it.
    """
    rng = np.random.default_rng(seed)
    g = Graph("dlib_resnet_face_test", node_names=True)
    x = g.op("Mul", ["image", g.const(np.array(1 / 255, np.float32), "rescale")])
    pooled = g.op("AveragePool", [x], kernel_shape=[25, 25], strides=[25, 25])
    w = sin_projection(g, rng, 3 * 6 * 6, 128, "proj")
    proj = g.op("MatMul", [center_rows(g, g.op("Flatten", [pooled], axis=1)), w])
    g.op("Mul", [proj, g.const(np.array(DLIB_TEST_SCALE, np.float32), "scale")], out="descriptor")
    return finish(
        g,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, 150, 150])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["batch", 128])],
        "Lightbox test twin of dlib's ResNet face descriptor: same contract, toy arithmetic.",
    )


DLIB_TEST_SCALE = 0.15

# Where BlazeFace's six keypoints sit inside a detected box, in box units: the eyes (image-left
# first), nose tip, mouth centre and the two ear tragions; level eyes above the mouth, so the
# TypeScript face-geometry check passes them.
BLAZEFACE_TEST_KPS = [0.3, 0.35, 0.7, 0.35, 0.5, 0.55, 0.5, 0.75, 0.1, 0.4, 0.9, 0.4]


def blazeface_detector_test(seed):
    """blazeface-back's contract on a fixed 1×3×256×256 input in [-1, 1], detecting bright squares.

    As the YuNet twin: at each of BlazeFace's two grids (16×16 cells of 16 px with 2 anchors
    each, then 8×8 cells of 32 px with 6) the score logit is high where a cell is much brighter
    than the 3×3 cells around it, so a bright cell-sized square on a dark ground, aligned to the
    grid, is one face of exactly that cell; every anchor's regressors put the box on its cell and
    the keypoints at fixed places in it. Anchors are laid out in TF's (y, x, anchor) order.
    """
    del seed
    g = Graph("blazeface_back_test", node_names=True)
    scores, regressors = [], []
    for stride, per in ((16, 2), (32, 6)):
        n = 256 // stride
        cell = g.op("AveragePool", ["image"], kernel_shape=[stride, stride], strides=[stride, stride])
        grey = g.op("ReduceMean", [cell], axes=[1], keepdims=1)
        around = g.op("AveragePool", [grey], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1], count_include_pad=1)
        # White on black: the cell is 1, its surround (1 − 8)/9, a contrast of 1.78; the threshold
        # sits where YuNet's twin has it (180 of 255), in this input's [-1, 1] units.
        logit = g.op("Div", [g.op("Sub", [g.op("Sub", [grey, around]), g.const(np.array(1.41, np.float32), "thr")]), g.const(np.array(0.08, np.float32), "temp")])
        per_anchor = g.op("Expand", [g.op("Transpose", [logit], perm=[0, 2, 3, 1]), g.const(np.array([1, n, n, per], np.int64), "anchors")])
        scores.append(g.op("Reshape", [per_anchor, g.const(np.array([1, n * n * per, 1], np.int64), "shape")]))
        # Offsets from the anchor centre in input pixels: centre 0, size one cell, keypoints in it.
        reg = [0.0, 0.0, float(stride), float(stride)] + [(k - 0.5) * stride for k in BLAZEFACE_TEST_KPS]
        regressors.append(g.op("Expand", [g.const(np.array([[reg]], np.float32), "reg"), g.const(np.array([1, n * n * per, 16], np.int64), "rshape")]))
    g.op("Concat", scores, axis=1, out="scores")
    g.op("Concat", regressors, axis=1, out="regressors")
    return finish(
        g,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 256, 256])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, 896, 1]), helper.make_tensor_value_info("regressors", TensorProto.FLOAT, [1, 896, 16])],
        "Lightbox test twin of MediaPipe BlazeFace (back camera): same contract, detects bright cell-sized squares.",
    )


# The ImageNet classes the MobileNetV2 twin's head knows: one per album category of
# src/models/imagenet/category-map.json (people 981, pets 281, food 963, nature 970, city 410,
# vehicles 403, documents 418) and two no category maps (other). Every other class row is zero.
MOBILENET_TEST_CLASSES = [981, 281, 963, 970, 410, 403, 418, 500, 600]
MOBILENET_TEST_GAIN = 0.5


def mobilenet_head(seed):
    """The twin's classifier head: W [1000, 1280] = gain·sin(u ⊗ v) with u zero outside the known
    classes (so those rows are exactly zero), b = 0; returns (u, v, head.bin bytes in the real
    file's layout: W row-major, then b, float32)."""
    rng = np.random.default_rng(seed)
    u = np.zeros((1000, 1), np.float32)
    u[MOBILENET_TEST_CLASSES, 0] = rng.normal(0, 1, size=len(MOBILENET_TEST_CLASSES)).astype(np.float32)
    v = rng.normal(0, 3, size=(1, 1280)).astype(np.float32)
    w = (np.sin(u * v) * np.float32(MOBILENET_TEST_GAIN)).astype(np.float32)
    return u, v, w.tobytes() + np.zeros(1000, np.float32).tobytes()


def mobilenet_classifier_test(seed):
    """mobilenetv2-imagenet's contract: pixel_values [N,3,224,224] → features [N,1280] and
    logits [N,1000], the logits being the head in head.bin applied to the features, as the
    real graph's classifier is (the TypeScript side scores cached features with head.bin)."""
    rng = np.random.default_rng(seed)
    g = Graph("mobilenetv2_imagenet_test", node_names=True)
    pooled = g.op("AveragePool", ["pixel_values"], kernel_shape=[56, 56], strides=[56, 56])
    w = sin_projection(g, rng, 3 * 4 * 4, 1280, "proj")
    g.op("MatMul", [center_rows(g, g.op("Flatten", [pooled], axis=1)), w], out="features")
    u, v, _ = mobilenet_head(seed + 100)
    head_t = g.op("Mul", [g.op("Sin", [g.op("Mul", [g.const(v.T, "head_v"), g.const(u.T, "head_u")])]), g.const(np.array(MOBILENET_TEST_GAIN, np.float32), "gain")])
    g.op("MatMul", ["features", head_t], out="logits")
    return finish(
        g,
        [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1000]), helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 1280])],
        "Lightbox test twin of torchvision MobileNetV2 (ImageNet): same contract, toy arithmetic.",
    )


# Tokens the toy toxicity classifier scores as toxic (its only knowledge).
TOXIC_TEST_TOKENS = ["씨발", "시발", "개새끼", "병신", "좆같", "존나", "지랄", "닥쳐", "꺼져", "🤬"]

def token_features(g, rng, width, hint, freq_range=(0.01, 1.0)):
    """[N, seq] int64 ids → [N, seq, width] sin(id·f + φ): a cheap, well-spread stand-in for an
    embedding table that costs 2·width floats in the file instead of vocab·width. Frequencies
    of 1 and more keep even neighbouring ids' rows apart (ids of whole words sit close together)."""
    ids_f = g.op("Cast", ["input_ids"], to=TensorProto.FLOAT)
    freqs = g.const(rng.uniform(*freq_range, size=(1, 1, width)).astype(np.float32), hint + "_freqs")
    phase = g.const(rng.uniform(0, np.pi, size=(1, 1, width)).astype(np.float32), hint + "_phase")
    axes_last = g.const(np.array([2], dtype=np.int64), "axis2")
    return g.op("Sin", [g.op("Add", [g.op("Mul", [g.op("Unsqueeze", [ids_f, axes_last]), freqs]), phase])])


def sentence_encoder_test(name, seed, framing_ids, width, token_types, doc, freq_range=(0.01, 1.0), int8=False):
    """A sentence encoder's contract: int64 [N, seq] inputs (input_ids, attention_mask and, for
    BERT, token_type_ids) → last_hidden_state [N, seq, width].

    Each position's state is its token's sinusoidal features (plus a small token-type term for
    BERT); the framing tokens' states ([CLS]/[SEP], <s>/</s>) are zero, so mean pooling over the
    attention mask (done in TypeScript, as sentence-transformers does) gives a bag-of-tokens
    embedding where texts that share words are close. Padded positions get deliberately large
    garbage: pooling that ignores the mask shows.
    """
    rng = np.random.default_rng(seed)
    g = Graph(name, node_names=True)
    feats = token_features(g, rng, width, "tok", freq_range)
    special = g.op("Or", [
        g.op("Equal", ["input_ids", g.const(np.array(framing_ids[0], dtype=np.int64), "cls")]),
        g.op("Equal", ["input_ids", g.const(np.array(framing_ids[1], dtype=np.int64), "sep")]),
    ])
    keep = g.op("Unsqueeze", [g.op("Cast", [g.op("Not", [special])], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
    mask = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
    if token_types:
        types = g.op("Unsqueeze", [g.op("Cast", ["token_type_ids"], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
        state = g.op("Add", [g.op("Mul", [feats, keep]), g.op("Mul", [types, g.const(np.array(0.01, np.float32), "type_w")])])
    else:
        state = g.op("Mul", [feats, keep])
    if int8:
        # As dynamic int8 quantisation rewrites the real graph's matmuls: uint8 activations with
        # their own scale and zero point times int8 weights (here the identity) in int32, scaled
        # back; the states stay within one quantisation step of the fp32 twin's.
        q, scale, zero = g.op("DynamicQuantizeLinear", [state], outputs=3)
        eye = g.op("EyeLike", [g.op("ConstantOfShape", [g.const(np.array([width, width], np.int64), "wshape")])])
        identity = g.op("Cast", [eye], to=TensorProto.INT8)
        state = g.op("Mul", [g.op("Cast", [g.op("MatMulInteger", [q, identity, zero])], to=TensorProto.FLOAT), scale])
    # mask·state + (1 − mask)·50: padding positions carry a large constant.
    padded = g.op("Mul", [g.op("Sub", [g.const(np.array(1.0, np.float32), "one"), mask]), g.const(np.array(50.0, np.float32), "pad")])
    g.op("Add", [g.op("Mul", [state, mask]), padded], out="last_hidden_state")
    inputs = text_inputs() if token_types else text_inputs()[:2]
    return finish(g, inputs, [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", width])], doc)


def toxicity_classifier_test(seed, vocab):
    """KcELECTRA-small toxicity's contract: three int64 [N, seq] inputs → logits [N, 2] (clean, toxic).

    toxic logit = 4·(count of known toxic tokens under the mask) − 2, clean logit = 0, through a
    [vocab, 1] weight table: enough to check that normalisation, tokenisation, batching, masking
    and label mapping reach the model, which scores what it sees and nothing else.
    """
    del seed
    g = Graph("kcelectra_small_toxicity_test", node_names=True)
    table = np.zeros((len(vocab), 1), dtype=np.float32)
    for tok in TOXIC_TEST_TOKENS:
        table[vocab[tok], 0] = 4.0
        if "##" + tok in vocab:
            table[vocab["##" + tok], 0] = 4.0
    hits = g.op("Squeeze", [g.op("Gather", [g.const(table, "toxic_w"), "input_ids"], axis=0), g.const(np.array([2], dtype=np.int64), "axis2")])
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    types = g.op("Cast", ["token_type_ids"], to=TensorProto.FLOAT)
    masked = g.op("Add", [g.op("Mul", [hits, mask]), g.op("Mul", [types, g.const(np.array(0.0, np.float32), "zero")])])
    toxic = g.op("Sub", [g.op("ReduceSum", [masked, g.const(np.array([1], dtype=np.int64), "axis1")], keepdims=1), g.const(np.array(2.0, np.float32), "bias")])
    clean = g.op("Mul", [toxic, g.const(np.array(0.0, np.float32), "zero")])
    g.op("Concat", [clean, toxic], axis=1, out="logits")
    return finish(g, 
        text_inputs(),
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        "Lightbox test twin of the KcELECTRA-small toxicity classifier: same contract, toy arithmetic.",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="models dir to write (test/fixtures/models for the committed set)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    ser = lambda m: m.SerializeToString()  # noqa: E731
    tokenizer = json.dumps(clip_tokenizer_json(), ensure_ascii=False, indent=None, sort_keys=False).encode("utf-8")
    wordpiece_json = wordpiece_tokenizer_json()
    wordpiece = json.dumps(wordpiece_json, ensure_ascii=False).encode("utf-8")
    wp_vocab = wordpiece_json["model"]["vocab"]
    unigram_json = unigram_tokenizer_json()
    unigram = json.dumps(unigram_json, ensure_ascii=False).encode("utf-8")
    # <s> is 0 and </s> 2, as in XLM-R's vocabulary.
    e5_seed = SEED + 10
    e5 = ser(sentence_encoder_test("multilingual_e5_small_test", e5_seed, (0, 2), 384, False,
                                   "Lightbox test twin of multilingual-e5-small: same contract, toy arithmetic.", E5_TEST_FREQS))
    e5_int8 = ser(sentence_encoder_test("multilingual_e5_small_int8_test", e5_seed, (0, 2), 384, False,
                                        "Lightbox test twin of multilingual-e5-small-int8: same contract, int8 toy arithmetic.", E5_TEST_FREQS, int8=True))
    print(f"writing test twins into {args.out_dir}")
    write_set(
        args.out_dir,
        [
            ("clip-vit-b32-image-test", VERSION, {"vision_model.onnx": ser(pooled_image_embedder(
                "clip_image_encoder_test", "pixel_values", "image_embeds", 224, 56, 512, SEED + 1,
                "Lightbox test twin of the CLIP ViT-B/32 image encoder: same contract, toy arithmetic."))}),
            ("clip-vit-b32-text-test", VERSION, {"text_model.onnx": ser(clip_text_encoder(SEED + 2)), "tokenizer.json": tokenizer}),
            ("yunet-2023mar-test", VERSION, {"face_detection_yunet_2023mar.onnx": ser(yunet_detector(SEED + 3))}),
            ("arcface-w600k-r50-test", VERSION, {"w600k_r50.onnx": ser(pooled_image_embedder(
                "arcface_test", "input.1", "683", 112, 14, 512, SEED + 4,
                "Lightbox test twin of ArcFace w600k_r50: same contract, toy arithmetic."))}),
            ("ko-sbert-nli-test", VERSION, {"model.onnx": ser(sentence_encoder_test(
                "ko_sbert_nli_test", SEED + 5, (wp_vocab["[CLS]"], wp_vocab["[SEP]"]), 768, True,
                "Lightbox test twin of ko-sbert-nli: same contract, toy arithmetic.")), "tokenizer.json": wordpiece}),
            ("kcelectra-small-toxicity-test", VERSION, {"model.onnx": ser(toxicity_classifier_test(SEED + 6, wp_vocab)), "tokenizer.json": wordpiece}),
            ("multilingual-e5-small-test", VERSION, {"model.onnx": e5, "tokenizer.json": unigram}),
            ("multilingual-e5-small-int8-test", VERSION, {"model.onnx": e5_int8, "tokenizer.json": unigram}),
            ("cleanbot-e5-head-test", VERSION, {
                "model.onnx": ser(cleanbot_head_test(e5_seed, unigram_json["model"]["vocab"])),
                "metrics.json": json.dumps({"note": "test twin: no training, no metrics"}).encode("utf-8"),
            }),
            ("dlib-resnet-face-test", VERSION, {"model.onnx": ser(dlib_descriptor_test(SEED + 7))}),
            ("blazeface-back-test", VERSION, {"model.onnx": ser(blazeface_detector_test(SEED + 8))}),
            ("mobilenetv2-imagenet-test", VERSION, {"model.onnx": ser(mobilenet_classifier_test(SEED + 9)), "head.bin": mobilenet_head(SEED + 9 + 100)[2]}),
        ],
        GENERATOR,
        # Only head.bin passes 1 MiB (5 MB, mostly zero rows): git keeps its .gz, `npm run setup`
        # unpacks it (scripts/models/unpack-test-twins.ts, .gitignore).
        compress_over_bytes=1 << 20,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
