import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, setupDesk } from '../support/harness.ts';
import { replaceProfile, rulesOf } from '../../src/app/admin/instance.ts';

// rulesOf reads the profile once per transaction (a use case asks for it in its gate, in every emit
// and in its mail). The transaction that replaces the profile reads the new rules after the change,
// a transaction that rolled one back leaves the old ones, and every later transaction sees what was
// committed.

test('rulesOf in a transaction sees the profile that transaction wrote, and no other transaction sees a change that rolled back', async () => {
  const h = await startHarness();
  try {
    const admin = await setupDesk(h, 'trusted-firmware');
    const yaml = (await h.app.db.query<{ profile_yaml: string }>('SELECT profile_yaml FROM instance WHERE id = 1')).rows[0]!.profile_yaml;
    const renamed = yaml.replace('name: Triage within 3 working days', 'name: Triage within three working days');
    assert.notEqual(renamed, yaml);
    const triageName = async (q: Parameters<typeof rulesOf>[0]) => (await rulesOf(q)).clocks.find((c) => c.id === 'triage')?.name;

    await assert.rejects(
      h.app.db.transaction(async (tx) => {
        assert.equal(await triageName(tx), 'Triage within 3 working days');
        await replaceProfile(admin.ctx, tx, renamed, h.clock.now);
        assert.equal(await triageName(tx), 'Triage within three working days');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal(await triageName(h.app.db), 'Triage within 3 working days');
    assert.equal(await h.app.db.transaction((tx) => triageName(tx)), 'Triage within 3 working days');

    await h.app.db.transaction(async (tx) => {
      assert.equal(await triageName(tx), 'Triage within 3 working days');
      await replaceProfile(admin.ctx, tx, renamed, h.clock.now);
      assert.equal(await triageName(tx), 'Triage within three working days');
    });
    assert.equal(await triageName(h.app.db), 'Triage within three working days');
    assert.equal(await h.app.db.transaction((tx) => triageName(tx)), 'Triage within three working days');
  } finally {
    await h.close();
  }
});
