import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProfile, parseProfile } from '../../src/process/loader.ts';
import { checkProfileText } from '../../src/process/lint.ts';
import { copyProfile, MissingTemplateVariablesError, renderTemplate } from '../../src/process/render.ts';
import { EmbargoError } from '../../src/domain/errors.ts';
import { MINIMAL } from './fixtures.ts';

const tock = loadProfile('tock');
const tf = loadProfile('trusted-firmware');

// The "Initial Acknowledgment" template from processes/tock.md, with the names filled in.
const TOCK_ACKNOWLEDGMENT = `Dear Ada Lovelace,

Thank you for reporting this potential security issue to the Tock team. We take all security reports seriously and will investigate promptly.

We have received your report and have begun our initial assessment. We will keep you updated on our progress and may reach out if we need additional information.

Best regards,
Charles Example
Tock Security Team
`;

test("Tock's acknowledgment renders to the text of tock.md with the names filled in", () => {
  const message = renderTemplate(tock, 'acknowledgment', {
    reporter_name: 'Ada Lovelace',
    coordinator_name: 'Charles Example',
  });
  assert.equal(message.subject, '[Tock Security] Acknowledgment of Security Report');
  assert.equal(message.body, TOCK_ACKNOWLEDGMENT);
});

test("Tock's status update and disclosure notification follow tock.md; details are optional", () => {
  const vars = {
    reporter_name: 'Ada',
    report_id: 'TOCK-2026-0001',
    status: 'In Development',
    resolution_date: '2026-05-01',
    coordinator_name: 'Charles',
  };
  const plain = renderTemplate(tock, 'status_update', vars);
  assert.equal(plain.subject, '[Tock Security] Status Update on Report #TOCK-2026-0001');
  assert.match(plain.body, /\nCurrent status: In Development\nEstimated resolution timeline: 2026-05-01\n\nThank you for your patience/);
  const detailed = renderTemplate(tock, 'status_update', { ...vars, details: 'The fix is in review.' });
  assert.match(detailed.body, /2026-05-01\n\nThe fix is in review\.\n\nThank you for your patience/);

  const disclosure = renderTemplate(tock, 'disclosure_notification', {
    reporter_name: 'Ada',
    disclosure_date: '2026-06-01',
    version: '2.2.1',
    cve_id: 'CVE-2026-0001',
    coordinator_name: 'Charles',
  });
  assert.equal(disclosure.subject, '[Tock Security] Security Advisory Publication Notice');
  assert.match(
    disclosure.body,
    /on 2026-06-01\. The fix is included in version 2\.2\.1, which is now available\.\n\nThe CVE assigned to this issue is CVE-2026-0001\./,
  );
  assert.doesNotMatch(disclosure.body, /advisory will be available/);
  const linked = renderTemplate(tock, 'disclosure_notification', {
    reporter_name: 'Ada',
    disclosure_date: '2026-06-01',
    version: '2.2.1',
    cve_id: 'CVE-2026-0001',
    coordinator_name: 'Charles',
    advisory_link: 'https://desk.example/advisories/TOCK-2026-0001/',
  });
  assert.match(
    linked.body,
    /CVE-2026-0001\.\n\nThe security advisory will be available at https:\/\/desk\.example\/advisories\/TOCK-2026-0001\/\.\n\n/,
  );
});

test('a missing variable throws a typed error naming every missing one, never "Dear ,"', () => {
  assert.throws(
    () => renderTemplate(tock, 'acknowledgment', { coordinator_name: 'Charles' }),
    (e: unknown) =>
      e instanceof MissingTemplateVariablesError &&
      e instanceof EmbargoError &&
      e.code === 'validation_failed' &&
      e.templateId === 'acknowledgment' &&
      e.missing.join() === 'reporter_name',
  );
  // Blank is as bad as missing.
  assert.throws(
    () => renderTemplate(tock, 'acknowledgment', { reporter_name: '  ', coordinator_name: null }),
    (e: unknown) => e instanceof MissingTemplateVariablesError && e.missing.join() === 'reporter_name,coordinator_name',
  );
});

