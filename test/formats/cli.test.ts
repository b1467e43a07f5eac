import './support/no-network.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { advisoryExportCommand, cvssCommand } from '../../src/cli/formats.ts';
import { validators } from './support/schemas.ts';
import { FIXTURES } from './fixtures.ts';

type Command = (args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream) => Promise<number>;

async function run(command: Command, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c) => (chunks.out += c));
  err.on('data', (c) => (chunks.err += c));
  const code = await command(args, out, err);
  return { code, ...chunks };
}

const dir = mkdtempSync(join(tmpdir(), 'embargo-formats-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const fixtureFile = (name: string): string => {
  const f = FIXTURES.find((x) => x.name === name);
  assert.ok(f, name);
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(f.input, null, 2));
  return file;
};

test('embargo cvss prints score and severity for each vector', async () => {
  const r = await run(
    cvssCommand,
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U',
  );
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    '9.8 critical (CVSS 3.1 base)  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n' +
      '8.1 high (CVSS-BT, CVSS 4.0; base 9.3 critical)  CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U\n',
  );
  assert.equal(r.err, '');
  const json = await run(cvssCommand, '--json', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N');
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.out), {
    version: '3.1',
    vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N',
    baseScore: 9.1,
    baseSeverity: 'critical',
    score: 9.1,
    severity: 'critical',
    nomenclature: 'base',
  });
});

test('embargo cvss: an invalid vector exits 1 with its problems; bad usage exits 2', async () => {
  const bad = await run(cvssCommand, 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:Z');
  assert.equal(bad.code, 1);
  assert.match(bad.out, /^9\.8 critical/);
  assert.match(bad.err, /AC:Z is not a valid value/);
  assert.match(bad.err, /missing base metrics PR, UI, S, C, I, A/);
  assert.equal((await run(cvssCommand)).code, 2);
  assert.equal((await run(cvssCommand, '--bogus', 'x')).code, 2);
  const help = await run(cvssCommand, '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage: embargo cvss/);
});

test('embargo advisory export prints a schema-valid document in each JSON format', async () => {
  const file = fixtureFile('tf-a-smc-overflow');
  const cases: [string, keyof ReturnType<typeof validators>][] = [
    ['cve', 'cve'],
    ['osv', 'osv'],
    ['csaf-2.0', 'csaf20'],
    ['csaf-2.1', 'csaf21'],
  ];
  for (const [format, key] of cases) {
    const r = await run(advisoryExportCommand, file, '--format', format);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    const validate = validators()[key] as ReturnType<typeof validators>['cve'];
    assert.equal(validate(JSON.parse(r.out)), true, format);
  }
  const text = await run(advisoryExportCommand, file, '-f', 'text');
  assert.match(text.out, /^TFV-2026-0001: /);
  const md = await run(advisoryExportCommand, file, '--format', 'markdown');
  assert.match(md.out, /^# TFV-2026-0001: /);
});

test('embargo advisory export: several CVE records need --cve or --output-dir', async () => {
  const file = fixtureFile('tf-m-two-cves');
  const both = await run(advisoryExportCommand, file, '--format', 'cve');
  assert.equal(both.code, 1);
  assert.match(both.err, /2 CVE records \(CVE-2026-10002, CVE-2026-10003\); choose one with --cve ID/);
  const one = await run(advisoryExportCommand, file, '--format', 'cve', '--cve', 'CVE-2026-10003');
  assert.equal(one.code, 0);
  assert.equal(JSON.parse(one.out).cveMetadata.cveId, 'CVE-2026-10003');
  const unknown = await run(advisoryExportCommand, file, '--format', 'cve', '--cve', 'CVE-2026-99999');
  assert.equal(unknown.code, 1);
  const outDir = join(dir, 'out');
  const all = await run(advisoryExportCommand, file, '--format', 'cve', '--output-dir', outDir);
  assert.equal(all.code, 0);
  assert.deepEqual(readdirSync(outDir).sort(), ['CVE-2026-10002.json', 'CVE-2026-10003.json']);
  assert.equal(JSON.parse(readFileSync(join(outDir, 'CVE-2026-10002.json'), 'utf8')).dataType, 'CVE_RECORD');
});

test('embargo advisory export: invalid advisories exit 1 with every problem and its path', async () => {
  const input = structuredClone(FIXTURES[0]!.input) as Record<string, unknown> & { affected: { ranges: unknown[] }[] };
  input.affected[0]!.ranges = [{ type: 'semver', introduced: '2.10.1', fixed: '2.8.0' }];
  input.cvss = ['CVSS:3.1/AV:N'];
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify(input));
  const r = await run(advisoryExportCommand, file, '--format', 'osv');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /affected\[0\]\.ranges\[0\]\.fixed: the range ends before it starts: fixed 2\.8\.0 is not after introduced 2\.10\.1/);
  assert.match(r.err, /cvss\[0\]: missing base metrics/);

  writeFileSync(join(dir, 'notjson.json'), '{');
  const notJson = await run(advisoryExportCommand, join(dir, 'notjson.json'), '--format', 'osv');
  assert.equal(notJson.code, 1);
  assert.match(notJson.err, /cannot read/);
});

test('embargo advisory export: drafts warn about publication problems; usage errors exit 2', async () => {
  const { published: _p, ...draft } = FIXTURES[0]!.input;
  const file = join(dir, 'draft.json');
  writeFileSync(file, JSON.stringify(draft));
  const noNow = await run(advisoryExportCommand, file, '--format', 'csaf-2.0');
  assert.equal(noNow.code, 1);
  assert.match(noNow.err, /warning: not ready for publication:\n {2}published: no publication time/);
  assert.match(noNow.err, /needs the generation time/);
  const preview = await run(advisoryExportCommand, file, '--format', 'csaf-2.0', '--now', '2026-02-01T00:00:00Z');
  assert.equal(preview.code, 0);
  assert.equal(JSON.parse(preview.out).document.tracking.status, 'draft');

  assert.equal((await run(advisoryExportCommand, file)).code, 2);
  assert.equal((await run(advisoryExportCommand, file, '--format', 'pdf')).code, 2);
  assert.equal((await run(advisoryExportCommand, '--format', 'osv')).code, 2);
  assert.equal((await run(advisoryExportCommand, file, '--format', 'osv', '--cve', 'CVE-2026-10001')).code, 2);
  assert.equal((await run(advisoryExportCommand, file, '--format', 'osv', '--now', 'yesterday')).code, 2);
  const help = await run(advisoryExportCommand, '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /cve, osv, csaf-2\.0, csaf-2\.1, text, markdown/);
});
