// The audit trail's hash chain: each event's hash covers the previous event's hash, its own
// sequence number and its record, so removing, reordering or altering one event breaks every link
// after it. A signed digest (digest.ts) pins the chain's head, so rewriting the links from an
// altered event onward is caught too. As CloudTrail's log file integrity validation chains its
// digest files: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html
import { sha256Hex } from '../sigv4/hash.ts';

/** The previous hash of the first event ever written (seq 1). */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 (hex) over the previous hash, the sequence number and the record, newline-separated. */
export function eventHash(prevHash: string, seq: number, body: string): string {
  // One string hashed at once (Node's one-shot hash): a Hash object fed five pieces cost several times more.
  return sha256Hex(`${prevHash}\n${seq}\n${body}`);
}
