import type { Config } from '../config.ts';
import { openStore } from '../store/open.ts';
import { migrate } from '../store/migrate.ts';
import { loadInstanceKey } from '../crypto/instance-key.ts';
import { createSealer } from '../crypto/sealed.ts';
import { auditKeys } from '../crypto/audit-keys.ts';
import { createBlindIndex } from '../crypto/blind-index.ts';
import type { Db } from '../store/db.ts';
import type { App } from './context.ts';
import type { ResolveHost } from '../integrations/outbound-guard.ts';
import { sealClearColumns } from './admin/at-rest.ts';

/**
 * Opens the store (or takes one already open: the tests start theirs from a migrated image), applies
 * pending migrations and loads the instance key (sealing, and the audit chain's keys): the App every
 * door uses. `owner` names the opener in the embedded database's lock ("embargo serve"), for whoever
 * is refused while it holds it.
 */
export async function createApp(
  config: Config,
  opts: { clock?: () => Date; schema?: string; db?: Db; owner?: string; resolveHost?: ResolveHost } = {},
): Promise<App> {
  const key = loadInstanceKey({ keyBase64: config.instanceKey, keyFile: config.instanceKeyFile! });
  const db =
    opts.db ??
    (await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      ...(opts.schema ? { schema: opts.schema } : {}),
      ...(opts.owner ? { owner: opts.owner } : {}),
    }));
  try {
    await migrate(db);
  } catch (e) {
    if (!opts.db) await db.close();
    throw e;
  }
  const app: App = {
    db,
    sealer: createSealer(key),
    auditKeys: auditKeys(key),
    blind: createBlindIndex(key),
    config,
    clock: opts.clock ?? (() => new Date()),
    ...(opts.resolveHost ? { resolveHost: opts.resolveHost } : {}),
  };
  try {
    await sealClearColumns(app);
  } catch (e) {
    if (!opts.db) await db.close();
    throw e;
  }
  return app;
}
