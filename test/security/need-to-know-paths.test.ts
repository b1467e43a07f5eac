import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { decodeHTML } from 'entities';
import { addMember, addProject, api, setupDesk, startHarness, type Harness, type Member } from '../support/harness.ts';
import { webSession } from '../support/web-client.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startGpg, type GpgPeer } from '../support/gpg.ts';
import { TF_A_AFFECTED, TF_CNA } from '../support/advisory-parts.ts';
import { describeDisguise, disguise, disguised, sensitive, type Disguise } from '../support/disguises.ts';
import { addCveBlock } from '../../src/app/cve/pool.ts';
import { setSmtpRelay } from '../../src/app/delivery/settings.ts';
import { generateTeamKeyFor, teamPublicKey, uploadMyKey } from '../../src/app/keys/keys.ts';
import { findLeaks } from '../../src/domain/redaction.ts';
import { runDeliveryPass } from '../../src/jobs/mail-delivery.ts';
import { publicSitePlugin } from '../../src/public/index.ts';
import { exportSite } from '../../src/public/export.ts';
import { webPlugin } from '../../src/web/index.ts';
import { EXPORT_FORMATS } from '../../src/formats/export.ts';

// The need-to-know campaign, part two: generated cases sent through the running desk. Each case's
// reporter (name, handle, organisation and its mail domain, product, a value marked on the form, the
// credit name they choose) is planted in random disguises in the report's title, body and attachment
// name, the incident title, a reply to the reporter, an internal note and the advisory draft. Then,
// for each path out of the security teams, not one value may appear:
// - a collaborator's HTML case page and queue page, the case JSON by id and by reference, the queue
//   JSON, the attachment downloads;
// - the draft for stakeholders and the publication: refused, naming the fields;
// - every mail to anyone outside the security teams (the clean draft circulated to the stakeholders,
//   the collaborator's notices), after GnuPG decrypted what was encrypted;
// - once a clean advisory is published: its public pages, feed, records and the static site export.

const RUNS = Number(process.env.CAMPAIGN_PATH_RUNS ?? 6);

let h: Harness;
let sink: SmtpSink;
let tina: Member, tom: Member, cora: Member;
let cookie: string;
let coraPeer: GpgPeer;
let runNumber = 0;
let baseline = '';

before(async () => {
  h = await startHarness({
    clock: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(),
    plugins: [webPlugin, publicSitePlugin],
    config: { publicUrl: 'https://desk.example.org' },
  });
  const admin = await setupDesk(h, 'trusted-firmware');
  await addProject(admin, 'tf-a', 'TF-A');
  tina = await addMember(h, admin, { name: 'Tina Triager', email: 'tina@tf.example', teams: ['security'] });
  tom = await addMember(h, admin, { name: 'Tom Second', email: 'tom@tf.example', teams: ['security'] });
  cora = await addMember(h, admin, { name: 'Cora Collaborator', email: 'cora@tf.example' });
  await addMember(h, admin, { name: 'Stan Stakeholder', email: 'stan@ess.example' });
  await addCveBlock(tina.ctx, { block: 'CVE-2026-3000..CVE-2026-3099' });
  sink = await startSmtpSink();
  await setSmtpRelay(admin.ctx, { host: '127.0.0.1', port: sink.port, tls: 'none', bounceAddress: 'bounces@desk.example.org' });
  await generateTeamKeyFor(admin.ctx, {});
  // The collaborator has a key: whatever reaches them encrypted is decrypted and searched too.
  coraPeer = await startGpg();
  const key = await coraPeer.generateKey('cora <cora@tf.example>');
  await coraPeer.importKey((await teamPublicKey(h.app.db))!.armored);
  await uploadMyKey(cora.ctx, { armored: key.publicArmored });
  cookie = (await webSession(h, cora)).cookie;
  // What the desk's own pages say anyway: a generated value spelling a word of it ("name") would be
  // found there without any leak, so no generated value may.
  const clean = await api(h, 'POST', '/api/reports', {
    body: {
      title: 'Baseline report',
      body: 'Nothing sensitive in here at all.',
      reporter: { name: null, email: null, organisation: null, handle: null },
    },
  });
  const central = (await webSession(h, tina)).cookie;
  for (const url of [`/cases/${clean.json.reportId}`, '/', '/advisories/', '/advisories/feed.atom']) {
    baseline += (await h.server.inject({ method: 'GET', url, headers: { cookie: central } })).body;
  }
  baseline += (await api(h, 'GET', `/api/reports/${clean.json.reportId}`, { as: tina })).body;
});
after(async () => {
  await sink?.close();
  await coraPeer?.close();
  await h?.close();
});

