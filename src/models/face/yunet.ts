/**
 * YuNet (opencv_zoo, 2023mar) face detection with onnxruntime: letterbox the photo into the
 * model's fixed 640×640 BGR input, run, decode the anchor-free outputs at strides 8/16/32 the way
 * OpenCV's FaceDetectorYN does, non-maximum suppression, and map boxes and the five landmarks
 * back to the photo's own pixels.
 */
import * as ort from 'onnxruntime-node';
import { imageSize, MAX_PHOTO_PIXELS, openImage, type ImageInput } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';

export const YUNET_MODEL_ID = 'yunet-2023mar';
export const YUNET_STRIDES = [8, 16, 32] as const;

export type Point = [number, number];

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FaceDetection {
  box: Box;
  /** Right eye, left eye, nose tip, right and left mouth corner (the subject's right/left). */
  landmarks: [Point, Point, Point, Point, Point];
  score: number;
}

export interface DecodeOptions {
  /** OpenCV's FaceDetectorYN default is 0.9. */
  scoreThreshold?: number;
  /** OpenCV's default 0.3. */
  nmsThreshold?: number;
  /** Candidates kept before NMS (OpenCV's default 5000). */
  topK?: number;
}

interface OutputArrays {
  [name: string]: { data: ArrayLike<number> } | undefined;
}

export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Greedy NMS: best first, drop every later box overlapping a kept one by more than `threshold`. */
export function nms<T extends { box: Box; score: number }>(items: readonly T[], threshold: number, topK = Infinity): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score).slice(0, topK);
  const kept: T[] = [];
  for (const item of sorted) {
    if (kept.every((k) => iou(k.box, item.box) <= threshold)) kept.push(item);
  }
  return kept;
}

/**
 * Raw YuNet outputs for an inputWidth×inputHeight input → faces in input pixels. Per cell (r, c)
 * at stride s: score = sqrt(clamp(cls)·clamp(obj)); centre = ((c, r) + bbox[0..1])·s; size =
 * exp(bbox[2..3])·s; landmark k = (kps[2k..2k+1] + (c, r))·s.
 */
export function decodeYuNet(outputs: OutputArrays, inputWidth: number, inputHeight: number, options: DecodeOptions = {}): FaceDetection[] {
  const threshold = options.scoreThreshold ?? 0.9;
  const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
  const candidates: FaceDetection[] = [];
  for (const stride of YUNET_STRIDES) {
    const cols = Math.floor(inputWidth / stride);
    const rows = Math.floor(inputHeight / stride);
    const get = (kind: string) => {
      const o = outputs[`${kind}_${stride}`];
      if (!o) throw new Error(`YuNet output ${kind}_${stride} is missing`);
      return o.data;
    };
    const cls = get('cls');
    const obj = get('obj');
    const bbox = get('bbox');
    const kps = get('kps');
    if (cls.length !== rows * cols) throw new Error(`cls_${stride} has ${cls.length} cells, expected ${rows}×${cols} for a ${inputWidth}×${inputHeight} input`);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < threshold) continue;
        const cx = (c + bbox[i * 4]!) * stride;
        const cy = (r + bbox[i * 4 + 1]!) * stride;
        const w = Math.exp(bbox[i * 4 + 2]!) * stride;
        const h = Math.exp(bbox[i * 4 + 3]!) * stride;
        const lm = [0, 1, 2, 3, 4].map((k) => [(kps[i * 10 + 2 * k]! + c) * stride, (kps[i * 10 + 2 * k + 1]! + r) * stride] as Point);
        candidates.push({
          box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h },
          landmarks: lm as FaceDetection['landmarks'],
          score,
        });
      }
    }
  }
  return nms(candidates, options.nmsThreshold ?? 0.3, options.topK ?? 5000);
}

export interface Letterboxed {
  tensor: ort.Tensor;
  /** Photo size after EXIF rotation: the coordinate space detections are mapped back to. */
  width: number;
  height: number;
  /** Model-input pixels per photo pixel, per axis. */
  scaleX: number;
  scaleY: number;
}

/** Fits the photo inside the model input keeping its aspect, pads right and bottom with black. */
export async function letterbox(image: ImageInput, prep: ImagePreprocessing, limitInputPixels = MAX_PHOTO_PIXELS): Promise<Letterboxed> {
  const { width, height } = await imageSize(image, limitInputPixels);
  const { data, info } = await openImage(image, limitInputPixels)
    .resize(prep.width, prep.height, { fit: 'inside', kernel: prep.interpolation === 'bicubic' ? 'cubic' : 'linear' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = prep.width * prep.height;
  const out = new Float32Array(3 * plane); // zeros = black padding, as OpenCV pads
  const order = prep.colorOrder === 'RGB' ? [0, 1, 2] : [2, 1, 0];
  for (let c = 0; c < 3; c++) {
    const src = order[c]!;
    const mul = prep.scale / prep.std[c]!;
    const sub = prep.mean[c]! / prep.std[c]!;
    for (let y = 0; y < info.height; y++) {
      const rowOut = c * plane + y * prep.width;
      const rowIn = y * info.width * info.channels;
      for (let x = 0; x < info.width; x++) out[rowOut + x] = data[rowIn + x * info.channels + src]! * mul - sub;
    }
  }
  return {
    tensor: new ort.Tensor('float32', out, [1, 3, prep.height, prep.width]),
    width,
    height,
    scaleX: info.width / width,
    scaleY: info.height / height,
  };
}

/** Detections in the model's input back to the photo's pixels, clipped to the photo. */
export function toPhotoPixels(raw: readonly FaceDetection[], lb: Letterboxed): FaceDetection[] {
  const faces: FaceDetection[] = [];
  for (const f of raw) {
    const x1 = Math.max(0, f.box.x / lb.scaleX);
    const y1 = Math.max(0, f.box.y / lb.scaleY);
    const x2 = Math.min(lb.width, (f.box.x + f.box.width) / lb.scaleX);
    const y2 = Math.min(lb.height, (f.box.y + f.box.height) / lb.scaleY);
    // A box wholly in the padding is an artefact of letterboxing, not a face.
    if (x2 <= x1 || y2 <= y1) continue;
    faces.push({
      box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 },
      landmarks: f.landmarks.map(([x, y]) => [x / lb.scaleX, y / lb.scaleY]) as FaceDetection['landmarks'],
      score: f.score,
    });
  }
  return faces;
}

export class YuNetDetector {
  readonly spec: ModelSpec;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string = YUNET_MODEL_ID,
    private readonly options: DecodeOptions & { limitInputPixels?: number } = {},
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'face-detection') throw new Error(`${modelId} is not a face detector`);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  /** Faces in the photo's own (EXIF-rotated) pixel coordinates, best first. */
  async detect(image: ImageInput, options: DecodeOptions = {}): Promise<{ model: string; width: number; height: number; faces: FaceDetection[] }> {
    const prep = this.spec.preprocessing as ImagePreprocessing;
    const session = await this.sessions.get(this.spec);
    const lb = await letterbox(image, prep, this.options.limitInputPixels);
    const out = await session.run({ [this.spec.inputs[0]!.name]: lb.tensor });
    const raw = decodeYuNet(out as OutputArrays, prep.width, prep.height, { ...this.options, ...options });
    return { model: this.ref, width: lb.width, height: lb.height, faces: toPhotoPixels(raw, lb) };
  }
}
