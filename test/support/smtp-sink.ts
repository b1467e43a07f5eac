import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

// An SMTP server on loopback that records every message it accepts (what a receiving MTA would get),
// for tests of outbound delivery. No TLS, no authentication: the desk's relay setting is tls 'none'.
// `reply` decides per message: undefined accepts it (250); { code, message } refuses it with that
// reply (4xx temporary, 5xx permanent), after the whole message was received.

export interface SinkMessage {
  mailFrom: string;
  rcptTo: string[];
  raw: Buffer;
  /** The Message-ID header, without angle brackets. */
  messageId: string | null;
}

export interface SmtpSink {
  port: number;
  host: string;
  /** Messages answered 250, in order. */
  received: SinkMessage[];
  /** Messages refused by `reply`, in order. */
  refused: (SinkMessage & { code: number })[];
  reply: ((m: SinkMessage) => { code: number; message: string } | undefined) | null;
  /** Called after a message is accepted (250 sent): the crash test kills the sender here. */
  onAccepted: ((m: SinkMessage) => void) | null;
  close(): Promise<void>;
}

export function headerValue(raw: Buffer | string, name: string): string | null {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const head = text.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(unfolded);
  return m ? m[1]!.trim() : null;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = {
    port: 0,
    host: '127.0.0.1',
    received: [],
    refused: [],
    reply: null,
    onAccepted: null,
    close: async () => {},
  };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        const m: SinkMessage = {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
          raw,
          messageId: headerValue(raw, 'Message-ID')?.replace(/^<|>$/g, '') ?? null,
        };
        const refuse = sink.reply?.(m);
        if (refuse) {
          sink.refused.push({ ...m, code: refuse.code });
          const err = Object.assign(new Error(refuse.message), { responseCode: refuse.code });
          callback(err);
          return;
        }
        sink.received.push(m);
        callback(null);
        sink.onAccepted?.(m);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A sender that vanishes mid-conversation (the crash test kills it) resets its connection; a
  // receiving MTA shrugs that off, and so does the sink, instead of failing the test process.
  server.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') throw e;
  });
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}