const ROLES = ['name', 'handle', 'organisation', 'product', 'customer', 'credit'] as const;
type Role = (typeof ROLES)[number];
const FIELDS = ['title', 'body', 'attachment', 'incident', 'reply', 'note', 'advisory'] as const;

const generated = fc.record({
  values: fc.uniqueArray(sensitive, { minLength: ROLES.length, maxLength: ROLES.length, selector: (v) => v.replace(/ /g, '') }),
  disguises: fc.tuple(...FIELDS.map(() => fc.tuple(fc.nat({ max: ROLES.length - 1 }), disguise))),
  /** Credited by the other name they chose (published in their own credit), or not at all. */
  credited: fc.boolean(),
});

interface Planted {
  values: Record<Role, string>;
  /** The domain of the reporter's address, their organisation's. */
  domain: string;
  email: string;
  texts: Record<(typeof FIELDS)[number], string>;
  how: string;
}

function plant(values: string[], disguises: [number, Disguise][]): Planted {
  const v = Object.fromEntries(ROLES.map((r, i) => [r, values[i]!])) as Record<Role, string>;
  const domain = `${v.organisation.replace(/ /g, '')}.example`;
  const email = `${v.name.split(' ')[0]}@${domain}`;
  const put = (i: number) => disguised(values[disguises[i]![0]]!, disguises[i]![1]);
  return {
    values: v,
    domain,
    email,
    texts: {
      title: `Overflow reported by ${put(0)} (1)`,
      body: `Dear team, ${put(1)} found this. Mail ${email}.\n\nRegards`,
      attachment: `poc ${put(2)}.txt`,
      incident: `Loader overflow at ${put(3)}`,
      reply: `Dear ${put(4)}, thank you for the report.`,
      note: `Checked with ${put(5)} today.`,
      advisory: `The loader overflows; found by ${put(6)}.`,
    },
    how: disguises.map(([r, d], i) => `${FIELDS[i]}: ${ROLES[r]} ${describeDisguise(d)}`).join('; '),
  };
}

/** Each value's plain spelling and each planted disguise that must never appear in `text`. */
function assertClean(text: string, p: Planted, path: string, counter: { checks: number; leaks: number }, allowed: string | null = null) {
  counter.checks++;
  const decoded = decodeHTML(text);
  const hits = [
    ...findLeaks(decoded, [...Object.values(p.values), p.email, p.domain]).filter((v) => v !== allowed),
    ...Object.values(p.texts).filter((t) => t.length > 0 && decoded.includes(t)),
  ];
  if (hits.length) counter.leaks++;
  assert.deepEqual(hits, [], `${path} carries a sensitive value (${p.how})`);
}

