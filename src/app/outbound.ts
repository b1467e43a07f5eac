import type { App } from './context.ts';
import { outboundGuard, type OutboundGuard } from '../integrations/outbound-guard.ts';

/** The guard of the servers this desk connects to: its allow-list and its resolver. */
export function outbound(app: App): OutboundGuard {
  return outboundGuard(app.config.allowPrivateHosts, app.resolveHost);
}
