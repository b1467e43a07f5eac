import type { Config } from '../config.ts';
import type { Db, Queryable } from '../store/db.ts';
import type { Sealer } from '../crypto/sealed.ts';
import type { AuditKeys } from '../crypto/audit-keys.ts';
import type { BlindIndex } from '../crypto/blind-index.ts';
import {
  deskRefusal,
  mayDo,
  stepUpRefusal,
  type DeskAction,
  type Principal,
  type PersonPrincipal,
  type StepUpAction,
} from '../domain/access.ts';
import { EmbargoError, ForbiddenError, NotFoundError } from '../domain/errors.ts';
import { appendAudit, appendAuditBatch, type AuditInput } from '../store/audit.ts';
import type { ResolveHost } from '../integrations/outbound-guard.ts';

// Every door (HTTP, web, CLI, jobs) builds a Ctx and calls use cases with it. The clock is injected
// so SLA and embargo behaviour is exact in tests.

export interface App {
  readonly db: Db;
  readonly sealer: Sealer;
  /** The audit chain's link key and checkpoint signing key, derived from the instance key. */
  readonly auditKeys: AuditKeys;
  /** Keyed indexes of sealed values the desk looks rows up by (src/crypto/blind-index.ts). */
  readonly blind: BlindIndex;
  readonly config: Config;
  readonly clock: () => Date;
  /** How server names become addresses: the system's resolver unless injected (tests give a table, so no test asks DNS). */
  readonly resolveHost?: ResolveHost;
}

export interface Ctx {
  readonly app: App;
  readonly principal: Principal;
  /**
   * Where the request came from, when a door has one (HTTP and the web UI: the client's address as
   * Fastify sees it, X-Forwarded-For only behind a trusted proxy). Every audit event a person causes
   * records it (ASVS 7.1.4), so admins see from where each admin action came.
   */
  readonly source?: { readonly ip: string };
}

export function requirePerson(ctx: Ctx): PersonPrincipal {
  if (ctx.principal.kind !== 'person') throw new EmbargoError('unauthenticated', 'Sign in first.');
  return ctx.principal;
}

/** Enforces a desk-wide permission of the vocabulary: someone not signed in is asked to sign in first. */
export function requireDesk(ctx: Ctx, action: DeskAction): void {
  if (mayDo(ctx.principal, action)) return;
  requirePerson(ctx);
  throw new ForbiddenError(deskRefusal(action));
}

export function requireAdmin(ctx: Ctx): void {
  requireDesk(ctx, 'admin.manage');
}

/** Enforces step-up (src/domain/access.ts): a session must have re-proven its password and code lately. */
export function requireStepUp(ctx: Ctx, action: StepUpAction): void {
  const why = stepUpRefusal(ctx.principal, action, ctx.app.clock(), ctx.app.config.stepUpMinutes);
  if (why) throw new EmbargoError('reauthentication_required', why);
}

export function actorLabel(p: Principal): string {
  switch (p.kind) {
    case 'person':
      return p.name;
    case 'reporter':
      return 'reporter';
    case 'system':
      return `system (${p.label})`;
    case 'stakeholder':
      // Not its name: the case's event list is read by people pulled into the case, and who is
      // warned early is the security teams' to know (the event's data names the organisation's id).
      return 'a stakeholder organisation';
    default:
      return 'anonymous';
  }
}

export function actorId(p: Principal): string | null {
  return p.kind === 'person' ? p.personId : null;
}

/** An audit event as a use case writes it: the actor comes from the context. `secret` holds what a
 * person wrote (a reason): each value is sealed into the event's data as `<name>Sealed`, bound to the
 * event's subject, instant and action (the chain is append-only: nothing written in clear there could
 * be sealed later). */
export type AuditEntry = Omit<AuditInput, 'actorId' | 'actorLabel'> & { secret?: Record<string, string | null> };

