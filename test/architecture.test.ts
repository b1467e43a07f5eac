import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

// The arrows of the architecture point inward, and this test keeps them so:
//   - src/domain is pure: it imports only itself and a few pure packages, no I/O;
//   - src/mail is a codec: no database, no use cases, no doors;
//   - state changes only in src/app (and the store's own bookkeeping): no INSERT, UPDATE or DELETE
//     anywhere else;
//   - doors (HTTP, web pages, public site, CLI, listeners) run no SQL: they build a context and call
//     use cases; jobs keep only the selection of work and the loop;
//   - use cases never reach out to a door or a job.
// Each rule names the files that break it, so a failure says where to look.

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

interface SourceFile {
  /** Path under src/, e.g. "app/cases/triage.ts". */
  path: string;
  /** Top folder under src/ ("app", "domain", ...; "config.ts" for a file at the top). */
  layer: string;
  text: string;
  /** Code without comments, so a comment that mentions SQL or a module is not a violation. */
  code: string;
  /** What it imports: other source files as paths under src/, packages and node: modules by name. */
  imports: { local: string[]; packages: string[] };
}

const stripComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

function parse(file: string, text: string): SourceFile {
  const path = relative(SRC, file);
  const code = stripComments(text);
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of code.matchAll(/(?:^|\s)(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) local.push(relative(SRC, resolve(dirname(file), spec)));
    else packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return { path, layer: path.includes('/') ? path.split('/')[0]! : path, text, code, imports: { local, packages } };
}

const files = sourceFiles(SRC).map((file) => parse(file, readFileSync(file, 'utf8')));
const layerOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : path);

function violations(rule: (f: SourceFile) => string[], layers: readonly string[]): string[] {
  return files.filter((f) => layers.includes(f.layer)).flatMap((f) => rule(f).map((why) => `${f.path}: ${why}`));
}

