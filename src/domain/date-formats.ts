// Intl.DateTimeFormat objects, made once per locale, zone and set of options and then reused:
// building one costs far more than formatting with it (ICU loads the zone and the locale's patterns),
// and a long case page formats a timestamp for every row. The cache is bounded, so zones and option
// sets nobody uses again are let go; a zone Intl refuses throws as before and is never cached.

const MAX_FORMATTERS = 1000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The same as `new Intl.DateTimeFormat(locale, options)`, made once per distinct locale and options. */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}\u0000${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (f) return f;
  f = new Intl.DateTimeFormat(locale, options);
  if (formatters.size >= MAX_FORMATTERS) formatters.delete(formatters.keys().next().value!);
  formatters.set(key, f);
  return f;
}

/** How many formatters are held (for the tests of the bound). */
export const cachedFormatterCount = (): number => formatters.size;
