import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '../../src/store/db.ts';
import { addPerson } from '../../src/app/admin/admin.ts';
import { totpCode } from '../../src/crypto/totp.ts';
import { webPlugin } from '../../src/web/index.ts';
import { startHarness, setupDesk, addMember, type Harness, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';

// A form whose use case fails for a reason nobody expected answers 500 with "it has been logged":
// that sentence must be true. Each form here gets a database fault injected under its use case,
// and the request's Fastify logger must have recorded the error.

let h: Harness;
let admin: Member;
let tom: Member;
const logged: unknown[] = [];
let fault: RegExp | null = null;
const FAULT = 'the disk is on fire';

/** Every statement, in or out of a transaction, fails while `fault` matches it. */
function injectFaults(): void {
  const db = h.app.db as { query: Queryable['query']; transaction: typeof h.app.db.transaction };
  const check = (sql: string) => {
    if (fault?.test(sql)) throw new Error(FAULT);
  };
  const query = db.query.bind(db);
  const transaction = db.transaction.bind(db);
  db.query = (async (sql: string, params?: unknown[]) => {
    check(sql);
    return query(sql, params);
  }) as Queryable['query'];
  db.transaction = (fn) =>
    transaction((tx) =>
      fn({
        query: (async (sql: string, params?: unknown[]) => {
          check(sql);
          return tx.query(sql, params);
        }) as Queryable['query'],
        exec: (sql) => tx.exec(sql),
      }),
    );
}

before(async () => {
  h = await startHarness({ clock: '2026-11-23T09:00:00Z', plugins: [webPlugin] });
  // Capture what each request logs as an error.
  h.server.addHook('onRequest', async (request) => {
    const log = request.log;
    request.log = new Proxy(log, {
      get: (target, key, receiver) => (key === 'error' ? (...args: unknown[]) => logged.push(args[0]) : Reflect.get(target, key, receiver)),
    });
  });
  injectFaults();
  admin = await setupDesk(h, 'trusted-firmware');
  tom = await addMember(h, admin, { name: 'Tom Triager', email: 'tom@tf.example', teams: ['security'] });
});
after(() => h.close());

const form = (url: string, fields: Record<string, string>, cookie = '') =>
  h.server.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
  });

/** Sends the form with the fault armed and checks the page and the log. */
async function failsLogged(what: string, sql: RegExp, send: () => ReturnType<typeof form>) {
  logged.length = 0;
  fault = sql;
  let r: Awaited<ReturnType<typeof form>>;
  try {
    r = await send();
  } finally {
    fault = null;
  }
  assert.equal(r.statusCode, 500, `${what}: ${r.body.slice(0, 300)}`);
  assert.match(r.body, /it has been logged/, what);
  assert.ok(
    logged.some((e) => e instanceof Error && e.message === FAULT),
    `${what}: the page says the fault is logged, so it must be (logged: ${logged.length})`,
  );
}

test('my calendar: a server fault behind a form is logged', async () => {
  const s = await webSession(h, tom);
  await failsLogged('/me/holiday-region', /UPDATE people SET holiday_region/, () =>
    form('/me/holiday-region', { region: 'GB-ENG', _csrf: s.csrf }, s.cookie),
  );
});

test('admin: a server fault while issuing a new enrollment link is logged', async () => {
  const s = await webSession(h, admin);
  await failsLogged('/admin/people/:id/enrollment', /SET password_hash = NULL/, () =>
    form(`/admin/people/${tom.personId}/enrollment`, { _csrf: s.csrf }, s.cookie),
  );
});

test('sign-in: a server fault is logged', async () => {
  const page = await h.server.inject({ method: 'GET', url: '/signin' });
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const pre = /name="_signin" value="([^"]+)"/.exec(page.body)![1]!;
  h.clock.advance(31_000);
  await failsLogged('/signin', /INSERT INTO sessions/, () =>
    form(
      '/signin',
      { _signin: pre, next: '/', email: tom.email, password: tom.password, totp: totpCode(tom.totpSecret, h.clock.now) },
      cookie,
    ),
  );
});

test('enrollment: a server fault is logged', async () => {
  const p = await addPerson(admin.ctx, { name: 'Eve Enrollee', emails: ['eve@tf.example'], timeZone: 'UTC' });
  const page = await h.server.inject({ method: 'GET', url: `/enroll/${p.enrollmentToken}` });
  const secret = /data-secret="([A-Z2-7]+)"/.exec(page.body)![1]!;
  await failsLogged('/enroll/:token', /SET password_hash = \$2/, () =>
    form(`/enroll/${p.enrollmentToken}`, {
      password: 'a long enough password',
      password2: 'a long enough password',
      totp: totpCode(secret, h.clock.now),
    }),
  );
});
