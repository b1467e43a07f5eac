-- The address `embargo serve` runs at (its public URL, else the address it listens on), recorded at
-- every start. Commands run from a shell print links (enrollment links) to it, so a link points
-- where the desk is even when the shell has none of the server's settings (EMBARGO_PORT, ...).
CREATE TABLE desk_address (
  id          integer PRIMARY KEY CHECK (id = 1),
  url         text NOT NULL,
  recorded_at timestamptz NOT NULL
);
