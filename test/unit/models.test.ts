/**
 * The shared model module against the committed test models (test/fixtures/models, written by
 * `npm run models:make-test`): registry contracts, checksum verification, one session per model,
 * and CLIP image embedding in one batched run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { scene } from '../../src/dev/demo-photos';
import { ClipImageEncoder } from '../../src/models/clip/image-encoder';
import { ModelChecksumError, ModelContractError, ModelNotInstalledError, ModelUnavailableError } from '../../src/models/errors';
import { PRODUCTION_MODELS } from '../../src/models/catalogue/production';
import { TEST_MODELS } from '../../src/models/catalogue/test-twins';
import { CLEANBOT_HEAD_ID } from '../../src/models/catalogue/cleanbot-head';
import { DEFAULT_MODEL_ROLES, MODEL_ROLES } from '../../src/models/roles';
import { getModelSpec, modelRef, resolveModelId, type ModelSpec } from '../../src/models/registry';
import { contractProblems, SessionPool } from '../../src/models/sessions';
import { LOCK_FILE_NAME, ModelStore, readLock, sha256File, writeLockEntry } from '../../src/models/store';
import { cosine, norm } from '../../src/vectors/math';

const FIXTURE_MODELS = path.resolve(__dirname, '..', 'fixtures', 'models');

/** A writable copy of the fixture models dir, for tests that damage it. */
async function copyFixtures(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-models-'));
  await fs.cp(FIXTURE_MODELS, dir, { recursive: true });
  return dir;
}

/** What a twin must copy; a head's embedder is compared as the model it twins. */
const contractOf = (s: ModelSpec) => ({
  inputs: s.inputs,
  outputs: s.outputs,
  preprocessing:
    s.twinOf && s.preprocessing.kind === 'embedding' ? { ...s.preprocessing, embedder: getModelSpec(s.preprocessing.embedder).twinOf } : s.preprocessing,
  task: s.task,
  runner: s.runner,
  embeddingDim: s.embeddingDim,
  onnxFile: s.onnxFile,
  files: s.files.map((f) => f.name),
});

