import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { addMember, addProject, api, sampleReport, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { webSession } from '../support/web-client.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor } from '../../src/app/keys/keys.ts';
import { webPlugin } from '../../src/web/index.ts';

// The empty queue of a new desk says what comes next. Its admin finds the next unfinished step of the
// first-run checklist (the same step /admin/start marks first as to do) with the page where it is
// done, step after step as the desk is set up, until the first report arrives; the members read
// where reports arrive: the public report form's address to share and the central alias.

let h: Harness;
let sink: SmtpSink;
let admin: Member;
const cookies = new Map<Member, string>();

async function page(m: Member, url: string): Promise<string> {
  if (!cookies.has(m)) cookies.set(m, (await webSession(h, m)).cookie);
  const r = await h.server.inject({ method: 'GET', url, headers: { cookie: cookies.get(m)! } });
  assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 300)}`);
  return r.body;
}

/** The next-step card of the queue: its step and its text, or null when there is none. */
function nextStep(body: string): { step: string; card: string } | null {
  const m = /<section class="card first-run next-step"[^>]*data-step="([a-z]+)">[\s\S]*?<\/section>/.exec(body);
  return m ? { step: m[1]!, card: m[0] } : null;
}

/** The first step /admin/start marks as still to do. */
async function firstToDo(): Promise<string | undefined> {
  return /<li class="todo" data-step="([a-z]+)">/.exec(await page(admin, '/admin/start'))?.[1];
}

before(async () => {
  h = await startHarness({ plugins: [webPlugin] });
  sink = await startSmtpSink();
  admin = await setupDesk(h, 'trusted-firmware');
});
after(async () => {
  await sink?.close();
  await h?.close();
});

test('the admin of a desk not set up yet: the next step of the checklist, step by step, until the first report', async () => {
  let body = await page(admin, '/');
  assert.match(body, /The queue is empty/);
  let next = nextStep(body)!;
  assert.ok(next, 'a next-step card');
  assert.equal(next.step, 'projects');
  assert.equal(next.step, await firstToDo(), 'the step the checklist marks first');
  assert.match(next.card, /<h2 id="next-step-h">Next step in setting up the desk: Add your projects<\/h2>/);
  assert.match(next.card, /<a href="\/admin\/projects">Projects<\/a>/);
  assert.match(next.card, /0 of 5 steps done\. <a href="\/admin\/start">The whole first-run checklist<\/a>/);
  // It comes before the empty-queue message: it is what to do first.
  assert.ok(body.indexOf('next-step-h') < body.indexOf('The queue is empty'));

  await addProject(admin, 'tf-a', 'TF-A');
  next = nextStep(await page(admin, '/'))!;
  assert.equal(next.step, 'people');
  assert.equal(next.step, await firstToDo());
  assert.match(next.card, /<a href="\/admin\/people">People<\/a>/);

  await addMember(h, admin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
  next = nextStep(await page(admin, '/'))!;
  assert.equal(next.step, 'mail', 'someone on every team now: mail is next');
  assert.equal(next.step, await firstToDo());
  assert.match(next.card, /No SMTP relay is set up/);
  assert.match(next.card, /<a href="\/admin\/mail">Mail<\/a>/);
  assert.match(next.card, /3 of 5 steps done/);

  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@lists.trustedfirmware.org' });
  await generateTeamKeyFor(admin.ctx, {});
  next = nextStep(await page(admin, '/'))!;
  assert.equal(next.step, 'report', 'the last step: the report link to share');
  assert.equal(next.step, await firstToDo());
  assert.match(next.card, /Share the report link/);
  assert.match(next.card, /Publish <a href="(https?:\/\/[^"]+\/report)"><code>\1<\/code><\/a> where reporters look/);

  // Filters on an empty desk: the way out of the filters, no card.
  const filtered = await page(admin, '/?severity=high');
  assert.match(filtered, /No case matches these filters/);
  assert.equal(nextStep(filtered), null);

  const r = await api(h, 'POST', '/api/reports', { body: sampleReport });
  assert.equal(r.status, 201, r.body);
  body = await page(admin, '/');
  assert.equal(nextStep(body), null, 'the first report arrived: the queue lists it');
  assert.doesNotMatch(body, /The queue is empty/);
  assert.equal(await firstToDo(), undefined, 'the checklist is done');
});

test('other members read what happens next: where reports arrive and the public report link', async () => {
  const fresh = await startHarness({ plugins: [webPlugin] });
  try {
    const deskAdmin = await setupDesk(fresh, 'trusted-firmware');
    await addProject(deskAdmin, 'tf-a', 'TF-A');
    const tina = await addMember(fresh, deskAdmin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
    const hank = await addMember(fresh, deskAdmin, { name: 'Hank Handler', email: 'hank@tf.example', teams: ['tf-a-security'] });
    const get = async (m: Member) =>
      (await fresh.server.inject({ method: 'GET', url: '/', headers: { cookie: (await webSession(fresh, m)).cookie } })).body;

    const central = await get(tina);
    assert.match(central, /The queue is empty/);
    assert.equal(nextStep(central), null, 'no checklist for someone who is no admin');
    assert.match(
      central,
      /Reports arrive through the public report form at <a href="(https?:\/\/[^"]+\/report)"><code>\1<\/code><\/a>, by mail to <code>security@lists\.trustedfirmware\.org<\/code> or through the API\. Each new one appears here for triage\./,
    );

    const project = await get(hank);
    assert.equal(nextStep(project), null);
    assert.match(project, /Cases appear here once they are forwarded to your project or someone pulls you into one\./);
    assert.match(
      project,
      /Reports arrive through the public report form at <a href="[^"]+\/report">[\s\S]*?, to the central security team first\./,
    );
  } finally {
    await fresh.close();
  }
});
