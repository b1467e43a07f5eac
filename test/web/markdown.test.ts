import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdown } from '../../src/web/markdown.ts';

const render = (s: string) => String(renderMarkdown(s));

test('raw HTML in Markdown is escaped, never passed through', () => {
  const out = render('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<a href="javascript:alert(1)">x</a>');
  assert.doesNotMatch(out, /<script|<img|<a /);
  assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
});

test('links keep only http(s), mailto and same-site targets', () => {
  const out = render(
    '[a](javascript:alert(1)) [b](vbscript:x) [c](data:text/html,x) [d](//evil.example/x) [e](https://example.org/a) [f](mailto:s@example.org) [g](/advisories/TF-1)',
  );
  assert.doesNotMatch(out, /href="(?:javascript|vbscript|data|\/\/)/i);
  assert.match(out, /<a href="https:\/\/example.org\/a" rel="noopener noreferrer nofollow">e<\/a>/);
  assert.match(out, /<a href="mailto:s@example.org">f<\/a>/);
  assert.match(out, /<a href="\/advisories\/TF-1">g<\/a>/);
});

test('ordinary Markdown renders', () => {
  assert.equal(
    render('# Title\n\nSome *text* and `code <b>`.'),
    '<h1>Title</h1>\n<p>Some <em>text</em> and <code>code &lt;b&gt;</code>.</p>\n',
  );
});

test('images are never loaded: each becomes a link to it, or its text inside a link', () => {
  const out = render(
    '![tracking pixel](https://tracker.example/p.png?reader=1) ![](/advisories/x.png "t") [![badge](https://ci.example/b.svg)](https://ci.example/) ![a <b>](data:image/png;base64,AAAA)',
  );
  assert.doesNotMatch(out, /<img/i);
  assert.match(
    out,
    /<a class="image-link" href="https:\/\/tracker.example\/p.png\?reader=1" rel="noopener noreferrer nofollow">Image: tracking pixel<\/a>/,
  );
  assert.match(out, /<a class="image-link" href="\/advisories\/x.png">Image: \/advisories\/x.png<\/a>/);
  assert.match(
    out,
    /<a href="https:\/\/ci.example\/" rel="noopener noreferrer nofollow"><span class="image-link">Image: badge<\/span><\/a>/,
  );
  assert.doesNotMatch(out, /(?:href|src)="data:/, 'a data: image stays text');
});
