import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runEmbargo } from '../support/cli.ts';

// What a real `embargo` process loads: the commands that need no desk load neither the web server,
// the database nor OpenPGP.js, and serve loads the web server. test/architecture.test.ts keeps the
// static imports so; this reads the modules a process loaded, through a hook on every load.

const dir = mkdtempSync(join(tmpdir(), 'embargo-start-up-'));
const dataDir = join(dir, 'data');
const HOOK = new URL('../support/loaded-modules.ts', import.meta.url).pathname;
let runs = 0;

async function embargo(...args: string[]) {
  const file = join(dir, `loaded-${runs++}.txt`);
  const r = await runEmbargo(
    {
      ...process.env,
      EMBARGO_DATA_DIR: dataDir,
      DATABASE_URL: '',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${HOOK}`.trim(),
      EMBARGO_TEST_LOADED_MODULES: file,
    },
    args,
  );
  return { ...r, loaded: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

/** The web server, the database (its drivers, the store, the app's bootstrap) and OpenPGP.js. */
const HEAVY =
  /\/node_modules\/(?:fastify|@fastify\/[^/]+|openpgp|@electric-sql\/pglite|pg)\/|\/src\/(?:http|web|public|store|jobs|listeners)\/|\/src\/app\/bootstrap\.ts$/;
const heavy = (loaded: string[]) => loaded.filter((url) => HEAVY.test(url)).map((url) => url.replace(/^.*\/(node_modules|src)\//, '$1/'));

const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

test('--help, help COMMAND, an unknown command, sla due and cvss load no web server, database or OpenPGP.js', async () => {
  const [help, helpOf, unknown, due, cvss] = await Promise.all([
    embargo('--help'),
    embargo('help', 'sla', 'due'),
    embargo('frobnicate'),
    embargo('sla', 'due', '--profile', 'tock', '--priority', 'P1', '--arrival', '2026-11-27T18:00:00Z', '--time-zone', 'UTC'),
    embargo('cvss', VECTOR),
  ]);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: embargo COMMAND/);
  assert.equal(helpOf.code, 0);
  assert.match(helpOf.out, /^Usage: embargo sla due/);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  assert.deepEqual({ code: due.code, out: due.out }, { code: 0, out: '2026-12-11T18:00:00+00:00\n' });
  assert.deepEqual({ code: cvss.code, out: cvss.out }, { code: 0, out: `9.8 critical (CVSS 3.1 base)  ${VECTOR}\n` });
  for (const [name, r] of Object.entries({ help, helpOf, unknown, due, cvss })) {
    assert.ok(
      r.loaded.some((url) => url.endsWith('/src/cli/main.ts')),
      `${name}: the hook saw the process load`,
    );
    assert.deepEqual(heavy(r.loaded), [], name);
  }
  assert.equal(existsSync(dataDir), false, 'no database was created');
});

test('serve loads the web server it runs (here up to a usage error, before it opens the database)', async () => {
  const r = await embargo('serve', '--frobnicate');
  assert.equal(r.code, 2);
  assert.match(r.err, /^embargo serve: Unknown option '--frobnicate'/);
  const loaded = heavy(r.loaded);
  assert.ok(loaded.includes('src/http/server.ts'), 'the HTTP server');
  assert.ok(
    loaded.some((m) => m.startsWith('node_modules/fastify/')),
    'Fastify',
  );
  assert.equal(existsSync(dataDir), false, 'no database was created');
});
