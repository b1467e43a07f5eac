import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { addressLiteral, addressRefusal, definedAddresses, parseAllowList } from './domain/network-address.ts';

// Config is one validated, immutable value built once at start-up from an optional JSON file
// (EMBARGO_CONFIG) overlaid by environment variables. All problems are reported at once.

/**
 * A yes/no setting: a JSON boolean, or "true"/"1" and "false"/"0" from the environment. Anything
 * else is refused, where z.coerce.boolean would read "false" as true (any non-empty string is).
 */
const flag = () => z.preprocess((v) => (v === 'false' || v === '0' ? false : v === 'true' || v === '1' ? true : v), z.boolean());

const ConfigSchema = z
  .object({
    databaseUrl: z.string().url().nullable().default(null),
    dataDir: z.string().min(1).default('./data'),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    publicUrl: z.string().url().nullable().default(null),
    /** The public advisory site's URL when it is hosted elsewhere (a static export); default publicUrl + /advisories/. */
    advisorySiteUrl: z
      .string()
      .url()
      .refine((u) => /^https?:/i.test(u), 'must be an http(s) URL')
      .nullable()
      .default(null),
    instanceKey: z.string().nullable().default(null),
    instanceKeyFile: z.string().nullable().default(null),
    /** scrypt cost parameter log2(N) of new password hashes; 17 is OWASP's recommendation for scrypt (128 MiB with r=8). */
    passwordCostLog2: z.coerce.number().int().min(14).max(20).default(17),
    /** The least zxcvbn score (0 to 4) a new password needs; 3 is "safely unguessable" against an online attack and slowed offline guessing. */
    passwordMinScore: z.coerce.number().int().min(0).max(4).default(3),
    /**
     * Test suites only: a scrypt cost below passwordCostLog2's floor that replaces it (passwordCost), so tests that are
     * not about passwords do not spend their time hashing. Never set it on a desk: such hashes are cheap
     * to crack. Each hash records its own cost, so hashes made at either cost verify.
     */
    testPasswordCostLog2: z.coerce.number().int().min(4).max(13).nullable().default(null),
    sessionHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(12),
    /**
     * A session unused for this many minutes ends (the next request asks to sign in again); 30 is
     * ASVS 3.3.2's level 2 limit, sessionHours the absolute one.
     */
    sessionIdleMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .default(30),
    /**
     * Step-up: the sensitive actions (src/domain/access.ts, STEP_UP_ACTIONS) need the password and
     * authenticator code entered again within this many minutes in a browser session.
     */
    stepUpMinutes: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10),
    bodyLimitBytes: z.coerce
      .number()
      .int()
      .min(1024)
      .default(2 * 1024 * 1024),
    publicFormRatePerMinute: z.coerce.number().int().min(1).default(10),
    /**
     * The sign-in guard (src/app/auth/guard.ts), counted per account whatever the source address:
     * this many failures in a row cost nothing (typing mistakes)...
     */
    signInFreeFailures: z.coerce.number().int().min(0).max(20).default(3),
    /** ...then each next attempt waits, from this many seconds, doubling with every failure... */
    signInBackoffBaseSeconds: z.coerce.number().int().min(1).max(3600).default(5),
    /** ...up to this... */
    signInBackoffMaxSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .default(900),
    /** ...and at this many failures in a row the account locks until its unlock link (mailed) or an admin clears it. */
    signInLockAfter: z.coerce.number().int().min(2).max(100).default(10),
    /** How long a mailed unlock link works; a sign-in attempt on a locked account after that mails a new one. */
    unlockLinkHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 7)
      .default(24),
    trustProxy: flag().default(false),
    /** Reminder lead before a clock is due, for SLA rules whose profile entry sets no remindBefore. */
    slaRemindBeforeHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(24),
    /** How often `serve` runs a pass of the SLA scheduler (reminders and escalations). */
    schedulerIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(60),
    /**
     * The team's CNA account at CVE Services. When set here it wins over the one an admin saves in the
     * web UI (which then shows it read-only): operators who keep secrets in config keep control of it.
     */
    cveServices: z
      .strictObject({
        url: z.string().url(),
        shortName: z.string().trim().min(2).max(32),
        user: z.string().trim().min(1).max(128),
        apiKey: z.string().min(1).max(512),
      })
      .nullable()
      .default(null),
    /** Mail ingress (src/mail): the SMTP listener runs when smtpPort is set. */
    smtpHost: z.string().min(1).default('127.0.0.1'),
    smtpPort: z.coerce.number().int().min(0).max(65535).nullable().default(null),
    /** PEM files; with both set the listener offers STARTTLS. */
    smtpTlsCertFile: z.string().min(1).nullable().default(null),
    smtpTlsKeyFile: z.string().min(1).nullable().default(null),
    /** Addresses the gateway accepts mail for, besides the teams' aliases stored in the desk. */
    mailAliases: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean)
          : v,
      z.array(z.string().trim().toLowerCase().email()).default([]),
    ),
    /** Largest message accepted (SMTP SIZE, IMAP, import). */
    mailMaxBytes: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(200 * 1024 * 1024)
      .default(25 * 1024 * 1024),
    /** How often `serve` looks for received mail to process (the intake job). */
    mailIntakeIntervalSeconds: z.coerce.number().min(0.05).max(3600).default(1),
    /** A message being processed is someone else's to retry after this long (its processor crashed). */
    mailLeaseSeconds: z.coerce.number().min(1).max(86400).default(300),
    /** IMAP poller: runs when imapHost is set. */
    imapHost: z.string().min(1).nullable().default(null),
    imapPort: z.coerce.number().int().min(1).max(65535).default(993),
    imapTls: flag().default(true),
    imapUser: z.string().min(1).nullable().default(null),
    imapPassword: z.string().min(1).nullable().default(null),
    imapMailbox: z.string().min(1).default('INBOX'),
    imapProcessedFolder: z.string().min(1).default('Embargo/Processed'),
    imapIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(60),
    /**
     * Outbound mail (src/app/delivery/settings.ts). Set here, the relay and the aliases below are written
     * to the desk at every start and shown read-only in the admin UI (the file wins); left unset, they
     * are edited in the admin UI.
     */
    smtpRelayHost: z.string().min(1).nullable().default(null),
    smtpRelayPort: z.coerce.number().int().min(1).max(65535).default(587),
    smtpRelayTls: z.enum(['none', 'starttls', 'tls']).default('starttls'),
    smtpRelayUser: z.string().min(1).nullable().default(null),
    smtpRelayPassword: z.string().min(1).nullable().default(null),
    /** Envelope sender of outbound mail: bounces come back to it (with +TOKEN added). */
    mailBounceAddress: z.string().trim().toLowerCase().email().nullable().default(null),
    /** Extra aliases and the team each belongs to: { "security@example.org": "security" } (or "addr=team,addr=team"). */
    mailAliasTeams: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? Object.fromEntries(
              v
                .split(',')
                .filter(Boolean)
                .map((p) => p.split('=').map((x) => x.trim())),
            )
          : v,
      z.record(z.string().trim().toLowerCase().email(), z.string().min(1)).default({}),
    ),
    /** Delivery job: seconds between passes, attempts before a delivery fails, first retry delay (doubling each time, at most 6 hours). */
    mailDeliveryIntervalSeconds: z.coerce.number().min(0.05).max(3600).default(5),
    mailDeliveryMaxAttempts: z.coerce.number().int().min(1).max(50).default(10),
    mailDeliveryBackoffSeconds: z.coerce.number().int().min(1).max(3600).default(60),
    /**
     * Seconds between passes of the audit chaining job: the longest an appended event waits to be
     * linked into the keyed chain (plus the pass itself).
     */
    auditChainIntervalSeconds: z.coerce.number().min(0.05).max(60).default(1),
    /** Seconds between the signed checkpoints of the audit chain's head that `serve` makes and keeps. */
    auditCheckpointIntervalSeconds: z.coerce
      .number()
      .int()
      .min(10)
      .max(7 * 24 * 3600)
      .default(3600),
    /** Where the desk keeps its latest audit checkpoint, outside the database; default DATA_DIR/audit-checkpoint.json. */
    auditCheckpointFile: z.string().min(1).nullable().default(null),
    /**
     * Servers on loopback, private, link-local or unique-local addresses the desk may connect to (an
     * on-premise relay, a local CVE Services proxy, the test suites' servers on 127.0.0.1): host names
     * (any address they resolve to), IP addresses or CIDR ranges, comma-separated in the environment.
     * Everything else that is not a public address is refused (src/domain/network-address.ts).
     */
    allowPrivateHosts: z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean)
          : v,
      z
        .array(z.string().trim().min(1).max(253))
        .default([])
        .superRefine((entries, ctx) => {
          for (const problem of parseAllowList(entries).problems) ctx.addIssue({ code: 'custom', message: problem });
        }),
    ),
  })
  .strict()
  .superRefine((c, ctx) => {
    // A server given in the config as an address (or "localhost") is judged at start-up, with the
    // other problems; a name is judged when the desk connects (src/integrations/outbound-guard.ts).
    const { list } = parseAllowList(c.allowPrivateHosts);
    const servers: [string, string | null][] = [
      ['smtpRelayHost', c.smtpRelayHost],
      ['imapHost', c.imapHost],
      ['cveServices.url', c.cveServices ? hostOfUrl(c.cveServices.url) : null],
    ];
    for (const [path, host] of servers) {
      if (!host) continue;
      const fixed = addressLiteral(host) ? [addressLiteral(host)!] : definedAddresses(host);
      const why = fixed?.map((a) => addressRefusal(host, a, list)).find((w) => w !== null);
      if (why) ctx.addIssue({ code: 'custom', path: path.split('.'), message: why });
    }
  });

