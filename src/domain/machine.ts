// "State machines are tables": one transition table per machine, every other question
// (may I move? where can I go? how do I get there?) is answered from that table.
// A refused move is an IllegalTransitionError carrying the machine, the state and the target.

import { IllegalTransitionError } from './errors.ts';

export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

export interface Machine<S extends string> {
  /** Machine name, used in error messages and audit rows. */
  readonly name: string;
  /** Every state, in the table's order. */
  readonly states: readonly S[];
  /** The (frozen) table itself. */
  readonly table: TransitionTable<S>;
  /** True if `value` is one of this machine's states (for data read from storage or input). */
  isState(value: unknown): value is S;
  /** True if the table allows from → to. Unknown states are never allowed. */
  canMove(from: S, to: S): boolean;
  /** Throws IllegalTransitionError unless from → to is in the table. `why` goes into the message. */
  assertMove(from: S, to: S, why?: string): void;
  /** States reachable in one step from `from`, in table order ([] for a final or unknown state). */
  nextStates(from: S): readonly S[];
  /** True if no move leaves `state`. */
  isFinal(state: S): boolean;
  /**
   * Shortest legal sequence of states from `from` to `to`, both included
   * (pathTo(a, a) is [a]). Ties are broken by table order, so the answer is deterministic.
   * Throws IllegalTransitionError if `to` cannot be reached from `from`.
   */
  pathTo(from: S, to: S): S[];
}

const has = Object.prototype.hasOwnProperty;

/**
 * Define a machine from its transition table. Every state must appear as a key (the type
 * enforces it for literal unions); every target must itself be a state (checked here).
 * Self-moves are only allowed when listed, like any other move.
 */
export function defineMachine<S extends string>(name: string, table: { readonly [K in S]: readonly NoInfer<S>[] }): Machine<S> {
  const states = Object.freeze(Object.keys(table) as S[]);
  const known = new Set<string>(states);
  const frozen = {} as { [K in S]: readonly S[] };
  for (const s of states) {
    const targets = table[s];
    for (const t of targets) {
      if (!known.has(t)) {
        throw new Error(`Machine ${name}: state ${s} lists unknown target ${t}.`);
      }
    }
    frozen[s] = Object.freeze([...new Set(targets)]);
  }
  Object.freeze(frozen);

  const isState = (value: unknown): value is S => typeof value === 'string' && has.call(frozen, value);

  const nextStates = (from: S): readonly S[] => (isState(from) ? frozen[from] : []);

  const canMove = (from: S, to: S): boolean => isState(from) && isState(to) && frozen[from].includes(to);

  const assertMove = (from: S, to: S, why?: string): void => {
    if (!isState(from)) throw new IllegalTransitionError(name, String(from), String(to), why ?? `unknown state ${String(from)}`);
    if (!isState(to)) throw new IllegalTransitionError(name, from, String(to), why ?? `unknown state ${String(to)}`);
    if (!frozen[from].includes(to)) {
      const allowed = frozen[from];
      throw new IllegalTransitionError(
        name,
        from,
        to,
        why ?? (allowed.length ? `allowed from ${from}: ${allowed.join(', ')}` : `${from} is final`),
      );
    }
  };

  const pathTo = (from: S, to: S): S[] => {
    if (!isState(from) || !isState(to)) {
      throw new IllegalTransitionError(name, String(from), String(to), 'unknown state');
    }
    if (from === to) return [from];
    // Breadth-first search: the first time we reach `to` is along a shortest path.
    const previous = new Map<S, S>();
    const queue: S[] = [from];
    const seen = new Set<S>([from]);
    while (queue.length > 0) {
      const here = queue.shift() as S;
      for (const next of frozen[here]) {
        if (seen.has(next)) continue;
        seen.add(next);
        previous.set(next, here);
        if (next === to) {
          const path: S[] = [to];
          let cursor: S = to;
          while (cursor !== from) {
            cursor = previous.get(cursor) as S;
            path.unshift(cursor);
          }
          return path;
        }
        queue.push(next);
      }
    }
    throw new IllegalTransitionError(name, from, to, `${to} cannot be reached from ${from}`);
  };

  return Object.freeze({
    name,
    states,
    table: frozen,
    isState,
    canMove,
    assertMove,
    nextStates,
    isFinal: (state: S) => nextStates(state).length === 0,
    pathTo,
  });
}