async function page(url: string) {
  const r = await h.server.inject({ method: 'GET', url, headers: { cookie } });
  assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 300)}`);
  return r.body;
}

const refusedPaths = (r: { json: any }) => (r.json.error.details as { path: string }[]).map((d) => d.path);

test(`campaign: ${RUNS} generated cases through the running desk, on every path out of the security teams`, async () => {
  const counter = { checks: 0, leaks: 0 };
  let mails = 0;
  await fc.assert(
    fc.asyncProperty(generated, async ({ values, disguises, credited }) => {
      fc.pre(findLeaks(baseline, values).length === 0);
      runNumber++;
      const p = plant(values, disguises);
      const report = await api(h, 'POST', '/api/reports', {
        body: {
          title: p.texts.title,
          body: p.texts.body,
          reporter: { name: p.values.name, email: p.email, organisation: p.values.organisation, handle: p.values.handle },
          product: p.values.product,
          sensitive: [{ label: 'customer', value: p.values.customer }],
          creditPreference: 'name',
          attachments: [
            { filename: p.texts.attachment, contentType: 'text/plain', contentBase64: Buffer.from(p.texts.body).toString('base64') },
          ],
        },
      });
      assert.equal(report.status, 201, report.body);
      const { reportId, statusToken } = report.json;
      // The reporter asks to be credited by another name; some change their mind and stay anonymous.
      const credit = await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'handle', alias: p.values.credit } });
      assert.equal(credit.status, 200, credit.body);
      if (!credited)
        assert.equal((await api(h, 'PUT', `/api/reporter/${statusToken}/credit`, { body: { preference: 'anonymous' } })).status, 200);
      await api(h, 'POST', `/api/reports/${reportId}/claim`, { as: tina });
      const accepted = await api(h, 'POST', `/api/reports/${reportId}/accept`, {
        as: tina,
        body: { title: p.texts.incident, projects: ['tf-a'] },
      });
      assert.equal(accepted.status, 200, accepted.body);
      const team = await api(h, 'GET', `/api/reports/${reportId}`, { as: tina });
      const ref = team.json.incident.ref as string;
      assert.equal((await api(h, 'POST', `/api/reports/${reportId}/replies`, { as: tina, body: { body: p.texts.reply } })).status, 200);
      assert.equal((await api(h, 'POST', `/api/reports/${reportId}/notes`, { as: tina, body: { body: p.texts.note } })).status, 200);
      assert.equal(
        (await api(h, 'POST', `/api/reports/${reportId}/pull-in`, { as: tina, body: { email: 'cora@tf.example' } })).status,
        200,
      );

      // The collaborator's pages and JSON.
      assertClean(await page(`/cases/${reportId}`), p, 'the case page', counter);
      assertClean(await page('/'), p, 'the queue page', counter);
      for (const url of [`/api/reports/${reportId}`, `/api/incidents/${ref}`, '/api/queue']) {
        const r = await api(h, 'GET', url, { as: cora });
        assert.equal(r.status, 200, r.body);
        assertClean(r.body, p, url, counter);
      }
      const seen = await api(h, 'GET', `/api/reports/${reportId}`, { as: cora });
      for (const a of seen.json.attachments) {
        const r = await api(h, 'GET', `/api/reports/${reportId}/attachments/${a.id}`, { as: cora });
        assert.equal(r.status, 200, r.body);
        assertClean(`${r.headers['content-disposition']}\n${r.body}`, p, 'an attachment download', counter);
      }

      // The draft for stakeholders and the publication are refused, naming the field.
      const adv = await api(h, 'POST', `/api/reports/${reportId}/advisories`, { as: tina });
      assert.equal(adv.status, 201, adv.body);
      const advisoryId = adv.json.advisoryId as string;
      assert.equal((await api(h, 'POST', `/api/advisories/${advisoryId}/cve`, { as: tina })).status, 201);
      const doc = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json.head.document;
      const complete = {
        ...doc,
        summary: 'A crafted image overflows a stack buffer in the loader.',
        affected: [TF_A_AFFECTED],
        references: [{ url: 'https://git.trustedfirmware.org/TF-A/trusted-firmware-a/+/fix', type: 'fix' }],
        cvss: ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
        publisher: { ...doc.publisher, cve: TF_CNA },
      };
      const save = async (document: unknown) => {
        const r = await api(h, 'POST', `/api/advisories/${advisoryId}/versions`, { as: tina, body: { document } });
        assert.equal(r.status, 201, r.body);
        return (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json.headVersion as number;
      };
      await save({ ...complete, description: p.texts.advisory });
      const toStakeholders = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
        as: tina,
        body: { audience: 'stakeholders' },
      });
      counter.checks++;
      assert.equal(toStakeholders.status, 422, toStakeholders.body);
      assert.ok(refusedPaths(toStakeholders).includes('description'), toStakeholders.body);
      assertClean(toStakeholders.body, p, 'the refusal of the draft for stakeholders', counter);
      const version = (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json.headVersion;
      assert.equal(
        (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version, verdict: 'approved' } })).status,
        201,
      );
      const publish = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} });
      counter.checks++;
      assert.equal(publish.status, 400, publish.body);
      assert.ok(refusedPaths(publish).includes('description'), publish.body);
      assertClean(publish.body, p, 'the refusal of the publication', counter);

      // A clean advisory publishes; the public site and its static export carry no value but the
      // name the reporter chose to be credited by, if they chose one.
      const chosen = credited ? p.values.credit : null;
      const clean = await save({
        ...complete,
        title: 'Loader stack overflow',
        description: 'The loader copies the image header into a fixed-size stack buffer.',
      });
      const circulated = await api(h, 'POST', `/api/advisories/${advisoryId}/circulations`, {
        as: tina,
        body: { audience: 'stakeholders', recipients: ['stan@ess.example'] },
      });
      assert.equal(circulated.status, 201, circulated.body);
      // Mail to anyone outside the security teams: the clean draft to the stakeholders, the collaborator's notices.
      sink.received.length = 0;
      await runDeliveryPass(h.app);
      for (const m of sink.received) {
        const to = m.rcptTo.join(',');
        if (!/cora@|stan@/.test(to)) continue;
        let text = m.raw.toString('utf8');
        for (const armored of text.match(/-----BEGIN PGP MESSAGE-----[\s\S]+?-----END PGP MESSAGE-----/g) ?? []) {
          const r = await coraPeer.decrypt(armored);
          assert.equal(r.code, 0, r.stderr);
          text += `\n${r.stdout.toString('utf8')}`;
        }
        mails++;
        assertClean(text, p, `mail to ${to}`, counter);
      }

      assert.equal(
        (await api(h, 'POST', `/api/advisories/${advisoryId}/reviews`, { as: tom, body: { version: clean, verdict: 'approved' } })).status,
        201,
      );
      const published = await api(h, 'POST', `/api/advisories/${advisoryId}/publication`, { as: tina, body: {} });
      assert.equal(published.status, 200, published.body);
      const publicId = published.json.publicId ?? (await api(h, 'GET', `/api/advisories/${advisoryId}`, { as: tina })).json.publicId;
      for (const url of ['/advisories/', '/advisories/feed.atom', `/advisories/${publicId}/`, `/advisories/${publicId}/osv.json`]) {
        const r = await h.server.inject({ method: 'GET', url });
        assert.equal(r.statusCode, 200, `${url}: ${r.body.slice(0, 200)}`);
        assertClean(r.body, p, `the public ${url}`, counter, chosen);
      }
      for (const format of EXPORT_FORMATS) {
        const e = await api(h, 'GET', `/api/advisories/${advisoryId}/export?format=${format}`, { as: tina });
        assert.equal(e.status, 200, e.body);
        assertClean(e.body, p, `the ${format} export`, counter, chosen);
      }
      const dir = mkdtempSync(join(tmpdir(), 'embargo-site-'));
      await exportSite(h.app, dir);
      const files = (d: string): string[] =>
        readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
      for (const f of files(dir)) assertClean(readFileSync(f, 'utf8'), p, `the static export ${f.slice(dir.length)}`, counter, chosen);
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
  assert.ok(mails >= RUNS, 'mail reached the collaborator or the stakeholders in every case');
  console.log(
    `need-to-know paths campaign: ${runNumber} generated cases, ${counter.checks} path checks (${mails} mails to outsiders among them), ${counter.leaks} leaks found`,
  );
});