describe('model registry', () => {
  test("every production model and every default role's model has a test twin with the same contract", () => {
    assert.ok(PRODUCTION_MODELS.length >= 4);
    const defaults = [...new Set(Object.values(DEFAULT_MODEL_ROLES))].map(getModelSpec);
    const twinned = [...PRODUCTION_MODELS, ...defaults, getModelSpec('multilingual-e5-small')];
    for (const original of twinned) {
      assert.ok(original.testTwin, `${original.id} has a test twin`);
      const twin = getModelSpec(original.testTwin);
      assert.equal(twin.twinOf, original.id);
      assert.notEqual(twin.version, original.version);
      assert.equal(twin.build, undefined, `${twin.id} is generated, not built`);
      assert.deepEqual(contractOf(twin), contractOf(original), `${twin.id} copies ${original.id}'s contract`);
    }
    assert.equal(TEST_MODELS.length, twinned.length);
    // The test set runs the defaults' twins, so the ordinary suite takes the path users run.
    for (const role of MODEL_ROLES) assert.equal(resolveModelId(DEFAULT_MODEL_ROLES[role], true), `${DEFAULT_MODEL_ROLES[role]}-test`);
    // The clean-bot head's twin sits on the e5 twin's vectors, as the head sits on e5's.
    assert.deepEqual(getModelSpec(`${CLEANBOT_HEAD_ID}-test`).preprocessing, { kind: 'embedding', embedder: 'multilingual-e5-small-int8-test' });
    assert.equal(resolveModelId('clip-vit-b32-image', true), 'clip-vit-b32-image-test');
    assert.equal(resolveModelId('clip-vit-b32-image', false), 'clip-vit-b32-image');
    assert.equal(getModelSpec('clip-vit-b32-image-test').pairedWith, 'clip-vit-b32-text-test');
  });

  test('the production contracts are the ones the real exports have', () => {
    const clip = getModelSpec('clip-vit-b32-image');
    assert.deepEqual(
      clip.inputs.map((i) => [i.name, i.dtype, i.shape]),
      [['pixel_values', 'float32', ['batch', 3, 224, 224]]],
    );
    assert.deepEqual(
      clip.outputs.map((i) => [i.name, i.shape]),
      [['image_embeds', ['batch', 512]]],
    );
    const text = getModelSpec('clip-vit-b32-text');
    assert.deepEqual(text.inputs[0], { name: 'input_ids', dtype: 'int64', shape: ['batch', 77] });
    const yunet = getModelSpec('yunet-2023mar');
    assert.deepEqual(
      yunet.outputs.map((o) => o.name),
      ['cls_8', 'obj_8', 'bbox_8', 'kps_8', 'cls_16', 'obj_16', 'bbox_16', 'kps_16', 'cls_32', 'obj_32', 'bbox_32', 'kps_32'],
    );
    assert.deepEqual(yunet.outputs.find((o) => o.name === 'kps_8')?.shape, [1, 6400, 10]);
    assert.deepEqual(getModelSpec('arcface-w600k-r50').inputs[0]?.shape, ['batch', 3, 112, 112]);
    // No invented checksums: every production hash is either null or a real sha256.
    for (const m of PRODUCTION_MODELS) for (const f of m.files) assert.ok(f.sha256 === null || /^[0-9a-f]{64}$/.test(f.sha256));
  });

  test('each generated test model declares exactly its contract, and the check catches a mismatch', async () => {
    const store = new ModelStore({ dir: FIXTURE_MODELS });
    for (const spec of TEST_MODELS) {
      const installed = await store.resolve(spec);
      const session = await ort.InferenceSession.create(installed.onnxPath);
      assert.deepEqual(contractProblems(spec, session.inputMetadata, session.outputMetadata), [], spec.id);
      // The same graph judged against another model's contract must fail.
      const other = TEST_MODELS.find((s) => s.id !== spec.id && s.task !== spec.task)!;
      assert.ok(contractProblems(other, session.inputMetadata, session.outputMetadata).length > 0);
      const renamed: ModelSpec = { ...spec, outputs: [{ ...spec.outputs[0]!, name: 'not_there' }] };
      assert.match(contractProblems(renamed, session.inputMetadata, session.outputMetadata).join(), /no output "not_there"/);
      await session.release();
    }
  });
});

