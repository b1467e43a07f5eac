import { z } from 'zod';
import { EmbargoError } from '../domain/errors.ts';

// A client for the CVE Services API, the CVE Program's REST API for CNAs, built from its published
// description: CVEProject/cve-services, api-docs/openapi.json (OpenAPI 3.0.2, "CVE Services API"
// 2.x) with the response schemas under schemas/ (cve-id/create-cve-ids-response.json,
// cve-id/get-cve-id-response.json, org/get-org-response.json, cve/create-cve-record-response.json,
// cve/update-full-cve-record-response.json, errors/generic.json, errors/bad-request.json) and the
// error names of src/middleware/error.js and src/controller/*/error.js.
//
// Authentication is three headers on every call (CVE-API-ORG, CVE-API-USER, CVE-API-KEY). The key is
// a credential of the team's CNA: it is sent only over HTTPS (plain HTTP only to this machine, for
// tests and a local proxy), never logged, and never part of an error message.

export interface CveServicesCredentials {
  /** The API root, e.g. https://cveawg.mitre.org/api (production) or https://cveawg-test.mitre.org/api. */
  baseUrl: string;
  /** The CNA organisation's short name (CVE-API-ORG). */
  org: string;
  /** The user name of the account (CVE-API-USER). */
  user: string;
  /** The user's API key (CVE-API-KEY). */
  apiKey: string;
}

export interface CveServicesOptions {
  /** Per-request timeout; default 20 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Refuses a base URL that would send the API key in clear over a network. */
export function checkBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EmbargoError('validation_failed', `"${raw}" is not a URL; the CVE Services API root looks like https://cveawg.mitre.org/api.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new EmbargoError('validation_failed', 'The CVE Services URL must use https (plain http only to this machine), so the API key never travels in clear.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new EmbargoError('validation_failed', 'The CVE Services URL takes no credentials, query or fragment.');
  }
  return url;
}

const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,19}$/;
const CveIdState = z.enum(['RESERVED', 'PUBLISHED', 'REJECTED']);

const CveIdInfo = z.object({
  cve_id: z.string().regex(CVE_ID),
  cve_year: z.string().regex(/^[0-9]{4}$/),
  owning_cna: z.string().optional(),
  state: CveIdState,
  requested_by: z.object({ cna: z.string().optional(), user: z.string().optional() }).optional(),
  reserved: z.string().optional(),
});
export type CveIdInfo = z.infer<typeof CveIdInfo>;

const ReserveResponse = z.object({
  cve_ids: z.array(CveIdInfo),
  meta: z.object({ remaining_quota: z.number().int().optional() }).optional(),
});

const OrgResponse = z.object({
  UUID: z.string().uuid(),
  short_name: z.string(),
  name: z.string().optional(),
  policies: z.object({ id_quota: z.number().int().optional() }).optional(),
  authority: z.object({ active_roles: z.array(z.string()).optional() }).optional(),
});
export type CveOrg = z.infer<typeof OrgResponse>;

const RecordMetadata = z.object({ cveId: z.string().regex(CVE_ID), state: z.enum(['PUBLISHED', 'REJECTED']) }).passthrough();
const CveRecordShape = z.object({ cveMetadata: RecordMetadata, containers: z.object({ cna: z.record(z.string(), z.unknown()) }) }).passthrough();
export type CveServicesRecord = z.infer<typeof CveRecordShape>;

const CreatedResponse = z.object({ message: z.string(), created: CveRecordShape });
const UpdatedResponse = z.object({ message: z.string(), updated: CveRecordShape });

/** errors/generic.json and errors/bad-request.json: { error, message, details? }. */
const ServiceErrorBody = z.object({ error: z.string(), message: z.string().optional(), details: z.unknown().optional() });

/** Something CVE Services refused or failed, with its status and error name ("UNAUTHORIZED", ...). */
export class CveServicesError extends EmbargoError {
  readonly status: number | null;
  readonly serviceError: string | null;
  constructor(message: string, status: number | null, serviceError: string | null, details: { path?: string; message: string }[] = []) {
    super('upstream_failed', message, details);
    this.name = 'CveServicesError';
    this.status = status;
    this.serviceError = serviceError;
  }
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The schema errors CVE Services gives with INVALID_JSON_SCHEMA (Ajv's: instancePath + message). */
function schemaDetails(details: unknown): { path?: string; message: string }[] {
  const errors = (details as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.slice(0, 20).map((e) => {
    const x = e as { instancePath?: unknown; message?: unknown };
    return { path: typeof x.instancePath === 'string' ? x.instancePath : '', message: clip(String(x.message ?? JSON.stringify(e))) };
  });
}

function explainStatus(status: number, what: string, body: z.infer<typeof ServiceErrorBody> | null): CveServicesError {
  const name = body?.error ?? null;
  const said = body ? ` (${body.error}${body.message ? `: ${clip(body.message)}` : ''})` : '';
  if (status === 401) {
    return new CveServicesError(`CVE Services refused the CNA account's credentials${said}: check the organisation short name, user and API key.`, status, name);
  }
  if (status === 403) return new CveServicesError(`CVE Services does not allow the CNA account to ${what}${said}.`, status, name);
  if (status === 404) return new CveServicesError(`CVE Services knows no such thing while trying to ${what}${said}.`, status, name);
  if (status === 429) return new CveServicesError(`CVE Services is rate-limiting the CNA account${said}; try again in a minute.`, status, name);
  if (status >= 500) return new CveServicesError(`CVE Services failed to ${what} (HTTP ${status}${said}); try again later.`, status, name);
  return new CveServicesError(`CVE Services refused to ${what} (HTTP ${status}${said}).`, status, name, name === 'INVALID_JSON_SCHEMA' ? schemaDetails(body?.details) : []);
}

