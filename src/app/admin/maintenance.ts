import { verifyAudit } from '../../store/audit.ts';
import { migrate } from '../../store/migrate.ts';
import { requireAdmin, type App, type Ctx } from '../context.ts';

// Looking after the desk's own records: the doors (the API, the CLI) call these rather than the store.

/** Verifies the audit log's hash chain end to end: for admins and the operator at the shell. */
export async function verifyAuditChain(ctx: Ctx): ReturnType<typeof verifyAudit> {
  requireAdmin(ctx);
  return verifyAudit(ctx.app.db);
}

/** Applies the migrations the database lacks and names them (the operator's `embargo migrate`). */
export async function migrateDesk(app: App): Promise<string[]> {
  return migrate(app.db);
}
