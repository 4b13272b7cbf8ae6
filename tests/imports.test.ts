// Dependencies go one way: no import cycle in src/, counting type-only and dynamic imports too (a type
// cycle is still two files that cannot be understood apart).
import { expect } from 'chai';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './support/helpers.js';

// import … from '…', export … from '…', import '…', and import('…').
const SPECIFIER = /(?:\bimport\s+(?:type\s+)?(?:[^'"();]*?\s+from\s+)?|\bexport\s+(?:type\s+)?[^'";]*?\s+from\s+|\bimport\s*\(\s*)['"]([^'"]+)['"]/g;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await tsFiles(p)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** Each file of `root` (relative path) → the files of `root` it imports. */
async function importGraph(root: string): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for (const file of await tsFiles(root)) {
    const text = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    const targets = new Set<string>();
    for (const [, spec] of text.matchAll(SPECIFIER)) {
      if (!spec!.startsWith('.')) continue;
      targets.add(path.relative(root, path.resolve(path.dirname(file), spec!.replace(/\.js$/, '.ts'))));
    }
    graph.set(path.relative(root, file), [...targets].sort());
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files in import order, its first file repeated at the end. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (file: string): void => {
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (onStack.has(next)) cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!done.has(next) && graph.has(next)) visit(next);
    }
    stack.pop();
    onStack.delete(file);
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

describe('imports', () => {
  it('finds a cycle through a type import and a dynamic import, and prints its files in order', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'cli'));
    await writeFile(path.join(root, 'main.ts'), "import { run } from './cli/program.js';\n// import './not-a-file.js';\n");
    await writeFile(path.join(root, 'cli', 'program.ts'), "export const run = async () => (await import('./serve.js')).serve;\n");
    await writeFile(path.join(root, 'cli', 'serve.ts'), "import type { X } from '../main.js';\nexport { serve } from '../server.js';\n");
    await writeFile(path.join(root, 'server.ts'), 'export const serve = 1;\n');
    const graph = await importGraph(root);
    expect(graph.get('main.ts')).to.deep.equal(['cli/program.ts']);
    expect(graph.get(path.join('cli', 'serve.ts'))).to.deep.equal(['main.ts', 'server.ts']);
    expect(findCycles(graph)).to.deep.equal([['cli/program.ts', 'cli/serve.ts', 'main.ts', 'cli/program.ts']]);
  });

  it('src/ has no import cycle', async () => {
    const graph = await importGraph(path.join(REPO_ROOT, 'src'));
    expect(graph.size).to.be.greaterThan(50);
    const cycles = findCycles(graph).map((c) => c.join(' → '));
    expect(cycles, `import cycles in src/:\n${cycles.join('\n')}`).to.deep.equal([]);
  });
  // Data flows one way: http → store → engine; random, series and the shared rules below, importing nothing above.
  const LAYERS: readonly { from: RegExp; mayNotImport: RegExp; why: string }[] = [
    { from: /^random\//, mayNotImport: /^(?!random\/)/, why: 'src/random stands alone' },
    { from: /^series\//, mayNotImport: /^(?!(series\/|random\/|errors\.ts$))/, why: 'src/series uses only random/ and errors.ts' },
    { from: /^store\//, mayNotImport: /^(http|cli|client)\/|^(main|run-server|server)\.ts$/, why: 'the stores know nothing of HTTP or the CLI' },
    { from: /^store\/rules\//, mayNotImport: /^store\/(file|postgres)\//, why: 'the shared rules sit below both stores' },
    { from: /^store\/file\//, mayNotImport: /^store\/postgres\//, why: 'the two stores are apart' },
    { from: /^store\/postgres\//, mayNotImport: /^store\/file\//, why: 'the two stores are apart' },
    { from: /^http\//, mayNotImport: /^store\/(file|postgres)\/|^cli\//, why: 'http sees the Store contract, not a store' },
  ];

  it('src/ imports only downward: random, series and rules import nothing above them; http sees only the Store contract', async () => {
    const graph = await importGraph(path.join(REPO_ROOT, 'src'));
    const wrong: string[] = [];
    for (const [file, targets] of graph)
      for (const layer of LAYERS)
        if (layer.from.test(file)) for (const t of targets) if (layer.mayNotImport.test(t)) wrong.push(`${file} → ${t} (${layer.why})`);
    expect(wrong, `imports against the layers:\n${wrong.join('\n')}`).to.deep.equal([]);
  });

  it('the layer check sees a wrong import', () => {
    const http = LAYERS.find((l) => l.from.test('http/app.ts'))!;
    expect(http.mayNotImport.test('store/file/file-store.ts')).to.equal(true);
    expect(http.mayNotImport.test('store/store.ts')).to.equal(false);
  });
});
