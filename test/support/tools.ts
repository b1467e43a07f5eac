import { existsSync } from 'node:fs';

// System tools some tests need as real peers (Dovecot, swaks). CI installs them (.ci/run) and there
// a missing one is never a skip: the test runs and fails saying what to install. On a developer's
// machine without them, `npm test` skips just those tests, with the reason, so the Quick start holds
// on a machine that has only Node.js and npm.

export function skipWithout(path: string, debianPackage: string): string | false {
  if (existsSync(path) || process.env.CI === 'true') return false;
  return `${path} is not installed (apt-get install ${debianPackage}); CI installs it and runs this test`;
}

export const skipWithoutDovecot = skipWithout('/usr/sbin/dovecot', 'dovecot-imapd');
export const skipWithoutSwaks = skipWithout('/usr/bin/swaks', 'swaks');
