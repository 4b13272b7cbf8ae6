// The snapshot's two entry points for callers outside the engine: write.ts writes format 2, read.ts reads
// every format (the layout itself is in ../FORMAT.md).
export { serializeSnapshot } from './write.js';
export { parseSnapshot } from './read.js';
