import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';

// Loaded with --import into a bin/embargo process by a test: at exit, writes the URL of every module
// the process loaded (ES modules and require()d CommonJS alike), one a line, to the file named by
// EMBARGO_TEST_LOADED_MODULES.

const file = process.env.EMBARGO_TEST_LOADED_MODULES;
if (file) {
  const loaded: string[] = [];
  registerHooks({
    load(url, context, next) {
      loaded.push(url);
      return next(url, context);
    },
  });
  process.on('exit', () => writeFileSync(file, `${loaded.join('\n')}\n`));
}
