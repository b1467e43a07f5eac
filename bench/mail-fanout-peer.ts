// The fan-out bench's outside world, on a thread of its own so that its CPU is not counted as the
// server's: the MTA that sends the reports to the desk's SMTP listener and the relay (a prompt sink)
// that receives the desk's copies. The main thread subtracts this thread's CPU from the process's.

import { parentPort } from 'node:worker_threads';
import { createTransport } from 'nodemailer';
import { startPromptSink } from './mail-support.ts';

type Request =
  | { kind: 'start' }
  | {
      kind: 'run';
      port: number;
      alias: string;
      reports: { raw: Uint8Array; from: string }[];
      concurrency: number;
      members: string[];
      keep: number;
      /** Copies to wait for after sending (0: answer once everything is sent). */
      expected: number;
    }
  | { kind: 'stop' };

const port = parentPort!;
const sink = await startPromptSink();
let onCopy: (() => void) | null = null;
let kept: { raw: Uint8Array; rcpt: string }[] = [];
let keep = 0;
let memberSet = new Set<string>();
sink.onAccepted = (m) => {
  if (kept.length < keep && m.rcptTo.some((r) => memberSet.has(r)) && Math.random() < 0.05)
    kept.push({ raw: new Uint8Array(m.raw), rcpt: m.rcptTo.find((r) => memberSet.has(r))! });
  onCopy?.();
};

port.on('message', async (msg: Request) => {
  if (msg.kind === 'start') {
    port.postMessage({ kind: 'started', sinkPort: sink.port });
    return;
  }
  if (msg.kind === 'stop') {
    await sink.close();
    port.postMessage({ kind: 'stopped' });
    return;
  }
  memberSet = new Set(msg.members);
  kept = [];
  keep = msg.keep;
  const expected = msg.expected;
  let copies = 0;
  const cpu0 = process.threadCpuUsage();
  const t0 = performance.now();
  let lastSent = 0;
  const done = new Promise<void>((resolve) => {
    onCopy = () => {
      if (++copies === expected) resolve();
    };
  });
  // Like an MTA flushing its queue: a few connections at once, each message on its own connection.
  const transport = createTransport({ host: '127.0.0.1', port: msg.port, secure: false, ignoreTLS: true });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(msg.concurrency, msg.reports.length) }, async () => {
      while (next < msg.reports.length) {
        const r = msg.reports[next++]!;
        await transport.sendMail({ envelope: { from: r.from, to: [msg.alias] }, raw: Buffer.from(r.raw) });
      }
    }),
  );
  lastSent = performance.now() - t0;
  transport.close();
  if (expected > 0) await done;
  onCopy = null;
  const cpu = process.threadCpuUsage(cpu0);
  port.postMessage({ kind: 'done', wallMs: performance.now() - t0, sentMs: lastSent, cpuMs: (cpu.user + cpu.system) / 1000, copies, kept });
});
