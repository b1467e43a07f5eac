// The events the desk's code emits (src/app/events.ts `emit`). A profile's clock may start, stop,
// pause or resume only on one of these: an event that nothing emits would leave a clock that never
// starts or never stops, so the linter refuses it by name. The list is also `emit`'s type, and a test
// (test/process/emitted-events.test.ts) checks that every name here really is emitted somewhere.

import type { KnownEvent } from './schema.ts';

export const EMITTED_EVENTS = [
  'report_received',
  'triager_claimed',
  'report_acknowledged',
  'severity_assessed',
  'report_accepted',
  'report_rejected',
  'forwarded_to_project',
  'project_received',
  'handler_claimed',
  'subsystem_assigned',
  'vulnerability_confirmed',
  'downgraded_to_bug',
  'fix_ready',
  'fix_shared',
  'embargo_started',
  'embargo_ended',
  'fix_published',
  'advisory_published',
  'incident_closed',
  'fix_reopened',
  'waiting_for_reporter',
  'reporter_replied',
] as const satisfies readonly KnownEvent[];

export type EmittedEvent = (typeof EMITTED_EVENTS)[number];

export function isEmittedEvent(name: string): name is EmittedEvent {
  return (EMITTED_EVENTS as readonly string[]).includes(name);
}
