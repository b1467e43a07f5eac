import { spawnSync } from 'node:child_process';

// An Atom document read by a strict XML parser that nobody on the project wrote: Python's
// xml.etree (expat), which refuses any document that is not well-formed (bad escaping, characters
// XML cannot carry, unbalanced tags). python3 is part of every machine this project runs on; if it
// is missing the test fails, it does not skip.

export interface AtomEntry {
  id: string;
  title: string;
  updated: string;
  published: string;
  links: { rel: string; type: string; href: string }[];
  categories: string[];
  summary: string;
  content: string;
  contentType: string;
  authors: string[];
}

export interface AtomFeed {
  root: string;
  id: string;
  title: string;
  updated: string;
  links: { rel: string; type: string; href: string }[];
  authors: string[];
  entries: AtomEntry[];
}

const SCRIPT = `
import sys, json, xml.etree.ElementTree as ET
A = '{http://www.w3.org/2005/Atom}'
data = sys.stdin.buffer.read()
try:
    root = ET.fromstring(data)
except ET.ParseError as e:
    print(json.dumps({'error': str(e)})); sys.exit(0)
def text(el, name):
    c = el.find(A + name)
    return None if c is None else (c.text or '')
def links(el):
    return [{'rel': l.get('rel', 'alternate'), 'type': l.get('type', ''), 'href': l.get('href')} for l in el.findall(A + 'link')]
def authors(el):
    return [a.findtext(A + 'name') for a in el.findall(A + 'author')]
entries = []
for e in root.findall(A + 'entry'):
    c = e.find(A + 'content')
    entries.append({'id': text(e, 'id'), 'title': text(e, 'title'), 'updated': text(e, 'updated'), 'published': text(e, 'published'),
                    'links': links(e), 'categories': [c.get('term') for c in e.findall(A + 'category')], 'summary': text(e, 'summary'),
                    'content': None if c is None else (c.text or ''), 'contentType': None if c is None else c.get('type'), 'authors': authors(e)})
print(json.dumps({'root': root.tag, 'id': text(root, 'id'), 'title': text(root, 'title'), 'updated': text(root, 'updated'),
                  'links': links(root), 'authors': authors(root), 'entries': entries}))
`;

export function parseAtom(xml: string): AtomFeed {
  const r = spawnSync('python3', ['-c', SCRIPT], { input: Buffer.from(xml, 'utf8'), encoding: 'utf8' });
  if (r.error) throw new Error(`python3 is needed to parse the feed with a strict XML parser: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as AtomFeed & { error?: string };
  if (out.error) throw new Error(`The feed is not well-formed XML: ${out.error}`);
  return out;
}
