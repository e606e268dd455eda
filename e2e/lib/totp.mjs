// RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s step) from a base32 secret.
import { createHmac } from 'node:crypto';

export function base32Decode(input) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0, value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/** HOTP value for counter `step`; `digits` defaults to 6. */
export function hotp(key, step, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(off) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

export const totpStep = (unixSeconds = Date.now() / 1000) => Math.floor(unixSeconds / 30);

export function totp(base32Secret, unixSeconds = Date.now() / 1000, digits = 6) {
  return hotp(base32Decode(base32Secret), totpStep(unixSeconds), digits);
}

/**
 * A code from a time step after `notStep` (servers should refuse a replayed step), with at
 * least `margin` seconds left in its window. Waits as long as needed (at most ~32 s).
 */
export async function freshTotp(base32Secret, notStep = -1, margin = 3) {
  for (;;) {
    const now = Date.now() / 1000;
    const step = totpStep(now);
    const left = (step + 1) * 30 - now;
    if (step > notStep && left >= margin) return { code: totp(base32Secret, now), step };
    await new Promise((r) => setTimeout(r, Math.ceil(left * 1000) + 50));
  }
}
