import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, commandsOfGroup } from '../../src/cli/commands.ts';
import { run } from '../../src/cli/main.ts';

// The CLI is a table of commands: `embargo --help` lists it, `embargo help COMMAND` and
// `embargo COMMAND --help` print a command's help from it, and what a command says about the
// database holds.

async function embargo(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { write: (s: string) => (out += s) }, { write: (s: string) => (err += s) });
  return { code, out, err };
}

test('every command has a unique name, and `embargo --help` names every one', async () => {
  const names = COMMANDS.map((c) => c.name);
  assert.equal(new Set(names).size, names.length);
  const { code, out } = await embargo('--help');
  assert.equal(code, 0);
  for (const name of names) assert.ok(out.includes(name), `${name} is not in the usage`);
});

test('`embargo help COMMAND` prints the same help as `embargo COMMAND --help`', async () => {
  for (const c of COMMANDS) {
    const viaHelp = await embargo('help', ...c.name.split(' '));
    assert.equal(viaHelp.code, 0, c.name);
    assert.equal(viaHelp.out, c.help, c.name);
    if (c.ownUsage) continue; // those print their own usage for --help (tested with each command)
    const viaFlag = await embargo(...c.name.split(' '), '--help');
    assert.deepEqual(viaFlag, { code: 0, out: c.help, err: '' }, c.name);
  }
});

test('`embargo help GROUP` prints the help of each command of the group; an unknown one is a usage error', async () => {
  const keys = await embargo('help', 'keys');
  assert.equal(keys.code, 0);
  assert.equal(
    keys.out,
    commandsOfGroup('keys')
      .map((c) => c.help)
      .join('\n'),
  );
  assert.match(keys.out, /embargo keys generate/);
  const unknown = await embargo('help', 'frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  assert.deepEqual(await embargo('help'), await embargo('--help'));
});

test('a command that says it never opens the database does not, even on bad usage', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'embargo-cli-table-')), 'data');
  const saved = { dataDir: process.env.EMBARGO_DATA_DIR, url: process.env.DATABASE_URL };
  process.env.EMBARGO_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  try {
    const never = COMMANDS.filter((c) => c.opensDatabase === 'never');
    assert.ok(never.length >= 4);
    for (const c of never) {
      for (const args of [[], ['--frobnicate'], ['x', 'y']]) await embargo(...c.name.split(' '), ...args);
    }
    assert.equal(existsSync(dir), false, 'the embedded database was never created');
  } finally {
    if (saved.dataDir === undefined) delete process.env.EMBARGO_DATA_DIR;
    else process.env.EMBARGO_DATA_DIR = saved.dataDir;
    if (saved.url !== undefined) process.env.DATABASE_URL = saved.url;
  }
});
