// AWS Signature Version 4 verification (pure: no I/O). Parse first, look the secret up, then verify.
//
//   const parsed = parseSignedRequest(req, new Date());
//   if (isSigV4Error(parsed)) return reject(parsed);
//   const secret = await store.secretFor(parsed.accessKeyId);          // caller's I/O
//   if (secret === undefined) return reject(sigv4Errors.invalidClientTokenId());
//   const ok = verifySignature(parsed, secret, keyCache);
//   if (ok !== true) return reject(ok);

export { parseSignedRequest, ALGORITHM, MAX_EXPIRES_SECONDS, MAX_SKEW_MS, UNSIGNED_PAYLOAD } from './parse.ts';
export type { RawRequest, ParsedSignature, CredentialScope } from './parse.ts';
export { verifySignature, verifySignatureWithKey, SigningKeyCache, deriveSigningKey } from './signing-key.ts';
export { sigv4Errors, isSigV4Error } from './errors.ts';
export type { SigV4Error, SigV4ErrorCode, SigV4Reason } from './errors.ts';
export { DEFAULT_REGION, PARTITIONS, isPartition, isRegionOf, partitionOfRegion } from './partition.ts';
export type { Partition } from './partition.ts';
