/**
 * The rooms' import graph (docs/architecture.md, "Rooms"): product code of one top-level folder
 * may import another's, but never in a circle, and `analyzer/` imports no other room (it is pure:
 * a replay gives the live run's verdicts). Read from the source text the way the doc's script
 * reads it — static and dynamic imports alike; tests and `testing/` helpers excluded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOMS = [
  'analyzer',
  'collector',
  'odoo-exporter',
  'pipeline',
  'service',
  'store',
  'gate',
  'dashboards',
  'simulator',
  'cli',
];

function productFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'testing') files.push(...productFiles(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

/** room → the rooms it imports, each with one file that does (for the message) */
function importGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const room of ROOMS) {
    const edges = new Map<string, string>();
    for (const file of productFiles(room)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'((?:\.\.\/)+)([a-z-]+)\//g)) {
        const depth = file.split('/').length - 1;
        // only paths that climb out of the room to the top level name another room
        if (m[1].length / 3 !== depth) continue;
        if (m[2] !== room && ROOMS.includes(m[2]) && !edges.has(m[2])) edges.set(m[2], file);
      }
    }
    graph.set(room, edges);
  }
  return graph;
}

test('analyzer imports no other room', () => {
  assert.deepEqual([...importGraph().get('analyzer')!], []);
});

test('no room imports another in a circle', () => {
  const graph = importGraph();
  const done = new Set<string>();
  const visit = (room: string, path: string[]): void => {
    if (path.includes(room)) {
      const circle = [...path.slice(path.indexOf(room)), room];
      const via = circle
        .slice(0, -1)
        .map((from, i) => `${from} → ${circle[i + 1]} (${graph.get(from)!.get(circle[i + 1])})`);
      assert.fail(`rooms import each other in a circle: ${via.join(', ')}`);
    }
    if (done.has(room)) return;
    for (const next of graph.get(room)!.keys()) visit(next, [...path, room]);
    done.add(room);
  };
  for (const room of ROOMS) visit(room, []);
});