describe('model store', () => {
  let dir: string;
  before(async () => {
    dir = await copyFixtures();
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('resolves and verifies every committed test model against the lock file', async () => {
    const lock = await readLock(FIXTURE_MODELS);
    const store = new ModelStore({ dir: FIXTURE_MODELS });
    for (const spec of TEST_MODELS) {
      const entry = lock.models[modelRef(spec)];
      assert.ok(entry, `${modelRef(spec)} is in the fixtures' lock`);
      const installed = await store.resolve(spec.id);
      for (const f of spec.files) {
        assert.equal(installed.sha256[f.name], entry.files[f.name]?.sha256);
        assert.equal(await sha256File(installed.paths[f.name]!), entry.files[f.name]?.sha256);
      }
    }
  });

  test('a model that is not installed is a ModelNotInstalledError that says how to install it', async () => {
    const store = new ModelStore({ dir });
    await assert.rejects(store.resolve('clip-vit-b32-image'), (err: unknown) => {
      assert.ok(err instanceof ModelNotInstalledError);
      assert.ok(err instanceof ModelUnavailableError);
      assert.equal(err.code, 'MODEL_NOT_INSTALLED');
      assert.deepEqual(err.missing, ['vision_model.onnx']);
      assert.match(err.message, /npm run models:pull -- clip-vit-b32-image/);
      assert.match(err.message, /clip-vit-b32-image-test/);
      return true;
    });
    assert.equal(await store.isInstalled('clip-vit-b32-image'), false);
    const sessions = new SessionPool(store);
    await assert.rejects(sessions.get('clip-vit-b32-image'), ModelNotInstalledError);
    assert.equal(sessions.created, 0);
  });

  test('a file whose bytes changed is rejected with ModelChecksumError', async () => {
    const spec = getModelSpec('arcface-w600k-r50-test');
    const store = new ModelStore({ dir });
    const installed = await store.resolve(spec);
    const bytes = await fs.readFile(installed.onnxPath);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff;
    await fs.writeFile(installed.onnxPath, bytes);
    const fresh = new ModelStore({ dir });
    await assert.rejects(fresh.resolve(spec), (err: unknown) => {
      assert.ok(err instanceof ModelChecksumError);
      assert.equal(err.file, 'w600k_r50.onnx');
      assert.notEqual(err.actual, err.expected);
      return true;
    });
    // The store that verified the old bytes notices too: its cache is keyed by size and mtime.
    await fs.utimes(installed.onnxPath, new Date(), new Date(Date.now() + 5000));
    await assert.rejects(store.resolve(spec), ModelChecksumError);
    await assert.rejects(new SessionPool(fresh).get(spec), ModelChecksumError);
  });

  test('a file with no recorded checksum is not trusted', async () => {
    const spec = getModelSpec('yunet-2023mar-test');
    const store = new ModelStore({ dir });
    await store.resolve(spec);
    await writeLockEntry(dir, modelRef(spec), null);
    await assert.rejects(store.resolve(spec), (err: unknown) => err instanceof ModelNotInstalledError && /no sha256 is known/.test(err.message));
    assert.ok(JSON.parse(await fs.readFile(path.join(dir, LOCK_FILE_NAME), 'utf8')).models['clip-vit-b32-image-test@test-1']);
  });

  test('a graph that does not match its registry contract fails to load with ModelContractError', async () => {
    const clip = getModelSpec('clip-vit-b32-image-test');
    const arcface = getModelSpec('arcface-w600k-r50-test');
    const store = new ModelStore({ dir });
    const target = path.join(store.folderOf(clip), clip.onnxFile);
    // From the pristine fixtures: an earlier test in this suite damaged the copy in `dir`.
    await fs.copyFile(path.join(new ModelStore({ dir: FIXTURE_MODELS }).folderOf(arcface), arcface.onnxFile), target);
    const lock = await readLock(dir);
    const entry = lock.models[modelRef(clip)]!;
    entry.files[clip.onnxFile] = { sha256: await sha256File(target), sizeBytes: (await fs.stat(target)).size };
    await writeLockEntry(dir, modelRef(clip), entry);
    const sessions = new SessionPool(store);
    await assert.rejects(sessions.get(clip), (err: unknown) => {
      assert.ok(err instanceof ModelContractError);
      assert.match(err.message, /no input "pixel_values"/);
      return true;
    });
  });
});

describe('sessions', () => {
  test('one session per model per process, shared by concurrent first callers', async () => {
    const sessions = new SessionPool(new ModelStore({ dir: FIXTURE_MODELS }), { intraOpThreads: 1, interOpThreads: 1 });
    const got = await Promise.all(Array.from({ length: 8 }, () => sessions.get('clip-vit-b32-image-test')));
    assert.equal(sessions.created, 1);
    for (const s of got) assert.equal(s, got[0]);
    assert.equal(await sessions.get(getModelSpec('clip-vit-b32-image-test')), got[0]);
    const text = await sessions.get('clip-vit-b32-text-test');
    assert.notEqual(text, got[0]);
    assert.equal(sessions.created, 2);
    assert.deepEqual(sessions.loaded().sort(), ['clip-vit-b32-image-test@test-1', 'clip-vit-b32-text-test@test-1']);
    assert.equal(sessions.sessionOptions().graphOptimizationLevel, 'all');
    assert.equal(sessions.sessionOptions().intraOpNumThreads, 1);
    await sessions.close();
  });

  test('a failed load is not cached: the model loads once it is installed', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightbox-models-'));
    try {
      const sessions = new SessionPool(new ModelStore({ dir }));
      await assert.rejects(sessions.get('clip-vit-b32-image-test'), ModelNotInstalledError);
      await fs.cp(FIXTURE_MODELS, dir, { recursive: true });
      const s = await sessions.get('clip-vit-b32-image-test');
      assert.equal(s.spec.id, 'clip-vit-b32-image-test');
      assert.equal(sessions.created, 1);
      await sessions.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test('run() checks inputs against the spec before onnxruntime sees them', async () => {
    const sessions = new SessionPool(new ModelStore({ dir: FIXTURE_MODELS }), { intraOpThreads: 1 });
    const s = await sessions.get('clip-vit-b32-image-test');
    const bad = new ort.Tensor('float32', new Float32Array(2 * 3 * 112 * 112), [2, 3, 112, 112]);
    await assert.rejects(s.run({ pixel_values: bad }), /pixel_values" dim 2 is 112, expected 224/);
    await assert.rejects(s.run({}), /missing input "pixel_values"/);
    await assert.rejects(s.run({ pixel_values: new ort.Tensor('int64', new BigInt64Array(3 * 224 * 224), [1, 3, 224, 224]) }), /is int64, expected float32/);
    assert.equal(s.runs, 0);
    const ok = await s.run({ pixel_values: new ort.Tensor('float32', new Float32Array(2 * 3 * 224 * 224), [2, 3, 224, 224]) });
    assert.deepEqual(ok.image_embeds?.dims, [2, 512]);
    assert.equal(s.runs, 1);
    await sessions.close();
  });
});

describe('CLIP image encoder (test twin)', () => {
  let sessions: SessionPool;
  let photos: Buffer[];
  before(async () => {
    sessions = new SessionPool(new ModelStore({ dir: FIXTURE_MODELS }), { intraOpThreads: 1 });
    photos = await Promise.all([scene(320, 240, 1), scene(300, 400, 3), scene(256, 256, 7)]);
  });
  after(async () => {
    await sessions.close();
  });

  test('a batch of three photos is embedded in one inference run into unit vectors', async () => {
    const encoder = new ClipImageEncoder(sessions, 'clip-vit-b32-image-test');
    const session = await sessions.get(encoder.spec);
    const before = session.runs;
    const { model, embeddings } = await encoder.embed(photos);
    assert.equal(session.runs - before, 1);
    assert.equal(model, 'clip-vit-b32-image-test@test-1');
    assert.equal(embeddings.length, 3);
    for (const e of embeddings) {
      assert.equal(e.length, 512);
      assert.ok(Math.abs(norm(e) - 1) < 1e-5, `unit norm, got ${norm(e)}`);
    }
    // The raw model output is not unit length, so the normalisation above is the encoder's doing.
    const raw = await session.run({ pixel_values: new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(0.5), [1, 3, 224, 224]) });
    assert.ok(Math.abs(norm(raw.image_embeds!.data as Float32Array) - 1) > 0.1);
    // Different photos are different points.
    assert.ok(cosine(embeddings[0]!, embeddings[1]!) < 0.99);
    assert.ok(cosine(embeddings[1]!, embeddings[2]!) < 0.99);
  });

  test('the same photo gives the same embedding, whatever its place in the batch', async () => {
    const encoder = new ClipImageEncoder(sessions, 'clip-vit-b32-image-test');
    const a = (await encoder.embed([photos[0]!])).embeddings[0]!;
    const b = (await encoder.embed([photos[2]!, photos[1]!, photos[0]!])).embeddings[2]!;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5, `dim ${i}: ${a[i]} vs ${b[i]}`);
    const c = (await encoder.embed([photos[0]!])).embeddings[0]!;
    assert.deepEqual(c, a);
  });

  test('a re-encoded copy lands near its original, far from another scene', async () => {
    const sharp = (await import('sharp')).default;
    const encoder = new ClipImageEncoder(sessions, 'clip-vit-b32-image-test');
    const copy = await sharp(photos[0]!).resize(200).jpeg({ quality: 60 }).toBuffer();
    const [orig, small, other] = (await encoder.embed([photos[0]!, copy, photos[1]!])).embeddings;
    assert.ok(cosine(orig!, small!) > 0.99, `copy ${cosine(orig!, small!)}`);
    assert.ok(cosine(orig!, small!) > cosine(orig!, other!));
  });

  test('a photo that cannot be decoded names its place in the batch', async () => {
    const encoder = new ClipImageEncoder(sessions, 'clip-vit-b32-image-test');
    await assert.rejects(encoder.embed([photos[0]!, Buffer.from('not an image')]), (err: unknown) => {
      assert.equal((err as { index?: number }).index, 1);
      assert.equal((err as { code?: string }).code, 'IMAGE_PREPROCESS_FAILED');
      return true;
    });
  });
});
