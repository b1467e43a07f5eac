import type { App } from '../app/context.ts';
import { chainAuditPass, checkpointAudit, type CheckpointResult } from '../app/admin/audit-chain.ts';
import { startLoop, type Loop } from './loop.ts';

// The audit chain's two loops, run by every server:
//   - chaining, every auditChainIntervalSeconds (1 s by default): links the events appended since
//     the last pass. Only one server chains at a time (it holds the chain head with SKIP LOCKED);
//     the others find it taken and skip that pass, so no server ever waits for another.
//   - checkpoints, every auditCheckpointIntervalSeconds (an hour by default): a signed checkpoint of
//     the head, kept in the database and in the desk's checkpoint file; a chain that contradicts a
//     kept checkpoint is reported on every pass and gets none.

export interface AuditChainJobOptions {
  intervalMs: number;
  onError?: (e: unknown) => void;
}

export function startAuditChain(app: App, opts: AuditChainJobOptions): Loop {
  const pass = async () => (await chainAuditPass(app))?.more ?? false;
  return startLoop({ name: 'audit chain', intervalMs: opts.intervalMs, pass, ...(opts.onError ? { onError: opts.onError } : {}) });
}

export interface AuditCheckpointJobOptions extends AuditChainJobOptions {
  onPass?: (r: CheckpointResult) => void;
}

export function startAuditCheckpoints(app: App, opts: AuditCheckpointJobOptions): Loop {
  const onError =
    opts.onError ?? ((e: unknown) => console.error(`embargo audit checkpoint: ${e instanceof Error ? e.message : String(e)}`));
  const pass = async () => {
    const r = await checkpointAudit(app);
    for (const p of r.problems) onError(new Error(`${p}; no checkpoint made (run embargo audit verify)`));
    opts.onPass?.(r);
    return false;
  };
  return startLoop({ name: 'audit checkpoint', intervalMs: opts.intervalMs, pass, onError });
}
