// The one script of Embargo's UI that a page needs (the queue's shortcuts are an extra): signs a reply to the reporter in the member's browser with the
// member's own private key, which is read from a file chosen here and never leaves the page (the key
// file and passphrase fields have no name, so the form cannot submit them; only the signed entity and
// the detached signature are posted).
//
// What is signed is a MIME entity exactly as RFC 3156 section 5 wants it: text/plain; charset=utf-8,
// quoted-printable (so it is 7-bit and survives any mail path unchanged), CRLF line ends. The server
// wraps it with the signature in multipart/signed, verifies it against the member's key on file, and
// relays it to the reporter with this signature intact.

import * as openpgp from '/static/openpgp.min.mjs';

const form = document.getElementById('signed-reply-form');
const status = document.getElementById('signed-reply-status');
const needsJs = document.getElementById('signed-reply-needs-js');

function say(text, isError) {
  status.textContent = text;
  status.className = isError ? 'error' : 'flash';
  status.setAttribute('role', isError ? 'alert' : 'status');
}

/** Quoted-printable (RFC 2045 6.7) with CRLF line breaks: lossless for any UTF-8 text, 7-bit safe. */
export function quotedPrintable(text) {
  const enc = new TextEncoder();
  const out = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const bytes = enc.encode(line);
    let cur = '';
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      const last = i === bytes.length - 1;
      let token;
      if ((b === 32 || b === 9) && !last) token = String.fromCharCode(b);
      else if (b >= 33 && b <= 126 && b !== 61) token = String.fromCharCode(b);
      else token = `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
      // "From " and a lone "." at a line start are mangled by some mail paths: encode them.
      if (i === 0 && (b === 46 || (b === 70 && line.startsWith('From ')))) token = `=${b.toString(16).toUpperCase()}`;
      if (cur.length + token.length > 75) {
        out.push(`${cur}=`);
        cur = '';
      }
      cur += token;
    }
    out.push(cur);
  }
  return out.join('\r\n');
}

export function replyEntity(text) {
  return `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${quotedPrintable(text)}\r\n`;
}

async function readKeyFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  if (text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----')) return openpgp.readPrivateKey({ armoredKey: text });
  if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----'))
    throw new Error('This file holds a public key. Choose your private key (gpg --armor --export-secret-keys YOUR-FINGERPRINT > key.asc).');
  return openpgp.readPrivateKey({ binaryKey: bytes });
}

async function sign(event) {
  event.preventDefault();
  const fileInput = form.querySelector('#signed-reply-key');
  const passInput = form.querySelector('#signed-reply-passphrase');
  const body = form.querySelector('#signed-reply-body').value;
  const expected = form.dataset.fingerprint;
  if (!body.trim()) return say('Write the message first.', true);
  const file = fileInput.files?.[0];
  if (!file) return say('Choose your private key file.', true);
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  say('Signing in your browser…', false);
  try {
    let key = await readKeyFile(file);
    if (key.getFingerprint().toUpperCase() !== expected) {
      throw new Error(
        'This private key (' +
          key.getFingerprint().toUpperCase() +
          ') is not the key on the desk for you (' +
          expected +
          '). Choose the matching key, or upload this one\u2019s public key on your account page first.',
      );
    }
    if (!key.isDecrypted()) {
      if (!passInput.value) throw new Error('This key is protected by a passphrase: type it in the passphrase field.');
      key = await openpgp.decryptKey({ privateKey: key, passphrase: passInput.value });
    }
    const entity = replyEntity(body);
    const message = await openpgp.createMessage({ binary: new TextEncoder().encode(entity) });
    const signature = await openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored' });
    form.querySelector('input[name="entity"]').value = entity;
    form.querySelector('input[name="signature"]').value = signature;
    // Nothing of the key stays in the form: these fields have no name and are emptied anyway.
    passInput.value = '';
    fileInput.value = '';
    say('Signed. Sending…', false);
    form.submit();
  } catch (e) {
    button.disabled = false;
    const msg = e?.message ? e.message : String(e);
    say(/passphrase|decrypt/i.test(msg) && !/type it/.test(msg) ? 'The passphrase does not unlock this key.' : msg, true);
  }
}

if (form) {
  form.addEventListener('submit', sign);
  form.querySelector('button[type="submit"]').disabled = false;
  if (needsJs) needsJs.hidden = true;
}
