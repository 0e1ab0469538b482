#!/usr/bin/env python3
"""Writes the small ONNX models every ONNX code path of Lightbox is tested with.

    PYTHONPATH=.tools/py python3 scripts/make-test-models.py test/fixtures/models
    PYTHONPATH=.tools/py python3 scripts/make-test-models.py --shape-faithful .lightbox/models-bench

Each test model has exactly the input/output names, dtypes and shapes (symbolic batch) of the
production model it stands in for (src/models/catalogue/production.ts), so preprocessing, batching, session
handling, output parsing and checksum checks run for real; only the arithmetic inside is a toy.
Weights are derived from a fixed seed through sin(outer(u, v)) so that a 512-wide projection
costs a few hundred bytes in the file instead of hundreds of KB, and regenerating gives the same
bytes. The output folder gets a models.lock.json in the same format `npm run models:pull` writes,
so the model store verifies the fixtures' sha256 exactly as it verifies pulled models.

--shape-faithful writes full-size architectures with random weights for benchmarks: the CLIP
ViT-B/32 image encoder (patch 32, width 768, 12 layers, ~88M weights, ~350 MB), ko-sbert-nli's
BERT-base (12 × 768, vocab 32000, ~110M weights, ~440 MB) and KcELECTRA-small as a sequence
classifier (embed 128 → 256, 12 layers, vocab 54343, ~14M weights, ~55 MB); `--only NAME` picks
some. Inference cost matches the real models, the outputs mean nothing. Never commit them.

Needs only `onnx` and `numpy` (scripts/install-tools.sh puts them in .tools/py).
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
# ORT releases from 1.14 on read IR 8; newer onnx packages default to an IR version that older
# runtimes refuse, so pin it.
IR_VERSION = 8
SEED = 20240611

CLIP_BOS_ID = 49406
CLIP_EOS_ID = 49407


class Graph:
    """A small builder: unique names, initializers, nodes."""

    def __init__(self, name):
        self.name = name
        self.nodes = []
        self.inits = []
        self.counter = 0

    def fresh(self, hint):
        self.counter += 1
        return f"{hint}_{self.counter}"

    def const(self, array, hint="c"):
        name = self.fresh(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, out=None, **attrs):
        out = out or self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=self.fresh("n_" + op_type), **attrs))
        return out

    def model(self, inputs, outputs, doc):
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs, self.inits)
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="lightbox scripts/make-test-models.py",
            doc_string=doc,
        )
        model.ir_version = IR_VERSION
        onnx.checker.check_model(model, full_check=True)
        return model


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
    g = Graph(name)
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
    return g.model(
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["batch", 3, size, size])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["batch", dim])],
        doc,
    )


def clip_text_encoder(seed):
    """input_ids int64 [N,77] → bag of sinusoidal token features (special tokens masked) → [N,512]."""
    rng = np.random.default_rng(seed)
    g = Graph("clip_text_encoder_test")
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
    return g.model(
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
    g = Graph("yunet_test")
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
    return g.model(
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
        outs,
        "Lightbox test twin of YuNet 2023mar: same contract, detects bright stride-sized squares.",
    )


# ---- CLIP-format tokenizer.json -------------------------------------------------------------

def bytes_to_unicode():
    """GPT-2/CLIP's reversible byte → printable character table."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


TOKENIZER_CORPUS = [
    "a photo of food", "a photo of a person", "a photo of people", "a photo of a landscape",
    "a photo of an animal", "a photo of a pet", "a photo of a document", "a photo of a building",
    "a photo of the sea", "a photo of a city at night", "a selfie", "a group photo",
    "음식 사진", "사람 사진", "풍경 사진", "동물 사진", "문서 사진", "건물 사진", "바다 사진", "야경 사진",
]


