import MarkdownIt from 'markdown-it';
import { raw, type Html } from './html.ts';

// Markdown written by team members (advisory descriptions, mitigations, upgrade notes) rendered to
// HTML for the desk and the public advisory site. Advisory text may quote a report, so it is
// hostile: raw HTML in the source is escaped, not passed through (html: false), and links and
// images only keep http(s), mailto and same-site targets (markdown-it's default validator already
// drops javascript:, vbscript:, file: and non-image data: URLs; this one is stricter). The pages
// that show it also carry a CSP without inline script, so even a renderer bug cannot run script.

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

/** Renders untrusted Markdown to an HTML fragment safe to embed in a page. */
export function renderMarkdown(source: string): Html {
  return raw(md.render(source));
}
