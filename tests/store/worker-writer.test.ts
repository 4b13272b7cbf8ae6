import { expect } from 'chai';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import request from 'supertest';
import { statePaths } from '../../src/store/paths.js';
import { WorkerWriter } from '../../src/store/worker-writer.js';
import { fileApp, tempDir } from '../helpers.js';

const failure = (p: Promise<unknown>): Promise<NodeJS.ErrnoException | undefined> =>
  p.then(
    () => undefined,
    (e: NodeJS.ErrnoException) => e,
  );

describe('WorkerWriter', () => {
  it('writes the text to both copies on its thread', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    const writer = new WorkerWriter(paths);
    await writer.write('{"x":1}\n');
    await writer.write('{"x":2}\n');
    expect(await readFile(paths.primary, 'utf8')).to.equal('{"x":2}\n');
    expect(await readFile(paths.replica, 'utf8')).to.equal('{"x":2}\n');
    await writer.close();
  });

  it('writes pieces in the order they were sent, even when sent before the previous one finished', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    const writer = new WorkerWriter(paths);
    const big = 'x'.repeat(200_000);
    await Promise.all([writer.writePieces(['1', big, '\n']), writer.writePieces(['2', 'ü', '\n']), writer.writePieces(['3', big, '\n'])]);
    expect(await readFile(paths.primary, 'utf8')).to.equal(`3${big}\n`);
    expect(await readFile(paths.replica, 'utf8')).to.equal(`3${big}\n`);
    await writer.close();
  });

  it('rejects a failed write with the errno code, path and syscall of the thread\'s error', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'plain-file'), '');
    const paths = statePaths(path.join(dir, 'plain-file', 's.json'));
    const writer = new WorkerWriter(paths);
    const err = await failure(writer.write('{}'));
    expect(err?.code).to.equal('ENOTDIR');
    expect(err?.syscall).to.equal('open');
    expect(err?.message).to.match(/^ENOTDIR: not a directory, open '.*plain-file\/s\.json\.\d+'$/);
    await writer.close();
  });

  it('stops its thread when idle and starts a new one for the next write', async () => {
    const paths = statePaths(path.join(await tempDir(), 's.json'));
    let stopped!: () => void;
    const idleStop = new Promise<void>((resolve) => (stopped = resolve));
    const writer = new WorkerWriter(paths, { idleMs: 20, onIdleStop: () => stopped() });
    await writer.write('{"x":1}\n');
    await idleStop;
    await writer.write('{"x":2}\n');
    expect(await readFile(paths.primary, 'utf8')).to.equal('{"x":2}\n');
    expect(await readFile(paths.replica, 'utf8')).to.equal('{"x":2}\n');
    await writer.close();
  });

  it('refuses writes once closed (its thread is terminated)', async () => {
    const writer = new WorkerWriter(statePaths(path.join(await tempDir(), 's.json')));
    await writer.write('{}');
    await writer.close();
    expect((await failure(writer.write('{}')))?.code).to.equal('EWRITER');
  });

  it('serves the store by default: a fault answers 503 storage_unavailable, and the store resumes after it', async () => {
    const { app, file, close } = await fileApp();
    const server = app.callback();
    expect((await request(server).get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: 1 });
    expect((await request(server).get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: 2 });
    expect(JSON.parse(await readFile(file, 'utf8')).sequences).to.deep.equal({ a: 2 });
    expect(JSON.parse(await readFile(`${file}.replica`, 'utf8')).sequences).to.deep.equal({ a: 2 });
    // The replica's name taken by a non-empty directory: every commit fails at its rename.
    await rm(`${file}.replica`);
    await mkdir(path.join(`${file}.replica`, 'sub'), { recursive: true });
    const res = await request(server).get('/next/a');
    expect(res.status).to.equal(503);
    expect(res.body.code).to.equal('storage_unavailable');
    expect(res.body.detail).to.match(/^the state could not be written \(EISDIR: /);
    await rm(`${file}.replica`, { recursive: true });
    expect((await request(server).get('/next/a')).body).to.deep.equal({ sequence_id: 'a', next_value: 4 });
    await close();
  });
});
