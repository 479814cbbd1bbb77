// Test support: a private certificate authority made in the test, certificates it issues for
// loopback names, and `https://localhost` served on port 443 — AWS's rule for identity provider
// URLs (https, no port) is kept in tests too; iamd is told to trust the CA by NODE_EXTRA_CA_CERTS.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { join } from 'node:path';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface TestCa {
  /** The CA's certificate, PEM. */
  certPem: string;
  /** A file holding certPem: give it to a child iamd as NODE_EXTRA_CA_CERTS. */
  certFile: string;
  /** A server certificate (PEM) and its private key (PKCS#8 PEM) for these DNS names and IPs. */
  issue(names: string[], ips?: string[]): Promise<{ cert: string; key: string }>;
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** A new CA, valid from an hour ago for a day, its certificate written to `dir`. */
export async function makeTestCa(dir: string, name = 'iamd test CA'): Promise<TestCa> {
  const notBefore = new Date(Date.now() - 3600_000);
  const notAfter = new Date(Date.now() + 86_400_000);
  const caKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const certPem = caCert.toString('pem');
  const certFile = join(dir, 'test-ca.pem');
  writeFileSync(certFile, certPem);
  let serial = 1;
  return {
    certPem,
    certFile,
    async issue(names, ips = []) {
      const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
      serial += 1;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial.toString(16).padStart(2, '0'),
        subject: `CN=${names[0] ?? ips[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
          new x509.SubjectAlternativeNameExtension([
            ...names.map((value) => ({ type: 'dns' as const, value })),
            ...ips.map((value) => ({ type: 'ip' as const, value })),
          ]),
        ],
      });
      const key = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      return { cert: `${cert.toString('pem')}\n${certPem}`, key };
    },
  };
}

/**
 * Listens on port 443 of every address (so `https://localhost` reaches it over IPv4 and IPv6).
 * Test files run two at a time: when another one holds the port, wait for it (up to two minutes).
 */
export async function listenOn443(server: Server): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(443, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
