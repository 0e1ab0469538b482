/**
 * The upgrade models `npm run models:pull` fetches from Hugging Face or the GCS mirror: CLIP,
 * YuNet, ArcFace, ko-sbert and KcELECTRA. Each has a test twin (catalogue/test-twins.ts).
 */
import { imageInput, type ModelSpec, type TensorSpec } from './spec';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const BATCH = 'batch';

export const CLIP_IMAGE: ModelSpec = {
  id: 'clip-vit-b32-image',
  version: '1',
  task: 'image-embedding',
  runner: 'clip-image',
  description: 'OpenAI CLIP ViT-B/32 image tower with projection (ONNX export by Xenova, fp32)',
  license: 'MIT (OpenAI CLIP weights)',
  files: [{ name: 'vision_model.onnx', hfPath: 'onnx/vision_model.onnx', sha256: null }],
  onnxFile: 'vision_model.onnx',
  sources: {
    huggingface: { repo: 'Xenova/clip-vit-base-patch32', revision: 'main' },
    gcsPrefix: 'clip-vit-b32-image/1',
  },
  inputs: [{ name: 'pixel_values', dtype: 'float32', shape: [BATCH, 3, 224, 224] }],
  outputs: [{ name: 'image_embeds', dtype: 'float32', shape: [BATCH, 512], description: 'projected, not normalised' }],
  preprocessing: imageInput(224, 224, 'shortest-edge-center-crop', { interpolation: 'bicubic', mean: CLIP_MEAN, std: CLIP_STD }),
  embeddingDim: 512,
  pairedWith: 'clip-vit-b32-text',
  testTwin: 'clip-vit-b32-image-test',
  assumptions: ['output name image_embeds as exported by optimum for CLIPVisionModelWithProjection'],
};

const CLIP_TEXT: ModelSpec = {
  id: 'clip-vit-b32-text',
  version: '1',
  task: 'text-embedding',
  runner: 'clip-text',
  description: 'OpenAI CLIP ViT-B/32 text tower with projection (ONNX export by Xenova, fp32)',
  license: 'MIT (OpenAI CLIP weights)',
  files: [
    { name: 'text_model.onnx', hfPath: 'onnx/text_model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'text_model.onnx',
  sources: {
    huggingface: { repo: 'Xenova/clip-vit-base-patch32', revision: 'main' },
    gcsPrefix: 'clip-vit-b32-text/1',
  },
  inputs: [
    { name: 'input_ids', dtype: 'int64', shape: [BATCH, 77] },
    // Exports that take a mask get one; CLIP's text tower pools at the EOS token either way.
    { name: 'attention_mask', dtype: 'int64', shape: [BATCH, 77], optional: true },
  ],
  outputs: [{ name: 'text_embeds', dtype: 'float32', shape: [BATCH, 512], description: 'projected, not normalised' }],
  preprocessing: {
    kind: 'text',
    tokenizerFile: 'tokenizer.json',
    maxLength: 77,
    bosToken: '<|startoftext|>',
    eosToken: '<|endoftext|>',
    padToken: '<|endoftext|>',
    // OpenAI's CLIP was trained on English captions; Hangul is tokenised into byte pieces it
    // barely learnt, so Korean prompts are kept for display, not for scoring, with this model.
    languages: ['en'],
  },
  embeddingDim: 512,
  pairedWith: 'clip-vit-b32-image',
  testTwin: 'clip-vit-b32-text-test',
  assumptions: ['the export has a dynamic sequence axis, so 77 tokens padded with <|endoftext|> are accepted'],
};

const YUNET: ModelSpec = {
  id: 'yunet-2023mar',
  version: '1',
  task: 'face-detection',
  runner: 'yunet',
  description: 'YuNet face detector, 2023mar release from opencv_zoo (fp32, fixed 640×640 input)',
  license: 'MIT (opencv_zoo)',
  files: [{ name: 'face_detection_yunet_2023mar.onnx', sha256: null }],
  onnxFile: 'face_detection_yunet_2023mar.onnx',
  sources: {
    huggingface: { repo: 'opencv/face_detection_yunet', revision: 'main' },
    gcsPrefix: 'yunet-2023mar/1',
  },
  inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 640, 640], description: 'BGR, 0..255, no normalisation' }],
  outputs: [8, 16, 32].flatMap((stride) => {
    const cells = (640 / stride) ** 2;
    return [
      { name: `cls_${stride}`, dtype: 'float32' as const, shape: [1, cells, 1] },
      { name: `obj_${stride}`, dtype: 'float32' as const, shape: [1, cells, 1] },
      { name: `bbox_${stride}`, dtype: 'float32' as const, shape: [1, cells, 4] },
      { name: `kps_${stride}`, dtype: 'float32' as const, shape: [1, cells, 10] },
    ];
  }),
  preprocessing: imageInput(640, 640, 'letterbox', { colorOrder: 'BGR', scale: 1 }),
  testTwin: 'yunet-2023mar-test',
  assumptions: [
    'Hugging Face mirror opencv/face_detection_yunet holds face_detection_yunet_2023mar.onnx at its root',
    'output names cls_/obj_/bbox_/kps_{8,16,32} as used by OpenCV FaceDetectorYN for the 2023mar model',
  ],
};

