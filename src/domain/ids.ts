// Ids arriving in URLs are hostile: anything that is not a well-formed UUID is "not found" before it
// reaches the database (where a malformed uuid would be a 500, not a 404).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/**
 * An id no row has (UUIDs made by the database are random, never all zeros). A lookup that finds
 * nothing goes on with it, so an id that does not exist takes the same path (the same queries, to
 * the same "not found") as one that exists but is hidden from the asker: with sequential public ids,
 * a shorter path would tell by its time which ids exist.
 */
export const NO_SUCH_ID = '00000000-0000-0000-0000-000000000000';
