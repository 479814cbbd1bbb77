// What the console reads of the actions it calls: one narrow type per output, and the one place
// where call()'s untyped answer is narrowed to it (read, listAll, onePage).
//
// call() answers Record<string, any> until it is typed by operation name from the generated
// model types. Then `Outputs` gives way to those types (the names here are AWS's, so the pages'
// code stays as it is) and read() becomes a plain call.
import type { PasswordPolicy } from '../../iam/password-policy.ts';
import { callByName, type Rq } from './core.ts';

export interface Tag {
  Key: string;
  Value: string;
}

export interface BoundaryRef {
  PermissionsBoundaryArn?: string;
}

export interface UserRow {
  UserName: string;
  Arn: string;
  CreateDate: Date;
  PasswordLastUsed?: Date;
}

/** GetUser's user (the root user has no name nor path). */
export interface UserDetail {
  UserName?: string;
  UserId: string;
  Arn: string;
  Path?: string;
  CreateDate: Date;
  PermissionsBoundary?: BoundaryRef;
  Tags?: Tag[];
}

export interface GroupRow {
  GroupName: string;
  Arn: string;
  CreateDate: Date;
}

export interface RoleRow {
  RoleName: string;
  Arn: string;
  Description?: string;
  CreateDate: Date;
  /** URL-encoded JSON, as the API returns it. */
  AssumeRolePolicyDocument?: string;
}

export interface RoleDetail extends RoleRow {
  Path: string;
  MaxSessionDuration: number;
  RoleLastUsed?: { LastUsedDate?: Date; Region?: string };
  PermissionsBoundary?: BoundaryRef;
  Tags?: Tag[];
}

export interface PolicyRow {
  PolicyName: string;
  Arn: string;
  AttachmentCount?: number;
  Description?: string;
  DefaultVersionId?: string;
}

export interface AttachedPolicy {
  PolicyName: string;
  PolicyArn: string;
}

export interface PolicyVersionRow {
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate: Date;
  /** URL-encoded JSON (GetPolicyVersion only). */
  Document?: string;
}

export interface InstanceProfileRow {
  InstanceProfileName: string;
  Arn: string;
}

export interface AccessKeyRow {
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: Date;
}

export interface AccessKeyLastUsed {
  LastUsedDate?: Date;
  ServiceName?: string;
  Region?: string;
}

export interface MfaDeviceRow {
  SerialNumber: string;
  EnableDate?: Date;
}

export interface NewVirtualMfaDevice {
  SerialNumber: string;
  Base32StringSeed: Buffer | string;
  QRCodePNG: Buffer | string;
}

export interface Position {
  Line: number;
  Column: number;
}

export interface MatchedStatement {
  SourcePolicyId: string;
  SourcePolicyType: string;
  StartPosition?: Position;
  EndPosition?: Position;
}

export interface EvaluationResult {
  EvalActionName: string;
  EvalResourceName: string;
  EvalDecision: string;
  MatchedStatements?: MatchedStatement[];
  MissingContextValues?: string[];
  PermissionsBoundaryDecisionDetail?: { AllowedByPermissionsBoundary?: boolean };
}

/** The items of each List* action the console pages through, and the output member holding them. */
export interface ListItems {
  ListUsers: UserRow;
  ListGroups: GroupRow;
  ListGroupsForUser: GroupRow;
  ListRoles: RoleRow;
  ListPolicies: PolicyRow;
  ListAttachedUserPolicies: AttachedPolicy;
  ListAttachedGroupPolicies: AttachedPolicy;
  ListAttachedRolePolicies: AttachedPolicy;
  ListUserPolicies: string;
  ListGroupPolicies: string;
  ListRolePolicies: string;
  ListInstanceProfilesForRole: InstanceProfileRow;
  ListAccessKeys: AccessKeyRow;
  ListMFADevices: MfaDeviceRow;
  ListVirtualMFADevices: MfaDeviceRow;
  ListPolicyVersions: PolicyVersionRow;
}

export type ListAction = keyof ListItems;

