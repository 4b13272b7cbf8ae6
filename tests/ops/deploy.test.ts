// deploy/: the compose files, Kubernetes manifests, alert rules and dashboard name only settings, paths,
// ports, routes and metrics that exist; the rules pass promtool where it is installed.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
import { SETTINGS } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { silentLogger } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';
import { openFileStore, REPO_ROOT, tempDir, testConfig } from '../support/helpers.js';

type Json = Record<string, any>;

const DEPLOY = path.join(REPO_ROOT, 'deploy');
const docs = (file: string): Json[] =>
  parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8'), { merge: true }).map((d) => {
    expect(d.errors, file).to.deep.equal([]);
    return d.toJS() as Json;
  });
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const imageEnv = (name: string): string => new RegExp(`\\b${name}=(\\S+)`).exec(dockerfile)![1]!;
const ENV_NAMES = new Set(SETTINGS.map((s) => s.env));

/** The paths the app answers 200 on without a token, from the app itself. */
async function liveRoutes(): Promise<{ ok: (p: string) => Promise<boolean>; metrics: Set<string>; labels: Map<string, Set<string>>; close: () => Promise<void> }> {
  const store = await openFileStore(path.join(await tempDir(), 'sequences.json'));
  const server = createApp({ store, config: testConfig(), log: silentLogger(), metrics: new Metrics(store) }).callback();
  const close = (): Promise<void> => store.close();
  await request(server).get('/random').expect(200);
  await request(server).get('/next/a').expect(200);
  await request(server).put('/pools/tickets').send({ type: 'code', alphabet: 'AB', length: 3 }).expect(201);
  await request(server).post('/random/tickets').expect(200);
  await request(server).put('/lease-pools/workers').send({ min: 0, max: 1, ttl: 30 }).expect(201);
  const text = (await request(server).get('/metrics').expect(200)).text;
  const metrics = new Set([...text.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]!));
  // Metric name → the label names its samples carry (histograms' le on _bucket).
  const labels = new Map<string, Set<string>>();
  for (const [, name, body] of text.matchAll(/^([a-z_:][a-z0-9_:]*)\{([^}]*)\}/gm)) {
    const set = labels.get(name!) ?? new Set<string>();
    for (const [, label] of body!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) set.add(label!);
    labels.set(name!, set);
  }
  return { ok: async (p) => (await request(server).get(p)).status === 200, metrics, labels, close };
}

function checkEnv(env: Record<string, string> | Array<{ name: string; value?: string }>, where: string): Record<string, string> {
  const pairs = Array.isArray(env) ? Object.fromEntries(env.map((e) => [e.name, e.value ?? ''])) : env;
  for (const name of Object.keys(pairs)) expect(ENV_NAMES.has(name), `${where}: ${name} is a setting`).to.equal(true);
  return pairs;
}

