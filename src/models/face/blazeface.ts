/**
 * MediaPipe BlazeFace (back-camera variant) face detection: letterbox the photo into 256×256,
 * run, decode the 896 anchors (16×16×2 at stride 16, then 8×8×6 at stride 32), sigmoid the
 * scores, NMS, and map boxes and keypoints back to the photo's pixels.
 *
 * BlazeFace fires on some non-faces (a cat, a coffee cup at ≥ 0.59 in our checks), so beyond the
 * score threshold a detection must look like a face: eyes level-ish and above the mouth, eye
 * distance a plausible fraction of the box width, and a box not too small to describe.
 */
import { letterbox, nms, toPhotoPixels, type FaceDetection, type Point } from './yunet';
import type { ImageInput } from '../image-tensor';
import { getModelSpec, modelRef, type ImagePreprocessing, type ModelSpec } from '../registry';
import type { SessionPool } from '../sessions';

export const BLAZEFACE_MODEL_ID = 'blazeface-back';

export interface BlazeFaceOptions {
  /** Sigmoid score a face must reach; 0.65 keeps every face in our eval and drops cats and cups. */
  scoreThreshold?: number;
  nmsThreshold?: number;
  /** Smallest face box side, as a fraction of the 256-px input (smaller ones are noise). */
  minBoxFraction?: number;
}

/** Anchor centres, normalised 0..1, in the model's output order. */
export function blazeFaceAnchors(): Float32Array {
  const out = new Float32Array(896 * 2);
  let i = 0;
  for (const [n, per] of [
    [16, 2],
    [8, 6],
  ] as const) {
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        for (let k = 0; k < per; k++) {
          out[i++] = (x + 0.5) / n;
          out[i++] = (y + 0.5) / n;
        }
      }
    }
  }
  return out;
}

const ANCHORS = blazeFaceAnchors();

/** Is this a plausible upright face? (cheap geometry on the keypoints) */
export function looksLikeFace(f: FaceDetection): boolean {
  const [re, le, nose, mouth] = f.landmarks;
  const eyeDx = le[0] - re[0];
  const eyeDy = le[1] - re[1];
  const eyeDist = Math.hypot(eyeDx, eyeDy);
  if (eyeDist < 0.2 * f.box.width || eyeDist > 0.75 * f.box.width) return false;
  // Eyes roughly level (a tilt up to 20°: a tilted cat face scored 0.77 at 23°) and the mouth below the eyes, the nose between.
  if (Math.abs(eyeDy) > 0.36 * Math.abs(eyeDx)) return false;
  const eyeY = (re[1] + le[1]) / 2;
  return mouth[1] > eyeY && nose[1] > eyeY - 0.1 * eyeDist && mouth[1] > nose[1] - 0.1 * eyeDist;
}

/** Raw outputs (scores [1,896,1], regressors [1,896,16]) → faces in input pixels. */
export function decodeBlazeFace(scores: ArrayLike<number>, reg: ArrayLike<number>, size: number, options: BlazeFaceOptions = {}): FaceDetection[] {
  const threshold = options.scoreThreshold ?? 0.65;
  const logitMin = Math.log(threshold / (1 - threshold));
  const minSide = (options.minBoxFraction ?? 0.03) * size;
  const faces: FaceDetection[] = [];
  for (let i = 0; i < 896; i++) {
    const logit = scores[i]!;
    if (logit < logitMin) continue;
    const ax = ANCHORS[i * 2]! * size;
    const ay = ANCHORS[i * 2 + 1]! * size;
    const r = (k: number) => reg[i * 16 + k]!;
    const cx = r(0) + ax;
    const cy = r(1) + ay;
    const w = r(2);
    const h = r(3);
    if (w < minSide || h < minSide) continue;
    const kp = (k: number): Point => [r(4 + 2 * k) + ax, r(5 + 2 * k) + ay];
    // BlazeFace gives one mouth point; both mouth corners carry it so the 5-point shape holds.
    const face: FaceDetection = {
      box: { x: cx - w / 2, y: cy - h / 2, width: w, height: h },
      landmarks: [kp(0), kp(1), kp(2), kp(3), kp(3)],
      score: 1 / (1 + Math.exp(-logit)),
    };
    if (looksLikeFace(face)) faces.push(face);
  }
  return nms(faces, options.nmsThreshold ?? 0.3);
}

export class BlazeFaceDetector {
  readonly spec: ModelSpec;

  constructor(
    private readonly sessions: SessionPool,
    modelId: string = BLAZEFACE_MODEL_ID,
    private readonly options: BlazeFaceOptions & { limitInputPixels?: number } = {},
  ) {
    this.spec = getModelSpec(modelId);
    if (this.spec.task !== 'face-detection') throw new Error(`${modelId} is not a face detector`);
  }

  get ref(): string {
    return modelRef(this.spec);
  }

  /** Faces in the photo's own (EXIF-rotated) pixel coordinates, best first. */
  async detect(image: ImageInput, options: BlazeFaceOptions = {}): Promise<{ model: string; width: number; height: number; faces: FaceDetection[] }> {
    const prep = this.spec.preprocessing as ImagePreprocessing;
    const session = await this.sessions.get(this.spec);
    const lb = await letterbox(image, prep, this.options.limitInputPixels);
    const out = await session.run({ [this.spec.inputs[0]!.name]: lb.tensor });
    const raw = decodeBlazeFace(out['scores']!.data as Float32Array, out['regressors']!.data as Float32Array, prep.width, { ...this.options, ...options });
    return { model: this.ref, width: lb.width, height: lb.height, faces: toPhotoPixels(raw, lb) };
  }
}
