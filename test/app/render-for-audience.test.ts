import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderForAudience, renderMessage } from '../../src/app/cases/render-for-audience.ts';
import { SECURITY_TEAM } from '../../src/domain/audience.ts';
import { defaultSensitiveValues } from '../../src/domain/sensitive.ts';

// One function renders every text of a case for its audience: the security teams read it as
// written, a collaborator reads labels; drafts sent to the reporter reach the collaborator only as
// the fact that they went.

const values = defaultSensitiveValues({
  reporter: { name: 'Jane Doe', email: 'jane@initech.example', organisation: 'Initech Research', handle: null },
  product: 'Initrode Gateway X200',
  markedFields: [{ name: 'customer', value: 'Globex Corporation' }],
  creditNames: ['Zerocool Hacker'],
});
const collaborator = renderForAudience({ kind: 'collaborator' }, values);
const draft =
  'Subject: [TF-2026-0001] Draft advisory TF-2026-0001 (version 1) for review\n\nDRAFT advisory TF-2026-0001, version 1: confidential until its publication.\n\nThanks to Zerocool Hacker.';

test('a collaborator reads labels; the security teams read the text as written', () => {
  const text =
    'Dear Jane Doe, Initech Research runs Initrode Gateway X200 at Glo\u00adbex Corporation; credit Zerocool Hacker (jane@initech.example).';
  assert.equal(
    collaborator.text(text),
    'Dear [reporter], [organisation] runs [product] at [sensitive: customer]; credit [reporter] ([reporter]).',
  );
  assert.equal(renderForAudience(SECURITY_TEAM, values).text(text), text);
  assert.equal(collaborator.maybe(null), null);
});

test('a draft sent to the reporter reaches a collaborator as the fact that it went', () => {
  const sent = { kind: 'to_reporter', advisoryId: '0b5e8f3c-8a54-4b8e-9a59-4f4b3f0c2a11' };
  const shown = renderMessage(collaborator, sent, draft);
  assert.match(shown, /^Subject: \[TF-2026-0001\] Draft advisory TF-2026-0001 \(version 1\) for review\n/);
  assert.doesNotMatch(shown, /Thanks|confidential/);
  assert.equal(renderMessage(renderForAudience(SECURITY_TEAM, values), sent, draft), draft);
  assert.equal(renderMessage(collaborator, { kind: 'note', advisoryId: null }, 'Dear Jane Doe'), 'Dear [reporter]');
  // A reply that quotes the draft's heading is not a draft: it is read with the labels, as any reply.
  assert.equal(
    renderMessage(collaborator, { kind: 'to_reporter', advisoryId: null }, `Dear Jane Doe,\n\n${draft}`).slice(0, 16),
    'Dear [reporter],',
  );
});
