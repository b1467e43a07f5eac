import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './free-port.ts';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

// A real IMAP server for tests: Debian's Dovecot with a configuration of its own in a temporary
// directory (its own port on 127.0.0.1, one user in a passwd-file with a plaintext password allowed
// because it only listens on loopback, maildir storage in the directory, no TLS), run in the
// foreground as the current user and stopped afterwards.

export const DOVECOT = '/usr/sbin/dovecot';

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  stop(): Promise<void>;
}

async function waitForGreeting(port: number, child: ChildProcess, log: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`dovecot exited with ${child.exitCode}:\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.setTimeout(1000);
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`dovecot did not answer on port ${port}:\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function systemUser(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no system user ${name} (installed by Debian's dovecot-core)`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDovecot(opts: { user?: string; password?: string } = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} is not installed (Debian package dovecot-imapd)`);
  const dir = mkdtempSync(join(tmpdir(), 'embargo-dovecot-'));
  const user = opts.user ?? 'security';
  const password = opts.password ?? 'imap-test-password';
  const port = await freePort();
  const me = userInfo();
  // Dovecot refuses to run its login processes as root: as root (CI containers), they run as the
  // Debian package's unprivileged users, and the mail itself is root's in the temporary directory.
  const asRoot = me.uid === 0;
  const internalUser = asRoot ? 'dovecot' : me.username;
  const loginUser = asRoot ? 'dovenull' : me.username;
  // Dovecot serves no mail to UID 0: as root the mailbox belongs to the package's dovecot user.
  const mailOwner = asRoot ? systemUser('dovecot') : { uid: me.uid, gid: me.gid };
  for (const d of ['run', 'state', 'mail', 'home']) mkdirSync(join(dir, d), { recursive: true });
  if (asRoot) {
    chmodSync(dir, 0o755);
    for (const d of ['mail', 'home']) chownSync(join(dir, d), mailOwner.uid, mailOwner.gid);
  }
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}:${mailOwner.uid}:${mailOwner.gid}::${join(dir, 'home', user)}\n`);
  const log = join(dir, 'dovecot.log');
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `# Written by test/support/dovecot.ts for one test run.
base_dir = ${join(dir, 'run')}
state_dir = ${join(dir, 'state')}
log_path = ${log}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = ${mailOwner.uid}
first_valid_gid = ${mailOwner.gid}
mail_location = maildir:${join(dir, 'mail')}/%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, 'passwd')}
}
userdb {
  driver = passwd-file
  args = username_format=%u ${join(dir, 'passwd')}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
service auth {
  user = ${asRoot ? 'root' : me.username}
}
service auth-worker {
  user = ${asRoot ? 'root' : me.username}
}
`,
  );
  const child = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    await waitForGreeting(port, child, log);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