describe('deploy/ examples', () => {
  it('compose for file mode: a named volume on the image state directory, the image port, a /readyz health check, a token from a secret', async () => {
    const [c] = docs('compose/file.yaml');
    const svc = c!.services['take-a-number'];
    expect(existsSync(path.join(DEPLOY, 'compose', svc.build, 'Dockerfile'))).to.equal(true);
    expect(svc.ports).to.deep.equal([`127.0.0.1:5000:${imageEnv('PORT')}`]);
    const [volume, mount] = (svc.volumes[0] as string).split(':');
    expect(Object.keys(c!.volumes)).to.deep.equal([volume]);
    expect(mount).to.equal(path.dirname(imageEnv('SEQUENCE_FILE')));
    const env = checkEnv(svc.environment, 'compose/file.yaml');
    expect(env.TOKEN_FILE).to.equal(`/run/secrets/${svc.secrets[0]}`);
    expect(svc.healthcheck.test.join(' ')).to.include(`http://127.0.0.1:${imageEnv('PORT')}/readyz`);
    const live = await liveRoutes();
    expect(await live.ok('/readyz')).to.equal(true);
    await live.close();
  });

  it('compose for PostgreSQL: two instances of one definition, the URL and token from secrets', () => {
    const [c] = docs('compose/postgres.yaml');
    const instances = Object.entries(c!.services as Json).filter(([name]) => name.startsWith('take-a-number'));
    expect(instances.map(([n]) => n)).to.deep.equal(['take-a-number-1', 'take-a-number-2']);
    for (const [name, svc] of instances) {
      const env = checkEnv(svc.environment, name);
      expect(env.DATABASE_URL_FILE).to.equal('/run/secrets/take_a_number_database_url');
      expect(svc.secrets).to.include('take_a_number_database_url');
      expect((svc.ports[0] as string).endsWith(`:${imageEnv('PORT')}`)).to.equal(true);
      expect(svc.depends_on.postgres.condition).to.equal('service_healthy');
    }
  });

  for (const [file, mode] of [['kubernetes/file.yaml', 'file'], ['kubernetes/postgres.yaml', 'postgres']] as const)
    it(`Kubernetes, ${mode} mode: replicas and strategy, probes on routes that exist, non-root uid of the image, read-only root`, async () => {
      const all = docs(file);
      const deployment = all.find((d) => d.kind === 'Deployment')!;
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const live = await liveRoutes();
      try {
        if (mode === 'file') {
          expect(deployment.spec.replicas).to.equal(1);
          expect(deployment.spec.strategy).to.deep.equal({ type: 'Recreate' });
          const pvc = all.find((d) => d.kind === 'PersistentVolumeClaim')!;
          const data = pod.volumes.find((v: Json) => v.persistentVolumeClaim);
          expect(data.persistentVolumeClaim.claimName).to.equal(pvc.metadata.name);
          expect(container.volumeMounts.find((m: Json) => m.name === data.name).mountPath).to.equal(path.dirname(imageEnv('SEQUENCE_FILE')));
        } else {
          expect(deployment.spec.replicas).to.be.greaterThan(1);
          expect(pod.volumes.some((v: Json) => v.persistentVolumeClaim)).to.equal(false);
        }
        const env = checkEnv(container.env, file);
        const secretMount = container.volumeMounts.find((m: Json) => m.readOnly).mountPath as string;
        for (const [name, value] of Object.entries(env)) if (name.endsWith('_FILE')) expect(value.startsWith(`${secretMount}/`), name).to.equal(true);
        expect(Number(env.SHUTDOWN_DELAY)).to.be.lessThan(pod.terminationGracePeriodSeconds - 5);
        expect(container.ports[0].containerPort).to.equal(Number(imageEnv('PORT')));
        expect(container.livenessProbe.httpGet.path).to.equal('/livez');
        expect(container.readinessProbe.httpGet.path).to.equal('/readyz');
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
          if (!container[probe]) continue;
          expect(container[probe].httpGet.port).to.equal(container.ports[0].name);
          expect(await live.ok(container[probe].httpGet.path), probe).to.equal(true);
        }
        const user = /^USER (\d+):(\d+)$/m.exec(dockerfile)!;
        expect(pod.securityContext).to.include({ runAsNonRoot: true, runAsUser: Number(user[1]), runAsGroup: Number(user[2]) });
        expect(container.securityContext).to.deep.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        const service = all.find((d) => d.kind === 'Service')!;
        expect(service.spec.ports[0].targetPort).to.equal(container.ports[0].name);
        expect(deployment.spec.template.metadata.annotations['prometheus.io/path']).to.equal('/metrics');
      } finally {
        await live.close();
      }
    });

  it('alert rules and the dashboard query only metrics the service exports; promtool checks the rules', async () => {
    const live = await liveRoutes();
    await live.close();
    const [rules] = docs('prometheus/take-a-number.rules.yaml');
    const exprs: string[] = rules!.groups.flatMap((g: Json) => g.rules.map((r: Json) => String(r.expr)));
    expect(rules!.groups[0].rules.map((r: Json) => r.alert)).to.include.members(['TakeANumberStorageDown', 'TakeANumberPoolNearlyEmpty', 'TakeANumberHigh5xxRate', 'TakeANumberLeasePoolExhausted']);
    const dashboard = JSON.parse(readFileSync(path.join(DEPLOY, 'grafana', 'take-a-number.dashboard.json'), 'utf8')) as Json;
    exprs.push(...dashboard.panels.flatMap((p: Json) => p.targets.map((t: Json) => String(t.expr))));
    const named = new Set(exprs.flatMap((e) => [...e.matchAll(/\b((?:take_a_number|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!)));
    expect(named.size).to.be.greaterThan(10);
    for (const name of named) expect(live.metrics.has(name), `${name} is exported`).to.equal(true);
    // The labels they group, join, match and print by are labels of the metrics they name (or the scrape's).
    expect([...live.labels.get('take_a_number_random_values_left')!]).to.deep.equal(['pool']);
    expect([...live.labels.get('take_a_number_values_handed_out_total')!]).to.deep.equal(['kind']);
    expect([...live.labels.get('take_a_number_lease_numbers')!]).to.deep.equal(['pool', 'state']);
    const rulesText = readFileSync(path.join(DEPLOY, 'prometheus', 'take-a-number.rules.yaml'), 'utf8');
    const annotations = rules!.groups.flatMap((g: Json) => g.rules.map((r: Json) => `${String(r.expr)}\n${JSON.stringify(r.annotations ?? {})}`));
    const legends = dashboard.panels.flatMap((p: Json) => p.targets.map((t: Json) => `${String(t.expr)}\n${String(t.legendFormat ?? '')}`));
    expect(rulesText).to.include('$labels.pool');
    for (const e of [...annotations, ...legends]) {
      const known = new Set(['instance', 'job', 'alertname']);
      for (const [, m] of e.matchAll(/\b((?:take_a_number|process|nodejs)_[a-z0-9_]+)/g)) for (const l of live.labels.get(m!) ?? []) known.add(l);
      const used = [
        ...[...e.matchAll(/\b(?:by|on|ignoring|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',')),
        ...[...e.matchAll(/\$labels\.([a-z_]+)/g)].map((m) => m[1]!),
        ...[...e.matchAll(/\{\{\s*([a-z_]+)\s*\}\}/g)].map((m) => m[1]!),
        ...[...e.matchAll(/[{,]\s*([a-z_]+)\s*(?:=~|!~|!=|=)\s*\\?"/g)].map((m) => m[1]!),
      ].map((l) => l.trim());
      for (const l of used) expect(known.has(l), `label ${l} in ${e}`).to.equal(true);
    }

    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (!promtool) {
      console.log('      promtool check NOT RUN: promtool is not installed (Debian package prometheus)');
      return;
    }
    const run = promisify(execFile);
    const checked = await run(promtool, ['check', 'rules', path.join(DEPLOY, 'prometheus', 'take-a-number.rules.yaml')]);
    expect(checked.stdout).to.include('SUCCESS: 6 rules found');
    // The pool alert: a small pool still drawn from alerts; an idle small or empty one does not.
    const unit = await run(promtool, ['test', 'rules', path.join(REPO_ROOT, 'tests', 'ops', 'pool-alert.rules-test.yaml')]);
    expect(unit.stdout).to.include('SUCCESS');
    const config = await run(promtool, ['check', 'config', '--syntax-only', path.join(DEPLOY, 'prometheus', 'scrape.yaml')]);
    expect(config.stdout).to.include('SUCCESS');
  });
});