export interface ReserveRequest {
  amount: number;
  year: number;
  /** Required by the API when amount > 1. */
  batchType?: 'sequential' | 'nonsequential';
}

export interface CveServicesClient {
  readonly baseUrl: string;
  getOrg(): Promise<CveOrg>;
  reserveIds(r: ReserveRequest): Promise<{ ids: CveIdInfo[]; remainingQuota: number | null; partial: boolean }>;
  getId(cveId: string): Promise<CveIdInfo>;
  getRecord(cveId: string): Promise<CveServicesRecord>;
  /** POST /cve/{id}/cna: publishes the record of a reserved id from the CNA container. */
  createRecord(cveId: string, cnaContainer: Record<string, unknown>): Promise<CveServicesRecord>;
  /** PUT /cve/{id}/cna: replaces the CNA container of a published record. */
  updateRecord(cveId: string, cnaContainer: Record<string, unknown>): Promise<CveServicesRecord>;
  /** POST /cve/{id}/reject (no record yet) or PUT /cve/{id}/reject (a record exists). */
  rejectRecord(cveId: string, reasons: { lang: string; value: string }[], opts?: { existing?: boolean; replacedBy?: string[] }): Promise<CveServicesRecord>;
}

export function cveServicesClient(creds: CveServicesCredentials, opts: CveServicesOptions = {}): CveServicesClient {
  const root = checkBaseUrl(creds.baseUrl).href.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const doFetch = opts.fetch ?? fetch;
  const checkId = (id: string) => {
    if (!CVE_ID.test(id)) throw new EmbargoError('validation_failed', `"${clip(id, 40)}" is not a CVE id like CVE-2026-12345.`);
    return id;
  };

  async function call<T>(method: string, path: string, what: string, shape: z.ZodType<T>, body?: unknown, okStatuses = [200]): Promise<{ value: T; status: number }> {
    const headers: Record<string, string> = {
      'CVE-API-ORG': creds.org,
      'CVE-API-USER': creds.user,
      'CVE-API-KEY': creds.apiKey,
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, {
        method, headers, redirect: 'error', signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      const err = e as Error;
      if (err.name === 'TimeoutError' || err.name === 'AbortError') {
        throw new CveServicesError(`CVE Services at ${root} did not answer within ${Math.round(timeoutMs / 1000)} s while trying to ${what}.`, null, 'TIMEOUT');
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CveServicesError(`Could not reach CVE Services at ${root} to ${what}: ${cause?.code ?? cause?.message ?? err.message}.`, null, 'NETWORK');
    }
    const text = await res.text().catch(() => '');
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!okStatuses.includes(res.status)) {
      const errBody = ServiceErrorBody.safeParse(json);
      throw explainStatus(res.status, what, errBody.success ? errBody.data : null);
    }
    const parsed = shape.safeParse(json);
    if (!parsed.success) {
      throw new CveServicesError(
        `CVE Services answered the request to ${what} with an unexpected shape (HTTP ${res.status}); nothing was taken from it.`, res.status, 'UNEXPECTED_RESPONSE',
        parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join('.'), message: i.message })),
      );
    }
    return { value: parsed.data, status: res.status };
  }

  return {
    baseUrl: root,
    async getOrg() {
      const org = await call('GET', `/org/${encodeURIComponent(creds.org)}`, `read the organisation ${creds.org}`, OrgResponse);
      return org.value;
    },
    async reserveIds(r) {
      if (!Number.isInteger(r.amount) || r.amount < 1) throw new EmbargoError('validation_failed', 'Reserve at least one CVE id.');
      const q = new URLSearchParams({ amount: String(r.amount), cve_year: String(r.year), short_name: creds.org });
      if (r.amount > 1) q.set('batch_type', r.batchType ?? 'sequential');
      // 206: the service reserved only part of the amount (its range for the year is exhausted).
      const res = await call('POST', `/cve-id?${q}`, `reserve ${r.amount} CVE id${r.amount > 1 ? 's' : ''} for ${r.year}`, ReserveResponse, undefined, [200, 206]);
      return { ids: res.value.cve_ids, remainingQuota: res.value.meta?.remaining_quota ?? null, partial: res.status === 206 };
    },
    async getId(cveId) {
      return (await call('GET', `/cve-id/${checkId(cveId)}`, `read ${cveId}`, CveIdInfo)).value;
    },
    async getRecord(cveId) {
      return (await call('GET', `/cve/${checkId(cveId)}`, `read the record of ${cveId}`, CveRecordShape)).value;
    },
    async createRecord(cveId, cnaContainer) {
      return (await call('POST', `/cve/${checkId(cveId)}/cna`, `publish the record of ${cveId}`, CreatedResponse, { cnaContainer })).value.created;
    },
    async updateRecord(cveId, cnaContainer) {
      return (await call('PUT', `/cve/${checkId(cveId)}/cna`, `update the record of ${cveId}`, UpdatedResponse, { cnaContainer })).value.updated;
    },
    async rejectRecord(cveId, reasons, o = {}) {
      const cnaContainer = { rejectedReasons: reasons, ...(o.replacedBy?.length ? { replacedBy: o.replacedBy } : {}) };
      if (o.existing) {
        return (await call('PUT', `/cve/${checkId(cveId)}/reject`, `reject ${cveId}`, UpdatedResponse, { cnaContainer })).value.updated;
      }
      return (await call('POST', `/cve/${checkId(cveId)}/reject`, `reject ${cveId}`, CreatedResponse, { cnaContainer })).value.created;
    },
  };
}
