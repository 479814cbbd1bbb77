// `iamd serve --config iamd.toml` (or IAMD_CONFIG): a TOML file of `serve` settings, one key per
// flag under the flag's own name (`port`, `data-dir`, `rate-limit-per-key`…). It is the lowest
// layer above the defaults: flag > IAMD_* environment > file > default. Secrets are never inline:
// `master-key-file` and `metrics-token-file` name files that hold them. Unknown keys, wrong types
// and unreadable secret files refuse to start, naming the key and the file.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { parseRateLimit } from '../api/throttle.ts';
import { configFromEnv } from '../config.ts';

type Kind = 'string' | 'port' | 'number' | 'boolean' | 'rate' | 'path' | 'secret-file' | 'workers';

interface Key {
  /** The IAMD_* variable the key stands for (the environment layer's name). */
  env: string;
  kind: Kind;
}

/**
 * Every key the file may hold. INVARIANT: one per `serve` flag (same name), plus the secrets'
 * `…-file` keys; test/config-file.test.ts checks the table against `iamd serve --help`.
 */
export const CONFIG_KEYS: Readonly<Record<string, Key>> = {
  host: { env: 'IAMD_HOST', kind: 'string' },
  port: { env: 'IAMD_PORT', kind: 'port' },
  'data-dir': { env: 'IAMD_DATA_DIR', kind: 'path' },
  'database-url': { env: 'IAMD_DATABASE_URL', kind: 'string' },
  'account-id': { env: 'IAMD_ACCOUNT_ID', kind: 'string' },
  'log-level': { env: 'IAMD_LOG_LEVEL', kind: 'string' },
  partition: { env: 'IAMD_PARTITION', kind: 'string' },
  'public-url': { env: 'IAMD_PUBLIC_URL', kind: 'string' },
  'rate-limit-per-key': { env: 'IAMD_RATE_LIMIT_PER_KEY', kind: 'rate' },
  'rate-limit-per-account': { env: 'IAMD_RATE_LIMIT_PER_ACCOUNT', kind: 'rate' },
  'rate-limit-sign-in': { env: 'IAMD_RATE_LIMIT_SIGN_IN', kind: 'rate' },
  'rate-limit-authorize': { env: 'IAMD_RATE_LIMIT_AUTHORIZE', kind: 'rate' },
  'rate-limit-unsigned': { env: 'IAMD_RATE_LIMIT_UNSIGNED', kind: 'rate' },
  'rate-limit-gateway': { env: 'IAMD_RATE_LIMIT_GATEWAY', kind: 'rate' },
  'shutdown-timeout': { env: 'IAMD_SHUTDOWN_TIMEOUT', kind: 'number' },
  'tls-cert': { env: 'IAMD_TLS_CERT', kind: 'path' },
  'tls-key': { env: 'IAMD_TLS_KEY', kind: 'path' },
  metrics: { env: 'IAMD_METRICS', kind: 'boolean' },
  'metrics-port': { env: 'IAMD_METRICS_PORT', kind: 'port' },
  workers: { env: 'IAMD_WORKERS', kind: 'workers' },
  'master-key-file': { env: 'IAMD_MASTER_KEY', kind: 'secret-file' },
  'metrics-token-file': { env: 'IAMD_METRICS_TOKEN', kind: 'secret-file' },
};

/** Keys that would put a secret in the file itself: refused, pointing at the `…-file` key. */
const INLINE_SECRETS: Readonly<Record<string, string>> = {
  'master-key': 'master-key-file',
  'metrics-token': 'metrics-token-file',
  'root-secret-access-key': 'the IAMD_ROOT_SECRET_ACCESS_KEY environment variable',
  'root-password': 'the IAMD_ROOT_PASSWORD environment variable',
};

const KIND_WORDS: Record<Kind, string> = {
  string: 'a string',
  port: 'a port number (0 to 65535)',
  number: 'a number',
  boolean: 'true or false',
  rate: "a number of requests per second, or a string 'RATE:BURST'",
  path: 'a file or folder path (a string)',
  'secret-file': 'the path of a file holding the secret (a string)',
  workers: 'a whole number from 1 to 1024, or "auto"',
};

