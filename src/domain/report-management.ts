// Vultron Report Management (RM): the state of one report *per participant* (each
// participant — finder, coordinator, vendor — keeps its own RM state for the same case).
//
//   start    → received
//   received → valid | invalid
//   invalid  → valid | closed
//   valid    → accepted | deferred        (never closed straight from valid)
//   accepted → deferred | closed
//   deferred → accepted | closed
//   closed   (final)

import { defineMachine } from './machine.ts';

export const REPORT_STATES = ['start', 'received', 'invalid', 'valid', 'accepted', 'deferred', 'closed'] as const;

export type ReportState = (typeof REPORT_STATES)[number];

export const reportManagement = defineMachine<ReportState>('report management', {
  start: ['received'],
  received: ['valid', 'invalid'],
  invalid: ['valid', 'closed'],
  valid: ['accepted', 'deferred'],
  accepted: ['deferred', 'closed'],
  deferred: ['accepted', 'closed'],
  closed: [],
});

export function isReportState(value: unknown): value is ReportState {
  return reportManagement.isState(value);
}

export function canMoveReport(from: ReportState, to: ReportState): boolean {
  return reportManagement.canMove(from, to);
}

/** Throws IllegalTransitionError('report management', from, to, why) unless allowed. */
export function assertReportMove(from: ReportState, to: ReportState, why?: string): void {
  reportManagement.assertMove(from, to, why);
}

/**
 * Shortest legal sequence of RM states from `from` to `to`, both included, e.g.
 * pathTo('received', 'closed') → ['received', 'invalid', 'closed'] (a reject records two steps).
 * pathTo(s, s) → [s]. Ties go to table order (valid → closed is via accepted).
 * Throws IllegalTransitionError when `to` is unreachable (anything out of 'closed').
 */
export function pathTo(from: ReportState, to: ReportState): ReportState[] {
  return reportManagement.pathTo(from, to);
}

/** The same path as consecutive steps, one per transition row to record. [] when from === to. */
export function stepsTo(from: ReportState, to: ReportState): { from: ReportState; to: ReportState }[] {
  const path = pathTo(from, to);
  const steps: { from: ReportState; to: ReportState }[] = [];
  for (let i = 1; i < path.length; i++) {
    steps.push({ from: path[i - 1] as ReportState, to: path[i] as ReportState });
  }
  return steps;
}