const LIST_KEYS = {
  ListUsers: 'Users',
  ListGroups: 'Groups',
  ListGroupsForUser: 'Groups',
  ListRoles: 'Roles',
  ListPolicies: 'Policies',
  ListAttachedUserPolicies: 'AttachedPolicies',
  ListAttachedGroupPolicies: 'AttachedPolicies',
  ListAttachedRolePolicies: 'AttachedPolicies',
  ListUserPolicies: 'PolicyNames',
  ListGroupPolicies: 'PolicyNames',
  ListRolePolicies: 'PolicyNames',
  ListInstanceProfilesForRole: 'InstanceProfiles',
  ListAccessKeys: 'AccessKeyMetadata',
  ListMFADevices: 'MFADevices',
  ListVirtualMFADevices: 'VirtualMFADevices',
  ListPolicyVersions: 'Versions',
} as const satisfies Record<ListAction, string>;

/** One page of a List* output: its items under the member LIST_KEYS names, and the marker. */
export type ListOutput<A extends ListAction> = { [K in (typeof LIST_KEYS)[A]]?: ListItems[A][] } & {
  IsTruncated?: boolean;
  Marker?: string;
};

/** The outputs the console reads, by action (List* ones from ListItems). */
export type Outputs = { [A in ListAction]: ListOutput<A> } & {
  GetUser: { User: UserDetail };
  GetGroup: { Group: GroupRow; Users: UserRow[]; IsTruncated?: boolean; Marker?: string };
  GetRole: { Role: RoleDetail };
  GetLoginProfile: { LoginProfile: { PasswordResetRequired?: boolean; CreateDate?: Date } };
  GetAccountPasswordPolicy: { PasswordPolicy: PasswordPolicy };
  GetAccountSummary: { SummaryMap: Record<string, number> };
  GetAccessKeyLastUsed: { AccessKeyLastUsed?: AccessKeyLastUsed };
  GetPolicy: { Policy: PolicyRow };
  GetPolicyVersion: { PolicyVersion: PolicyVersionRow };
  GetUserPolicy: { PolicyDocument: string };
  GetGroupPolicy: { PolicyDocument: string };
  GetRolePolicy: { PolicyDocument: string };
  CreateAccessKey: { AccessKey: { AccessKeyId: string; SecretAccessKey: string } };
  CreateVirtualMFADevice: { VirtualMFADevice: NewVirtualMfaDevice };
  CreatePolicy: { Policy: PolicyRow };
  GetContextKeysForPrincipalPolicy: { ContextKeyNames?: string[] };
  GetContextKeysForCustomPolicy: { ContextKeyNames?: string[] };
  SimulatePrincipalPolicy: { EvaluationResults?: EvaluationResult[] };
  SimulateCustomPolicy: { EvaluationResults?: EvaluationResult[] };
};

export type ReadAction = keyof Outputs;

/**
 * Calls `action` and returns its output as the console reads it. THE one narrowing of call()'s
 * untyped answer: every page reads outputs through here (or listAll/onePage, which use it).
 */
export async function read<A extends ReadAction>(rq: Rq, action: A, input: Record<string, unknown> = {}): Promise<Outputs[A]> {
  return (await callByName(rq, action, input)) as Outputs[A];
}

/** The items of one page of a List* action. */
export function itemsOf<A extends ListAction>(action: A, page: ListOutput<A>): ListItems[A][] {
  const key: (typeof LIST_KEYS)[A] = LIST_KEYS[action];
  return page[key] ?? [];
}

/** One page of a List* action: its items, and the marker of the next page when there is one. */
export async function onePage<A extends ListAction>(rq: Rq, action: A, input: Record<string, unknown>): Promise<{ items: ListItems[A][]; next?: string }> {
  const page = (await read(rq, action, input)) as ListOutput<A>;
  return { items: itemsOf(action, page), next: page.IsTruncated ? page.Marker : undefined };
}

/** Every item of a List* action, following the markers. */
export async function listAll<A extends ListAction>(rq: Rq, action: A, input: Record<string, unknown> = {}): Promise<ListItems[A][]> {
  const out: ListItems[A][] = [];
  let marker: string | undefined;
  do {
    const page = await onePage(rq, action, { ...input, Marker: marker, MaxItems: 1000 });
    out.push(...page.items);
    marker = page.next;
  } while (marker);
  return out;
}
