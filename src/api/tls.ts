// Serving HTTPS directly: the certificate and key files, checked before use, and read again on
// SIGHUP (a renewed certificate) without dropping a connection or restarting.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Server } from 'node:https';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** HSTS on every answer when iamd serves TLS: browsers then never try plain http for a year. */
export const HSTS = 'max-age=31536000';

/**
 * The certificate chain and key, read and checked: both PEM, and the key the certificate's
 * (createSecureContext refuses a mismatched pair). Throws an Error that names the files, never
 * their content.
 */
export function loadTlsFiles(files: TlsFiles): Pick<SecureContextOptions, 'cert' | 'key'> {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(files.certFile);
    key = readFileSync(files.keyFile);
  } catch (error) {
    throw new Error(`TLS certificate or key could not be read: ${(error as Error).message}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    // OpenSSL's reason ("key values mismatch", "no start line"…) says what is wrong, and holds no key material.
    throw new Error(`TLS certificate ${files.certFile} and key ${files.keyFile} are not a usable pair: ${(error as Error).message}`);
  }
  return { cert, key };
}

/**
 * Reads the files again and applies them to new connections; connections already open keep the
 * certificate they were made with. A bad new pair is refused (the error is returned) and the
 * server keeps serving the old one.
 */
export function reloadTls(server: Server, files: TlsFiles): Error | undefined {
  let pair: Pick<SecureContextOptions, 'cert' | 'key'>;
  try {
    pair = loadTlsFiles(files);
  } catch (error) {
    return error as Error;
  }
  server.setSecureContext(pair);
  return undefined;
}

/** Whether the request came over a TLS connection iamd terminated itself (not a proxy's header). */
export function cameOverTls(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true;
}