const DOORS = ['http', 'web', 'public', 'cli', 'listeners'] as const;
const SQL_WRITE = /\b(?:INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM|TRUNCATE)\b/i;
const RUNS_SQL = /\.query\s*[<(]|\.exec\s*\(\s*['"`]/;

test('the tree has the folders this test guards', () => {
  for (const layer of ['domain', 'process', 'app', 'store', 'crypto', 'mail', 'formats', 'integrations', 'jobs', ...DOORS]) {
    assert.ok(
      files.some((f) => f.layer === layer),
      `src/${layer} is empty or gone: update the architecture test`,
    );
  }
});

test('src/domain is pure: it imports only itself and pure packages, and does no I/O', () => {
  const PURE_PACKAGES = new Set([
    'zod',
    'date-holidays',
    'ae-cvss-calculator',
    'semver',
    'entities',
    'email-providers',
    '@renovatebot/pep440',
    '@renovatebot/ruby-semver',
    'ipaddr.js',
  ]);
  const found = violations(
    (f) => [
      ...f.imports.local.filter((p) => layerOf(p) !== 'domain').map((p) => `imports src/${p}`),
      ...f.imports.packages.filter((p) => !PURE_PACKAGES.has(p)).map((p) => `imports ${p}`),
      ...(RUNS_SQL.test(f.code) ? ['runs SQL'] : []),
      ...(/\b(?:Date\.now|new Date\(\))/.test(f.code) ? ['reads the wall clock (take the instant as an argument)'] : []),
    ],
    ['domain'],
  );
  assert.deepEqual(found, []);
});

test('src/mail is a codec: no database, no use cases, no doors, no jobs', () => {
  const found = violations(
    (f) => [
      ...f.imports.local.filter((p) => !['mail', 'domain'].includes(layerOf(p))).map((p) => `imports src/${p}`),
      ...f.imports.packages
        .filter((p) => ['pg', '@electric-sql/pglite', 'nodemailer', 'smtp-server', 'imapflow'].includes(p))
        .map((p) => `imports ${p}`),
      ...(RUNS_SQL.test(f.code) ? ['runs SQL'] : []),
    ],
    ['mail'],
  );
  assert.deepEqual(found, []);
});

test('state changes only in src/app: no write statement anywhere else but the store', () => {
  const found = files
    .filter((f) => f.layer !== 'app' && f.layer !== 'store' && SQL_WRITE.test(f.code))
    .map((f) => `${f.path}: ${SQL_WRITE.exec(f.code)![0]}`);
  assert.deepEqual(found, []);
});

test('the core tables are written by one module each: reports, incidents and transitions in src/app/cases/records', () => {
  const CORE_WRITE = /\b(?:INSERT\s+INTO|UPDATE)\s+(reports|incidents|incident_projects|transitions)\b/i;
  const found = files
    .filter((f) => !f.path.startsWith('app/cases/records/') && f.layer !== 'store' && CORE_WRITE.test(f.code))
    .map((f) => `${f.path}: writes ${CORE_WRITE.exec(f.code)![1]}`);
  assert.deepEqual(found, []);
});

test('doors run no SQL and do not open the store: they build a context and call use cases', () => {
  const found = violations(
    (f) => [
      ...(RUNS_SQL.test(f.code) ? ['runs SQL'] : []),
      ...f.imports.local.filter((p) => layerOf(p) === 'store' && !/^store\/(?:db|open)\.ts$/.test(p)).map((p) => `imports src/${p}`),
    ],
    DOORS,
  );
  assert.deepEqual(found, []);
});

test('jobs keep only the selection of work and the loop: no writes, no mail, no templates', () => {
  const found = violations(
    (f) => [
      ...(SQL_WRITE.test(f.code) ? ['writes to the database'] : []),
      ...f.imports.local.filter((p) => ['mail', 'web', 'http', 'cli', 'public'].includes(layerOf(p))).map((p) => `imports src/${p}`),
    ],
    ['jobs'],
  );
  assert.deepEqual(found, []);
});

test('use cases, the codec, formats and the domain never reach out to a door or a job', () => {
  const OUTER = new Set<string>([...DOORS, 'jobs']);
  const found = violations(
    (f) => f.imports.local.filter((p) => OUTER.has(layerOf(p))).map((p) => `imports src/${p}`),
    ['app', 'domain', 'mail', 'formats', 'process', 'store', 'crypto', 'integrations'],
  );
  assert.deepEqual(found, []);
});

/**
 * What loading a file loads with it: its imports, re-exports and side-effect imports, `import { type
 * A }` among them (under verbatimModuleSyntax that still loads the module), but not `import type` or
 * `export type` (erased) nor import(), which loads a module when the code runs.
 */
function staticImports(code: string, file: string): { local: string[]; packages: string[] } {
  const local: string[] = [];
  const packages: string[] = [];
  for (const m of code.matchAll(
    /(?:^|\s)(?:import|export)(\s+type)?\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\s)import\s*['"]([^'"]+)['"]/g,
  )) {
    if (m[1]) continue;
    const spec = (m[2] ?? m[3])!;
    if (spec.startsWith('.')) local.push(relative(SRC, resolve(dirname(file), spec)));
    else packages.push(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
  }
  return { local, packages };
}

/**
 * Every source file ("src/cli/main.ts") and package ("zod") that loading `start` loads, each with the
 * chain of imports that first reaches it.
 */
function staticallyReached(start: string): Map<string, string[]> {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const reached = new Map<string, string[]>([[`src/${start}`, []]]);
  const queue = [start];
  while (queue.length) {
    const path = queue.shift()!;
    const f = byPath.get(path);
    if (!f) continue; // JSON and other data files import nothing
    const chain = [...reached.get(`src/${path}`)!, `src/${path}`];
    const { local, packages } = staticImports(f.code, join(SRC, path));
    for (const p of packages) if (!reached.has(p)) reached.set(p, chain);
    for (const p of local) {
      if (reached.has(`src/${p}`)) continue;
      reached.set(`src/${p}`, chain);
      queue.push(p);
    }
  }
  return reached;
}

test('the command line starts light: before a command runs, and for the commands that open no database, no web server, database or OpenPGP.js is loaded', () => {
  // Every `embargo` process loads main.ts and the command table before it knows what runs; each
  // command imports its implementation when it runs (src/cli/commands/). A static import of any of
  // these on that path would load it for `embargo --help`, `embargo cvss` and every message an MTA
  // pipes to `embargo mail import`.
  const HEAVY =
    /^(?:fastify|@fastify\/.*|openpgp|@electric-sql\/pglite|pg|smtp-server|imapflow|nodemailer)$|^src\/(?:http|web|public|store|jobs|listeners)\/|^src\/app\/bootstrap\.ts$|^src\/cli\/with-app\.ts$/;
  // The commands that never open the database: sla due and sla regions, cvss, process check and copy.
  for (const start of ['cli/main.ts', 'cli/sla.ts', 'cli/cvss.ts', 'cli/process.ts']) {
    const reached = staticallyReached(start);
    assert.ok(reached.size > 1, `nothing reached from src/${start}: update the architecture test`);
    const found = [...reached].filter(([name]) => HEAVY.test(name)).map(([name, chain]) => `${[...chain, name].join(' → ')}`);
    assert.deepEqual(found, [], `loaded with src/${start}`);
  }
  assert.ok(staticallyReached('cli/main.ts').has('src/cli/commands/sla.ts'), 'the walk reaches the command table');
});

test('the walk of static imports follows what loads a module and skips what does not', () => {
  const code = stripComments(
    [
      "import type { A } from '../store/a.ts';",
      "export type { B } from '../store/b.ts';",
      "import { type C } from './c.ts';",
      "import d, { e } from 'fastify';",
      "export { f } from './f.ts';",
      "import './g.ts';",
      "const h = await import('../store/h.ts');",
      "// import { i } from './i.ts';",
    ].join('\n'),
  );
  assert.deepEqual(staticImports(code, join(SRC, 'cli', 'probe.ts')), {
    local: ['cli/c.ts', 'cli/f.ts', 'cli/g.ts'],
    packages: ['fastify'],
  });
});

test('the scanner sees imports and SQL in code, and not in comments', () => {
  const f = parse(
    join(SRC, 'web', 'probe.ts'),
    `// UPDATE reports SET hidden = 1 in a comment\nimport { a } from '../store/audit.ts';\nimport b from 'pg';\nawait tx.query('DELETE FROM reports');\n`,
  );
  assert.equal(f.layer, 'web');
  assert.deepEqual(f.imports, { local: ['store/audit.ts'], packages: ['pg'] });
  assert.ok(RUNS_SQL.test(f.code));
  assert.equal(SQL_WRITE.exec(f.code)?.[0], 'DELETE FROM');
  const quiet = parse(join(SRC, 'domain', 'probe.ts'), '/* db.query(x) */\n// INSERT INTO x\nexport const a = 1;\n');
  assert.ok(!RUNS_SQL.test(quiet.code) && !SQL_WRITE.test(quiet.code));
});
