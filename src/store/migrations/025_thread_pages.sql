-- The case view reads a long thread a page at a time, newest first: this index gives it the page's
-- messages (and the count) without reading and sorting every message of the case.
CREATE INDEX messages_report_seq ON messages (report_id, seq);
