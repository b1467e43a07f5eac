// PGlite alone on a desk's data directory, the baseline of bench/case-view.ts's memory figures: the
// same database engine, the same directory, the same reads, and nothing of the desk around it.
//
//   node [--liftoff-only] bench/pglite-alone.ts --dir=DATA_DIR/pglite --statements=FILE.json
//        [--settings=defaults|desk] [--rounds=200] [--settle=5]
//
// FILE.json holds the statements as [sql, params] pairs (bench/case-view.ts writes it from
// bench/case-view-sql.ts), so this process loads nothing of the desk's code but the store's opener.
//
// --settings=defaults opens it as `new PGlite({ dataDir })` does; desk opens it as the desk does
// (src/store/pglite.ts: its buffer pool setting and its lock). It prints one JSON line: resident
// memory (MB) once open and settled, after the rounds of the case view's statements, settled again,
// and the high-water mark.

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { openPglite } from '../src/store/pglite.ts';
import type { Queryable } from '../src/store/db.ts';
import { memoryOf } from './memory.ts';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    statements: { type: 'string' },
    settings: { type: 'string', default: 'desk' },
    rounds: { type: 'string', default: '200' },
    settle: { type: 'string', default: '5' },
  },
  strict: true,
});
if (!args.dir || !args.statements) throw new Error('--dir and --statements are required');
const rounds = Number(args.rounds);
const settleMs = Number(args.settle) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let q: Queryable & { close(): Promise<void> };
if (args.settings === 'defaults') {
  const pg = new PGlite({ dataDir: args.dir });
  await pg.waitReady;
  q = {
    exec: async (sql) => void (await pg.exec(sql)),
    query: async <R>(sql: string, params: unknown[] = []) => {
      const r = await pg.query<R>(sql, params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    },
    close: () => pg.close(),
  };
} else if (args.settings === 'desk') {
  q = await openPglite(args.dir, { owner: 'bench/pglite-alone.ts' });
} else throw new Error('--settings must be defaults or desk');

await sleep(settleMs);
const open = memoryOf(process.pid);
const statements = JSON.parse(readFileSync(args.statements, 'utf8')) as [string, unknown[]][];
for (let i = 0; i < rounds; i++) for (const [sql, params] of statements) await q.query(sql, params);
const afterRounds = memoryOf(process.pid);
await sleep(settleMs);
const settled = memoryOf(process.pid);
await q.close();
process.stdout.write(
  `${JSON.stringify({ open: open.rssMb, afterRounds: afterRounds.rssMb, settled: settled.rssMb, highWater: settled.hwmMb })}\n`,
);
