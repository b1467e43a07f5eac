// Auto-escaping HTML templates. Every interpolated value is escaped unless it is already an Html
// fragment built by this helper; raw() is the one escape hatch, for fragments the code itself built
// (never for text that came from a request or the database).

const HTML_BRAND = Symbol('embargo.html');

export interface Html {
  readonly [HTML_BRAND]: true;
  readonly value: string;
  toString(): string;
}

function fragment(value: string): Html {
  return { [HTML_BRAND]: true, value, toString: () => value };
}

export function isHtml(x: unknown): x is Html {
  return typeof x === 'object' && x !== null && (x as Record<symbol, unknown>)[HTML_BRAND] === true;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Escapes text for element content and for double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** Values a template may interpolate: text and numbers are escaped; null, undefined and false render nothing. */
export type Interpolation = Html | string | number | bigint | boolean | null | undefined | readonly Interpolation[];

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false || v === true) return '';
  if (isHtml(v)) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  if (typeof v === 'string') return escapeHtml(v);
  if (typeof v === 'number' || typeof v === 'bigint') return escapeHtml(String(v));
  // Anything else (objects) is a programming error: refuse rather than print "[object Object]".
  throw new TypeError(`html: cannot interpolate a value of type ${typeof v}`);
}

/** The tagged template: html`<p>${text}</p>`. Attribute values must be quoted in the template. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return fragment(out);
}

/** Marks a string as already-built HTML. Only for fragments the code itself constructed. */
export function raw(markup: string): Html {
  return fragment(markup);
}

/** Joins fragments with a separator (escaped unless it is Html). */
export function join(items: readonly Interpolation[], separator: Interpolation = ''): Html {
  const sep = render(separator);
  return fragment(items.map(render).join(sep));
}

/**
 * A URL safe to put into href: relative paths of this site, or http(s) links. Anything else
 * (javascript:, data:, protocol-relative //host) gives null, so the caller shows it as text.
 */
export function safeHref(url: string | null | undefined): string | null {
  if (!url) return null;
  const u = url.trim();
  if (/^\/(?![/\\])/.test(u)) return u;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.href;
  } catch {
    return null;
  }
  return null;
}
