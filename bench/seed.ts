// Large states for the bench, written as the flat legacy file ({"id": last value, ...}) that every engine of
// the service loads, so the bench depends on no store internals. Ids are s0..s(N-1); the hot id is `hot`.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const seedId = (i: number): string => `s${i}`;
export const seedValue = (i: number): number => ((i * 7919) % 1000) + 1;
export const HOT_ID = 'hot';

/** Writes `count` sequences (plus `hot` at 0) to `file`, streamed so a million ids cost little memory. */
export async function writeFlatState(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  const chunk: string[] = [`{"${HOT_ID}":0`];
  const flush = async (): Promise<void> => {
    if (!out.write(chunk.join(''))) await once(out, 'drain');
    chunk.length = 0;
  };
  for (let i = 0; i < count; i++) {
    chunk.push(`,"${seedId(i)}":${seedValue(i)}`);
    if (chunk.length >= 10_000) await flush();
  }
  chunk.push('}\n');
  await flush();
  out.end();
  await once(out, 'finish');
}
