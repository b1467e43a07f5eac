// Shared pieces of the advisory generators: options, draft handling, small text helpers.

import { ValidationError } from '../domain/errors.ts';
import type { Advisory } from '../domain/advisory.ts';

export interface ExportOptions {
  /**
   * The generation time, used only for an advisory that is not yet published (a draft preview):
   * the formats that need dates get this one. A published advisory's output never depends on it.
   */
  now?: string;
  /**
   * The public advisory site's root URL, ending in "/": a CSAF document names its own place there
   * as its canonical URL (self reference).
   */
  siteUrl?: string;
}

export const GENERATOR = { name: 'Embargo', version: '0.1.0' } as const;

/** The publication time, or for a draft the generation time (which must then be given). */
export function releaseDate(advisory: Advisory, options: ExportOptions, format: string): string {
  if (advisory.published) return advisory.published;
  if (options.now) return new Date(options.now).toISOString().replace('.000Z', 'Z');
  throw new ValidationError(`The advisory is not published; a ${format} preview needs the generation time.`, [
    { path: 'published', message: 'not published (pass a generation time for a draft preview)' },
  ]);
}

/** The latest of published, modified and withdrawn; for a draft, the generation time. */
export function modifiedDate(advisory: Advisory, options: ExportOptions, format: string): string {
  const dates = [advisory.published, advisory.modified, advisory.withdrawn].filter((d): d is string => !!d).sort();
  return dates.at(-1) ?? releaseDate(advisory, options, format);
}

/** Date part of an instant: "2026-03-01". */
export function day(instant: string): string {
  return instant.slice(0, 10);
}

/** Text shortened to at most `max` characters, ending in "…" when cut (at a word boundary when possible). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** Removes control characters (except newline and tab) that could disturb a terminal or mail reader. */
export function plain(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Wraps plain text paragraphs at `width` columns; lines that start with spaces are kept as they are. */
export function wrap(text: string, width = 72, indent = ''): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.length + indent.length <= width || /^\s/.test(line)) return indent + line;
      const words = line.split(/ +/);
      const lines: string[] = [];
      let current = '';
      for (const word of words) {
        if (current && indent.length + current.length + 1 + word.length > width) {
          lines.push(indent + current);
          current = word;
        } else {
          current = current ? `${current} ${word}` : word;
        }
      }
      if (current) lines.push(indent + current);
      return lines.join('\n');
    })
    .join('\n');
}

/**
 * Wraps the paragraphs and list items of Markdown text at `width` columns for a plain-text mail,
 * keeping its meaning: fenced code blocks, indented code, tables, headings and quotes are left as
 * they are; a list item's continuation lines are indented under its text.
 */
export function wrapMarkdown(text: string, width = 72): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
      if (marker) {
        if (!fence) fence = marker[0];
        else if (marker[0] === fence) fence = undefined;
        return line;
      }
      if (fence || line.length <= width || /^(\s|\||#|>)/.test(line)) return line;
      const item = /^([-*+]|\d+[.)]) /.exec(line);
      if (item) {
        const pad = ' '.repeat(item[0].length);
        return (
          item[0] +
          wrap(line.slice(item[0].length), width - pad.length)
            .split('\n')
            .join(`\n${pad}`)
        );
      }
      return wrap(line, width);
    })
    .join('\n');
}
