/**
 * The models a CPU worker analyses photos with, loaded once per process. Each one that is not
 * installed (or fails its checksum or contract) is left out with the reason, and the pipeline
 * then says so in its results instead of guessing: embeddings fall back to the classic
 * perceptual method, categories and people report "model not installed".
 */
import fs from 'node:fs';
import {
  ArcFaceEmbedder,
  ClipImageEncoder,
  ClipTextEncoder,
  DEFAULT_LABELS,
  ModelUnavailableError,
  YuNetDetector,
  ZeroShotClassifier,
  getModelSpec,
  resolveModelId,
  type ModelRuntime,
  type ZeroShotLabel,
} from '../../models';
import { PERCEPTUAL_METHOD_ID } from '../../analysis/perceptual-embedding';
import type { AnalysisMethods } from '../../shared/album';

export type ModelSet = 'production' | 'test' | 'bench';

export interface PhotoModelIds {
  image: string;
  text: string;
  detector: string;
  faces: string;
}

/** Which registry entries a model set means: the test twins, or the shape-faithful bench encoder. */
export function photoModelIds(set: ModelSet): PhotoModelIds {
  const test = set === 'test';
  return {
    image: set === 'bench' ? 'clip-vit-b32-image-bench' : resolveModelId('clip-vit-b32-image', test),
    text: resolveModelId('clip-vit-b32-text', test),
    detector: resolveModelId('yunet-2023mar', test),
    faces: resolveModelId('arcface-w600k-r50', test),
  };
}

export interface PhotoModels {
  imageEncoder?: ClipImageEncoder;
  zeroShot?: ZeroShotClassifier;
  detector?: YuNetDetector;
  faceEmbedder?: ArcFaceEmbedder;
  /** Why a kind of result has no model, keyed like AnalysisMethods. */
  missing: Partial<Record<'embedding' | 'category' | 'faces', string>>;
  methods: AnalysisMethods;
}

export const QUALITY_METHOD = 'sharp-classic-v2';
export const NOT_INSTALLED = 'model-not-installed';

export interface LoadPhotoModelsOptions {
  runtime: ModelRuntime;
  set: ModelSet;
  labels?: readonly ZeroShotLabel[];
  limitInputPixels?: number;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** Reads LIGHTBOX_CATEGORY_LABELS_FILE: a JSON array of {id, names:{en,ko}, prompts:{en?,ko?}}. */
export function readLabelsFile(file: string | undefined): readonly ZeroShotLabel[] {
  if (!file) return DEFAULT_LABELS;
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  if (!Array.isArray(parsed) || parsed.length < 2) throw new Error(`${file}: expected a JSON array of at least two labels`);
  for (const l of parsed as ZeroShotLabel[]) {
    if (typeof l?.id !== 'string' || typeof l.names?.en !== 'string' || typeof l.names?.ko !== 'string' || typeof l.prompts !== 'object') {
      throw new Error(`${file}: every label needs id, names.en, names.ko and prompts`);
    }
  }
  return parsed as ZeroShotLabel[];
}

/** Loads the model's session now (a 350 MB session takes a second or more, which the first album
 * should not pay); null with the reason when it is not installed or fails its checksum or contract. */
async function load(runtime: ModelRuntime, id: string): Promise<string | null> {
  try {
    await runtime.sessions.get(getModelSpec(id));
    return null;
  } catch (err) {
    if (err instanceof ModelUnavailableError) return `${err.code}: ${err.message}`;
    throw err;
  }
}

export async function loadPhotoModels({ runtime, set, labels = DEFAULT_LABELS, limitInputPixels, logger }: LoadPhotoModelsOptions): Promise<PhotoModels> {
  const ids = photoModelIds(set);
  const missing: PhotoModels['missing'] = {};
  const models: PhotoModels = { missing, methods: { embedding: PERCEPTUAL_METHOD_ID, category: NOT_INSTALLED, faces: NOT_INSTALLED, quality: QUALITY_METHOD } };

  const imageMissing = await load(runtime, ids.image);
  if (imageMissing) missing.embedding = imageMissing;
  else {
    models.imageEncoder = new ClipImageEncoder(runtime.sessions, ids.image, { limitInputPixels });
    models.methods.embedding = models.imageEncoder.ref;
  }

  const textMissing = imageMissing ?? (await load(runtime, ids.text));
  if (textMissing) missing.category = textMissing;
  else {
    // Label prompts are embedded once per process; every photo is then one dot product per label.
    models.zeroShot = await ZeroShotClassifier.create(new ClipTextEncoder(runtime.sessions, ids.text), labels);
    models.methods.category = `${models.imageEncoder!.ref}+${models.zeroShot.model}`;
  }

  const facesMissing = (await load(runtime, ids.detector)) ?? (await load(runtime, ids.faces));
  if (facesMissing) missing.faces = facesMissing;
  else {
    models.detector = new YuNetDetector(runtime.sessions, ids.detector, { limitInputPixels });
    models.faceEmbedder = new ArcFaceEmbedder(runtime.sessions, ids.faces);
    models.methods.faces = `${models.detector.ref}+${models.faceEmbedder.ref}`;
  }

  for (const [kind, why] of Object.entries(missing)) logger?.warn({ kind, why }, `no model for ${kind}: results will say so`);
  logger?.info({ methods: models.methods, set }, 'photo models loaded');
  return models;
}