test('the TF rejection carries the specific reasoning; sections make paragraphs optional', () => {
  const base = { reporter_name: 'Ada', incident_id: 'TF-2026-0007', sender_name: 'Bob', reason: 'It needs physical access.' };
  const message = renderTemplate(tf, 'rejection', base);
  assert.equal(message.subject, '[TF Security] TF-2026-0007: not accepted as a security vulnerability');
  assert.match(message.body, /for the following reason:\n\nIt needs physical access\.\n\nIf you disagree/);
  assert.doesNotMatch(message.body, /normal bug/);
  const withBug = renderTemplate(tf, 'rejection', { ...base, bug_link: 'https://example.org/bug/1' });
  assert.match(withBug.body, /normal bug.*\n.*https:\/\/example\.org\/bug\/1\n/);
  assert.throws(() => renderTemplate(tf, 'rejection', { ...base, reason: undefined }), MissingTemplateVariablesError);
});

test('the TF holding response names the project when it is known and explains when it is not', () => {
  const base = { reporter_name: 'Ada', incident_id: 'TF-2026-0007', triager_name: 'Bob' };
  assert.match(renderTemplate(tf, 'holding', { ...base, project_name: 'TF-A' }).body, /passed it to the TF-A security team/);
  assert.match(renderTemplate(tf, 'holding', base).body, /establishing which project or projects are affected/);
});

test('rendering is plain text: no HTML escaping', () => {
  const body = renderTemplate(tock, 'acknowledgment', { reporter_name: 'R&D <Team> "O\'Neil"', coordinator_name: 'C' }).body;
  assert.ok(body.startsWith('Dear R&D <Team> "O\'Neil",\n'));
});

test('a value that would put a line break in the subject is refused (header injection)', () => {
  assert.throws(
    () =>
      renderTemplate(tock, 'status_update', {
        reporter_name: 'A',
        report_id: '1\r\nBcc: attacker@example.org',
        status: 's',
        resolution_date: 'd',
        coordinator_name: 'C',
      }),
    (e: unknown) => e instanceof EmbargoError && e.code === 'validation_failed' && /line break/.test(e.message),
  );
});

test('an unknown template id is not_found', () => {
  assert.throws(
    () => renderTemplate(tock, 'nope', {}),
    (e: unknown) => e instanceof EmbargoError && e.code === 'not_found',
  );
  assert.throws(
    () => renderTemplate(tock, 'toString', {}),
    (e: unknown) => e instanceof EmbargoError && e.code === 'not_found',
  );
});

test('copyProfile gives a valid profile with the new id and name, keeping the comments', () => {
  const text = copyProfile(tf, 'acme-security', 'ACME security process');
  assert.deepEqual(checkProfileText(text, 'copy.yaml'), []);
  const { profile } = parseProfile(text, 'copy.yaml');
  assert.equal(profile?.id, 'acme-security');
  assert.equal(profile?.name, 'ACME security process');
  assert.deepEqual(profile?.sla, tf.sla);
  assert.deepEqual(profile?.templates, tf.templates);
  assert.match(text, /^# Copied from process profile "trusted-firmware" version 1\.0/);
  assert.match(text, /# T3: "always within 3 working days/);
});

test('copyProfile works for a profile built without source text, and quotes names that need it', () => {
  const { profile } = parseProfile(MINIMAL, 'm.yaml');
  assert.ok(profile);
  const fromData = copyProfile(structuredClone(profile), 'mine', 'Mine: "ours"');
  const copy = parseProfile(fromData, 'c.yaml').profile;
  assert.equal(copy?.id, 'mine');
  assert.equal(copy?.name, 'Mine: "ours"');
  assert.equal(parseProfile(copyProfile(profile, 'x', '#1: ours'), 'c.yaml').profile?.name, '#1: ours');
});

test('copyProfile refuses a bad id or name', () => {
  assert.throws(
    () => copyProfile(tf, 'Not A Slug', 'x'),
    (e: unknown) => e instanceof EmbargoError && e.code === 'validation_failed',
  );
  assert.throws(
    () => copyProfile(tf, 'ok', ' '),
    (e: unknown) => e instanceof EmbargoError && e.code === 'validation_failed',
  );
  assert.throws(
    () => copyProfile(tf, 'ok', 'a\nb'),
    (e: unknown) => e instanceof EmbargoError && e.code === 'validation_failed',
  );
});