function hostOfUrl(url: string): string | null {
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

export type Config = Readonly<z.infer<typeof ConfigSchema>>;

/**
 * The desk's own address, for links in mail, records and pages that outlive a request: the
 * configured public URL (EMBARGO_PUBLIC_URL), else the address `serve` listens on, without a
 * trailing slash.
 */
export function deskUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  const { publicUrl, host, port } = config;
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const local = ['127.0.0.1', '0.0.0.0', '::', '::1'].includes(host);
  return `http://${local ? 'localhost' : host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The session cookie's name. Served over HTTPS (the public URL says so) it carries the __Host-
 * prefix, which browsers accept only with Secure, Path=/ and no Domain, so no other host of the
 * domain and no plain-HTTP page can set or shadow it. On plain HTTP (localhost) the prefix would be
 * refused by some browsers, so the desk keeps the plain name there.
 */
export function sessionCookieName(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  return deskUrl(config).startsWith('https://') ? '__Host-embargo_session' : 'embargo_session';
}

/** Where the desk mounts the public advisory site; the static export has the same tree at its root. */
export const SITE_PREFIX = '/advisories';

/**
 * The absolute URL of the site root, ending in "/": EMBARGO_ADVISORY_SITE_URL when the site is
 * hosted elsewhere (a static export), else the desk's public URL + /advisories/, else the local
 * address `serve` listens on.
 */
export function siteUrl(config: Config): string {
  if (config.advisorySiteUrl) return config.advisorySiteUrl.endsWith('/') ? config.advisorySiteUrl : `${config.advisorySiteUrl}/`;
  return `${deskUrl(config)}${SITE_PREFIX}/`;
}

/** An advisory's public page: its directory on the advisory site. */
export function advisoryPageUrl(config: Config, advisoryId: string): string {
  return `${siteUrl(config)}${encodeURIComponent(advisoryId)}/`;
}

/** The scrypt cost log2(N) new password hashes get: the test suites' own cost when one is set. */
export function passwordCost(config: Pick<Config, 'passwordCostLog2' | 'testPasswordCostLog2'>): number {
  return config.testPasswordCostLog2 ?? config.passwordCostLog2;
}

const envNames: Record<string, keyof z.infer<typeof ConfigSchema>> = {
  DATABASE_URL: 'databaseUrl',
  EMBARGO_DATA_DIR: 'dataDir',
  EMBARGO_HOST: 'host',
  EMBARGO_PORT: 'port',
  EMBARGO_PUBLIC_URL: 'publicUrl',
  EMBARGO_ADVISORY_SITE_URL: 'advisorySiteUrl',
  EMBARGO_INSTANCE_KEY: 'instanceKey',
  EMBARGO_INSTANCE_KEY_FILE: 'instanceKeyFile',
  EMBARGO_PASSWORD_COST_LOG2: 'passwordCostLog2',
  EMBARGO_PASSWORD_MIN_SCORE: 'passwordMinScore',
  EMBARGO_TEST_PASSWORD_COST_LOG2: 'testPasswordCostLog2',
  EMBARGO_SESSION_HOURS: 'sessionHours',
  EMBARGO_SESSION_IDLE_MINUTES: 'sessionIdleMinutes',
  EMBARGO_STEP_UP_MINUTES: 'stepUpMinutes',
  EMBARGO_BODY_LIMIT_BYTES: 'bodyLimitBytes',
  EMBARGO_PUBLIC_FORM_RATE_PER_MINUTE: 'publicFormRatePerMinute',
  EMBARGO_TRUST_PROXY: 'trustProxy',
  EMBARGO_SIGN_IN_FREE_FAILURES: 'signInFreeFailures',
  EMBARGO_SIGN_IN_BACKOFF_BASE_SECONDS: 'signInBackoffBaseSeconds',
  EMBARGO_SIGN_IN_BACKOFF_MAX_SECONDS: 'signInBackoffMaxSeconds',
  EMBARGO_SIGN_IN_LOCK_AFTER: 'signInLockAfter',
  EMBARGO_UNLOCK_LINK_HOURS: 'unlockLinkHours',
  EMBARGO_SLA_REMIND_BEFORE_HOURS: 'slaRemindBeforeHours',
  EMBARGO_SCHEDULER_INTERVAL_SECONDS: 'schedulerIntervalSeconds',
  EMBARGO_SMTP_HOST: 'smtpHost',
  EMBARGO_SMTP_PORT: 'smtpPort',
  EMBARGO_SMTP_TLS_CERT_FILE: 'smtpTlsCertFile',
  EMBARGO_SMTP_TLS_KEY_FILE: 'smtpTlsKeyFile',
  EMBARGO_MAIL_ALIASES: 'mailAliases',
  EMBARGO_MAIL_MAX_BYTES: 'mailMaxBytes',
  EMBARGO_MAIL_INTAKE_INTERVAL_SECONDS: 'mailIntakeIntervalSeconds',
  EMBARGO_MAIL_LEASE_SECONDS: 'mailLeaseSeconds',
  EMBARGO_IMAP_HOST: 'imapHost',
  EMBARGO_IMAP_PORT: 'imapPort',
  EMBARGO_IMAP_TLS: 'imapTls',
  EMBARGO_IMAP_USER: 'imapUser',
  EMBARGO_IMAP_PASSWORD: 'imapPassword',
  EMBARGO_IMAP_MAILBOX: 'imapMailbox',
  EMBARGO_IMAP_PROCESSED_FOLDER: 'imapProcessedFolder',
  EMBARGO_IMAP_INTERVAL_SECONDS: 'imapIntervalSeconds',
  EMBARGO_SMTP_RELAY_HOST: 'smtpRelayHost',
  EMBARGO_SMTP_RELAY_PORT: 'smtpRelayPort',
  EMBARGO_SMTP_RELAY_TLS: 'smtpRelayTls',
  EMBARGO_SMTP_RELAY_USER: 'smtpRelayUser',
  EMBARGO_SMTP_RELAY_PASSWORD: 'smtpRelayPassword',
  EMBARGO_MAIL_BOUNCE_ADDRESS: 'mailBounceAddress',
  EMBARGO_MAIL_ALIAS_TEAMS: 'mailAliasTeams',
  EMBARGO_MAIL_DELIVERY_INTERVAL_SECONDS: 'mailDeliveryIntervalSeconds',
  EMBARGO_MAIL_DELIVERY_MAX_ATTEMPTS: 'mailDeliveryMaxAttempts',
  EMBARGO_MAIL_DELIVERY_BACKOFF_SECONDS: 'mailDeliveryBackoffSeconds',
  EMBARGO_AUDIT_CHAIN_INTERVAL_SECONDS: 'auditChainIntervalSeconds',
  EMBARGO_AUDIT_CHECKPOINT_INTERVAL_SECONDS: 'auditCheckpointIntervalSeconds',
  EMBARGO_AUDIT_CHECKPOINT_FILE: 'auditCheckpointFile',
  EMBARGO_ALLOW_PRIVATE_HOSTS: 'allowPrivateHosts',
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): Config {
  let fromFile: Record<string, unknown> = {};
  if (env.EMBARGO_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.EMBARGO_CONFIG, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError([`EMBARGO_CONFIG (${env.EMBARGO_CONFIG}): ${(e as Error).message}`]);
    }
  }
  const fromEnv: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(envNames)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[key] = v;
  }
  const parsed = ConfigSchema.safeParse({ ...fromFile, ...fromEnv, ...overrides });
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  const config = parsed.data;
  return Object.freeze({
    ...config,
    instanceKeyFile: config.instanceKeyFile ?? `${config.dataDir}/instance.key`,
    // An embedded database in memory (tests, benches) has no data directory to keep a file in.
    auditCheckpointFile: config.auditCheckpointFile ?? (config.dataDir === ':memory:' ? null : `${config.dataDir}/audit-checkpoint.json`),
  });
}
