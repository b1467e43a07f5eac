import { z } from 'zod';
import { EmbargoError, ValidationError } from '../../domain/errors.ts';
import {
  canonicalJson,
  chainHead,
  chainPending,
  insertCheckpoint,
  macAt,
  storedCheckpoints,
  walkChain,
  type ChainHead,
  type ChainPass,
} from '../../store/audit.ts';
import { readCheckpointFile, writeCheckpointFile } from '../../store/checkpoint-file.ts';
import { requireAdmin, type App, type Ctx } from '../context.ts';

// The audit chain's upkeep: chaining what writers appended, signed checkpoints of its head, and
// verification against every checkpoint at hand. Writers only append (src/store/audit.ts); this is
// where the key (App.auditKeys, derived from the instance key) is used.
//
// A checkpoint is a small JSON document: how many events the chain had and the MAC of the last one,
// when, signed with the desk's Ed25519 checkpoint key. Kept anywhere the database's owner cannot
// reach (the desk's own file outside the database, a team's archive, a published page), it shows
// any later truncation (the chain is shorter than it says) or rewriting (the event at its count has
// another MAC). Without the instance key nobody can make a checkpoint that verifies, nor links.

export const CHECKPOINT_FORMAT = 'embargo-audit-checkpoint/1';

export const CheckpointDocument = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  /** Events in the chain when it was made: the position of its last link. */
  count: z.number().int().min(0),
  /** The MAC of that last link. */
  head: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits'),
  at: z.string().datetime(),
  /** The desk's checkpoint key (raw Ed25519 public key, base64): what the signature is checked with. */
  publicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'must be a base64 Ed25519 public key'),
  /** Ed25519 over the canonical JSON of the other fields (keys sorted, no spaces). */
  signature: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'must be a base64 Ed25519 signature'),
});
export type CheckpointDocument = z.infer<typeof CheckpointDocument>;

/** The text a checkpoint's signature covers. */
export function signedText(doc: Omit<CheckpointDocument, 'signature'>): string {
  const { format, count, head, at, publicKey } = doc;
  return canonicalJson({ format, count, head, at, publicKey });
}

/** The document as the desk writes it: one line of JSON (with a final newline), the fields in order. */
export const checkpointText = (doc: CheckpointDocument) => `${JSON.stringify(doc)}\n`;

function signCheckpoint(app: App, head: ChainHead, at: Date): CheckpointDocument {
  const unsigned = {
    format: CHECKPOINT_FORMAT,
    count: head.count,
    head: head.mac,
    at: at.toISOString(),
    publicKey: app.auditKeys.publicKey,
  } as const;
  return { ...unsigned, signature: app.auditKeys.sign(signedText(unsigned)) };
}

