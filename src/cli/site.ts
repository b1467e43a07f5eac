import { exportSite } from '../public/export.ts';
import { parse, UsageError } from './args.ts';
import type { Io } from './command.ts';
import { withApp } from './with-app.ts';

// `embargo site export DIR`: the public advisory site as static files (its help is in commands/site.ts).

export async function siteExport(args: string[], { out }: Io): Promise<number> {
  const { positionals } = parse(args, {});
  if (positionals.length !== 1) throw new UsageError('give exactly one DIR');
  return withApp(async (app) => {
    const r = await exportSite(app, positionals[0]!);
    out.write(`Wrote ${r.files} files (${r.advisories} published advisories) to ${r.dir}\n`);
    return 0;
  });
}
