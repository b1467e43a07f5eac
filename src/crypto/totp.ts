import { Secret, TOTP } from 'otpauth';

// TOTP second factor (RFC 6238) through the otpauth library: SHA-1, 6 digits, 30 s, the parameters
// every authenticator app supports. One step of drift either way is accepted.

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secretBase32: string, label: string, issuer = 'Embargo'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) });
}

/**
 * The otpauth:// URI an authenticator app reads (from a QR code or pasted). The issuer is the name
 * the app shows beside the code: the desk's own name, so a person on two desks tells them apart.
 * A colon separates issuer and account in the URI's label, so none is left in the issuer.
 */
export function totpUri(secretBase32: string, label: string, issuer = 'Embargo'): string {
  const name = issuer.replace(/:/g, ' ').replace(/\s+/g, ' ').trim() || 'Embargo';
  return totp(secretBase32, label, name).toString();
}

/** Returns the time step the code matched, so callers can refuse a replay of the same step. */
export function totpStep(secretBase32: string, code: string, now: Date): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32, 'x').validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 30000) + delta;
}

export function totpCode(secretBase32: string, now: Date): string {
  return totp(secretBase32, 'x').generate({ timestamp: now.getTime() });
}
