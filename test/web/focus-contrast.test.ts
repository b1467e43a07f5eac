import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// The focus indicator must stand out (WCAG 2.2, 1.4.11 and 2.4.13): at least 3:1 against the
// backgrounds a focused control sits on. Read from the stylesheet itself, so a change of colour that
// breaks it fails here.

const css = readFileSync(new URL('../../src/web/style.css', import.meta.url), 'utf8');

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5]
    .map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((m, n) => n - m);
  return (x! + 0.05) / (y! + 0.05);
};
/** A property's colour in the rules of the stylesheet for exactly this selector. */
function property(selector: string, name: string): string {
  const rules = [...css.matchAll(new RegExp(`(?:^|\\n)${selector.replace(/[.:]/g, '\\$&')} \\{([^}]*)\\}`, 'g'))];
  assert.ok(rules.length, `no rule ${selector}`);
  for (const rule of rules) {
    const value = rule[1]!.match(new RegExp(`(?:^|[\\s;])${name}:\\s*(#[0-9a-f]{6})`, 'i'));
    if (value) return value[1]!.toLowerCase();
  }
  assert.fail(`${selector} sets no ${name}`);
}

test('the focus ring is drawn from the --focus colour', () => {
  assert.match(css, /\n:focus-visible \{ outline: 3px solid var\(--focus\); outline-offset: 2px; \}/);
  assert.doesNotMatch(css.replace(/\n:focus-visible \{[^}]*\}/, ''), /:focus-visible\s*\{[^}]*outline:\s*(none|0)/, 'no rule removes it');
});

test('the focus ring has at least 3:1 against white and every page background', () => {
  const ring = property(':root', '--focus');
  const backgrounds = ['--bg', '--panel', '--danger-bg', '--ok-bg', '--warn-bg'].map((n) => [n, property(':root', n)] as const);
  for (const [name, bg] of [['white', '#ffffff'] as const, ...backgrounds]) {
    const ratio = contrast(ring, bg);
    assert.ok(ratio >= 3, `focus ${ring} on ${name} ${bg}: ${ratio.toFixed(2)}:1`);
  }
  // Notes are on a pale yellow of their own.
  assert.ok(contrast(ring, '#fffbeb') >= 3);
});

test('on the dark header the ring is light, again at least 3:1', () => {
  const header = property('header.site', 'background');
  const ring = property('header.site', '--focus');
  assert.ok(contrast(ring, header) >= 3, `${ring} on ${header}: ${contrast(ring, header).toFixed(2)}:1`);
});
