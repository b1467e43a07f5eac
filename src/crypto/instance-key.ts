import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Returns the instance key: from config (base64) if given, else from the key file, which is created
 * with owner-only permissions on first run. A key file readable by others is refused, as ssh does.
 */
export function loadInstanceKey(opts: { keyBase64: string | null; keyFile: string }): Buffer {
  if (opts.keyBase64) {
    const key = Buffer.from(opts.keyBase64, 'base64');
    if (key.length !== 32) throw new Error('EMBARGO_INSTANCE_KEY must be 32 bytes, base64-encoded.');
    return key;
  }
  if (!existsSync(opts.keyFile)) {
    mkdirSync(dirname(opts.keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(opts.keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const mode = statSync(opts.keyFile).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`The instance key file ${opts.keyFile} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it.`);
  }
  const key = Buffer.from(readFileSync(opts.keyFile, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`The instance key file ${opts.keyFile} does not hold a 32-byte base64 key.`);
  return key;
}
