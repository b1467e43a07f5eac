import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, api, enroll } from '../support/harness.ts';
import { initInstance } from '../../src/app/admin/instance.ts';
import { loadShippedProfileText, parseProfile } from '../../src/process/loader.ts';
import { setSetupToken } from '../../src/http/routes/session.ts';
import { beginEnrollment } from '../../src/app/auth/auth.ts';

test('first run: the desk is created only with the setup token printed at start, and only once', async () => {
  const h = await startHarness();
  after(() => h.close());
  const instance = {
    name: 'Tock Security Team',
    profile: 'tock',
    timeZone: 'Europe/Berlin',
    admin: { name: 'Ada', email: 'ada@tock.example' },
    mail: { domain: 'lists.tock.example' },
  };
  // Before setup, nothing works that needs the desk.
  assert.equal(
    (await api(h, 'POST', '/api/reports', { body: { title: 'Early report', body: 'Reported before the desk exists.', reporter: {} } }))
      .status,
    409,
  );
  setSetupToken('the-printed-token');
  const wrong = await api(h, 'POST', '/api/setup', { body: { setupToken: 'guess', instance } });
  assert.equal(wrong.status, 403);
  const bad = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance: { ...instance, profile: 'nope' } } });
  assert.equal(bad.status, 404, bad.body);
  // The shipped profile names no team's lists: without the team's mail domain nothing is created.
  const { mail: _, ...withoutMail } = instance;
  const noDomain = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance: withoutMail } });
  assert.equal(noDomain.status, 400, noDomain.body);
  assert.deepEqual(
    noDomain.json.error.details.map((d: { path: string }) => d.path),
    ['mail.domain'],
  );
  assert.equal((await h.app.db.query('SELECT 1 FROM instance')).rows.length, 0);
  const ok = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance } });
  assert.equal(ok.status, 201, ok.body);
  assert.deepEqual(ok.json.aliases, [
    {
      id: 'security',
      address: 'security@lists.tock.example',
      inbound: true,
      description: 'The private security mailing list (§1.1, "Tools and Resources").',
    },
  ]);
  assert.deepEqual(ok.json.projects, ['tock']);
  // The desk's copy of the profile and its teams carry the team's addresses, nobody else's.
  const stored = (await h.app.db.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance')).rows[0]!.profile_yaml;
  assert.match(stored, /address: security@lists\.tock\.example\n/);
  assert.doesNotMatch(stored, /^[^#\n]*(\{domain\}|@lists\.tockos\.org)/m, 'no placeholder and no list of Tock itself outside comments');
  assert.deepEqual((await h.app.db.query<{ slug: string; alias: string }>('SELECT slug, alias FROM teams ORDER BY slug')).rows, [
    { slug: 'security', alias: 'security@lists.tock.example' },
    { slug: 'tock-security', alias: 'security@lists.tock.example' },
  ]);
  // Tock's project with its subsystem contact table, for the coordinator to assign through.
  assert.deepEqual(
    (
      await h.app.db.query<{ name: string }>(
        "SELECT s.name FROM subsystems s JOIN projects p ON p.id = s.project_id WHERE p.slug = 'tock' ORDER BY s.name",
      )
    ).rows.map((x) => x.name),
    ['Apps', 'Build', 'Drivers', 'Hardware', 'IPC', 'Kernel', 'Libraries', 'MPU'],
  );
  const enrollment = await beginEnrollment(h.app, ok.json.enrollmentToken);
  assert.equal(enrollment.email, 'ada@tock.example');
  // The authenticator app lists the code under the desk's own name.
  assert.match(enrollment.totpUri, /^otpauth:\/\/totp\/Tock%20Security%20Team:ada%40tock\.example\?/);
  const again = await api(h, 'POST', '/api/setup', { body: { setupToken: 'the-printed-token', instance } });
  assert.equal(again.status, 409);
});

test("a new copy of the shipped profile keeps the desk's own addresses; a {domain} the desk has no address for is refused", async () => {
  const h = await startHarness();
  after(() => h.close());
  const { adminId, enrollmentToken } = await initInstance(h.app, {
    name: 'Acme Firmware Security',
    profile: 'trusted-firmware',
    timeZone: 'Europe/London',
    admin: { name: 'Ada', email: 'ada@acme.example' },
    mail: { domain: 'lists.acme.example', aliases: { ess: '{project}-ess@partners.acme.example' } },
  });
  const admin = { personId: adminId, ...(await enroll(h, adminId, enrollmentToken)) };
  const shipped = loadShippedProfileText('trusted-firmware');
  const put = (yaml: string) => api(h, 'PUT', '/api/profile', { as: admin, body: { yaml } });
  const ok = await put(shipped.replace('amount: 3, unit: working-days', 'amount: 2, unit: working-days'));
  assert.equal(ok.status, 200, ok.body);
  const stored = parseProfile((await api(h, 'GET', '/api/profile', { as: admin })).body, 'desk').profile!;
  assert.deepEqual(Object.fromEntries(Object.entries(stored.intake.aliases).map(([id, a]) => [id, a.address])), {
    central: 'security@lists.acme.example',
    project: '{project}-security@lists.acme.example',
    ess: '{project}-ess@partners.acme.example',
    'trusted-stakeholders': '{project}-trusted-stakeholder-notify@lists.acme.example',
  });
  const extra = shipped.replace('  aliases:\n', '  aliases:\n    press:\n      address: press@{domain}\n      inbound: false\n');
  const refused = await put(extra);
  assert.equal(refused.status, 400, refused.body);
  assert.deepEqual(
    refused.json.error.details.map((d: { path: string }) => d.path),
    ['intake.aliases.press.address'],
  );
  assert.match(refused.json.error.message, /where the desk has no address of its own to keep/);
});