function sealSecrets(ctx: Ctx, now: Date, e: AuditEntry): Omit<AuditInput, 'actorId' | 'actorLabel'> {
  const { secret, ...event } = e;
  if (!secret) return event;
  const sealed = Object.fromEntries(
    Object.entries(secret)
      .filter((x): x is [string, string] => x[1] !== null)
      .map(([name, value]) => [`${name}Sealed`, ctx.app.sealer.seal(value, auditSecretAad(name, event.subjectId, now, event.action))]),
  );
  return { ...event, data: { ...event.data, ...sealed } };
}

/**
 * The source address an event records: a person's request's (a reporter's address is theirs to keep
 * private, like the rest of their identity, and is never recorded); an event that names its own `ip`
 * keeps it.
 */
function withSource(ctx: Ctx, e: Omit<AuditInput, 'actorId' | 'actorLabel'>): Omit<AuditInput, 'actorId' | 'actorLabel'> {
  if (ctx.principal.kind !== 'person' || !ctx.source || (e.data && 'ip' in e.data)) return e;
  return { ...e, data: { ...e.data, ip: ctx.source.ip } };
}

export async function audit(ctx: Ctx, tx: Queryable, now: Date, e: AuditEntry): Promise<void> {
  const input: AuditInput = {
    actorId: actorId(ctx.principal),
    actorLabel: actorLabel(ctx.principal),
    ...withSource(ctx, sealSecrets(ctx, now, e)),
  };
  const held = heldAudits.get(tx);
  if (held) held.push({ at: now, input });
  else await appendAudit(tx, now, input);
}

/** Several audit events of one action in one statement (a batch of delivery outcomes, of notices). */
export async function auditAll(ctx: Ctx, tx: Queryable, now: Date, events: readonly AuditEntry[]): Promise<void> {
  const who = { actorId: actorId(ctx.principal), actorLabel: actorLabel(ctx.principal) };
  const inputs = events.map((e): AuditInput => ({ ...who, ...withSource(ctx, sealSecrets(ctx, now, e)) }));
  const held = heldAudits.get(tx);
  if (held) held.push(...inputs.map((input) => ({ at: now, input })));
  else await appendAuditBatch(tx, now, inputs);
}

/** Audit events held back by withAuditBatch, by the transaction they belong to. */
const heldAudits = new WeakMap<Queryable, { at: Date; input: AuditInput }[]>();

/**
 * Runs fn, a part of a transaction that appends many audit events (the intake of one message: the
 * report, its message, the offered key, the queued mail, the outcome), and appends them when fn is
 * done, in the order they were made, in one statement per instant instead of one each. They are in
 * the same transaction, so they commit or roll back with everything else; nothing in between reads
 * the audit log (fn must not: its own events are not in the table yet).
 */
export async function withAuditBatch<T>(tx: Queryable, fn: () => Promise<T>): Promise<T> {
  if (heldAudits.has(tx)) return fn();
  const held: { at: Date; input: AuditInput }[] = [];
  heldAudits.set(tx, held);
  let result: T;
  try {
    result = await fn();
  } finally {
    heldAudits.delete(tx);
  }
  for (let i = 0; i < held.length; ) {
    const at = held[i]!.at;
    let j = i;
    while (j < held.length && held[j]!.at.getTime() === at.getTime()) j++;
    await appendAuditBatch(
      tx,
      at,
      held.slice(i, j).map((h) => h.input),
    );
    i = j;
  }
  return result;
}

/** Where a sealed value of an audit event belongs: its name, the event's subject, instant and action. */
export const auditSecretAad = (name: string, subjectId: string, at: Date, action: string) =>
  `audit_events.${name}:${subjectId}@${at.toISOString()}/${action}`;

/** Where a use case finds nothing it may show, it says "not found" rather than "forbidden". */
export function hidden(what: string): never {
  throw new NotFoundError(what);
}

export const aad = (table: string, column: string, id: string) => `${table}.${column}:${id}`;
