// Console passwords: argon2id hashes (OWASP's parameters: 19 MiB, 2 iterations, 1 lane), and
// AWS-style generated passwords that satisfy the account's password policy.
import argon2 from 'argon2';
import { randomInt } from 'node:crypto';

const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SYMBOLS = "!@#$%^&*()_+-=[]{}|'";

/** A random password with every character class, long enough for the given minimum. */
export function generatePassword(minLength = 6): string {
  const length = Math.max(minLength, 20);
  const classes = [UPPER, LOWER, DIGITS, SYMBOLS];
  const all = classes.join('');
  const chars = classes.map((c) => c[randomInt(c.length)]);
  while (chars.length < length) chars.push(all[randomInt(all.length)]);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  return chars.join('');
}
