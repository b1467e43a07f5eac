import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

// The embedded database is one PostgreSQL backend inside one process: it keeps pages in its own memory
// and writes the directory as if it were alone. A second process on the same directory (a command run
// while the server runs, or a second server) reads a state the first has not written yet and writes
// over it: changes vanish, and the directory can end up unreadable. PGlite takes no lock of its own (its
// postmaster.pid names the fixed pid -42 in every process and is not checked), so the store takes one:
// a file beside the directory naming the process that holds it. A second opener is refused while that
// process lives; a file left by a process that died without closing (a crash, SIGKILL, power loss) is
// taken over, since its holder can no longer write.

/** Who holds a data directory: what the lock file records. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The holder's start time as the kernel counts it (Linux /proc), so a reused pid is not taken for it. */
  started: string | null;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** What the holder said it is ("embargo serve"). */
  by: string;
}

/** The data directory is held by another live process (or by this one, through another handle). */
export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  readonly directory: string;
  readonly lockFile: string;
  /** Null when the lock file cannot be read as one of ours, or is a takeover guard left by a dead process. */
  readonly holder: LockHolder | null;
  constructor(directory: string, lockFile: string, holder: LockHolder | null) {
    super(
      holder
        ? `The embedded database in ${directory} is in use by ${holder.by} (pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, since ${holder.since}).`
        : `The embedded database in ${directory} is locked by ${lockFile}, which names no holder that can be checked; if no process uses the directory, remove that file.`,
    );
    this.name = 'DataDirLockedError';
    this.directory = directory;
    this.lockFile = lockFile;
    this.holder = holder;
  }
}

export interface DirLock {
  readonly path: string;
  /** Removes the lock file if it is still this holder's. */
  release(): void;
}

/** Lock files this process holds, by path: a second handle in the same process is refused too. */
const heldHere = new Map<string, string>();

/**
 * What the kernel says of a process (Linux /proc/PID/stat): its start time (field 22) and whether it
 * has ended (state Z or X: a zombie not yet reaped, which answers signals but can write nothing).
 * Null where there is no /proc.
 */
function procStat(pid: number): { started: string; ended: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { started: fields[19] ?? '', ended: fields[0] === 'Z' || fields[0] === 'X' };
  } catch {
    return null;
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (!Number.isSafeInteger(h.pid) || (h.pid as number) <= 0 || typeof h.host !== 'string' || typeof h.since !== 'string') return null;
    return {
      pid: h.pid as number,
      host: h.host,
      started: typeof h.started === 'string' ? h.started : null,
      since: h.since,
      by: typeof h.by === 'string' ? h.by : 'another process',
    };
  } catch {
    return null;
  }
}

/** Whether the recorded holder may still be writing. Anything this host cannot check counts as alive. */
function holderAlive(lockFile: string, h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  // Our own pid: this process holds it through another handle, or a process before us had our pid
  // (a container's pid 1 after a restart) and died holding it.
  if (h.pid === process.pid) return heldHere.has(lockFile);
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else; it may well hold the directory.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = procStat(h.pid);
  if (!now) return true;
  return !now.ended && (h.started === null || now.started === h.started);
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code;

/**
 * Takes the lock `lockFile` for `directory` on behalf of `by`, or throws DataDirLockedError naming the
 * live holder. The file is complete before it appears (written aside, then hard-linked into place,
 * which fails if one exists), so a reader never sees half of it.
 */
export function lockDataDir(directory: string, lockFile: string, by: string): DirLock {
  const token = randomBytes(12).toString('hex');
  const mine = `${JSON.stringify({ pid: process.pid, host: hostname(), started: procStat(process.pid)?.started ?? null, since: new Date().toISOString(), by, token })}\n`;
  const aside = `${lockFile}.${process.pid}.${token}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    if (place(lockFile, aside, mine)) {
      heldHere.set(lockFile, mine);
      const onExit = () => removeIfMine(lockFile, mine);
      process.once('exit', onExit);
      return {
        path: lockFile,
        release() {
          process.removeListener('exit', onExit);
          if (heldHere.get(lockFile) === mine) heldHere.delete(lockFile);
          removeIfMine(lockFile, mine);
        },
      };
    }
    let found: string;
    try {
      found = readFileSync(lockFile, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') continue; // released meanwhile: try again
      throw e;
    }
    const holder = parseHolder(found);
    if (!holder) throw new DataDirLockedError(directory, lockFile, null);
    if (holderAlive(lockFile, holder)) throw new DataDirLockedError(directory, lockFile, holder);
    takeOverStale(directory, lockFile, aside, found, mine);
  }
  throw new Error(`Could not take the lock ${lockFile}: other processes kept taking it over.`);
}

/** Puts `text` at `lockFile` unless a file is there; true if it did. */
function place(lockFile: string, aside: string, text: string): boolean {
  writeFileSync(aside, text, { flag: 'wx', mode: 0o600 });
  try {
    linkSync(aside, lockFile);
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    // A file system without hard links: an exclusive create, which a crash could leave empty (an
    // unreadable lock file, refused with a message naming it).
    if (errCode(e) !== 'EPERM' && errCode(e) !== 'ENOTSUP' && errCode(e) !== 'EOPNOTSUPP') throw e;
    try {
      writeFileSync(lockFile, text, { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e2) {
      if (errCode(e2) === 'EEXIST') return false;
      throw e2;
    }
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Removes a dead holder's lock file, and only that one. Only the opener holding the takeover guard
 * (`<lock>.takeover`, taken like the lock) removes another process's lock file, and only after reading
 * it again under the guard: a dead holder cannot change its file, so what is removed is what was
 * judged stale, and of the openers that race for the empty place after it, exactly one wins. Returns
 * without removing anything while another opener holds the guard; refuses when the guard was left by a
 * process that died in those few instructions, since only a person can tell that nobody is mid-takeover.
 */
function takeOverStale(directory: string, lockFile: string, aside: string, stale: string, mine: string): void {
  const guard = `${lockFile}.takeover`;
  if (!place(guard, aside, mine)) {
    let text: string;
    try {
      text = readFileSync(guard, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return;
      throw e;
    }
    const taker = parseHolder(text);
    if (!taker || !holderAlive(guard, taker)) throw new DataDirLockedError(directory, guard, null);
    Atomics.wait(pause, 0, 0, 10); // let it finish, then look at the lock again
    return;
  }
  try {
    let now: string;
    try {
      now = readFileSync(lockFile, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return;
      throw e;
    }
    if (now === stale) unlinkSync(lockFile);
  } finally {
    removeIfMine(guard, mine);
  }
}

/** Something to wait on (Atomics.wait), for a synchronous pause of a few milliseconds. */
const pause = new Int32Array(new SharedArrayBuffer(4));

function removeIfMine(lockFile: string, mine: string): void {
  try {
    if (readFileSync(lockFile, 'utf8') === mine) unlinkSync(lockFile);
  } catch {
    // Gone already (removed by hand): nothing to release.
  }
}
