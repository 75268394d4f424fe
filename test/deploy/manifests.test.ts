/**
 * deploy/kubernetes/ read as Kubernetes would, and checked against the CLI it runs: the
 * config in the ConfigMap passes `validate-config --offline` with exactly the environment
 * the pods get, the CronJob runs `import --scheduled` without overlap, the probes ask paths
 * a real `serve` answers, and every pod runs as non-root.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startServe } from '../support/serve-process.js';
import { DEPLOY_DIR, configText, editConfig, podSpec, readManifestFiles, readObjects, referencedVariables, theObject, type Manifest } from './manifests.js';

const TEAM = 'admissions';
const CONFIG_KEY = 'connect-sync.yaml';
const CONFIG_PATH = `/etc/connect-sync/${CONFIG_KEY}`;
const configMap = () => theObject('ConfigMap', `connect-sync-${TEAM}`);
const cronJob = () => theObject('CronJob', `connect-sync-import-${TEAM}`);
const deployment = () => theObject('Deployment', `connect-sync-serve-${TEAM}`);
const service = () => theObject('Service', `connect-sync-serve-${TEAM}`);
const secret = () => theObject('Secret', `connect-sync-${TEAM}`);
const workloads = () => [cronJob(), deployment()];
const container = (object: Manifest): Manifest => podSpec(object).containers[0];

/** Dummy values for every variable the config references (the webhook token needs 32 characters). */
function dummyEnvironment(): Record<string, string> {
  const names = referencedVariables(configText(configMap(), CONFIG_KEY));
  return Object.fromEntries(names.map((name) => [name, `dummy-${name.toLowerCase()}-0123456789abcdefghijklmnop`]));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-manifests-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the manifest files', () => {
  it('kustomization.yaml lists every manifest but the Secret template, and each listed file exists', () => {
    const files = readManifestFiles().map(({ file }) => file);
    const kustomization = readManifestFiles().find(({ file }) => file === 'kustomization.yaml')!.documents[0]!;
    expect(kustomization).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization' });
    const listed = kustomization.resources as string[];
    for (const file of listed) expect(existsSync(join(DEPLOY_DIR, file)), file).toBe(true);
    expect([...listed].sort()).toEqual(files.filter((file) => file !== 'kustomization.yaml' && file !== 'secret.example.yaml'));
    expect(kustomization.images).toEqual([expect.objectContaining({ name: container(cronJob()).image.split(':')[0] })]);
  });

  it('holds these objects, each with its apiVersion, none with a namespace', () => {
    const objects = readObjects();
    expect(objects.map(({ kind, apiVersion, metadata }) => `${kind} ${apiVersion} ${metadata.name}`).sort()).toEqual([
      `ConfigMap v1 connect-sync-${TEAM}`,
      `CronJob batch/v1 connect-sync-import-${TEAM}`,
      `Deployment apps/v1 connect-sync-serve-${TEAM}`,
      'PersistentVolumeClaim v1 connect-sync-reports',
      `Secret v1 connect-sync-${TEAM}`,
      `Service v1 connect-sync-serve-${TEAM}`,
    ]);
    for (const object of objects) expect(object.metadata.namespace, `${object.file}: ${object.kind}`).toBeUndefined();
  });

  it('the Secret template holds placeholders only', () => {
    for (const [key, value] of Object.entries(secret().stringData as Record<string, string>)) expect(value, key).toContain('CHANGE-ME');
  });
});

describe('the CronJob', () => {
  it('runs `import --scheduled` with the ConfigMap\'s config, never two at once, without retries inside the Job', () => {
    const { spec } = cronJob();
    expect(spec).toMatchObject({ concurrencyPolicy: 'Forbid', timeZone: 'America/New_York', jobTemplate: { spec: { backoffLimit: 0 } } });
    expect(spec.startingDeadlineSeconds).toBeGreaterThan(0);
    expect(podSpec(cronJob()).restartPolicy).toBe('Never');
    expect(container(cronJob()).args).toEqual(['--config', CONFIG_PATH, '--log-format', 'json', 'import', '--scheduled']);
  });

  it('fires only inside the config\'s nightly window, in the window\'s zone', () => {
    const window = JSON.parse(editConfig(configText(configMap(), CONFIG_KEY), () => undefined)).nightlyImport.window;
    expect(window).toEqual({ start: '01:00', end: '04:00', timeZone: cronJob().spec.timeZone });
    const [minute, hours, ...rest] = (cronJob().spec.schedule as string).split(' ');
    expect([minute, hours, ...rest]).toEqual(['*/10', '1-3', '*', '*', '*']);
  });

  it('mounts the config where --config points and the reports volume at state.reportsDir', () => {
    const config = JSON.parse(editConfig(configText(configMap(), CONFIG_KEY), () => undefined));
    const mounts = container(cronJob()).volumeMounts as Manifest[];
    const volumes = podSpec(cronJob()).volumes as Manifest[];
    const volumeOf = (path: string) => volumes.find((volume) => volume.name === mounts.find((mount) => mount.mountPath === path)?.name);
    expect(volumeOf('/etc/connect-sync')?.configMap?.name).toBe(configMap().metadata.name);
    expect(volumeOf(config.state.reportsDir)?.persistentVolumeClaim?.claimName).toBe(theObject('PersistentVolumeClaim').metadata.name);
  });
});

