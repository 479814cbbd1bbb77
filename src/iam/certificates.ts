// Server certificates, signing certificates and SSH public keys: one handler table, registered
// once in src/operations.ts. What IAM accepts as each is in ./certificate-format.ts.
import type { IamHandlers } from '../actions/registry.ts';
import { serverCertificateHandlers } from './server-certificates.ts';
import { signingCertificateHandlers } from './signing-certificates.ts';
import { sshPublicKeyHandlers } from './ssh-public-keys.ts';

export const certificateHandlers = {
  ...serverCertificateHandlers,
  ...signingCertificateHandlers,
  ...sshPublicKeyHandlers,
} satisfies IamHandlers;
