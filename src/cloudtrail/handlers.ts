// CloudTrail's LookupEvents over iamd's audit trail (src/audit): the caller needs
// cloudtrail:LookupEvents on `*`, and sees only its own account's events, newest first.
// https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html
import { createHash } from 'node:crypto';
import type { CloudtrailHandlers } from '../actions/registry.ts';
import type { Event } from '../actions/generated/cloudtrail.ts';
import { awsError } from '../errors/messages.ts';
import type { AuditEventFilter } from '../store/repo/audit.ts';
import type { AuditEventTable } from '../store/schema.ts';

const DEFAULT_MAX_RESULTS = 50;

export const cloudtrailHandlers = {
  async LookupEvents(ctx, input) {
    await ctx.authorize('cloudtrail:LookupEvents', '*');
    if (input.EventCategory !== undefined) throw awsError('lookupEventCategoryInvalid');
    const attributes = input.LookupAttributes ?? [];
    if (attributes.length > 1) throw awsError('lookupAttributesInvalid', { detail: 'You can specify only one lookup attribute.' });
    const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;
    if (maxResults < 1 || maxResults > 50) throw awsError('lookupMaxResultsInvalid');
    if (input.StartTime && input.EndTime && input.StartTime.getTime() > input.EndTime.getTime()) throw awsError('lookupTimeRangeInvalid');
    const filter: AuditEventFilter = { accountId: ctx.caller.accountId, order: 'newest', limit: maxResults + 1 };
    for (const { AttributeKey: key, AttributeValue: value } of attributes) {
      if (value === '') throw awsError('lookupAttributesInvalid', { detail: 'The lookup attribute value cannot be empty.' });
      switch (key) {
        case 'EventId':
          filter.eventId = value;
          break;
        case 'EventName':
          filter.eventName = value;
          break;
        case 'ReadOnly':
          if (value !== 'true' && value !== 'false') throw awsError('lookupAttributesInvalid', { detail: 'ReadOnly must be true or false.' });
          filter.readOnly = value === 'true';
          break;
        case 'Username':
          filter.username = value;
          break;
        case 'EventSource':
          filter.eventSource = value;
          break;
        case 'AccessKeyId':
          filter.accessKeyId = value;
          break;
        case 'ResourceType':
          filter.resourceType = value;
          break;
        case 'ResourceName':
          filter.resourceName = value;
          break;
      }
    }
    if (input.StartTime) filter.since = input.StartTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (input.EndTime) filter.until = input.EndTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
    // A token is valid only for the filters it was given with.
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ ...filter, limit: 0 }))
      .digest('base64url')
      .slice(0, 16);
    if (input.NextToken !== undefined) filter.beforeSeq = decodeToken(input.NextToken, fingerprint);
    // What this node has queued (reads, refusals) is appended first: the answer includes it.
    await ctx.services.audit?.flush();
    const rows = await ctx.services.store.read((repo) => repo.findAuditEvents(filter));
    const page = rows.slice(0, maxResults);
    const last = page.at(-1);
    return {
      Events: page.map(toEvent),
      ...(rows.length > maxResults && last ? { NextToken: encodeToken(Number(last.seq), fingerprint) } : {}),
    };
  },
} satisfies CloudtrailHandlers;

function toEvent(row: AuditEventTable): Event {
  const event: Event = {
    EventId: row.event_id,
    EventName: row.event_name,
    ReadOnly: Number(row.read_only) === 1 ? 'true' : 'false',
    EventTime: new Date(row.event_time),
    EventSource: row.event_source,
    Resources: (row.resources ?? '')
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => {
        const space = line.indexOf(' ');
        return { ResourceType: line.slice(0, space), ResourceName: line.slice(space + 1) };
      }),
    CloudTrailEvent: row.body,
  };
  if (row.access_key_id) event.AccessKeyId = row.access_key_id;
  if (row.username) event.Username = row.username;
  return event;
}

function encodeToken(seq: number, fingerprint: string): string {
  return Buffer.from(`${seq}.${fingerprint}`, 'utf8').toString('base64url');
}

function decodeToken(token: string, fingerprint: string): number {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{16})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m || m[2] !== fingerprint) throw awsError('lookupNextTokenInvalid');
  return Number(m[1]);
}