/** Parses a checkpoint someone kept (a file, a request body): its shape, not yet its signature. */
export function parseCheckpoint(raw: unknown, source: string): CheckpointDocument {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new ValidationError(`${source} is not an audit checkpoint: not JSON.`);
    }
  }
  const r = CheckpointDocument.safeParse(value);
  if (!r.success) {
    throw new ValidationError(
      `${source} is not an audit checkpoint (${CHECKPOINT_FORMAT}).`,
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return r.data;
}

/** Whether the document was signed with this desk's checkpoint key. */
const signedByDesk = (app: App, doc: CheckpointDocument) =>
  doc.publicKey === app.auditKeys.publicKey && app.auditKeys.verify(signedText(doc), doc.signature);

// --- Chaining ---

/**
 * One chaining pass for the periodic job: links the events committed since the last pass, unless
 * another server is doing it right now (then nothing; its pass covers them or the next one does).
 */
export async function chainAuditPass(app: App): Promise<ChainPass | null> {
  return chainPending(app.db, app.auditKeys.link, { wait: false });
}

/** Chains everything committed so far, waiting for a pass of another server to finish first. */
export async function chainAll(app: App): Promise<ChainHead> {
  for (;;) {
    const pass = (await chainPending(app.db, app.auditKeys.link, { wait: true }))!;
    if (!pass.more) return pass.head;
  }
}

// --- Checkpoints ---

export interface CheckpointResult {
  /** The checkpoint of the head; null when the chain no longer holds a kept checkpoint. */
  checkpoint: CheckpointDocument | null;
  /** Whether this call signed it (false: the latest kept one already covered the head). */
  made: boolean;
  /** Why no checkpoint was made: the kept checkpoints the chain contradicts. */
  problems: string[];
}

/** The checkpoints the desk keeps of its own: the latest in the database and its checkpoint file. */
async function keptByDesk(app: App): Promise<{ kept: { source: string; doc: CheckpointDocument }[]; problems: string[] }> {
  const kept: { source: string; doc: CheckpointDocument }[] = [];
  const problems: string[] = [];
  const [latest] = await storedCheckpoints(app.db, { latestOnly: true });
  const file = app.config.auditCheckpointFile;
  const fileText = file ? readCheckpointFile(file) : null;
  const add = (source: string, text: string) => {
    try {
      kept.push({ source, doc: parseCheckpoint(text, source) });
    } catch (e) {
      problems.push((e as Error).message);
    }
  };
  if (latest) add(`the checkpoint kept in the database for ${latest.count} events`, latest.document);
  if (fileText !== null) add(`the desk's checkpoint file ${file}`, fileText);
  return { kept, problems };
}

/**
 * Chains what is pending and signs a checkpoint of the head; keeps it in the database and as the
 * desk's checkpoint file. Only on a chain that still holds the latest checkpoint kept (in the
 * database and in the file): otherwise the chain was cut or rewritten, no checkpoint is made, the
 * problems are returned, and the file keeps its evidence instead of being replaced by a checkpoint
 * of the damaged chain. A head already covered by the latest kept checkpoint gets that one again.
 */
export async function checkpointAudit(app: App): Promise<CheckpointResult> {
  const head = await chainAll(app);
  const { kept, problems } = await keptByDesk(app);
  for (const { source, doc } of kept) {
    if (!signedByDesk(app, doc)) problems.push(`${source} is not signed by this desk's checkpoint key`);
    else if (doc.count > head.count)
      problems.push(`${source} covers ${doc.count} events but the chain has ${head.count}: events were removed from the end`);
    else if ((await macAt(app.db, doc.count)) !== doc.head) {
      problems.push(`${source} does not match the event at chain position ${doc.count}: the chain was rewritten`);
    }
  }
  if (problems.length > 0) return { checkpoint: null, made: false, problems };
  const [latest] = await storedCheckpoints(app.db, { latestOnly: true });
  const same = latest && latest.count === head.count && latest.mac === head.mac;
  const checkpoint = same ? parseCheckpoint(latest.document, 'a stored checkpoint') : signCheckpoint(app, head, app.clock());
  if (!same) {
    await insertCheckpoint(app.db, {
      count: checkpoint.count,
      mac: checkpoint.head,
      madeAt: new Date(checkpoint.at),
      document: JSON.stringify(checkpoint),
    });
  }
  const file = app.config.auditCheckpointFile;
  if (file && readCheckpointFile(file) !== checkpointText(checkpoint)) writeCheckpointFile(file, checkpointText(checkpoint));
  return { checkpoint, made: !same, problems: [] };
}

/**
 * An admin (or the operator at the shell) asks for a checkpoint now: `embargo audit checkpoint`,
 * the API. Refused, with every reason, when the chain contradicts a checkpoint the desk kept.
 */
export async function makeCheckpoint(ctx: Ctx): Promise<{ checkpoint: CheckpointDocument; made: boolean }> {
  requireAdmin(ctx);
  const r = await checkpointAudit(ctx.app);
  if (!r.checkpoint) {
    throw new EmbargoError(
      'conflict',
      'The audit chain no longer holds a checkpoint the desk kept, so no new checkpoint was made; run `embargo audit verify`.',
      r.problems.map((message) => ({ message })),
    );
  }
  return { checkpoint: r.checkpoint, made: r.made };
}

/**
 * The latest checkpoint the desk keeps, to download and keep elsewhere; before the first one is
 * made, a checkpoint of the chain's head as it stands (signed, not stored: reading changes nothing).
 */
export async function latestCheckpoint(ctx: Ctx): Promise<CheckpointDocument> {
  requireAdmin(ctx);
  const [latest] = await storedCheckpoints(ctx.app.db, { latestOnly: true });
  if (!latest) return signCheckpoint(ctx.app, await chainHead(ctx.app.db), ctx.app.clock());
  return parseCheckpoint(latest.document, 'a stored checkpoint');
}

// --- Verification ---

export interface AuditVerification {
  ok: boolean;
  /** Links checked. */
  checked: number;
  /** Events appended and not chained yet (the chaining job links them within seconds). */
  pending: number;
  head: ChainHead;
  /** Checkpoints compared with the chain: the ones given, the desk's file, those in the database. */
  checkpoints: number;
  problems: string[];
}

export const VerifyInput = z.strictObject({
  /** Checkpoints kept elsewhere, as the desk gave them out. */
  checkpoints: z.array(z.unknown()).max(1000).default([]),
});

/**
 * Verifies the audit chain end to end under the desk's key, and against every checkpoint at hand:
 * those given (files the team kept, a request body), the desk's own checkpoint file and those kept
 * in the database. A checkpoint not signed by this desk counts as a problem, never as evidence.
 */
export async function verifyAuditChain(ctx: Ctx, raw: unknown = {}): Promise<AuditVerification> {
  requireAdmin(ctx);
  const app = ctx.app;
  const input = VerifyInput.parse(raw);
  const given = input.checkpoints.map((c, i) => ({ source: `checkpoint ${i + 1}`, doc: parseCheckpoint(c, `checkpoint ${i + 1}`) }));
  const problems: string[] = [];
  const kept: { source: string; doc: CheckpointDocument }[] = [...given];
  const file = app.config.auditCheckpointFile;
  const fileText = file ? readCheckpointFile(file) : null;
  if (fileText !== null) {
    try {
      kept.push({ source: `the desk's checkpoint file ${file}`, doc: parseCheckpoint(fileText, `the desk's checkpoint file ${file}`) });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const s of await storedCheckpoints(app.db)) {
    const source = `the checkpoint kept in the database for ${s.count} events`;
    try {
      kept.push({ source, doc: parseCheckpoint(s.document, source) });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const genuine = kept.filter(({ source, doc }) => {
    if (signedByDesk(app, doc)) return true;
    problems.push(`${source} is not signed by this desk's checkpoint key (forged, altered, or another desk's): it proves nothing`);
    return false;
  });
  const walk = await walkChain(app.db, app.auditKeys.link, { positions: genuine.map((k) => k.doc.count) });
  problems.unshift(...walk.problems);
  for (const { source, doc } of genuine) {
    if (doc.count > walk.last.count) {
      problems.push(
        `${source} (${doc.at}) covers ${doc.count} events, the chain has ${walk.last.count}: the newest ${doc.count - walk.last.count} were removed`,
      );
    } else if (walk.macsAt.get(doc.count) !== doc.head) {
      problems.push(`${source} (${doc.at}) does not match the event at chain position ${doc.count}: events up to it were rewritten`);
    }
  }
  return { ok: problems.length === 0, checked: walk.checked, pending: walk.pending, head: walk.last, checkpoints: kept.length, problems };
}