def clip_tokenizer_json(merges_wanted=160):
    """A tokenizer.json with the structure of openai/clip-vit-base-patch32's, over a tiny vocab.

    Same normalizer, pre-tokenizer regex, byte-level alphabet, '</w>' end-of-word suffix,
    special tokens and their ids (49406/49407) as the real file; merges are learnt here from a
    few label prompts so that real multi-character tokens occur.
    """
    import re

    b2u = bytes_to_unicode()
    alphabet = [b2u[b] for b in range(256)]
    vocab = {}
    for ch in alphabet:
        vocab[ch] = len(vocab)
    for ch in alphabet:
        vocab[ch + "</w>"] = len(vocab)
    # The pre-tokenizer pattern of CLIP's tokenizer.json ([\p{L}]+ etc.), as Python's `re` spells it.
    word_re = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+")
    words = {}
    for text in TOKENIZER_CORPUS:
        for w in word_re.findall(text.lower()):
            symbols = [b2u[b] for b in w.encode("utf-8")]
            symbols[-1] += "</w>"
            words[tuple(symbols)] = words.get(tuple(symbols), 0) + 1
    merges = []
    for _ in range(merges_wanted):
        pairs = {}
        for word, freq in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + freq
        if not pairs:
            break
        best = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        merges.append(f"{best[0]} {best[1]}")
        merged = best[0] + best[1]
        if merged not in vocab:
            vocab[merged] = len(vocab)
        new_words = {}
        for word, freq in words.items():
            out = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new_words[tuple(out)] = new_words.get(tuple(out), 0) + freq
        words = new_words
    vocab["<|startoftext|>"] = CLIP_BOS_ID
    vocab["<|endoftext|>"] = CLIP_EOS_ID
    special = lambda content, i: {  # noqa: E731
        "id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
        "normalized": True, "special": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special("<|startoftext|>", CLIP_BOS_ID), special("<|endoftext|>", CLIP_EOS_ID)],
        "normalizer": {
            "type": "Sequence",
            "normalizers": [
                {"type": "NFC"},
                {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
                {"type": "Lowercase"},
            ],
        },
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split",
                    "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
                    "behavior": "Removed",
                    "invert": True,
                },
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
            ],
        },
        "post_processor": {
            "type": "RobertaProcessing",
            "sep": ["<|endoftext|>", CLIP_EOS_ID],
            "cls": ["<|startoftext|>", CLIP_BOS_ID],
            "trim_offsets": False,
            "add_prefix_space": False,
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": "<|endoftext|>",
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "</w>",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": merges,
        },
    }


# ---- BERT-format (WordPiece) tokenizer.json with Korean coverage ------------------------------

WORDPIECE_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Whole words the toy vocabulary knows, so WordPiece's longest-match produces real multi-character
# tokens (the production vocabularies are 32k-54k pieces learnt from Korean text).
WORDPIECE_WORDS = [
    # profile vocabulary
    "여행", "음악", "영화", "운동", "등산", "요리", "커피", "독서", "사진", "캠핑", "고양이", "강아지",
    "좋아해요", "좋아하는", "주말", "서울", "부산", "제주", "재즈", "클래식", "맛집", "카페", "산책",
    "게임", "축구", "야구", "러닝", "헬스", "요가", "그림", "공연", "와인", "맥주", "드라이브",
    "hiking", "music", "coffee", "travel", "movie", "jazz", "yoga", "game",
    # chat vocabulary, toxic words included so the toy classifier can key on them
    "안녕하세요", "반가워요", "감사합니다", "오늘", "내일", "같이", "어때요", "진짜", "정말",
    "씨발", "시발", "개새끼", "새끼", "병신", "좆같", "존나", "미친", "지랄", "닥쳐", "꺼져",
]
WORDPIECE_SUFFIXES = ["요", "는", "은", "을", "를", "이", "가", "에", "도", "야", "네", "다", "고", "해"]
TEST_EMOJI = ["😀", "😂", "🤬", "👍", "❤", "🔥", "😡", "🙏"]
# Tokens the toy toxicity classifier scores as toxic (its only knowledge).
TOXIC_TEST_TOKENS = ["씨발", "시발", "개새끼", "병신", "좆같", "존나", "지랄", "닥쳐", "꺼져", "🤬"]


def ksx1001_hangul():
    """The 2,350 Hangul syllables of KS X 1001 (EUC-KR rows 0xB0-0xC8): everyday Korean."""
    out = []
    for hi in range(0xB0, 0xC9):
        for lo in range(0xA1, 0xFF):
            out.append(bytes([hi, lo]).decode("euc-kr"))
    return out


def wordpiece_vocab():
    vocab = {}

    def add(tok):
        if tok not in vocab:
            vocab[tok] = len(vocab)

    for t in WORDPIECE_SPECIALS:
        add(t)
    singles = [chr(c) for c in range(0x21, 0x7F)]
    singles += [chr(c) for c in range(0x3131, 0x3164)]  # compatibility jamo ㄱ…ㅣ (ㅋㅋ, ㅅㅂ)
    singles += ksx1001_hangul() + TEST_EMOJI
    for ch in singles:
        add(ch)
    for ch in singles:
        if not (len(ch) == 1 and ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"):
            add("##" + ch)
    for w in WORDPIECE_WORDS:
        add(w)
        add("##" + w)
    for suffix in WORDPIECE_SUFFIXES:
        add("##" + suffix)
    return vocab


def wordpiece_tokenizer_json():
    """A tokenizer.json with the structure of klue/bert-base's and KcELECTRA's (BertNormalizer
    without lower-casing, BertPreTokenizer, WordPiece with '##', [CLS] $A [SEP]) over a small
    vocabulary: KS X 1001 syllables, jamo, ASCII, a few emoji and whole words."""
    vocab = wordpiece_vocab()
    special = lambda content: {  # noqa: E731
        "id": vocab[content], "content": content, "single_word": False, "lstrip": False, "rstrip": False,
        "normalized": False, "special": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(t) for t in WORDPIECE_SPECIALS],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": False, "lowercase": False},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}},
                {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}},
            ],
            "special_tokens": {t: {"id": t, "ids": [vocab[t]], "tokens": [t]} for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab},
    }


