import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, join, raw, safeHref } from '../../src/web/html.ts';

// The auto-escaping template helper, with hostile strings. (No browser needed.)

const hostile = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(2)>',
  '"><svg onload=alert(3)>',
  "' onmouseover='alert(4)",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection payload, meant literally
  '`${alert(5)}`',
  '&lt;already&gt; &amp; escaped',
  '</textarea><script>alert(6)</script>',
  '</pre><iframe src="javascript:alert(7)">',
];

test('text content is escaped', () => {
  for (const s of hostile) {
    const out = html`<p>${s}</p>`.value;
    assert.ok(!/<(script|img|svg|iframe)/i.test(out.slice(3, -4)), out);
    assert.ok(!out.slice(3, -4).includes('<'), out);
    assert.ok(!out.slice(3, -4).includes('>'), out);
  }
  assert.equal(html`<p>${'<b>x</b> & "y"'}</p>`.value, '<p>&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot;</p>');
});

test('attribute values cannot break out of their quotes', () => {
  for (const s of hostile) {
    const out = html`<input value="${s}"><a title='${s}'>x</a>`.value;
    // Exactly the quotes the template wrote remain.
    assert.equal(out.split('"').length - 1, 2, out);
    assert.equal(out.split("'").length - 1, 2, out);
    assert.ok(!out.includes('<script'), out);
  }
});

test('already-escaped text is escaped again (no double-decoding tricks)', () => {
  assert.equal(html`${'&lt;script&gt;'}`.value, '&amp;lt;script&amp;gt;');
});

test('fragments nest without double escaping; raw() is the only escape hatch', () => {
  const inner = html`<em>${'<i>'}</em>`;
  assert.equal(html`<p>${inner}</p>`.value, '<p><em>&lt;i&gt;</em></p>');
  assert.equal(html`<p>${raw('<br>')}</p>`.value, '<p><br></p>');
  // An object that merely looks like a fragment is refused, not trusted.
  assert.throws(() => html`${{ value: '<b>' } as unknown as string}`, TypeError);
});

test('arrays, numbers and empty values', () => {
  assert.equal(html`<ul>${['<a>', html`<li>ok</li>`, 3]}</ul>`.value, '<ul>&lt;a&gt;<li>ok</li>3</ul>');
  assert.equal(html`${null}${undefined}${false}${true}`.value, '');
  assert.equal(join(['<a>', '<b>'], html`<br>`).value, '&lt;a&gt;<br>&lt;b&gt;');
  assert.equal(join(['a', 'b'], ' & ').value, 'a &amp; b');
});

test('escapeHtml covers the five dangerous characters and the backtick', () => {
  assert.equal(escapeHtml(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
});

test('safeHref allows only local paths and http(s) links', () => {
  assert.equal(safeHref('/cases/1'), '/cases/1');
  assert.equal(safeHref('https://example.org/bug/1'), 'https://example.org/bug/1');
  assert.equal(safeHref('http://example.org'), 'http://example.org/');
  for (const bad of [
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'data:text/html,<script>',
    '//evil.example/x',
    '/\\evil.example',
    'vbscript:x',
    '',
    null,
    undefined,
  ]) {
    assert.equal(safeHref(bad), null, String(bad));
  }
});
