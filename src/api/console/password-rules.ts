// The account password policy in words, for the pages where a password is chosen.
import type { PasswordPolicy } from '../../iam/password-policy.ts';
import type { Rq } from './core.ts';

export function passwordRules(rq: Rq, policy: PasswordPolicy | undefined): string[] {
  const t = rq.t;
  const rules = [t('rule.minLength', { n: policy?.MinimumPasswordLength ?? 6 })];
  if (policy?.RequireUppercaseCharacters) rules.push(t('rule.upper'));
  if (policy?.RequireLowercaseCharacters) rules.push(t('rule.lower'));
  if (policy?.RequireNumbers) rules.push(t('rule.numbers'));
  if (policy?.RequireSymbols) rules.push(t('rule.symbols'));
  if (policy?.PasswordReusePrevention) rules.push(t('rule.reuse', { n: policy.PasswordReusePrevention }));
  rules.push(t('rule.notUserName'));
  return rules;
}
