/**
 * The models a CPU worker analyses photos with, loaded once per process. Each one that is not
 * installed (or fails its checksum or contract) is left out with the reason, and the pipeline
 * then says so in its results instead of guessing: embeddings fall back to the classic
 * perceptual method, categories and people report "model not installed". Which model serves each
 * role is modelRolesFor(config.models) (LIGHTBOX_MODEL_ROLES); by default the ones `models:build` makes.
 */
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
  type ModelSpec,
  type ZeroShotLabel,
} from '../../models';
import { DEFAULT_MODEL_ROLES, type ModelRoles } from '../../models/roles';
import type { ImageInput } from '../../models/image-tensor';
import type { RgbImage } from '../../models/face/align';
import { BlazeFaceDetector } from '../../models/face/blazeface';
import { DlibFaceDescriptor } from '../../models/face/dlib-descriptor';
import type { FaceDetection } from '../../models/face/yunet';
import { loadCategoryMap, MobileNetClassifier } from '../../models/imagenet/mobilenet';
import { PERCEPTUAL_METHOD_ID } from '../../analysis/perceptual-embedding';
import type { AnalysisMethods } from '../../shared/album';

export type ModelSet = 'production' | 'test' | 'bench';

export interface PhotoModelIds {
  image: string;
  /** The categories role: a classifier (the same model as `image`) or CLIP's text tower. */
  categories: string;
  detector: string;
  faces: string;
}

/** Which registry entries serve the photo roles: the configured ones, their test twins, or the bench encoder. */
export function photoModelIds(set: ModelSet, roles: ModelRoles = DEFAULT_MODEL_ROLES): PhotoModelIds {
  const test = set === 'test';
  return {
    image: set === 'bench' && roles.embedding === 'clip-vit-b32-image' ? 'clip-vit-b32-image-bench' : resolveModelId(roles.embedding, test),
    categories: resolveModelId(roles.categories, test),
    detector: resolveModelId(roles.faces, test),
    faces: resolveModelId(roles['face-descriptor'], test),
  };
}

/** What the pipeline needs of an image embedder: CLIP's image tower or the MobileNet classifier. */
export interface ImageEmbedder {
  readonly spec: ModelSpec;
  readonly ref: string;
  embed(images: readonly ImageInput[]): Promise<{ embeddings: Float32Array[] }>;
}

export interface FaceDetector {
  readonly ref: string;
  detect(image: ImageInput): Promise<{ faces: FaceDetection[] }>;
}

export interface FaceEmbedder {
  readonly ref: string;
  embedFaces(photo: RgbImage, faces: readonly Pick<FaceDetection, 'landmarks'>[]): Promise<{ embeddings: Float32Array[] }>;
}

export interface PhotoModels {
  imageEncoder?: ImageEmbedder;
  /** Set when the embedder is the ImageNet classifier: categories come from its head, and its
   * cached features are raw (normalised after the cache). */
  classifier?: MobileNetClassifier;
  zeroShot?: ZeroShotClassifier;
  detector?: FaceDetector;
  faceEmbedder?: FaceEmbedder;
  /** Euclidean eps for people clustering in the face model's own space (dlib: raw descriptors). */
  faceMetric?: 'cosine' | 'euclidean';
  /** Why a kind of result has no model, keyed like AnalysisMethods. */
  missing: Partial<Record<'embedding' | 'category' | 'faces', string>>;
  methods: AnalysisMethods;
}

export const QUALITY_METHOD = 'sharp-classic-v2';
export const NOT_INSTALLED = 'model-not-installed';

export interface LoadPhotoModelsOptions {
  runtime: ModelRuntime;
  set: ModelSet;
  /** modelRolesFor(config.models); unset: the defaults. */
  roles?: ModelRoles;
  /** ImageNet class → album category map for the classifier (default: src/models/imagenet/category-map.json). */
  categoryMapFile?: string;
  labels?: readonly ZeroShotLabel[];
  limitInputPixels?: number;
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
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

export async function loadPhotoModels({
  runtime,
  set,
  roles,
  categoryMapFile,
  labels = DEFAULT_LABELS,
  limitInputPixels,
  logger,
}: LoadPhotoModelsOptions): Promise<PhotoModels> {
  const ids = photoModelIds(set, roles);
  const missing: PhotoModels['missing'] = {};
  const models: PhotoModels = { missing, methods: { embedding: PERCEPTUAL_METHOD_ID, category: NOT_INSTALLED, faces: NOT_INSTALLED, quality: QUALITY_METHOD } };

  const imageSpec = getModelSpec(ids.image);
  const imageMissing = await load(runtime, ids.image);
  if (imageMissing) missing.embedding = imageMissing;
  else if (imageSpec.runner === 'mobilenet') {
    const classifier = new MobileNetClassifier(runtime.sessions, runtime.store, loadCategoryMap(categoryMapFile), ids.image, { limitInputPixels });
    await classifier.load();
    models.imageEncoder = classifier;
    models.classifier = classifier;
    models.methods.embedding = classifier.ref;
  } else {
    models.imageEncoder = new ClipImageEncoder(runtime.sessions, ids.image, { limitInputPixels });
    models.methods.embedding = models.imageEncoder.ref;
  }

  if (!models.imageEncoder) missing.category = imageMissing ?? 'no image model';
  else if (models.classifier) {
    if (ids.categories !== ids.image)
      missing.category = `categories=${ids.categories} needs embedding=${ids.categories} (a classifier categorises from its own features)`;
    else models.methods.category = `${models.classifier.ref}+imagenet-category-map`;
  } else {
    const textMissing = await load(runtime, ids.categories);
    if (textMissing) missing.category = textMissing;
    else {
      // Label prompts are embedded once per process; every photo is then one dot product per label.
      models.zeroShot = await ZeroShotClassifier.create(new ClipTextEncoder(runtime.sessions, ids.categories), labels);
      models.methods.category = `${models.imageEncoder.ref}+${models.zeroShot.model}`;
    }
  }

  const facesMissing = (await load(runtime, ids.detector)) ?? (await load(runtime, ids.faces));
  if (facesMissing) missing.faces = facesMissing;
  else {
    models.detector =
      getModelSpec(ids.detector).runner === 'blazeface'
        ? new BlazeFaceDetector(runtime.sessions, ids.detector, { limitInputPixels })
        : new YuNetDetector(runtime.sessions, ids.detector, { limitInputPixels });
    // dlib's descriptor is compared by raw Euclidean distance; ArcFace's by cosine on unit vectors.
    if (getModelSpec(ids.faces).runner === 'dlib-descriptor') {
      models.faceEmbedder = new DlibFaceDescriptor(runtime.sessions, ids.faces);
      models.faceMetric = 'euclidean';
    } else {
      models.faceEmbedder = new ArcFaceEmbedder(runtime.sessions, ids.faces);
      models.faceMetric = 'cosine';
    }
    models.methods.faces = `${models.detector.ref}+${models.faceEmbedder.ref}`;
  }

  for (const [kind, why] of Object.entries(missing)) logger?.warn({ kind, why }, `no model for ${kind}: results will say so`);
  logger?.info({ methods: models.methods, set }, 'photo models loaded');
  return models;
}
