// Console passwords (login profiles): argon2id hashes, AWS's password policy, forced change at
// the next sign-in, and a user changing its own password.
import { awsError } from '../errors/messages.ts';
import { hashPassword, verifyPassword } from '../crypto/passwords.ts';
import type { ActionContext } from '../actions/context.ts';
import type { IamHandlers } from '../actions/registry.ts';
import type { EntityRow, Repo } from '../store/repo.ts';
import { notFound, type UserData } from './common.ts';
import { assertPasswordAllowed, type PasswordPolicy } from './password-policy.ts';
import { resolveUser } from './users.ts';

function missingProfile(userName: string) {
  return awsError('loginProfileNotFound', { name: userName });
}

/** Refuses a password the policy forbids, including one of the last N (PasswordReusePrevention). */
async function checkNewPassword(repo: Repo, ctx: ActionContext, user: EntityRow<UserData>, password: string): Promise<PasswordPolicy | undefined> {
  const policy = (await repo.getPasswordPolicy(ctx.caller.accountId)) as PasswordPolicy | undefined;
  assertPasswordAllowed(password, policy, user.name);
  if (policy?.PasswordReusePrevention) {
    for (const old of await repo.passwordHistory(user.id, policy.PasswordReusePrevention)) {
      if (await verifyPassword(old, password)) {
        throw awsError('passwordReused', { count: policy.PasswordReusePrevention });
      }
    }
  }
  return policy;
}

async function storePassword(
  repo: Repo,
  ctx: ActionContext,
  user: EntityRow<UserData>,
  password: string,
  resetRequired: boolean,
  createdAt: string,
): Promise<void> {
  const hash = await hashPassword(password);
  await repo.putLoginProfile({ user_id: user.id, password_hash: hash, reset_required: resetRequired ? 1 : 0, created_at: createdAt });
  await repo.addPasswordHistory(user.id, hash, ctx.request.now);
}

export const loginProfileHandlers = {
  async CreateLoginProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const user = await resolveUser(repo, ctx, 'iam:CreateLoginProfile', input);
      if (await repo.getLoginProfile(user.id)) throw awsError('loginProfileExists', { name: user.name });
      if (input.Password === undefined) throw awsError('passwordRequired');
      await checkNewPassword(repo, ctx, user, input.Password);
      const resetRequired = Boolean(input.PasswordResetRequired);
      await storePassword(repo, ctx, user, input.Password, resetRequired, ctx.request.now.toISOString());
      return { LoginProfile: { UserName: user.name, CreateDate: ctx.request.now, PasswordResetRequired: resetRequired } };
    });
  },

  async GetLoginProfile(ctx, input) {
    return ctx.services.store.read(async (repo) => {
      const user = await resolveUser(repo, ctx, 'iam:GetLoginProfile', input);
      const profile = await repo.getLoginProfile(user.id);
      if (!profile) throw missingProfile(user.name);
      return { LoginProfile: { UserName: user.name, CreateDate: new Date(profile.created_at), PasswordResetRequired: profile.reset_required === 1 } };
    });
  },

  async UpdateLoginProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const user = await resolveUser(repo, ctx, 'iam:UpdateLoginProfile', input);
      const profile = await repo.getLoginProfile(user.id);
      if (!profile) throw missingProfile(user.name);
      const resetRequired = input.PasswordResetRequired === undefined ? profile.reset_required === 1 : Boolean(input.PasswordResetRequired);
      if (input.Password !== undefined) {
        await checkNewPassword(repo, ctx, user, input.Password);
        await storePassword(repo, ctx, user, input.Password, resetRequired, profile.created_at);
      } else {
        await repo.putLoginProfile({ ...profile, reset_required: resetRequired ? 1 : 0 });
      }
      return undefined;
    });
  },

  async DeleteLoginProfile(ctx, input) {
    return ctx.services.store.write(async (repo) => {
      const user = await resolveUser(repo, ctx, 'iam:DeleteLoginProfile', input);
      if (!(await repo.getLoginProfile(user.id))) throw missingProfile(user.name);
      await repo.deleteLoginProfile(user.id);
      return undefined;
    });
  },

  async ChangePassword(ctx, input) {
    if (ctx.caller.type !== 'User') {
      await ctx.authorize('iam:ChangePassword', ctx.caller.arn);
      throw awsError('changePasswordNotIamUser');
    }
    return ctx.services.store.write(async (repo) => {
      const user = await repo.getEntityById<UserData>(ctx.caller.entityId!);
      if (!user) throw notFound('user', String(ctx.caller.userName));
      const policy = (await repo.getPasswordPolicy(ctx.caller.accountId)) as PasswordPolicy | undefined;
      // AllowUsersToChangePassword lets every user change its own password with no policy granting it.
      if (!policy?.AllowUsersToChangePassword) await ctx.authorize('iam:ChangePassword', ctx.caller.arn);
      else ctx.authorized = true;
      const profile = await repo.getLoginProfile(user.id);
      if (!profile) throw missingProfile(user.name);
      if (!(await verifyPassword(profile.password_hash, input.OldPassword))) {
        throw awsError('oldPasswordIncorrect');
      }
      await checkNewPassword(repo, ctx, user, input.NewPassword);
      await storePassword(repo, ctx, user, input.NewPassword, false, profile.created_at);
      return undefined;
    });
  },
} satisfies IamHandlers;
