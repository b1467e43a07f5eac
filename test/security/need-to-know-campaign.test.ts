import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseAdvisory } from '../../src/domain/advisory.ts';
import type { SensitiveValue } from '../../src/domain/sensitive.ts';
import { publicationLeaks } from '../../src/app/advisories/leak-check.ts';
import { renderForAudience } from '../../src/app/cases/render-for-audience.ts';
import { TF_A_AFFECTED, TF_CNA } from '../support/advisory-parts.ts';
import { describeDisguise, disguise, disguised, filler, sensitive, type Disguise } from '../support/disguises.ts';

// The need-to-know campaign, part one: 10,000 generated cases, each with the reporter's name, their
// organisation, its product, a value they marked and the handle they chose planted in random
// disguises (case, spacing, accents, look-alike letters, fullwidth, soft hyphens and zero-width
// characters, entities, percent-encoding, markup) in the texts of a case (title, body, a thread
// message, an attachment name, a change reason, a template field) and in the sections and credits
// of its advisory. For each case:
// - collaborators, stakeholders and the public read every case text through the one rendering of
//   the desk: after the labels, not one letter of filler-free text may remain (the filler has none);
// - the draft for stakeholders and the publication (every export format included) are refused, and
//   the refusal names exactly the fields where a value was planted.
// Part two (need-to-know-paths.test.ts) sends generated cases through the running desk.

const KINDS = [
  { kind: 'identity', source: 'reporter-record' },
  { kind: 'organisation', source: 'reporter-record' },
  { kind: 'product', source: 'report-form' },
  { kind: 'reporter-marked', source: 'report-form', name: 'customer' },
  { kind: 'identity', source: 'credit' },
] as const;

const CASE_FIELDS = ['title', 'body', 'message', 'attachment', 'reason', 'template'] as const;
const ADVISORY_FIELDS = ['summary', 'description', 'mitigation', 'upgrade', 'timeline[0]', 'credits[1]', 'references[0]'] as const;

const plant = fc.record({ value: fc.nat({ max: KINDS.length - 1 }), disguise });
const field = fc.record({ before: filler, plant: fc.option(plant, { nil: null }), after: filler });
// The fixed text of the generated advisory: a generated value spelt inside it would be a true finding,
// not a leak of the plant, so values never spell any of it.
const FIXED_TEXT =
  'TF-2026-0001 Loader overflow Fixed reporter anonymous analyst name Analyst https://fix.example fix Trusted Firmware TF-A BL2 ' +
  'https://www.trustedfirmware.org https://git.trustedfirmware.org/TF-A/trusted-firmware-a semver git vendor CVE-2026-2000 TrustedFirmware';
const FIXED_LETTERS = FIXED_TEXT.toLowerCase().replace(/[^a-z]/g, '');
const value = sensitive.filter((v) => !FIXED_LETTERS.includes(v.replace(/ /g, '')));

const generatedCase = fc.record({
  values: fc.uniqueArray(value, { minLength: KINDS.length, maxLength: KINDS.length, selector: (v) => v.replace(/ /g, '') }),
  caseFields: fc.tuple(...CASE_FIELDS.map(() => field)),
  advisoryFields: fc.tuple(...ADVISORY_FIELDS.map(() => field)),
});

const LABEL = /\[(?:reporter|organisation|product|sensitive(?:: customer)?)\]/g;

/** What a reader still reads of the text once the labels and the markup are gone: letters only. */
const lettersLeft = (text: string) => [...text.replace(LABEL, '').replace(/<[^>]*>/g, '')].filter((c) => /\p{L}/u.test(c)).join('');

function textOf(f: { before: string; plant: { value: number; disguise: Disguise } | null; after: string }, values: readonly string[]) {
  return `${f.before}${f.plant ? ` ${disguised(values[f.plant.value]!, f.plant.disguise)} ` : ''}${f.after}`;
}

