-- Advisory workflow extras (issue 5): the reporter's own credit, kept apart from the team's text.
--
-- The reporter chooses how to be credited (by name, by another name or handle, anonymously) on
-- their status page or through the reporter API; the other name they give is sealed like the rest
-- of their identity (AAD reports.credit_alias:<report id>).
ALTER TABLE reports ADD COLUMN credit_alias_sealed text;
ALTER TABLE reports ADD COLUMN credit_preference_set_at timestamptz;

-- Which credit of a version's document is the reporter's own (an index into document.credits), so
-- the desk applies the reporter's preference to it on every save and whenever the preference
-- changes; NULL when the reporter is not credited in that version.
ALTER TABLE advisory_versions ADD COLUMN reporter_credit integer CHECK (reporter_credit >= 0);