def token_features(g, rng, width, hint):
    """[N, seq] int64 ids → [N, seq, width] sin(id·f + φ): a cheap, well-spread stand-in for an
    embedding table that costs 2·width floats in the file instead of vocab·width."""
    ids_f = g.op("Cast", ["input_ids"], to=TensorProto.FLOAT)
    freqs = g.const(rng.uniform(0.01, 1.0, size=(1, 1, width)).astype(np.float32), hint + "_freqs")
    phase = g.const(rng.uniform(0, np.pi, size=(1, 1, width)).astype(np.float32), hint + "_phase")
    axes_last = g.const(np.array([2], dtype=np.int64), "axis2")
    return g.op("Sin", [g.op("Add", [g.op("Mul", [g.op("Unsqueeze", [ids_f, axes_last]), freqs]), phase])])


def sentence_encoder_test(seed, vocab):
    """ko-sbert-nli's contract: three int64 [N, seq] inputs → last_hidden_state [N, seq, 768].

    Each position's state is its token's sinusoidal features plus a small token-type term; the
    [CLS]/[SEP] states are zero, so mean pooling over the attention mask (done in TypeScript, as
    sentence-transformers does) gives a bag-of-tokens embedding where texts that share words are
    close. Padded positions get deliberately large garbage: pooling that ignores the mask shows.
    """
    rng = np.random.default_rng(seed)
    g = Graph("ko_sbert_nli_test")
    feats = token_features(g, rng, 768, "tok")
    special = g.op("Or", [
        g.op("Equal", ["input_ids", g.const(np.array(vocab["[CLS]"], dtype=np.int64), "cls")]),
        g.op("Equal", ["input_ids", g.const(np.array(vocab["[SEP]"], dtype=np.int64), "sep")]),
    ])
    keep = g.op("Unsqueeze", [g.op("Cast", [g.op("Not", [special])], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
    mask = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
    types = g.op("Unsqueeze", [g.op("Cast", ["token_type_ids"], to=TensorProto.FLOAT), g.const(np.array([2], dtype=np.int64), "axis2")])
    state = g.op("Add", [g.op("Mul", [feats, keep]), g.op("Mul", [types, g.const(np.array(0.01, np.float32), "type_w")])])
    # mask·state + (1 − mask)·50: padding positions carry a large constant.
    padded = g.op("Mul", [g.op("Sub", [g.const(np.array(1.0, np.float32), "one"), mask]), g.const(np.array(50.0, np.float32), "pad")])
    g.op("Add", [g.op("Mul", [state, mask]), padded], out="last_hidden_state")
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 768])],
        "Lightbox test twin of ko-sbert-nli: same contract, toy arithmetic.",
    )


def toxicity_classifier_test(seed, vocab):
    """KcELECTRA-small toxicity's contract: three int64 [N, seq] inputs → logits [N, 2] (clean, toxic).

    toxic logit = 4·(count of known toxic tokens under the mask) − 2, clean logit = 0, through a
    [vocab, 1] weight table: enough to check that normalisation, tokenisation, batching, masking
    and label mapping reach the model, which scores what it sees and nothing else.
    """
    del seed
    g = Graph("kcelectra_small_toxicity_test")
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
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        "Lightbox test twin of the KcELECTRA-small toxicity classifier: same contract, toy arithmetic.",
    )


# ---- shape-faithful transformers (benchmarks only) ------------------------------------------

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
    g = Graph("clip_vit_b32_image_shape_faithful")
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
    )


TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def text_inputs():
    return [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"]) for n in TEXT_INPUTS]


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
    g = Graph("ko_sbert_nli_shape_faithful")
    t = Transformer(g, rng, 768, 12, 3072, 1e-12)
    x = bert_family_encoder(g, t, vocab=32000, embed=768, layers=12, max_positions=512)
    g.op("Identity", [x], out="last_hidden_state")
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", 768])],
        "Shape-faithful ko-sbert-nli (BERT-base) with random weights, for benchmarks only.",
    )


