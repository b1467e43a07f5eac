import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLockedError, lockDataDir, type LockHolder } from '../../src/store/dir-lock.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { pgliteImage } from '../support/templates.ts';

// The lock that keeps an embedded database directory to one process: who is refused, whose lock is
// taken over, and that a holder removes only its own file. Real processes stand in for holders.

const place = () => {
  const dir = mkdtempSync(join(tmpdir(), 'embargo-dirlock-'));
  return { dir, data: join(dir, 'pglite'), lock: join(dir, 'pglite.lock') };
};

const holderFile = (h: Partial<LockHolder> & { pid: number }) =>
  `${JSON.stringify({ host: hostname(), started: null, since: '2026-01-01T00:00:00.000Z', by: 'embargo serve', token: 'x', ...h })}\n`;

/** A live process that is not this one, and a way to end it. */
function sleeper() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { pid: child.pid!, end: () => (child.kill('SIGKILL'), exited) };
}

const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};

const refusal = (fn: () => unknown): DataDirLockedError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataDirLockedError) return e;
    throw e;
  }
  assert.fail('the lock was given');
};

test('a second open of a held PGlite directory is refused, in this process too; close releases it', async () => {
  const { data, lock } = place();
  const db = await openPglite(data, { owner: 'embargo serve', image: await pgliteImage() });
  await db.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)');
  await assert.rejects(openPglite(data), (e: unknown) => {
    assert.ok(e instanceof DataDirLockedError);
    assert.equal(e.holder?.pid, process.pid);
    assert.equal(e.holder?.by, 'embargo serve');
    assert.match(e.message, new RegExp(`in use by embargo serve \\(pid ${process.pid}, since `));
    return true;
  });
  await db.close();
  assert.equal(existsSync(lock), false);
  const again = await openPglite(data);
  assert.deepEqual((await again.query('SELECT x FROM kept')).rows, [{ x: 1 }]);
  await again.close();
  // Nothing is left beside the directory: no lock, no file written aside.
  assert.deepEqual(readdirSync(join(data, '..')), ['pglite']);
});

test('a live holder on this host is refused, with its pid; one whose pid now names another process is not', async () => {
  const { data, lock } = place();
  const live = sleeper();
  try {
    writeFileSync(lock, holderFile({ pid: live.pid, started: startTime(live.pid) }));
    const e = refusal(() => lockDataDir(data, lock, 'embargo user add'));
    assert.equal(e.holder?.pid, live.pid);
    assert.equal(readFileSync(lock, 'utf8'), holderFile({ pid: live.pid, started: startTime(live.pid) }), 'the lock is left alone');
    // Without a recorded start time the live pid is trusted.
    writeFileSync(lock, holderFile({ pid: live.pid }));
    refusal(() => lockDataDir(data, lock, 'embargo user add'));
    // The pid is alive but started at another time: the holder died and its pid was reused.
    writeFileSync(lock, holderFile({ pid: live.pid, started: '1' }));
    lockDataDir(data, lock, 'embargo user add').release();
  } finally {
    await live.end();
  }
});

test('the lock of a dead holder (SIGKILL, crash) is taken over and released', async () => {
  const { data, lock } = place();
  const gone = sleeper();
  await gone.end();
  writeFileSync(lock, holderFile({ pid: gone.pid }));
  const held = lockDataDir(data, lock, 'embargo serve');
  const mine = JSON.parse(readFileSync(lock, 'utf8')) as LockHolder;
  assert.equal(mine.pid, process.pid);
  assert.equal(mine.by, 'embargo serve');
  assert.equal(mine.started, startTime(process.pid));
  held.release();
  assert.equal(existsSync(lock), false);
  // A lock naming this process's pid that this process does not hold: a process before it had the pid
  // (a container's pid 1 after a restart).
  writeFileSync(lock, holderFile({ pid: process.pid }));
  lockDataDir(data, lock, 'embargo serve').release();
  assert.deepEqual(readdirSync(join(data, '..')), []);
});

test('a holder on another host, or a lock file that cannot be read, is refused and left in place', () => {
  const { data, lock } = place();
  writeFileSync(lock, holderFile({ pid: 1234, host: 'elsewhere.example' }));
  const far = refusal(() => lockDataDir(data, lock, 'embargo serve'));
  assert.match(far.message, /pid 1234 on elsewhere\.example/);
  writeFileSync(lock, '');
  const unreadable = refusal(() => lockDataDir(data, lock, 'embargo serve'));
  assert.equal(unreadable.holder, null);
  assert.match(unreadable.message, /names no holder that can be checked; if no process uses the directory, remove that file/);
  assert.equal(readFileSync(lock, 'utf8'), '');
});

test('a takeover left half done by a process that died in it is refused, naming the file to remove', async () => {
  const { data, lock } = place();
  const gone = sleeper();
  await gone.end();
  writeFileSync(lock, holderFile({ pid: gone.pid }));
  writeFileSync(`${lock}.takeover`, holderFile({ pid: gone.pid, by: 'embargo user add' }));
  const e = refusal(() => lockDataDir(data, lock, 'embargo serve'));
  assert.equal(e.holder, null);
  assert.equal(e.lockFile, `${lock}.takeover`);
  assert.ok(existsSync(lock) && existsSync(`${lock}.takeover`), 'both are left for a person to judge');
});

test('openers racing for a dead holder’s lock: exactly one wins, every other is refused naming it', async (t) => {
  const { lock } = place();
  const gone = sleeper();
  await gone.end();
  writeFileSync(lock, holderFile({ pid: gone.pid }));
  const racers = Array.from({ length: 6 }, () => {
    const child = spawn(process.execPath, [new URL('./dir-lock.child.ts', import.meta.url).pathname, lock], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    const said = (what: RegExp) =>
      new Promise<string>((resolve, reject) => {
        const look = () => {
          const m = what.exec(out);
          if (m) resolve(m[0]);
        };
        child.stdout.setEncoding('utf8').on('data', (d: string) => ((out += d), look()));
        child.once('exit', (code) => reject(new Error(`racer ended (${code}): ${out}`)));
        look();
      });
    const ready = said(/ready/);
    return { child, ready, said };
  });
  t.after(() => {
    for (const r of racers) if (r.child.exitCode === null) r.child.kill('SIGKILL');
  });
  await Promise.all(racers.map((r) => r.ready));
  for (const r of racers) r.child.stdin.write('go\n');
  const outcomes = await Promise.all(racers.map((r) => r.said(/won|refused \S+/)));
  const winners = racers.filter((_, i) => outcomes[i] === 'won');
  assert.equal(winners.length, 1, outcomes.join(', '));
  for (const o of outcomes) if (o !== 'won') assert.equal(o, `refused ${winners[0]!.child.pid}`);
  await Promise.all(racers.map((r) => new Promise((done) => (r.child.once('exit', done), r.child.stdin.end()))));
  assert.equal(existsSync(lock), false, 'the winner released it');
});

test('release removes only the holder’s own lock file', () => {
  const { data, lock } = place();
  const held = lockDataDir(data, lock, 'embargo serve');
  // Someone removed it by hand and another process took the directory since.
  writeFileSync(lock, holderFile({ pid: 1, by: 'the other one' }));
  held.release();
  assert.equal(JSON.parse(readFileSync(lock, 'utf8')).by, 'the other one');
});
