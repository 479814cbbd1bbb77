// The audit trail's settings from the environment (IAMD_AUDIT_*): a malformed one refuses to start.
import { DEFAULT_AUDIT_OPTIONS, type AuditOptions, type DecisionLevel } from './recorder.ts';

/** Parses IAMD_AUDIT_* (unset: the defaults). */
export function auditOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<AuditOptions> {
  const out: Partial<AuditOptions> = {};
  if (env.IAMD_AUDIT !== undefined) out.enabled = flag(env.IAMD_AUDIT, 'IAMD_AUDIT');
  if (env.IAMD_AUDIT_FAIL_CLOSED !== undefined) out.failClosed = flag(env.IAMD_AUDIT_FAIL_CLOSED, 'IAMD_AUDIT_FAIL_CLOSED');
  if (env.IAMD_AUDIT_RETENTION_DAYS) out.retentionDays = positive(env.IAMD_AUDIT_RETENTION_DAYS, 'IAMD_AUDIT_RETENTION_DAYS');
  if (env.IAMD_AUDIT_MAX_EVENTS) out.maxEvents = positive(env.IAMD_AUDIT_MAX_EVENTS, 'IAMD_AUDIT_MAX_EVENTS');
  if (env.IAMD_AUDIT_FLUSH_MS) out.flushMs = positive(env.IAMD_AUDIT_FLUSH_MS, 'IAMD_AUDIT_FLUSH_MS');
  if (env.IAMD_AUDIT_DIGEST_EVENTS) out.digestEvents = positive(env.IAMD_AUDIT_DIGEST_EVENTS, 'IAMD_AUDIT_DIGEST_EVENTS');
  if (env.IAMD_AUDIT_DIGEST_MINUTES) out.digestMinutes = positive(env.IAMD_AUDIT_DIGEST_MINUTES, 'IAMD_AUDIT_DIGEST_MINUTES');
  if (env.IAMD_AUDIT_DECISIONS) out.decisions = parseDecisions(env.IAMD_AUDIT_DECISIONS);
  if (env.IAMD_AUDIT_READ_WRITE_TYPE) out.readWriteType = readWriteType(env.IAMD_AUDIT_READ_WRITE_TYPE);
  return out;
}

/** The settings in force: the defaults, then what was given. */
export function auditOptions(given: Partial<AuditOptions> | undefined): AuditOptions {
  return { ...DEFAULT_AUDIT_OPTIONS, ...given };
}

function flag(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['1', 'on', 'true', 'yes'].includes(v)) return true;
  if (['0', 'off', 'false', 'no'].includes(v)) return false;
  throw new Error(`${name} must be on or off (1/0), not \`${value}\``);
}

/** CloudTrail's ReadWriteType, but for ReadOnly: a change is never left unrecorded. */
function readWriteType(value: string): AuditOptions['readWriteType'] {
  const v = value.trim().toLowerCase();
  if (v === 'all') return 'All';
  if (v === 'writeonly') return 'WriteOnly';
  if (v === 'readonly') throw new Error('IAMD_AUDIT_READ_WRITE_TYPE: ReadOnly would leave changes unrecorded; use All or WriteOnly');
  throw new Error(`IAMD_AUDIT_READ_WRITE_TYPE must be All or WriteOnly, not \`${value}\``);
}

function positive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not \`${value}\``);
  return n;
}

/**
 * IAMD_AUDIT_DECISIONS: the default level of protected services' decisions, then per service:
 * `denials,orders=all,billing=sample:0.1,health=none`.
 */
export function parseDecisions(text: string): AuditOptions['decisions'] {
  const out: AuditOptions['decisions'] = { default: DEFAULT_AUDIT_OPTIONS.decisions.default, services: {} };
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    if (eq < 0) out.default = level(part);
    else out.services[part.slice(0, eq).trim()] = level(part.slice(eq + 1).trim());
  }
  return out;
}

function level(text: string): DecisionLevel {
  if (text === 'all' || text === 'denials' || text === 'none') return { mode: text };
  const sample = /^sample:(0(\.\d+)?|1(\.0+)?)$/.exec(text);
  if (sample) return { mode: 'sample', rate: Number(sample[1]) };
  throw new Error(`IAMD_AUDIT_DECISIONS: \`${text}\` is not all, denials, none or sample:RATE (0–1)`);
}