def electra_small_classifier(seed, num_labels=2):
    """KcELECTRA-small-v2022 as a sequence classifier: embed 128 → 256, 12 layers, 4 heads,
    FFN 1024, vocab 54343, and HF's ElectraClassificationHead (dense, GELU, out_proj on [CLS])."""
    rng = np.random.default_rng(seed)
    g = Graph("kcelectra_small_toxicity_shape_faithful")
    t = Transformer(g, rng, 256, 4, 1024, 1e-12)
    x = bert_family_encoder(g, t, vocab=54343, embed=128, layers=12, max_positions=512)
    cls = g.op("Squeeze", [g.op("Slice", [x, t.i64(0), t.i64(1), t.i64(1)]), t.i64(1)])
    h = t.gelu(t.linear(cls, 256, 256))
    g.op("Identity", [t.linear(h, 256, num_labels)], out="logits")
    return g.model(
        text_inputs(),
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", num_labels])],
        "Shape-faithful KcELECTRA-small toxicity classifier with random weights, for benchmarks only.",
    )


# ---- output ------------------------------------------------------------------------------------

def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_set(out_dir, entries):
    """entries: [(model_id, version, {file_name: bytes})] → files plus models.lock.json."""
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
            recorded[name] = {"sha256": sha256_of(path), "sizeBytes": os.path.getsize(path)}
        lock["models"][f"{model_id}@{version}"] = {
            "id": model_id,
            "version": version,
            "source": {"kind": "generated", "generator": "scripts/make-test-models.py"},
            "files": recorded,
        }
        print(f"  {model_id}@{version}: " + ", ".join(f"{n} ({r['sizeBytes']} B)" for n, r in recorded.items()))
    tmp = lock_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(lock, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, lock_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", help="models dir to write (test/fixtures/models for the committed set)")
    parser.add_argument("--shape-faithful", action="store_true", help="write the full-size random CLIP ViT-B/32 image encoder instead (~350 MB, never commit)")
    parser.add_argument("--only", action="append", choices=["clip-image", "sbert", "electra"], help="with --shape-faithful: write only these (repeatable)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    ser = lambda m: m.SerializeToString()  # noqa: E731
    if args.shape_faithful:
        wanted = set(args.only or ["clip-image", "sbert", "electra"])
        wordpiece = json.dumps(wordpiece_tokenizer_json(), ensure_ascii=False).encode("utf-8")
        print(f"writing shape-faithful models ({', '.join(sorted(wanted))}) into {args.out_dir}")
        # One model at a time, so only one full-size graph is in memory.
        if "clip-image" in wanted:
            write_set(args.out_dir, [("clip-vit-b32-image-bench", "bench-1", {"vision_model.onnx": ser(vit_b32_image_encoder(SEED))})])
        # The bench text models take the test tokenizer: its ids fall inside both real vocabularies,
        # and sequence lengths of Korean text come out close to a real WordPiece vocabulary's.
        if "sbert" in wanted:
            write_set(args.out_dir, [("ko-sbert-nli-bench", "bench-1", {"model.onnx": ser(bert_base_sentence_encoder(SEED + 10)), "tokenizer.json": wordpiece})])
        if "electra" in wanted:
            write_set(args.out_dir, [("kcelectra-small-toxicity-bench", "bench-1", {"model.onnx": ser(electra_small_classifier(SEED + 11)), "tokenizer.json": wordpiece})])
        return 0
    version = "test-1"
    tokenizer = json.dumps(clip_tokenizer_json(), ensure_ascii=False, indent=None, sort_keys=False).encode("utf-8")
    wordpiece_json = wordpiece_tokenizer_json()
    wordpiece = json.dumps(wordpiece_json, ensure_ascii=False).encode("utf-8")
    wp_vocab = wordpiece_json["model"]["vocab"]
    print(f"writing test models into {args.out_dir}")
    write_set(
        args.out_dir,
        [
            ("clip-vit-b32-image-test", version, {"vision_model.onnx": ser(pooled_image_embedder(
                "clip_image_encoder_test", "pixel_values", "image_embeds", 224, 56, 512, SEED + 1,
                "Lightbox test twin of the CLIP ViT-B/32 image encoder: same contract, toy arithmetic."))}),
            ("clip-vit-b32-text-test", version, {"text_model.onnx": ser(clip_text_encoder(SEED + 2)), "tokenizer.json": tokenizer}),
            ("yunet-2023mar-test", version, {"face_detection_yunet_2023mar.onnx": ser(yunet_detector(SEED + 3))}),
            ("arcface-w600k-r50-test", version, {"w600k_r50.onnx": ser(pooled_image_embedder(
                "arcface_test", "input.1", "683", 112, 14, 512, SEED + 4,
                "Lightbox test twin of ArcFace w600k_r50: same contract, toy arithmetic."))}),
            ("ko-sbert-nli-test", version, {"model.onnx": ser(sentence_encoder_test(SEED + 5, wp_vocab)), "tokenizer.json": wordpiece}),
            ("kcelectra-small-toxicity-test", version, {"model.onnx": ser(toxicity_classifier_test(SEED + 6, wp_vocab)), "tokenizer.json": wordpiece}),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
