import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { App } from '../app/context.ts';
import { storeRaw } from '../app/inbound/inbox.ts';
import { acceptsRecipient } from '../app/inbound/threading.ts';

// The SMTP door. The team's MTA relays the aliases' mail to it, or it faces the internet behind one.
//
// - RCPT TO is accepted only for the desk's aliases (and their alias+token@domain reply addresses);
//   anything else gets 550, so the listener is never an open relay.
// - SIZE is advertised; a MAIL FROM with a larger SIZE and a DATA that grows past the limit get 552,
//   and nothing of such a message is stored.
// - 250 is answered only after storeRaw has committed the message: a crash before that means the
//   sender has no 250 and retries (and a retry of bytes already committed stores nothing new).
// - No AUTH: the listener takes mail for the desk only, it sends nothing anywhere.
// - STARTTLS is offered when a certificate and key are configured.

export interface SmtpListenerOptions {
  host: string;
  port: number;
  maxBytes: number;
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Extra addresses accepted besides the stored aliases (config file, tests). */
  aliases?: readonly string[];
  /** Name in the greeting. */
  name?: string;
  onError?: (e: unknown) => void;
  /** Called after a message is committed (the intake job is kicked, so it is processed at once). */
  onStored?: (inboxId: string) => void;
}

export interface SmtpListener {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Largest number of recipients per message: the gateway is one desk, not a mailing list. */
const MAX_RECIPIENTS = 50;

function smtpError(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpListener(app: App, opts: SmtpListenerOptions): Promise<SmtpListener> {
  const onError = opts.onError ?? ((e: unknown) => console.error(`embargo smtp: ${e instanceof Error ? e.message : String(e)}`));
  const server = new SMTPServer({
    name: opts.name ?? 'embargo',
    banner: 'Embargo mail gateway',
    size: opts.maxBytes,
    authOptional: true,
    disabledCommands: opts.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : {}),
    secure: false,
    logger: false,
    // A slow or stuck client may not hold a connection forever.
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    onRcptTo(address, session, callback) {
      if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) return callback(smtpError(452, 'Too many recipients'));
      acceptsRecipient(app, address.address, opts.aliases ?? [])
        .then((accepted) => {
          if (accepted) callback();
          else callback(smtpError(550, `No such mailbox here: ${address.address.slice(0, 100)}`));
        })
        .catch((e) => {
          onError(e);
          callback(smtpError(451, 'Temporary failure, try again later'));
        });
    },
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit nothing more is kept; smtp-server answers 552 itself (sizeExceeded).
        if (size <= opts.maxBytes) chunks.push(chunk);
      });
      stream.on('error', (e) => callback(e));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > opts.maxBytes) {
          return callback(smtpError(552, `Message larger than the limit of ${opts.maxBytes} bytes`));
        }
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        storeRaw(app, {
          raw: Buffer.concat(chunks, size),
          via: 'smtp',
          envelopeFrom: from,
          envelopeTo: session.envelope.rcptTo.map((r) => r.address),
        })
          .then((stored) => {
            callback(null, `Stored as ${stored.id}`);
            opts.onStored?.(stored.id);
          })
          .catch((e) => {
            onError(e);
            // Not stored: a temporary failure, the sender keeps the message and retries.
            callback(smtpError(451, 'Temporary failure storing the message, try again later'));
          });
      });
    },
  });
  server.on('error', (e) => onError(e));
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => reject(e);
    server.server.once('error', fail);
    server.listen(opts.port, opts.host, () => {
      server.server.off('error', fail);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    port: address.port,
    host: opts.host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The listener's options from config, or null when no SMTP port is configured. */
export function smtpOptionsFromConfig(app: App): SmtpListenerOptions | null {
  const c = app.config;
  if (c.smtpPort === null) return null;
  const tls = c.smtpTlsCertFile && c.smtpTlsKeyFile ? { cert: readFileSync(c.smtpTlsCertFile), key: readFileSync(c.smtpTlsKeyFile) } : null;
  return { host: c.smtpHost, port: c.smtpPort, maxBytes: c.mailMaxBytes, tls, aliases: c.mailAliases };
}
