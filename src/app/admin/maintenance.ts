import { migrate } from '../../store/migrate.ts';
import type { App } from '../context.ts';

// Looking after the desk's own records: the doors (the API, the CLI) call these rather than the store.
// The audit chain's upkeep and verification are in ./audit-chain.ts.

/** Applies the migrations the database lacks and names them (the operator's `embargo migrate`). */
export async function migrateDesk(app: App): Promise<string[]> {
  return migrate(app.db);
}
