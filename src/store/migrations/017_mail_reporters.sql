-- Reporters who came by mail (or were imported) follow their report like web reporters do.
--
-- The status link of a web report is shown once on the page; a report by mail or import has no page,
-- so the desk mails the link to the reporter in every message it sends them (only encrypted where
-- the profile refuses mail in clear). For that the token is kept sealed (AAD
-- reports.status_token:<report id>), as reply tokens are; NULL for web and API reports, whose
-- reporter was shown the link.
ALTER TABLE reports ADD COLUMN status_token_sealed text;

-- Who stated the reporter's credit preference: 'reporter' (the web form, the API, their status
-- page), 'team' (the team recorded what the reporter asked for by mail, by editing the reporter's
-- credit of an advisory), or NULL (nobody: a report by mail starts so). The desk rewrites the
-- reporter's credit from the preference only when the reporter stated it; otherwise the team's edit
-- is the preference. Reports before this migration: the preference of a web or API report was the
-- form's, and one set on the status page is the reporter's.
ALTER TABLE reports ADD COLUMN credit_preference_by text CHECK (credit_preference_by IN ('reporter', 'team'));
UPDATE reports SET credit_preference_by = 'reporter'
 WHERE credit_preference_set_at IS NOT NULL OR channel IN ('web', 'api', 'github');

-- A delivery to an outsider held because it could not be encrypted and the profile refuses mail in
-- clear. Held deliveries are failed deliveries (listed, resendable); confirming a key for their
-- address queues them again, now encrypted to it.
ALTER TABLE deliveries ADD COLUMN held_for_key boolean NOT NULL DEFAULT false;
CREATE INDEX deliveries_held ON deliveries (recipient) WHERE held_for_key;
