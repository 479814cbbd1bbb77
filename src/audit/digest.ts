// Signed digests of the audit chain, as CloudTrail's digest files: each names the chain's head
// (seq and hash) and anchor (the last pruned event) at the time, and the previous digest's
// signature, and is signed with the trail's Ed25519 key. Written every N events or M minutes, after
// each pruning, and by `iamd audit verify`.
import { sign, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { Repo } from '../store/repo.ts';
import { GENESIS_HASH } from './chain.ts';

export interface DigestBody {
  version: 1;
  id: number;
  createdAt: string;
  headSeq: number;
  headHash: string;
  anchorSeq: number;
  anchorHash: string;
  previousSignature: string | null;
}

/** The chain's head and anchor rows, or the empty chain's. */
export async function chainState(repo: Repo, lock = false): Promise<{ head: { seq: number; hash: string }; anchor: { seq: number; hash: string } }> {
  const head = await repo.auditChainRow('head', lock);
  const anchor = await repo.auditChainRow('anchor');
  return {
    head: head ? { seq: Number(head.seq), hash: head.hash } : { seq: 0, hash: GENESIS_HASH },
    anchor: anchor ? { seq: Number(anchor.seq), hash: anchor.hash } : { seq: 0, hash: GENESIS_HASH },
  };
}

/** Signs and stores a digest of the chain as it is in repo's transaction. */
export async function writeDigest(repo: Repo, key: KeyObject, now: Date): Promise<DigestBody> {
  const { head, anchor } = await chainState(repo, true);
  const last = await repo.lastAuditDigest();
  const body: DigestBody = {
    version: 1,
    id: last ? Number(last.id) + 1 : 1,
    createdAt: now.toISOString(),
    headSeq: head.seq,
    headHash: head.hash,
    anchorSeq: anchor.seq,
    anchorHash: anchor.hash,
    previousSignature: last?.signature ?? null,
  };
  const text = JSON.stringify(body);
  await repo.insertAuditDigest({ id: body.id, created_at: body.createdAt, body: text, signature: sign(null, Buffer.from(text), key).toString('base64') });
  return body;
}

/** True when signature is the trail key's over text. */
export function digestSignatureValid(text: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return verifySignature(null, Buffer.from(text), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
