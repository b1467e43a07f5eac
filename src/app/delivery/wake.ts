import type { Db, Queryable } from '../../store/db.ts';
import type { App } from '../context.ts';

// Mail queued wakes the delivery job: without this a copy queued by a request, an intake pass or
// the scheduler waited for the job's next timer (mailDeliveryIntervalSeconds, 5 s by default) before
// anything was sent, however idle the job was.
//
// Mail is queued from many use cases (messages, account mail, relayed replies, resends, held copies
// released), each inside its own transaction, and a delivery is due only once that transaction has
// committed. So the signal is taken where every one of them passes: the database the App hands
// them. The wrapper watches the statements that make a delivery due (a new delivery row, or a row
// put back to 'queued') and calls onQueued after the transaction that ran one has committed (at once
// for a statement outside a transaction). Nothing else changes: same statements, same results, same
// errors; a rolled-back transaction signals nothing.

const MAKES_DUE = /^\s*(?:INSERT\s+INTO\s+deliveries\b|UPDATE\s+deliveries\s+SET\s+status\s*=\s*'queued')/i;

/** The App with a database that calls onQueued after each commit that made a delivery due. */
export function wakeOnQueuedMail(app: App, onQueued: () => void): App {
  const db = app.db;
  const signal = () => {
    try {
      onQueued();
    } catch {
      // A failing listener must not fail the use case that queued the mail; the timer still runs.
    }
  };
  const watched: Db = {
    kind: db.kind,
    async query(sql, params) {
      const r = await db.query(sql, params);
      if (MAKES_DUE.test(sql)) signal();
      return r as never;
    },
    exec: (sql) => db.exec(sql),
    async transaction(fn) {
      let queued = false;
      const result = await db.transaction((tx) => {
        const inner: Queryable = {
          query(sql, params) {
            if (MAKES_DUE.test(sql)) queued = true;
            return tx.query(sql, params);
          },
          exec: (sql) => tx.exec(sql),
        };
        return fn(inner);
      });
      if (queued) signal();
      return result;
    },
    close: () => db.close(),
  };
  return { ...app, db: watched };
}
