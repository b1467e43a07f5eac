import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { processCheckCommand } from '../../src/cli/process.ts';
import { listShippedProfiles, parseProfile } from '../../src/process/loader.ts';
import { MINIMAL, edit } from './fixtures.ts';

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c) => (chunks.out += c));
  err.on('data', (c) => (chunks.err += c));
  const code = await processCheckCommand(args, out, err);
  return { code, ...chunks };
}

const dir = mkdtempSync(join(tmpdir(), 'embargo-process-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('process check passes the shipped profiles with exit 0', async () => {
  const { code, out } = await run('check', ...listShippedProfiles().map((p) => p.path));
  assert.equal(code, 0);
  assert.equal(out, '2 files checked: 0 errors, 0 warnings\n');
});

test('process check prints file:line:col problems and exits 1', async () => {
  const file = join(dir, 'broken.yaml');
  writeFileSync(file, edit(MINIMAL, '    owner: triager', '    owner: triagr'));
  const { code, out } = await run('check', file);
  assert.equal(code, 1);
  assert.equal(
    out,
    `${file}:28:12: error: unknown role "triagr"; did you mean "triager"? (sla[0].owner)\n1 file checked: 1 error, 0 warnings\n`,
  );
});

test('process check reports an unreadable file and carries on with the others', async () => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, MINIMAL);
  const { code, out } = await run('check', join(dir, 'missing.yaml'), good);
  assert.equal(code, 1);
  assert.match(out, /missing\.yaml: error: cannot read file/);
  assert.match(out, /2 files checked: 1 error, 0 warnings\n$/);
});

test('bad usage exits 2 with usage on stderr; --help prints usage and exits 0', async () => {
  for (const args of [[], ['check'], ['frobnicate'], ['check', '--strict', 'x.yaml'], ['copy', 'tock']]) {
    const { code, err } = await run(...args);
    assert.equal(code, 2, args.join(' '));
    assert.match(err, /Usage:/);
  }
  for (const args of [['--help'], ['check', '--help'], ['copy', '-h']]) {
    const { code, out } = await run(...args);
    assert.equal(code, 0);
    assert.match(out, /embargo process check FILE/);
  }
});

test('process copy writes a valid profile with the new id to stdout', async () => {
  const { code, out } = await run('copy', 'tock', 'our-tock', '--name', 'Our Tock process');
  assert.equal(code, 0);
  const { profile, problems } = parseProfile(out, 'stdout');
  assert.deepEqual(problems, []);
  assert.equal(profile?.id, 'our-tock');
  assert.equal(profile?.name, 'Our Tock process');
  assert.equal(profile?.incidentPrefix, 'TOCK');
});

test('process copy refuses a bad new id (2) and an unknown source (1)', async () => {
  assert.equal((await run('copy', 'tock', 'Bad Id')).code, 2);
  const unknown = await run('copy', 'nope', 'x');
  assert.equal(unknown.code, 1);
  assert.match(unknown.err, /No process profile "nope"/);
});
