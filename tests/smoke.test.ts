import { expect } from 'chai';
import request from 'supertest';
import { fileApp, startServerProcess } from './support/helpers.js';

describe('smoke', () => {
  it('answers /next/foo with 1 then 2 in-process', async () => {
    const { app, close } = await fileApp();
    const server = app.callback();
    expect((await request(server).get('/next/foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 1 });
    expect((await request(server).get('/next/foo')).body).to.deep.equal({ sequence_id: 'foo', next_value: 2 });
    await close();
  });

  it('runs as a real process and stops on SIGTERM with exit 0', async () => {
    const { tempDir } = await import('./support/helpers.js');
    const dir = await tempDir();
    const srv = await startServerProcess({ SEQUENCE_FILE: `${dir}/s.json` });
    const res = await fetch(`${srv.url}/next/x`);
    expect(await res.json()).to.deep.equal({ sequence_id: 'x', next_value: 1 });
    srv.child.kill('SIGTERM');
    expect(await srv.exited).to.equal(0);
  });
});
