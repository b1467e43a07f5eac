import { html, type Html } from '../html.ts';
import { field, flashOf, hiddenCsrf, input, layout, scrollTable, select, sendHtml, textarea } from '../common.ts';
import { doneAt, formPost } from '../form-action.ts';
import { definePages, type PageInput } from '../route.ts';
import { mailSettings, removeAlias, removeImapAccount, saveImapAccount, setAlias, setSmtpRelay } from '../../app/delivery/settings.ts';
import { generateTeamKeyFor, importTeamKeyFor, memberKeyStatuses, teamKeys } from '../../app/keys/keys.ts';
import { adminNav } from '../admin-nav.ts';

// Admin page /admin/mail: the team key (generate or import), each member's key status, the SMTP
// relay, aliases and IMAP accounts. What the config file sets is shown read-only. Passwords are never
// shown: a password field left blank keeps the stored one.

const DONE: Record<string, string> = {
  key: 'The new team key is active; earlier keys stay to decrypt old mail.',
  relay: 'The SMTP relay is saved.',
  alias: 'The alias is saved.',
  alias_removed: 'The alias is removed.',
  imap: 'The IMAP account is saved.',
  imap_removed: 'The IMAP account is removed.',
};
const TLS_OPTIONS = [
  { value: 'starttls', label: 'STARTTLS (port 587)' },
  { value: 'tls', label: 'TLS from the start (port 465 / 993)' },
  { value: 'none', label: 'None (a relay on this machine only)' },
];

const fromConfig = html`<span class="badge">from the config file</span>`;