const ARCFACE: ModelSpec = {
  id: 'arcface-w600k-r50',
  version: '1',
  task: 'face-embedding',
  runner: 'arcface',
  description: 'ArcFace ResNet-50 trained on WebFace600K (InsightFace buffalo_l pack, w600k_r50.onnx)',
  // The InsightFace model packs are released for non-commercial research only: a commercial
  // deployment must license them or swap in another embedder with the same contract.
  license: 'non-commercial research only (InsightFace model zoo)',
  files: [{ name: 'w600k_r50.onnx', sha256: null }],
  onnxFile: 'w600k_r50.onnx',
  // InsightFace distributes buffalo_l as a zip on GitHub releases, not on Hugging Face, so the
  // file is fetched from our own bucket after someone extracts it there once.
  sources: { gcsPrefix: 'arcface-w600k-r50/1' },
  inputs: [{ name: 'input.1', dtype: 'float32', shape: [BATCH, 3, 112, 112] }],
  outputs: [{ name: '683', dtype: 'float32', shape: [BATCH, 512], description: 'not normalised' }],
  preprocessing: imageInput(112, 112, 'aligned-face', { scale: 1, mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5] }),
  embeddingDim: 512,
  testTwin: 'arcface-w600k-r50-test',
  assumptions: [
    'input name input.1 and output name 683 (the torch-exported node names of w600k_r50): unverified; models:pull and session load fail loudly with the real names if they differ',
  ],
};

const TEXT_INPUTS: readonly TensorSpec[] = [
  { name: 'input_ids', dtype: 'int64', shape: [BATCH, 'sequence'] },
  { name: 'attention_mask', dtype: 'int64', shape: [BATCH, 'sequence'] },
  // Exports of single-segment models sometimes drop it; fed (all zeros) when the graph has it.
  { name: 'token_type_ids', dtype: 'int64', shape: [BATCH, 'sequence'], optional: true },
];

const BERT_WORDPIECE = {
  kind: 'wordpiece',
  tokenizerFile: 'tokenizer.json',
  clsToken: '[CLS]',
  sepToken: '[SEP]',
  padToken: '[PAD]',
} as const;

export const KO_SBERT_NLI: ModelSpec = {
  id: 'ko-sbert-nli',
  version: '1',
  task: 'sentence-embedding',
  runner: 'sentence-embedder',
  description: 'jhgan/ko-sbert-nli: klue/bert-base fine-tuned on KorNLI for sentence embeddings (mean pooling, 768-d), ONNX export',
  license: 'see the jhgan/ko-sbert-nli model card (klue/bert-base is CC-BY-SA-4.0)',
  files: [
    { name: 'model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'model.onnx',
  // The Hugging Face repo ships PyTorch weights only: the ONNX graph is exported once with
  // `optimum-cli export onnx --model jhgan/ko-sbert-nli --task feature-extraction` and mirrored,
  // with the repo's tokenizer.json, to gs://$LIGHTBOX_MODELS_BUCKET/ko-sbert-nli/1/.
  sources: { gcsPrefix: 'ko-sbert-nli/1' },
  inputs: TEXT_INPUTS,
  outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: [BATCH, 'sequence', 768], description: 'token states; mean-pooled over the mask' }],
  // sentence-transformers config of the model: max_seq_length 128.
  preprocessing: { ...BERT_WORDPIECE, maxLength: 128 },
  embeddingDim: 768,
  pooling: 'mean',
  testTwin: 'ko-sbert-nli-test',
  assumptions: [
    'an optimum feature-extraction export names its inputs input_ids/attention_mask/token_type_ids and its output last_hidden_state',
    'the repo has a tokenizer.json (else save one with transformers AutoTokenizer.save_pretrained before mirroring)',
  ],
};

export const KCELECTRA_TOXICITY: ModelSpec = {
  id: 'kcelectra-small-toxicity',
  version: '1',
  task: 'text-classification',
  runner: 'text-classifier',
  description: 'KcELECTRA-small-v2022 fine-tuned by the team as a chat toxicity classifier (ElectraForSequenceClassification), ONNX export',
  license: "MIT (beomi/KcELECTRA-small-v2022); the fine-tuned weights are the team's own",
  files: [
    { name: 'model.onnx', sha256: null },
    { name: 'tokenizer.json', sha256: null },
  ],
  onnxFile: 'model.onnx',
  // Not public: the hertz team's own fine-tune, exported with optimum (text-classification) and
  // kept in the models bucket. Label names come from its config.json id2label and can be
  // renamed with the classifier's `labels` option (the count must match the logits).
  sources: { gcsPrefix: 'kcelectra-small-toxicity/1' },
  inputs: TEXT_INPUTS,
  outputs: [{ name: 'logits', dtype: 'float32', shape: [BATCH, 2] }],
  // Chat messages are short; 128 tokens keeps a batch cheap and covers nearly every message.
  preprocessing: { ...BERT_WORDPIECE, maxLength: 128 },
  classification: { labels: ['clean', 'toxic'], activation: 'softmax', cleanLabel: 'clean' },
  testTwin: 'kcelectra-small-toxicity-test',
  assumptions: [
    'a binary head with id2label {0: clean, 1: toxic}; a multi-label head needs its labels named and activation sigmoid',
    'exported with a dynamic sequence axis and token_type_ids as an input',
  ],
};

/** The models `models:pull` fetches when named none (Hugging Face or the GCS mirror). */
export const PRODUCTION_MODELS: readonly ModelSpec[] = [CLIP_IMAGE, CLIP_TEXT, YUNET, ARCFACE, KO_SBERT_NLI, KCELECTRA_TOXICITY];