/**
 * The campaign's size: 10,000 in the suite's embedded run. It touches no database, so the PostgreSQL
 * run of the same suite (CI runs both) repeats a tenth of it; CAMPAIGN_RUNS sets it for a local run.
 */
const RUNS = Number(process.env.CAMPAIGN_RUNS ?? (process.env.EMBARGO_TEST_DATABASE_URL ? 1_000 : 10_000));

test(`campaign: ${RUNS} generated cases, every case text labelled for outsiders and every planted advisory field refused`, () => {
  let cases = 0;
  let checks = 0;
  let leaks = 0;
  fc.assert(
    fc.property(generatedCase, ({ values, caseFields, advisoryFields }) => {
      cases++;
      const sensitiveValues: SensitiveValue[] = KINDS.map((k, i) => ({ ...k, value: values[i]! }));
      const outsiders = renderForAudience({ kind: 'collaborator' }, sensitiveValues);
      caseFields.forEach((f, i) => {
        const text = textOf(f, values);
        const shown = outsiders.text(text);
        checks++;
        const left = lettersLeft(shown);
        if (left !== '') leaks++;
        assert.equal(
          left,
          '',
          `${CASE_FIELDS[i]} (${f.plant ? describeDisguise(f.plant.disguise) : 'no plant'}): ${JSON.stringify(text)} → ${JSON.stringify(shown)}`,
        );
      });

      // A URL is percent-encoded once, and neither markup nor entities are read inside it (nobody reads
      // "Ja<b>ne" in an address), so a reference carries the letter disguises alone, encoded.
      const inUrl = (f: (typeof advisoryFields)[number]) =>
        f.plant ? { ...f, plant: { ...f.plant, disguise: { ...f.plant.disguise, markup: false, escape: undefined } } } : f;
      const texts = Object.fromEntries(
        ADVISORY_FIELDS.map((name, i) => [name, textOf(name === 'references[0]' ? inUrl(advisoryFields[i]!) : advisoryFields[i]!, values)]),
      );
      const doc = parseAdvisory({
        id: 'TF-2026-0001',
        title: 'Loader overflow',
        summary: texts.summary,
        description: texts.description,
        mitigation: texts.mitigation,
        upgrade: texts.upgrade,
        timeline: [{ at: '2026-11-20T09:00:00Z', event: `Fixed ${texts['timeline[0]']}` }],
        credits: [
          { type: 'reporter', preference: 'anonymous' },
          { type: 'analyst', preference: 'name', name: `Analyst ${texts['credits[1]']}` },
        ],
        references: [{ url: `https://fix.example/${encodeURIComponent(texts['references[0]']!)}`, type: 'fix' }],
        // Complete enough that every export format is written, so each is checked too.
        cveIds: ['CVE-2026-2000'],
        affected: [TF_A_AFFECTED],
        published: '2026-12-01T09:00:00Z',
        publisher: {
          name: 'Trusted Firmware',
          namespace: 'https://www.trustedfirmware.org',
          cve: TF_CNA,
        },
      });
      const planted = ADVISORY_FIELDS.filter((_, i) => advisoryFields[i]!.plant !== null);
      for (const own of [
        { index: null, shown: null }, // the draft for stakeholders: nothing of the reporter, not even their credit
        { index: 0, shown: null }, // publication, the reporter anonymous
      ]) {
        const named = publicationLeaks(doc, sensitiveValues, own, '2026-12-01T09:00:00Z').map((d) => d.path ?? '');
        checks++;
        const missed = planted.filter((f) => !named.includes(f));
        if (missed.length) leaks++;
        assert.deepEqual(missed, [], `fields with a planted value that were not refused: ${missed.join(', ')}`);
        assert.deepEqual(
          named.filter((p) => !p.startsWith('export ') && !planted.includes(p as (typeof planted)[number])),
          [],
          'a clean field refused',
        );
      }
    }),
    { numRuns: RUNS },
  );
  console.log(
    `need-to-know campaign: ${cases} generated cases × ${checks / cases} paths and fields = ${checks} checks, ${leaks} leaks found`,
  );
});
