import { aad, type App } from '../context.ts';

// The person keys the desk keeps (correspondent_keys) are sealed row by row: the address, the user
// IDs (a name, often an organisation) and the armored key (it carries the user IDs too). The address
// also has a keyed blind index, by which the desk finds the keys for an address.

export type KeyCrypto = Pick<App, 'sealer' | 'blind'>;

/** The row's address, user IDs and armored key, sealed for its id, and the address's index. */
export function sealKeyValues(app: KeyCrypto, id: string, v: { email: string; userIds: readonly string[]; armored: string }) {
  return {
    emailIndex: app.blind.of('email', v.email),
    emailSealed: app.sealer.seal(v.email, aad('correspondent_keys', 'email', id)),
    userIdsSealed: app.sealer.sealJson(v.userIds, aad('correspondent_keys', 'user_ids', id)),
    armoredSealed: app.sealer.seal(v.armored, aad('correspondent_keys', 'armored', id)),
  };
}

export const openKeyEmail = (app: KeyCrypto, row: { id: string; email_sealed: string }): string =>
  app.sealer.open(row.email_sealed, aad('correspondent_keys', 'email', row.id));

export const openKeyUserIds = (app: KeyCrypto, row: { id: string; user_ids_sealed: string }): string[] =>
  app.sealer.openJson<string[]>(row.user_ids_sealed, aad('correspondent_keys', 'user_ids', row.id));

export const openKeyArmored = (app: KeyCrypto, row: { id: string; armored_sealed: string }): string =>
  app.sealer.open(row.armored_sealed, aad('correspondent_keys', 'armored', row.id));
