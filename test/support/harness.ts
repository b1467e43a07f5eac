import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import type { App } from '../../src/app/context.ts';
import { buildServer, type ServerOptions } from '../../src/http/server.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { addPerson, createProject, setTeamMember } from '../../src/app/admin/admin.ts';
import { beginEnrollment, completeEnrollment, createApiToken, loadPrincipal, signIn } from '../../src/app/auth/auth.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { cloneTemplateDatabase, pgliteImage } from './templates.ts';
import { TEST_PASSWORD_COST_LOG2 } from './password-cost.ts';
import { tableResolver } from './resolver.ts';
import type { ResolveHost } from '../../src/integrations/outbound-guard.ts';

export { TEST_PASSWORD_COST_LOG2 };
import type { Ctx } from '../../src/app/context.ts';

// Test harness: a real database (embedded PGlite in memory, or on the PostgreSQL server named by
// EMBARGO_TEST_DATABASE_URL a database of its own that is dropped afterwards), each a copy of one
// migrated template (./templates.ts), the real HTTP server in-process, and an injected clock.

export class TestClock {
  now: Date;
  constructor(iso = '2026-11-23T09:00:00Z') {
    this.now = new Date(iso);
  }
  set(iso: string) {
    this.now = new Date(iso);
  }
  advance(ms: number) {
    this.now = new Date(this.now.getTime() + ms);
  }
  readonly fn = () => this.now;
}

export interface Harness {
  app: App;
  server: FastifyInstance;
  clock: TestClock;
  /** Set when the harness listens on a real socket (browser tests). */
  baseUrl: string | null;
  close(): Promise<void>;
}

export const backend = process.env.EMBARGO_TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface HarnessOptions {
  clock?: string;
  config?: Record<string, unknown>;
  plugins?: ServerOptions['plugins'];
  /** Listen on 127.0.0.1 (a random port) and give the base URL, for a real browser. */
  listen?: boolean;
  /** How server names resolve: a table (./resolver.ts), so no test asks DNS; default: only localhost. */
  resolveHost?: ResolveHost;
}

/**
 * The servers the suites run for the desk to connect to (SMTP sinks, Dovecot, the CVE Services test
 * server) listen on 127.0.0.1, which the desk refuses unless allow-listed: the harness allow-lists
 * exactly that address, as an operator would an on-premise relay. A test of the refusal sets
 * `allowPrivateHosts: []`.
 */
