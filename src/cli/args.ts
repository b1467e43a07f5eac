import { parseArgs, type ParseArgsConfig } from 'node:util';

// Argument parsing on node:util's parseArgs: strict (unknown options are errors), with --help on
// every command.

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
