// Builds the shipped CWE catalogue (src/domain/cwe-catalogue.json) from
// @secvisogram/csaf-validator-lib: the newest CWE release it carries. See scripts/cwe-catalogue.ts.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CweCatalogue, CweEntry } from '../src/domain/cwe.ts';

interface LibWeakness {
  id: string;
  name: string;
  status: string;
  usage?: string;
}

export async function buildCweCatalogue(): Promise<CweCatalogue> {
  const require = createRequire(import.meta.url);
  const pkgFile = require.resolve('@secvisogram/csaf-validator-lib/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
  const root = dirname(pkgFile);
  const index = (await import(pathToFileURL(join(root, 'lib', 'cwec.js')).href)) as {
    cwecMap: Map<string, () => Promise<{ default: { date?: string; weaknesses: LibWeakness[] } }>>;
  };
  const versions = [...index.cwecMap.keys()].sort((a, b) => {
    const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
  const version = versions[versions.length - 1]!;
  const release = (await index.cwecMap.get(version)!()).default;
  const weaknesses: CweEntry[] = release.weaknesses
    .map((w) => ({ id: w.id, name: w.name, status: w.status, ...(w.usage ? { usage: w.usage } : {}) }))
    .sort((a, b) => Number(a.id.slice(4)) - Number(b.id.slice(4)));
  return {
    source: `MITRE CWE List ${version} (cwec_v${version}.xml), as imported by @secvisogram/csaf-validator-lib ${pkg.version} (lib/cwec/${version}.js)`,
    version,
    date: release.date ?? '',
    weaknesses,
  };
}