export const TEST_ALLOWED_HOSTS = ['127.0.0.1'];

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const clock = new TestClock(opts.clock);
  const server = process.env.EMBARGO_TEST_DATABASE_URL ?? null;
  const clone = server ? await cloneTemplateDatabase(server) : null;
  const dataDir = clone ? mkdtempSync(join(tmpdir(), 'embargo-')) : ':memory:';
  const config = loadConfig(
    {},
    {
      databaseUrl: clone?.url ?? null,
      dataDir,
      instanceKey: randomBytes(32).toString('base64'),
      testPasswordCostLog2: TEST_PASSWORD_COST_LOG2,
      publicFormRatePerMinute: 1000,
      allowPrivateHosts: TEST_ALLOWED_HOSTS,
      ...opts.config,
    },
  );
  const db = clone ? undefined : await openPglite(null, { image: await pgliteImage() });
  const app = await createApp(config, { clock: clock.fn, resolveHost: opts.resolveHost ?? tableResolver(), ...(db ? { db } : {}) });
  const http = await buildServer(app, opts.plugins ? { plugins: opts.plugins } : {});
  let baseUrl: string | null = null;
  if (opts.listen) {
    await http.listen({ host: '127.0.0.1', port: 0 });
    const address = http.server.address();
    if (!address || typeof address === 'string') throw new Error('server did not listen on a port');
    baseUrl = `http://localhost:${address.port}`;
  }
  return {
    app,
    server: http,
    clock,
    baseUrl,
    async close() {
      await http.close();
      await app.db.close();
      await clone?.drop();
      if (clone) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Member {
  personId: string;
  email: string;
  password: string;
  totpSecret: string;
  token: string;
  ctx: Ctx;
}

const PASSWORD = 'correct horse battery staple';
/** Where the harness's own sign-ins come from: the address the in-process and loopback requests have. */
export const LOOPBACK = { ip: '127.0.0.1' };

/** Enrolls a person through the real enrollment use cases and gives them an API token. */
export async function enroll(h: Harness, personId: string, enrollmentToken: string): Promise<Omit<Member, 'personId'>> {
  const { email, totpSecret } = await beginEnrollment(h.app, enrollmentToken);
  await completeEnrollment(h.app, { token: enrollmentToken, password: PASSWORD, totp: totpCode(totpSecret, h.clock.now) }, LOOPBACK);
  h.clock.advance(31_000); // the enrollment code's time step may not be replayed at sign-in
  await signIn(h.app, { email, password: PASSWORD, totp: totpCode(totpSecret, h.clock.now) }, LOOPBACK);
  const principal = (await loadPrincipal(h.app.db, personId))!;
  const ctx: Ctx = { app: h.app, principal };
  const { token } = await createApiToken(ctx, { name: 'test' }, LOOPBACK);
  return { email, password: PASSWORD, totpSecret, token, ctx };
}

export async function setupDesk(h: Harness, profile: 'trusted-firmware' | 'tock', timeZone = 'Europe/London'): Promise<Member> {
  const { adminId, enrollmentToken } = await initInstance(h.app, {
    name: profile === 'tock' ? 'Tock Security Team' : 'Trusted Firmware Security Team',
    profile,
    timeZone,
    admin: { name: 'Ada Admin', email: 'admin@example.org' },
    // The tests play the teams whose processes the profiles are: their desks run on their lists.
    mail: { domain: profile === 'tock' ? 'lists.tockos.org' : 'lists.trustedfirmware.org' },
  });
  return { personId: adminId, ...(await enroll(h, adminId, enrollmentToken)) };
}

export async function addMember(
  h: Harness,
  admin: Member,
  p: { name: string; email: string; timeZone?: string; teams?: string[] },
): Promise<Member> {
  const { personId, enrollmentToken } = await addPerson(admin.ctx, {
    name: p.name,
    emails: [p.email],
    timeZone: p.timeZone ?? 'Europe/London',
  });
  for (const team of p.teams ?? []) await setTeamMember(admin.ctx, team, { email: p.email }, true);
  return { personId, ...(await enroll(h, personId, enrollmentToken)) };
}

export async function addProject(admin: Member, slug: string, name: string, subsystems?: string[]) {
  return createProject(admin.ctx, { slug, name, ...(subsystems ? { subsystems } : {}) });
}

/** An HTTP call through the real server, as a person with an API token or anonymously. */
export async function api(
  h: Harness,
  method: string,
  url: string,
  opts: { as?: Member; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await h.server.inject({
    method: method as 'GET',
    url,
    headers: { ...(opts.as ? { authorization: `Bearer ${opts.as.token}` } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
  });
  let json: any = null;
  try {
    json = res.json();
  } catch {
    json = null;
  }
  return { status: res.statusCode, json, headers: res.headers, body: res.body };
}

export async function outbox(h: Harness, reportId: string) {
  const r = await h.app.db.query<{ id: string; template_id: string | null; envelope_sealed: string; status: string }>(
    'SELECT id, template_id, envelope_sealed, status FROM outbox WHERE report_id = $1 ORDER BY seq',
    [reportId],
  );
  return r.rows.map((row) => ({
    id: row.id,
    templateId: row.template_id,
    status: row.status,
    ...h.app.sealer.openJson<{ to: string[]; cc: string[]; subject: string; body: string }>(
      row.envelope_sealed,
      `outbox.envelope:${row.id}`,
    ),
  }));
}

export async function auditActions(h: Harness, subjectId: string): Promise<string[]> {
  const r = await h.app.db.query<{ action: string }>('SELECT action FROM audit_events WHERE subject_id = $1 ORDER BY seq', [subjectId]);
  return r.rows.map((x) => x.action);
}

export const sampleReport = {
  title: 'Stack overflow in the BL2 image loader',
  body: 'A crafted FIP image with an oversized header overflows a stack buffer in BL2, giving code execution before the kernel.',
  reporter: { name: 'Rita Reporter', email: 'rita@research.example', organisation: 'Example Research Ltd', handle: 'rita' },
  product: 'ExampleCorp secure boot board rev C',
  sensitive: [{ label: 'customer', value: 'Megacorp Automotive' }],
  creditPreference: 'name',
};
