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
  | {
      kind: 'latency';
      port: number;
      alias: string;
      reports: { raw: Uint8Array; from: string }[];
      members: string[];
      /** Copies one report makes: the next report is sent once the sink has them all. */
      perReport: number;
      /** Pause between one report's last copy and the next report, so the desk is idle when each arrives. */
      gapMs: number;
    }
  | { kind: 'stop' };

const port = parentPort!;
const sink = await startPromptSink();
let onCopy: ((rcpt: string[]) => void) | null = null;
let kept: { raw: Uint8Array; rcpt: string }[] = [];
let keep = 0;
let memberSet = new Set<string>();
sink.onAccepted = (m) => {
  if (kept.length < keep && m.rcptTo.some((r) => memberSet.has(r)) && Math.random() < 0.05)
    kept.push({ raw: new Uint8Array(m.raw), rcpt: m.rcptTo.find((r) => memberSet.has(r))! });
  onCopy?.(m.rcptTo);
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
  if (msg.kind === 'latency') {
    port.postMessage({ kind: 'done', ...(await latency(msg)) });
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

/**
 * One report at a time on an idle desk: from the listener's 250 (sendMail resolves when the client
 * has it) to the sink's acceptance of the report's last copy to a member, and to its last copy at all.
 */
async function latency(msg: Extract<Request, { kind: 'latency' }>): Promise<{ toLastMember: number[]; toLastCopy: number[] }> {
  memberSet = new Set(msg.members);
  keep = 0;
  const toLastMember: number[] = [];
  const toLastCopy: number[] = [];
  for (const r of msg.reports) {
    let copies = 0;
    let lastMember = 0;
    let last = 0;
    const all = new Promise<void>((resolve) => {
      onCopy = (rcpt) => {
        last = performance.now();
        if (rcpt.some((a) => memberSet.has(a))) lastMember = last;
        if (++copies === msg.perReport) resolve();
      };
    });
    // A connection of its own, as an MTA delivering one message.
    const transport = createTransport({ host: '127.0.0.1', port: msg.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ envelope: { from: r.from, to: [msg.alias] }, raw: Buffer.from(r.raw) });
    const at250 = performance.now();
    transport.close();
    await all;
    onCopy = null;
    toLastMember.push(lastMember - at250);
    toLastCopy.push(last - at250);
    await new Promise((resolve) => setTimeout(resolve, msg.gapMs));
  }
  return { toLastMember, toLastCopy };
}
