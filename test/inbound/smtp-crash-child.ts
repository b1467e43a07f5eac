// The mail half of `embargo serve` (the same startMailIngress: SMTP listener, intake job, IMAP
// pollers), run as a child process by smtp-crash.test.ts so it can be killed with SIGKILL.
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app/bootstrap.ts';
import { startMailIngress } from '../../src/cli/mail.ts';

const app = await createApp(loadConfig());
await startMailIngress(app, process.stdout);