describe('every pod', () => {
  it.each(['CronJob', 'Deployment'])('%s runs as non-root on a read-only root filesystem, with requests and limits', (kind) => {
    const object = workloads().find((workload) => workload.kind === kind)!;
    expect(podSpec(object).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(podSpec(object).securityContext.runAsUser).not.toBe(0);
    expect(container(object).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    for (const key of ['requests', 'limits']) expect(Object.keys(container(object).resources[key]).sort(), key).toEqual(['cpu', 'memory']);
  });

  it.each(['CronJob', 'Deployment'])('%s gets every variable the config references from the Secret, and nothing else from elsewhere', (kind) => {
    const object = workloads().find((workload) => workload.kind === kind)!;
    const env = container(object).env as Manifest[];
    const secretKeys = Object.keys(secret().stringData as object);
    expect(env.map((variable) => variable.name).sort()).toEqual(referencedVariables(configText(configMap(), CONFIG_KEY)));
    for (const variable of env) {
      expect(variable.valueFrom.secretKeyRef, variable.name).toEqual({ name: secret().metadata.name, key: variable.name });
      expect(secretKeys, variable.name).toContain(variable.name);
    }
    expect(container(object).envFrom).toBeUndefined();
  });
});

describe('the config in the ConfigMap', () => {
  it('references the secrets it needs and keeps none of them in the text', () => {
    expect(referencedVariables(configText(configMap(), CONFIG_KEY))).toEqual(['CADENCE_API_KEY', 'CADENCE_API_SECRET', 'CADENCE_WEBHOOK_TOKEN', 'CONNECT_PASSKEY', 'SMTP_PASS', 'STATE_URL']);
  });

  it('passes validate-config --offline as written, with the state in PostgreSQL', async () => {
    const path = join(dir, CONFIG_KEY);
    writeFileSync(path, configText(configMap(), CONFIG_KEY));
    const env = { ...dummyEnvironment(), STATE_URL: 'postgres://sync:dummy-password@127.0.0.1:9/connect_sync' };
    const result = await runCli(['-c', path, 'validate-config', '--offline'], { env });
    expect(result.stdout + result.stderr).not.toContain('dummy-password');
    expect(result.code, result.stderr).toBe(0);
  });
});

describe('serve', () => {
  it('listens on the port the container declares, and the Service sends to that port', () => {
    const config = JSON.parse(editConfig(configText(configMap(), CONFIG_KEY), () => undefined));
    const port = (container(deployment()).ports as Manifest[]).find((entry) => entry.name === service().spec.ports[0].targetPort);
    expect(port?.containerPort).toBe(Number(String(config.optOut.webhook.listen).split(':').pop()));
    expect(config.optOut.webhook.listen).toMatch(/^0\.0\.0\.0:/);
    expect(service().spec.selector).toEqual(deployment().spec.selector.matchLabels);
    expect(deployment().spec.template.metadata.labels).toMatchObject(deployment().spec.selector.matchLabels);
    expect(container(deployment()).args).toEqual(['--config', CONFIG_PATH, '--log-format', 'json', 'serve']);
  });

  it('answers 200 on the probes\' paths and on the /metrics the Service announces', async () => {
    const probes = [container(deployment()).readinessProbe, container(deployment()).livenessProbe] as Manifest[];
    for (const probe of probes) expect(probe.httpGet.port).toBe(service().spec.ports[0].targetPort);
    const annotations = service().metadata.annotations ?? {};
    expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(container(deployment()).ports[0].containerPort) });
    const paths = [...new Set([...probes.map((probe) => probe.httpGet.path as string), annotations['prometheus.io/path'] ?? 'no prometheus.io/path'])];
    const path = join(dir, 'serve.yaml');
    // Loopback only: the state in a temp file, any free port, Connect at a closed local port (nothing is pending, so it is not called).
    writeFileSync(path, editConfig(configText(configMap(), CONFIG_KEY), (config) => {
      config.state = { path: join(dir, 'serve.sqlite') };
      config.connect!.endpoint = 'http://127.0.0.1:9/bridge.asmx';
      (config.optOut!.webhook as Record<string, unknown>).listen = '127.0.0.1:0';
    }));
    const serve = await startServe(path, dir, dummyEnvironment());
    try {
      for (const probePath of paths) expect((await fetch(`${serve.url}${probePath}`)).status, probePath).toBe(200);
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    }
  });
});