const page = async ({ ctx, viewer, reply }: PageInput, status: number, flash: string | null, error: string | null) => {
  const [s, keys, members] = await Promise.all([mailSettings(ctx), teamKeys(ctx), memberKeyStatuses(ctx)]);
  const active = keys.find((k) => k.active);
  const relay = s.smtpRelay;
  const relayLocked = relay?.source === 'config';
  const nav = adminNav('/admin/mail');
  const body: Html = html`${nav}
      <section class="card" aria-labelledby="teamkey-h">
        <h2 id="teamkey-h">Team key</h2>
        ${
          active
            ? html`<p>Active: <code>${active.fingerprint}</code> (${active.algorithm}, ${active.source}), ${active.userIds.join(', ')}.
              Reporters encrypt to it (<a href="/api/team-key">download the public key</a>); outbound mail is signed with it.</p>`
            : html`<p><strong>No team key yet.</strong> Outbound mail waits until there is one: generate one or import the team's existing key.</p>`
        }
        ${keys.filter((k) => !k.active).length ? html`<p class="muted">Earlier keys, kept to decrypt old mail: ${keys.filter((k) => !k.active).map((k) => html`<code>${k.fingerprint}</code> `)}</p>` : ''}
        <form method="post" action="/admin/mail/team-key/generate" class="stack">
          ${hiddenCsrf(viewer)}
          ${select({
            name: 'algorithm',
            label: 'Generate a new key',
            options: [
              { value: 'curve25519', label: 'Curve25519 (Ed25519 + X25519), recommended' },
              { value: 'rsa4096', label: 'RSA-4096' },
            ],
          })}
          <p><button type="submit">Generate and make active</button></p>
        </form>
        <form method="post" action="/admin/mail/team-key/import" class="stack">
          ${hiddenCsrf(viewer)}
          ${textarea({ name: 'armored', label: "Or import the team's private key", hint: 'gpg --armor --export-secret-keys KEYID; it is sealed with the instance key.', rows: 4 })}
          ${input({ name: 'passphrase', label: 'Its passphrase', type: 'password', autocomplete: 'off' })}
          <p><button type="submit">Import and make active</button></p>
        </form>
      </section>
      <section class="card" aria-labelledby="memberkeys-h">
        <h2 id="memberkeys-h">Members' keys</h2>
        <p class="muted">A member without a usable key gets a notice that a message is waiting, never the message.</p>
        ${scrollTable(
          'Member keys',
          html`<table><caption class="visually-hidden">Each member's OpenPGP key</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">E-mail</th><th scope="col">Key</th><th scope="col">Status</th></tr></thead>
          <tbody>${members.map(
            (
              m,
            ) => html`<tr><td>${m.name}</td><td>${m.email}</td><td>${m.fingerprint ? html`<code>${m.fingerprint}</code>` : html`<span class="muted">none</span>`}</td>
            <td>${m.usable ? 'usable' : html`<strong>${m.reason ?? m.status}</strong>`}</td></tr>`,
          )}</tbody>
        </table>`,
        )}
      </section>
      <section class="card" aria-labelledby="relay-h">
        <h2 id="relay-h">SMTP relay ${relayLocked ? fromConfig : ''}</h2>
        ${
          relay
            ? html`<p>${relay.host}:${relay.port}, TLS ${relay.tls}${relay.username ? html`, user ${relay.username}, password ${relay.hasPassword ? 'set' : 'not set'}` : ''}; bounces to ${relay.bounceAddress}.</p>`
            : html`<p><strong>No relay yet:</strong> nothing is sent until one is set.</p>`
        }
        ${
          relayLocked
            ? html`<p class="muted">Set in the config file, which wins: change it there and restart.</p>`
            : html`<form method="post" action="/admin/mail/relay" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'host', label: 'Host', required: true, value: relay?.host ?? '' })}
          ${input({ name: 'port', label: 'Port', required: true, value: String(relay?.port ?? 587) })}
          ${select({ name: 'tls', label: 'TLS', value: relay?.tls ?? 'starttls', options: TLS_OPTIONS })}
          ${input({ name: 'username', label: 'User name', value: relay?.username ?? '' })}
          ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: relay?.hasPassword ? 'Leave blank to keep the stored password (same server, port, TLS mode and user only).' : '' })}
          ${input({ name: 'bounceAddress', label: 'Bounce address (envelope sender)', required: true, value: relay?.bounceAddress ?? '' })}
          <p><button type="submit">Save relay</button></p>
        </form>`
        }
      </section>
      <section class="card" aria-labelledby="aliases-h">
        <h2 id="aliases-h">Aliases</h2>
        ${scrollTable(
          'Addresses the desk receives mail for',
          html`<table><caption class="visually-hidden">Addresses the desk receives mail for</caption>
          <thead><tr><th scope="col">Address</th><th scope="col">Team</th><th scope="col">Set by</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${s.aliases.map(
            (
              a,
            ) => html`<tr><td>${a.address}</td><td>${a.teamName}</td><td>${a.source === 'profile' ? 'the team (profile)' : a.source === 'config' ? 'config file' : 'admin'}</td>
            <td>${a.source === 'admin' ? html`<form method="post" action="/admin/mail/aliases/remove" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="address" value="${a.address}"><button type="submit" class="secondary">Remove</button></form>` : ''}</td></tr>`,
          )}</tbody>
        </table>`,
        )}
        <form method="post" action="/admin/mail/aliases" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'address', label: 'Alias address', required: true })}
          ${select({ name: 'team', label: 'Team', options: s.teams.map((t) => ({ value: t.slug, label: t.name })) })}
          <p><button type="submit">Add alias</button></p>
        </form>
      </section>
      <section class="card" aria-labelledby="imap-h">
        <h2 id="imap-h">IMAP accounts</h2>
        ${
          s.imapAccounts.length
            ? scrollTable(
                'Mailboxes the poller reads',
                html`<table><caption class="visually-hidden">Mailboxes the poller reads</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Server</th><th scope="col">User</th><th scope="col">Folder</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
          <tbody>${s.imapAccounts.map(
            (
              a,
            ) => html`<tr><td>${a.name} ${a.source === 'config' ? fromConfig : ''}${a.enabled ? '' : ' (disabled)'}</td><td>${a.host}:${a.port} (${a.tls})</td><td>${a.username}</td><td>${a.folder}</td>
            <td>${a.source === 'admin' ? html`<form method="post" action="/admin/mail/imap/remove" class="inline">${hiddenCsrf(viewer)}<input type="hidden" name="name" value="${a.name}"><button type="submit" class="secondary">Remove</button></form>` : ''}</td></tr>`,
          )}</tbody></table>`,
              )
            : html`<p class="muted">None.</p>`
        }
        <form method="post" action="/admin/mail/imap" class="stack">
          ${hiddenCsrf(viewer)}
          ${input({ name: 'name', label: 'Name', required: true, hint: 'Saving an existing name changes that account.' })}
          ${input({ name: 'host', label: 'Host', required: true })}
          ${input({ name: 'port', label: 'Port', required: true, value: '993' })}
          ${select({ name: 'tls', label: 'TLS', value: 'tls', options: TLS_OPTIONS })}
          ${input({ name: 'username', label: 'User name', required: true })}
          ${input({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'Required for a new account; blank keeps the stored one (same server, port, TLS mode and user only).' })}
          ${input({ name: 'folder', label: 'Folder', value: 'INBOX' })}
          <p><button type="submit">Save account</button></p>
        </form>
      </section>`;
  return sendHtml(reply, status, layout({ title: 'Mail settings', viewer, flash, error, body }));
};

/** Every form on the page: admins only; a success redirects with its confirmation, a refusal draws the page with the sentence. */
const mailForm = (url: string, done: keyof typeof DONE, run: (input: PageInput) => Promise<unknown>) =>
  formPost({
    url,
    policy: 'mail.settings',
    signInNext: () => '/admin/mail',
    notFound: 'form',
    run,
    done: () => doneAt('/admin/mail', done),
    refused: (input, { problem }) => page(input, problem.status, null, problem.message),
  });

const blankToUndefined = (s: string) => (s === '' ? undefined : s);

export const mailSettingsPages = definePages([
  {
    method: 'GET',
    url: '/admin/mail',
    policy: 'mail.settings',
    handler: async (input) => page(input, 200, flashOf(input.query, DONE), null),
  },

  mailForm('/admin/mail/team-key/generate', 'key', ({ ctx, body: b }) =>
    generateTeamKeyFor(ctx, { algorithm: field(b, 'algorithm') || 'curve25519' }),
  ),
  mailForm('/admin/mail/team-key/import', 'key', ({ ctx, body: b }) => {
    const passphrase = blankToUndefined(field(b, 'passphrase'));
    return importTeamKeyFor(ctx, { armored: field(b, 'armored'), ...(passphrase !== undefined ? { passphrase } : {}) });
  }),
  mailForm('/admin/mail/relay', 'relay', ({ ctx, body: b }) => {
    const password = blankToUndefined(field(b, 'password'));
    return setSmtpRelay(ctx, {
      host: field(b, 'host'),
      port: field(b, 'port'),
      tls: field(b, 'tls'),
      username: field(b, 'username') || null,
      bounceAddress: field(b, 'bounceAddress'),
      ...(password !== undefined ? { password } : {}),
    });
  }),
  mailForm('/admin/mail/aliases', 'alias', ({ ctx, body: b }) => setAlias(ctx, { address: field(b, 'address'), team: field(b, 'team') })),
  mailForm('/admin/mail/aliases/remove', 'alias_removed', ({ ctx, body: b }) => removeAlias(ctx, field(b, 'address'))),
  mailForm('/admin/mail/imap', 'imap', ({ ctx, body: b }) => {
    const password = blankToUndefined(field(b, 'password'));
    return saveImapAccount(ctx, {
      name: field(b, 'name'),
      host: field(b, 'host'),
      port: field(b, 'port'),
      tls: field(b, 'tls'),
      username: field(b, 'username'),
      folder: field(b, 'folder') || 'INBOX',
      ...(password !== undefined ? { password } : {}),
    });
  }),
  mailForm('/admin/mail/imap/remove', 'imap_removed', ({ ctx, body: b }) => removeImapAccount(ctx, field(b, 'name'))),
]);
