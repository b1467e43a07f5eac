import MarkdownIt from 'markdown-it';
import { raw, type Html } from './html.ts';

// Markdown written by team members (advisory descriptions, mitigations, upgrade notes) rendered to
// HTML for the desk and the public advisory site. Advisory text may quote a report, so it is
// hostile: raw HTML in the source is escaped, not passed through (html: false), and links and
// images only keep http(s), mailto and same-site targets (markdown-it's default validator already
// drops javascript:, vbscript:, file: and non-image data: URLs; this one is stricter). The pages
// that show it also carry a CSP without inline script, so even a renderer bug cannot run script.
//
// Images are never loaded: an image becomes a link to it ("Image: alt text"). The same HTML goes into
// the Atom feed, which feed readers show without the site's CSP, and into the static export, hosted
// wherever the team puts it; a remote image there would tell its owner who reads the advisory, when
// and from where. The desk's preview renders the same way, so it shows what the public will see.

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });

md.validateLink = (url: string): boolean => {
  const u = url.trim();
  if (u.startsWith('/') && !u.startsWith('//')) return true;
  if (u.startsWith('#')) return true;
  return /^(?:https?:\/\/|mailto:)/i.test(u);
};

// Links to other sites open without handing them the advisory's URL or a window handle.
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  if (/^https?:/i.test(String(token.attrGet('href') ?? ''))) token.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

// An image inside a link (a badge linking somewhere) becomes its alt text: a link cannot hold a link.
md.renderer.rules.image = (tokens, idx, _options, _env, self) => {
  const token = tokens[idx]!;
  const src = String(token.attrGet('src') ?? '');
  const alt = md.utils.escapeHtml(self.renderInlineAsText(token.children ?? [], _options, _env) || src);
  let depth = 0;
  for (let i = idx - 1; i >= 0; i--) depth += tokens[i]!.type === 'link_open' ? 1 : tokens[i]!.type === 'link_close' ? -1 : 0;
  if (depth > 0) return `<span class="image-link">Image: ${alt}</span>`;
  const rel = /^https?:/i.test(src) ? ' rel="noopener noreferrer nofollow"' : '';
  return `<a class="image-link" href="${md.utils.escapeHtml(src)}"${rel}>Image: ${alt}</a>`;
};

/** Renders untrusted Markdown to an HTML fragment safe to embed in a page. */
export function renderMarkdown(source: string): Html {
  return raw(md.render(source));
}
