import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findSensitive, redactWithLabels } from '../../src/domain/redaction.ts';
import { defaultSensitiveValues, domainIdentifies, labelOf, type SensitiveValue } from '../../src/domain/sensitive.ts';

test('an address domain identifies the organisation unless it is a public mail provider', () => {
  assert.equal(domainIdentifies('acme-widgets.example'), true);
  assert.equal(domainIdentifies('arm.com'), true);
  for (const provider of ['gmail.com', 'GMAIL.COM', 'proton.me', 'mailbox.org', 'outlook.com', 'mail.yahoo.co.jp', 'yahoo.co.jp.']) {
    assert.equal(domainIdentifies(provider), false, provider);
  }
  assert.equal(domainIdentifies('localhost'), false);
  // A domain the provider list does not know counts as the reporter's organisation: the safe side.
  assert.equal(domainIdentifies('small-provider-nobody-lists.example'), true);
});

test('the defaults: names, addresses and their domain, organisation, product, mail and key names, credits, marked fields', () => {
  const values = defaultSensitiveValues({
    reporter: { name: 'Jane Doe', email: 'Jane.Doe@Acme-Widgets.example', organisation: 'Acme Widgets Ltd', handle: 'jdoe42' },
    product: 'WidgetOS 3',
    markedFields: [{ name: 'customer', value: 'Globex Corporation' }],
    mailHeaders: [
      { displayName: 'Jane Doe', address: 'jane.doe@acme-widgets.example' },
      { displayName: 'J. Doe (home)', address: 'jd1980@gmail.com' },
    ],
    keyUserIds: ['Jane Q. Doe (work) <jane@secure.acme-widgets.example>'],
    creditNames: ['Jane from Acme'],
  });
  assert.deepEqual(
    values.map((v) => [v.kind, v.value, v.source]),
    [
      ['identity', 'Jane Doe', 'reporter-record'],
      ['identity', 'jdoe42', 'reporter-record'],
      ['contact', 'jane.doe@acme-widgets.example', 'reporter-record'],
      ['organisation', 'acme-widgets.example', 'reporter-record'],
      ['organisation', 'Acme Widgets Ltd', 'reporter-record'],
      ['product', 'WidgetOS 3', 'report-form'],
      ['identity', 'J. Doe (home)', 'mail-header'],
      ['contact', 'jd1980@gmail.com', 'mail-header'],
      ['identity', 'Jane Q. Doe', 'key-user-id'],
      ['contact', 'jane@secure.acme-widgets.example', 'key-user-id'],
      ['organisation', 'secure.acme-widgets.example', 'key-user-id'],
      ['identity', 'Jane from Acme', 'credit'],
      ['reporter-marked', 'Globex Corporation', 'report-form'],
    ],
  );
});

test('labels say what kind of value stood there, never the value', () => {
  assert.equal(labelOf({ kind: 'identity' }), '[reporter]');
  assert.equal(labelOf({ kind: 'contact' }), '[reporter]');
  assert.equal(labelOf({ kind: 'organisation' }), '[organisation]');
  assert.equal(labelOf({ kind: 'product' }), '[product]');
  assert.equal(labelOf({ kind: 'reporter-marked', name: ' customer ' }), '[sensitive: customer]');
  assert.equal(labelOf({ kind: 'team-marked', name: null }), '[sensitive]');
});

test('an outside audience reads labels where the values were, and the kinds found are named', () => {
  const values: SensitiveValue[] = [
    { kind: 'identity', value: 'Jane Doe', source: 'reporter-record' },
    { kind: 'contact', value: 'jane.doe@acme-widgets.example', source: 'reporter-record' },
    { kind: 'organisation', value: 'Acme Widgets Ltd', source: 'reporter-record' },
    { kind: 'product', value: 'WidgetOS 3', source: 'report-form' },
    { kind: 'reporter-marked', value: 'Globex Corporation', source: 'report-form', name: 'customer' },
  ];
  const text =
    'Dear Jane Doe,\nthanks for reporting the flaw in WidgetOS 3 at Acme Widgets Ltd (jane.doe at acme-widgets dot example), seen at Globex Corporation.';
  assert.equal(
    redactWithLabels(text, values),
    'Dear [reporter],\nthanks for reporting the flaw in [product] at [organisation] ([reporter]), seen at [sensitive: customer].',
  );
  assert.deepEqual(
    findSensitive('Ｊａｎｅ Ｄｏｅ uses WidgetOS 3', values).map((v) => v.kind),
    ['identity', 'product'],
  );
  assert.deepEqual(findSensitive('nothing of theirs', values), []);
});
