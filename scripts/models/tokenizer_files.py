"""Small tokenizer.json files with the structure of the production ones, for the generated
models: CLIP's byte-level BPE and the BERT-family WordPiece with Korean coverage.
"""
import re

CLIP_BOS_ID = 49406
CLIP_EOS_ID = 49407

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


# ---- XLM-R-format (sentencepiece Unigram) tokenizer.json with Korean coverage ----------------

XLMR_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"]


def unigram_tokenizer_json():
    """A tokenizer.json with the structure of multilingual-e5-small's (XLM-R: Metaspace '▁',
    Unigram, <s> $A </s>) over a small vocabulary: the WordPiece test words as whole pieces (so
    the Viterbi search prefers them), every KS X 1001 syllable, jamo, ASCII and a few emoji. The
    real file's normalizer is a 300 KB precompiled sentencepiece charsmap; NFKC stands in for it."""
    pieces = [[t, 0.0] for t in XLMR_SPECIALS]
    seen = set(XLMR_SPECIALS)

    def add(piece, score):
        if piece not in seen:
            seen.add(piece)
            pieces.append([piece, score])

    add("▁", -4.0)
    for w in WORDPIECE_WORDS + ["query"]:
        add("▁" + w, -6.0)
        add(w, -7.0)
    add(":", -5.0)
    for suffix in WORDPIECE_SUFFIXES:
        add(suffix, -8.0)
    singles = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0x3131, 0x3164)] + ksx1001_hangul() + TEST_EMOJI
    for ch in singles:
        add(ch, -10.0)
    special = lambda i, content: {  # noqa: E731
        "id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True,
    }
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(i, t) for i, t in enumerate(XLMR_SPECIALS)],
        "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [
                {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
            ],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}},
        },
        "decoder": {"type": "Metaspace", "replacement": "▁", "add_prefix_space": True},
        "model": {"type": "Unigram", "unk_id": 3, "vocab": pieces},
    }
