// `iamd audit verify`: walks the chain from its anchor and checks each link, then each signed
// digest, and names the first event removed, reordered or altered, or the first bad digest.
import type { KeyObject } from 'node:crypto';
import type { Repo } from '../store/repo.ts';
import { eventHash } from './chain.ts';
import { chainState, digestSignatureValid, type DigestBody } from './digest.ts';

export interface VerifyProblem {
  kind: 'altered' | 'removed' | 'reordered' | 'truncated' | 'digest-signature' | 'digest-mismatch' | 'anchor' | 'no-key';
  /** The event concerned: its place in the chain and its id, when it still exists. */
  seq?: number;
  eventId?: string;
  digestId?: number;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  events: number;
  digests: number;
  firstSeq?: number;
  lastSeq?: number;
  /** The first problem found (walking in chain order), if any. */
  problem?: VerifyProblem;
}

/** Checks the whole trail as it is in repo's transaction. */
export async function verifyTrail(repo: Repo, publicKey: KeyObject | undefined): Promise<VerifyResult> {
  const { head, anchor } = await chainState(repo);
  const hashes = new Map<number, string>();
  let expectedSeq = anchor.seq + 1;
  let prevHash = anchor.hash;
  let count = 0;
  let firstSeq: number | undefined;
  let problem: VerifyProblem | undefined;
  let after = anchor.seq;
  // Rows below the anchor would be events pruning should have removed: they are walked from the anchor on.
  walk: for (;;) {
    const rows = await repo.auditEventsAfter(after, 1000);
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      after = seq;
      firstSeq ??= seq;
      count++;
      const own = eventHash(row.prev_hash, seq, row.body);
      let bodyId: string | undefined;
      try {
        bodyId = (JSON.parse(row.body) as { eventID?: string }).eventID;
      } catch {
        bodyId = undefined;
      }
      if (own !== row.hash && bodyId === row.event_id) {
        // Intact but in another place: its hash is right for another sequence number.
        const recordedAt = originalSeq(row.prev_hash, seq, row.body, row.hash);
        if (recordedAt !== undefined) {
          problem = {
            kind: 'reordered',
            seq,
            eventId: row.event_id,
            message: `event #${seq} (${row.event_id}) is out of order: it was recorded as event #${recordedAt}`,
          };
          break walk;
        }
      }
      if (own !== row.hash || bodyId !== row.event_id) {
        problem = { kind: 'altered', seq, eventId: row.event_id, message: `event #${seq} (${row.event_id}) was altered: its hash does not match its content` };
        break walk;
      }
      if (seq !== expectedSeq) {
        problem = {
          kind: 'removed',
          seq: expectedSeq,
          message: `event #${expectedSeq}${seq - expectedSeq > 1 ? `–#${seq - 1}` : ''} was removed: the chain goes from #${expectedSeq - 1} to #${seq} (${row.event_id})`,
        };
        break walk;
      }
      if (row.prev_hash !== prevHash) {
        problem = {
          kind: 'reordered',
          seq,
          eventId: row.event_id,
          message: `event #${seq} (${row.event_id}) is out of place: it does not follow event #${seq - 1} (reordered, or the event before it was replaced)`,
        };
        break walk;
      }
      hashes.set(seq, row.hash);
      prevHash = row.hash;
      expectedSeq = seq + 1;
    }
  }
  if (!problem && (expectedSeq - 1 !== head.seq || prevHash !== head.hash)) {
    problem = {
      kind: 'truncated',
      seq: expectedSeq,
      message: `the chain's head is event #${head.seq}, but the events end at #${expectedSeq - 1}: events after #${expectedSeq - 1} were removed`,
    };
  }
  const digests = await repo.auditDigests();
  if (!problem && digests.length > 0 && !publicKey) problem = { kind: 'no-key', message: 'the trail has digests but no public key to check them with' };
  let previousSignature: string | null = null;
  let lastBody: DigestBody | undefined;
  for (const d of problem ? [] : digests) {
    const id = Number(d.id);
    if (!digestSignatureValid(d.body, d.signature, publicKey!)) {
      problem = { kind: 'digest-signature', digestId: id, message: `digest ${id} has a bad signature` };
      break;
    }
    const body = JSON.parse(d.body) as DigestBody;
    if (body.previousSignature !== previousSignature) {
      problem = { kind: 'digest-signature', digestId: id, message: `digest ${id} does not follow digest ${id - 1} (a digest was removed or replaced)` };
      break;
    }
    previousSignature = d.signature;
    lastBody = body;
    // A digest's head still in the trail must be the hash the trail has there.
    const known = hashes.get(body.headSeq);
    if (body.headSeq > anchor.seq && known !== undefined && known !== body.headHash) {
      problem = {
        kind: 'digest-mismatch',
        seq: body.headSeq,
        digestId: id,
        message: `event #${body.headSeq} differs from what digest ${id} signed: the events up to it were rewritten`,
      };
      break;
    }
    if (body.headSeq > head.seq) {
      problem = {
        kind: 'truncated',
        seq: head.seq + 1,
        digestId: id,
        message: `digest ${id} signed event #${body.headSeq}, but the chain ends at #${head.seq}: events were removed`,
      };
      break;
    }
  }
  if (!problem && lastBody && (lastBody.anchorSeq !== anchor.seq || lastBody.anchorHash !== anchor.hash)) {
    problem = {
      kind: 'anchor',
      seq: anchor.seq,
      message: `the chain's anchor (#${anchor.seq}) is not the one the last digest signed (#${lastBody.anchorSeq}): events were pruned without a digest`,
    };
  }
  return {
    ok: problem === undefined,
    events: count,
    digests: digests.length,
    ...(firstSeq !== undefined ? { firstSeq } : {}),
    ...(count > 0 ? { lastSeq: after } : {}),
    ...(problem ? { problem } : {}),
  };
}

/** The sequence number (near seq) an intact event was recorded at, if its hash matches one. */
function originalSeq(prevHash: string, seq: number, body: string, hash: string): number | undefined {
  for (let d = 1; d <= 1000; d++) {
    if (eventHash(prevHash, seq + d, body) === hash) return seq + d;
    if (seq - d > 0 && eventHash(prevHash, seq - d, body) === hash) return seq - d;
  }
  return undefined;
}
