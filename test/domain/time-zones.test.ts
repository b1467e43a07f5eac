import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalTimeZone, formerTimeZoneName, timeZoneInput, timeZoneNames } from '../../src/domain/time-zones.ts';
import { isValidTimeZone } from '../../src/domain/calendar.ts';

// The zone pickers offer IANA's current names, not the older ones Intl (CLDR) keeps; old names are
// still taken and stored by their current name.

test('the zone list has the IANA names (Asia/Kolkata, Europe/Kyiv) and not the old ones', () => {
  const zones = timeZoneNames();
  for (const z of ['UTC', 'Asia/Kolkata', 'Europe/Kyiv', 'America/Nuuk', 'Asia/Ho_Chi_Minh', 'Europe/London'])
    assert.ok(zones.includes(z), z);
  for (const z of ['Asia/Calcutta', 'Europe/Kiev', 'America/Godthab', 'Asia/Saigon']) assert.ok(!zones.includes(z), z);
  assert.equal(zones[0], 'UTC');
  assert.equal(new Set(zones).size, zones.length, 'no zone twice');
  // Every name offered is a zone the calendar code computes in, and is its own IANA name.
  for (const z of zones) {
    assert.ok(isValidTimeZone(z), z);
    assert.equal(canonicalTimeZone(z), z, z);
  }
});

test('old names, aliases and any letter case give the IANA name', () => {
  assert.equal(canonicalTimeZone('Asia/Calcutta'), 'Asia/Kolkata');
  assert.equal(canonicalTimeZone('asia/kolkata'), 'Asia/Kolkata');
  assert.equal(canonicalTimeZone('Europe/Kiev'), 'Europe/Kyiv');
  assert.equal(canonicalTimeZone(' Europe/Kyiv '), 'Europe/Kyiv');
  assert.equal(canonicalTimeZone('US/Pacific'), 'America/Los_Angeles');
  assert.equal(canonicalTimeZone('Etc/UTC'), 'UTC');
  assert.equal(canonicalTimeZone('utc'), 'UTC');
  for (const bad of ['', 'Mars/Olympus_Mons', 'Europe/London; DROP', 'x'.repeat(200)]) assert.equal(canonicalTimeZone(bad), null, bad);
  assert.equal(formerTimeZoneName('Asia/Kolkata'), 'Asia/Calcutta');
  assert.equal(formerTimeZoneName('Europe/London'), null);
});

test('the input schema stores the IANA name and refuses what is no zone', () => {
  assert.equal(timeZoneInput.parse('Asia/Calcutta'), 'Asia/Kolkata');
  const r = timeZoneInput.safeParse('Mars/Olympus_Mons');
  assert.equal(r.success, false);
  assert.match(r.error!.issues[0]!.message, /IANA time zone/);
});
