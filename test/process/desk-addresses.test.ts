import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProfile, loadShippedProfileText, parseProfile } from '../../src/process/loader.ts';
import { domainPlaceholders, withDeskAddresses } from '../../src/process/desk-addresses.ts';
import { checkProfileText } from '../../src/process/lint.ts';

// A desk's copy of a shipped profile gets the team's own addresses: the domain fills "{domain}", an
// alias kept elsewhere replaces the profile's address, and the rest of the text stays as it was.

test("the team's mail domain fills every alias of the TF profile; comments and the rest stay", () => {
  const text = loadShippedProfileText('trusted-firmware');
  const r = withDeskAddresses(text, loadProfile('trusted-firmware'), { domain: 'Lists.Example.org' });
  assert.ok(r.text, JSON.stringify(r.problems));
  const desk = parseProfile(r.text, 'desk').profile!;
  assert.deepEqual(Object.fromEntries(Object.entries(desk.intake.aliases).map(([id, a]) => [id, a.address])), {
    central: 'security@lists.example.org',
    project: '{project}-security@lists.example.org',
    ess: '{project}-ess-notify@lists.example.org',
    'trusted-stakeholders': '{project}-trusted-stakeholder-notify@lists.example.org',
  });
  assert.deepEqual(domainPlaceholders(desk), []);
  // Only the addresses changed: the same lines, the comments (the process steps) kept.
  assert.equal(r.text.split('\n').length, text.split('\n').length);
  assert.ok(r.text.includes('# T1/P1: incidents arrive by e-mail'));
  assert.deepEqual(
    checkProfileText(r.text, 'desk').filter((p) => p.severity === 'error'),
    [],
  );
});

test('an alias kept elsewhere is written as given; a per-project list must keep {project}', () => {
  const text = loadShippedProfileText('trusted-firmware');
  const profile = loadProfile('trusted-firmware');
  const r = withDeskAddresses(text, profile, { domain: 'lists.example.org', aliases: { ess: '{project}-ess@partners.example.com' } });
  assert.ok(r.text);
  assert.equal(parseProfile(r.text, 'desk').profile!.intake.aliases.ess?.address, '{project}-ess@partners.example.com');

  const bad = withDeskAddresses(text, profile, {
    domain: 'lists.example.org',
    aliases: { ess: 'ess@partners.example.com', central: '{project}-x@example.org', nosuch: 'a@b.example', project: 'not an address' },
  });
  assert.equal(bad.text, null);
  assert.deepEqual(
    bad.problems.map((p) => p.path),
    ['mail.aliases.ess', 'mail.aliases.central', 'mail.aliases.nosuch', 'mail.aliases.project'],
  );
  assert.match(bad.problems.find((p) => p.path === 'mail.aliases.nosuch')!.message, /no alias "nosuch" \(it has central, project, ess/);
});

test('without a domain a shipped profile is refused: it would run on no real list', () => {
  const r = withDeskAddresses(loadShippedProfileText('tock'), loadProfile('tock'), {});
  assert.equal(r.text, null);
  assert.deepEqual(
    r.problems.map((p) => p.path),
    ['mail.domain'],
  );
  assert.match(r.problems[0]!.message, /security@\{domain\}.*mail domain/);
  const typo = withDeskAddresses(loadShippedProfileText('tock'), loadProfile('tock'), { domain: 'lists..example' });
  assert.match(typo.problems[0]!.message, /must be a mail domain like lists\.example\.org/);
  // Every address given in full: no domain needed.
  const full = withDeskAddresses(loadShippedProfileText('tock'), loadProfile('tock'), { aliases: { security: 'psirt@example.net' } });
  assert.ok(full.text);
  assert.equal(parseProfile(full.text, 'desk').profile!.intake.aliases.security?.address, 'psirt@example.net');
});