/** A start-up refusal caused by the config file: the message names the file (and the key). */
export class ConfigFileError extends Error {}

/**
 * Reads the config file into IAMD_* values (the environment layer's names and strings), so that
 * configFromEnv applies one set of checks to all three layers. Relative paths in the file are
 * relative to the file's folder. Secret files are read here, once, at start.
 */
export function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`cannot read the config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(text);
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    throw new ConfigFileError(`${file} is not valid TOML${where}: ${(err as Error).message.split('\n')[0]}`);
  }
  const base = dirname(resolve(file));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(doc)) {
    const key = CONFIG_KEYS[name];
    if (!key) {
      const inline = INLINE_SECRETS[name];
      if (inline) throw new ConfigFileError(`${file}: \`${name}\` may not hold a secret in the config file: use ${inline}`);
      throw new ConfigFileError(`${file}: unknown key \`${name}\` (known keys: ${Object.keys(CONFIG_KEYS).join(', ')})`);
    }
    const text = asText(key.kind, value);
    if (text === undefined) throw new ConfigFileError(`${file}: \`${name}\` must be ${KIND_WORDS[key.kind]}; not ${describe(value)}`);
    if (key.kind === 'path') out[key.env] = text === ':memory:' || isAbsolute(text) ? text : resolve(base, text);
    else if (key.kind === 'secret-file') out[key.env] = readSecretFile(file, name, resolve(base, text));
    else out[key.env] = text;
  }
  checkValues(file, out);
  return out;
}

/** The file's values checked alone, as configFromEnv and the rate limits check them, so a bad value names its key and the file. */
function checkValues(file: string, values: Record<string, string>): void {
  for (const [name, key] of Object.entries(CONFIG_KEYS)) {
    if (key.kind === 'rate' && values[key.env] !== undefined) parseRateLimit(values[key.env], `${file}: \`${name}\``);
  }
  // The TLS pair is checked once the layers are merged: the file may give one and the environment the other.
  const { IAMD_TLS_CERT: _cert, IAMD_TLS_KEY: _key, ...alone } = values;
  try {
    configFromEnv(alone);
  } catch (err) {
    let message = (err as Error).message;
    for (const [name, key] of Object.entries(CONFIG_KEYS)) message = message.replaceAll(key.env, `\`${name}\``);
    throw new ConfigFileError(`${file}: ${message}`);
  }
}

/**
 * The environment iamd starts with: the file's values under whatever the environment sets (an
 * IAMD_* variable wins over the file's key). `file` undefined: the environment as it is.
 */
export function environmentWithConfigFile(env: NodeJS.ProcessEnv, file: string | undefined): NodeJS.ProcessEnv {
  if (file === undefined || file === '') return env;
  const fromFile = readConfigFile(file);
  const merged: NodeJS.ProcessEnv = { ...fromFile };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return merged;
}

function asText(kind: Kind, value: unknown): string | undefined {
  switch (kind) {
    case 'port':
      return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535 ? String(value) : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? String(value) : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? (value ? 'on' : 'off') : undefined;
    case 'workers':
      if (value === 'auto') return value;
      return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1024 ? String(value) : undefined;
    case 'rate':
      if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return String(value);
      return typeof value === 'string' ? value : undefined;
    default:
      return typeof value === 'string' && value !== '' ? value : undefined;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date || (typeof value === 'object' && value !== null && 'toISOString' in value)) return 'a date';
  return 'a table';
}

/** A secret file's content, trimmed (a trailing newline is not part of the secret). Never echoed. */
function readSecretFile(file: string, name: string, path: string): string {
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new ConfigFileError(`${file}: \`${name}\`: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (content === '') throw new ConfigFileError(`${file}: \`${name}\`: ${path} is empty`);
  return content;
}
