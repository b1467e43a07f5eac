import assert from 'node:assert/strict';
import { totpCode } from '../../src/crypto/totp.ts';
import type { Harness, Member } from './harness.ts';

// A person using the web UI over a real socket (fetch, no browser): signs in through the API like the
// sign-in form does, keeps the session cookie, and sends forms with or without the CSRF token.

export interface WebUser {
  get(url: string): Promise<{ status: number; body: string; location: string | null }>;
  post(
    url: string,
    form?: Record<string, string>,
    opts?: { csrf?: boolean },
  ): Promise<{ status: number; body: string; location: string | null }>;
}

export async function webUser(h: Harness, m: Member | null): Promise<WebUser> {
  const base = h.baseUrl;
  assert.ok(base, 'the harness must listen on a socket');
  let cookie = '';
  let csrf = '';
  if (m) {
    h.clock.advance(31_000);
    const r = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) }),
    });
    const body = await r.text();
    assert.equal(r.status, 200, body);
    cookie = String(r.headers.get('set-cookie')).split(';')[0]!;
    csrf = (JSON.parse(body) as { csrfToken: string }).csrfToken;
  }
  const send = async (method: 'GET' | 'POST', url: string, payload?: string) => {
    const r = await fetch(`${base}${url}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(payload !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    return { status: r.status, body: await r.text(), location: r.headers.get('location') };
  };
  return {
    get: (url) => send('GET', url),
    post: (url, form = {}, opts = {}) =>
      send('POST', url, new URLSearchParams({ ...form, ...(opts.csrf === false || !csrf ? {} : { _csrf: csrf }) }).toString()),
  };
}

/** Signs a member in through the API as the sign-in form does, straight into the server without a
 * socket: the session cookie, and the CSRF token its forms need. The clock moves on first so that
 * each sign-in gets a fresh TOTP code (a code is accepted once). */
export async function webSession(h: Harness, m: Member): Promise<{ cookie: string; csrf: string }> {
  h.clock.advance(31_000);
  const r = await h.server.inject({
    method: 'POST',
    url: '/api/session',
    payload: { email: m.email, password: m.password, totp: totpCode(m.totpSecret, h.clock.now) },
  });
  assert.equal(r.statusCode, 200, r.body);
  return { cookie: String(r.headers['set-cookie']).split(';')[0]!, csrf: (r.json() as { csrfToken: string }).csrfToken };
}
