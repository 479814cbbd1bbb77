// The account password policy and the check every new console password passes.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html
import { awsError } from '../errors/messages.ts';
import type { PasswordPolicy as PasswordPolicyOutput, UpdateAccountPasswordPolicyRequest } from '../actions/generated/iam.ts';

// A type, not an interface, so that it is a Record<string, unknown> for the store.
export type PasswordPolicy = {
  MinimumPasswordLength: number;
  RequireSymbols: boolean;
  RequireNumbers: boolean;
  RequireUppercaseCharacters: boolean;
  RequireLowercaseCharacters: boolean;
  AllowUsersToChangePassword: boolean;
  MaxPasswordAge?: number;
  PasswordReusePrevention?: number;
  HardExpiry?: boolean;
};

/** UpdateAccountPasswordPolicy: every parameter left out reverts to its default. */
export function policyFromInput(input: UpdateAccountPasswordPolicyRequest): PasswordPolicy {
  const p: PasswordPolicy = {
    MinimumPasswordLength: input.MinimumPasswordLength ?? 6,
    RequireSymbols: Boolean(input.RequireSymbols),
    RequireNumbers: Boolean(input.RequireNumbers),
    RequireUppercaseCharacters: Boolean(input.RequireUppercaseCharacters),
    RequireLowercaseCharacters: Boolean(input.RequireLowercaseCharacters),
    AllowUsersToChangePassword: Boolean(input.AllowUsersToChangePassword),
  };
  if (input.MaxPasswordAge !== undefined) p.MaxPasswordAge = input.MaxPasswordAge;
  if (input.PasswordReusePrevention !== undefined) p.PasswordReusePrevention = input.PasswordReusePrevention;
  if (input.HardExpiry !== undefined) p.HardExpiry = input.HardExpiry;
  return p;
}

export function policyOutput(p: PasswordPolicy): PasswordPolicyOutput {
  return { ...p, ExpirePasswords: (p.MaxPasswordAge ?? 0) > 0 };
}

// AWS's symbol set for password policies: ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '
const SYMBOLS = /[!@#$%^&*()_+\-=[\]{}|']/;

/**
 * The reasons a password breaks the policy (empty when it satisfies it): the `{reasons}` of the
 * passwordPolicyViolation message (src/errors/messages.ts). Without a custom
 * policy, AWS's default applies: at least 8 characters with three of the four character types,
 * and not the user's name or the account's email.
 */
export function passwordViolations(password: string, policy: PasswordPolicy | undefined, userName?: string): string[] {
  const v: string[] = [];
  const has = { upper: /[A-Z]/.test(password), lower: /[a-z]/.test(password), digit: /[0-9]/.test(password), symbol: SYMBOLS.test(password) };
  if (!policy) {
    if (password.length < 8) v.push('Password should have at least 8 characters');
    if (Object.values(has).filter(Boolean).length < 3)
      v.push('Password should have at least three of these character types: uppercase letters, lowercase letters, numbers and symbols');
    if (userName && password.toLowerCase() === userName.toLowerCase()) v.push('Password should not be the same as the user name');
    return v;
  }
  if (password.length < policy.MinimumPasswordLength) v.push(`Password should have at least ${policy.MinimumPasswordLength} characters`);
  if (policy.RequireUppercaseCharacters && !has.upper) v.push('Password should have at least one uppercase letter');
  if (policy.RequireLowercaseCharacters && !has.lower) v.push('Password should have at least one lowercase letter');
  if (policy.RequireNumbers && !has.digit) v.push('Password should have at least one number');
  if (policy.RequireSymbols && !has.symbol) v.push('Password should have at least one symbol');
  return v;
}

export function assertPasswordAllowed(password: string, policy: PasswordPolicy | undefined, userName?: string): void {
  const v = passwordViolations(password, policy, userName);
  if (v.length > 0) throw awsError('passwordPolicyViolation', { reasons: v.join('. ') });
}
