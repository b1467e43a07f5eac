// Ids arriving in URLs are hostile: anything that is not a well-formed UUID is "not found" before it
// reaches the database (where a malformed uuid would be a 500, not a 404).
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);
