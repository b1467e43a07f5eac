import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isLongText, textBox } from '../../src/web/common.ts';

// A box that scrolls must take the keyboard's focus, or someone without a mouse cannot read the rest
// (axe-core's scrollable-region-focusable, serious). A text held to a box of its own is a long one
// only, and that box is focusable; a shorter text is shown whole. The stylesheet holds a box's height
// only where the markup makes the box focusable. (No browser needed; the axe campaign in
// test-browser/a11y-every-page.test.ts checks the pages as drawn.)

test('a short text is shown whole; a long one is a box that takes the focus', () => {
  const short = 'A crafted FIP image overflows a stack buffer.\n\nSee the attached patch.';
  assert.equal(isLongText(short), false);
  assert.equal(textBox(short).value, `<pre class="body">${short}</pre>`);
  for (const long of ['x'.repeat(1001), 'line\n'.repeat(21)]) {
    assert.equal(isLongText(long), true);
    assert.match(textBox(long).value, /^<pre class="body long" tabindex="0">/);
  }
  assert.equal(textBox('<script>alert(1)</script>').value, '<pre class="body">&lt;script&gt;alert(1)&lt;/script&gt;</pre>');
});

test('the stylesheet holds a box to a height it scrolls in only for boxes the pages make focusable', () => {
  const css = readFileSync(new URL('../../src/web/style.css', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  // The boxes given tabindex="0" wherever they are drawn: long texts (textBox, the status page's
  // messages) and the advisory editor's preview.
  const focusable = (selector: string) => /\.long\b/.test(selector) || selector.trim() === '.editor-preview';
  const held: string[] = [];
  for (const [, selectors, body] of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    if (!/max-height\s*:/.test(body!) || !/overflow(-y)?\s*:\s*(auto|scroll)/.test(body!)) continue;
    for (const s of selectors!.split(',')) {
      held.push(s.trim());
      assert.ok(focusable(s), `${s.trim()} scrolls in a held height but is not a box the pages make focusable`);
    }
  }
  assert.ok(held.includes('pre.body.long') && held.includes('.message-text.long'), held.join(', '));
});
