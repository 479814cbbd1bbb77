// iamd's Prometheus metrics: one private Registry per app (never prom-client's global one, so
// several apps in one process, as in the tests, do not share or clash), and the metric objects the
// layers below count into. Labels are low-cardinality on purpose: services, operations iamd
// serves, AWS error codes and fixed outcomes; never a user name, an ARN or an access key id.
// This folder imports nothing of iamd's, so every layer (store, auth, authz, actions) may use it.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { clusterScrape } from './cluster-metrics.ts';

/** A counter child bound to its labels once, so the hot path does no label hashing. */
interface Inc {
  inc(): void;
}

/** Latency buckets in seconds: sub-millisecond store reads up to slow argon2 or PostgreSQL waits. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One operation's bound children: its success counter and its latency histogram. */
interface OperationMetrics {
  ok: Inc;
  latency: { observe(seconds: number): void };
}

export type AuthorizationOutcome = 'allowed' | 'explicit_deny' | 'implicit_deny';
export type SignInOutcome = 'success' | 'failure' | 'locked';

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'action' | 'status' | 'code'>;
  private readonly latency: Histogram<'service' | 'action'>;
  private readonly operations = new Map<string, OperationMetrics>();
  private readonly decisions: Record<AuthorizationOutcome, Inc>;
  private readonly sigv4Failures: Counter<'reason'>;
  private readonly cache: Counter<'cache' | 'result'>;
  readonly credentialCache: { hit: Inc; miss: Inc };
  readonly policyCache: { hit: Inc; miss: Inc };
  private readonly storeLatency: Histogram<'kind'>;
  readonly storeRead: { observe(seconds: number): void };
  readonly storeWrite: { observe(seconds: number): void };
  private readonly signIns: Record<SignInOutcome, Inc>;
  readonly workloadCredentials: Inc;
  /** The audit trail (src/audit): records appended, batch append latency, failures to append. */
  readonly auditEvents: { inc(n?: number): void };
  readonly auditFlushSeconds: { observe(seconds: number): void };
  readonly auditFailures: Inc;

  constructor() {
    const registers = [this.registry];
    // Node's own: heap, event-loop lag, GC, handles, CPU (prefixed iamd_ like the rest).
    collectDefaultMetrics({ register: this.registry, prefix: 'iamd_' });
    this.requests = new Counter({
      name: 'iamd_requests_total',
      help: 'Operations dispatched, by service, operation, HTTP status class and AWS error code ("" on success).',
      labelNames: ['service', 'action', 'status', 'code'],
      registers,
    });
    this.latency = new Histogram({
      name: 'iamd_request_duration_seconds',
      help: 'Time to run an operation (decode, authorize, handler), by service and operation.',
      labelNames: ['service', 'action'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const decisions = new Counter({
      name: 'iamd_authorization_decisions_total',
      help: 'Authorization decisions, by outcome.',
      labelNames: ['decision'],
      registers,
    });
    this.decisions = {
      allowed: decisions.labels('allowed'),
      explicit_deny: decisions.labels('explicit_deny'),
      implicit_deny: decisions.labels('implicit_deny'),
    };
    this.sigv4Failures = new Counter({
      name: 'iamd_sigv4_failures_total',
      help: 'Signature V4 requests refused, by the AWS error code answered.',
      labelNames: ['reason'],
      registers,
    });
    this.cache = new Counter({
      name: 'iamd_cache_requests_total',
      help: 'Cache lookups, by cache and result (hit, miss).',
      labelNames: ['cache', 'result'],
      registers,
    });
    this.credentialCache = { hit: this.cache.labels('credentials', 'hit'), miss: this.cache.labels('credentials', 'miss') };
    this.policyCache = { hit: this.cache.labels('principal_policies', 'hit'), miss: this.cache.labels('principal_policies', 'miss') };
    this.storeLatency = new Histogram({
      name: 'iamd_store_transaction_duration_seconds',
      help: 'Store transactions (read or write), from asking for one to its end, retries included.',
      labelNames: ['kind'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeRead = this.storeLatency.labels('read');
    this.storeWrite = this.storeLatency.labels('write');
    const signIns = new Counter({
      name: 'iamd_console_sign_ins_total',
      help: 'Console password sign-ins, by outcome (locked: refused while the name is locked out).',
      labelNames: ['outcome'],
      registers,
    });
    this.signIns = { success: signIns.labels('success'), failure: signIns.labels('failure'), locked: signIns.labels('locked') };
    this.workloadCredentials = new Counter({ name: 'iamd_workload_credentials_issued_total', help: 'Role credentials issued to workloads.', registers });
    this.auditEvents = new Counter({ name: 'iamd_audit_events_total', help: 'Records appended to the audit trail.', registers });
    this.auditFlushSeconds = new Histogram({
      name: 'iamd_audit_flush_duration_seconds',
      help: 'Time to append one batch of queued audit records (reads and refusals).',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.auditFailures = new Counter({ name: 'iamd_audit_failures_total', help: 'Audit trail appends or maintenance that failed.', registers });
  }

  /** The bound children of one operation; callers pass only services and operations iamd serves. */
  private operation(service: string, action: string): OperationMetrics {
    const key = `${service}:${action}`;
    let m = this.operations.get(key);
    if (!m) {
      m = { ok: this.requests.labels(service, action, '2xx', ''), latency: this.latency.labels(service, action) };
      this.operations.set(key, m);
    }
    return m;
  }

  /** One dispatched operation: `code` is the AWS error code answered (undefined on success). */
  request(service: string, action: string, seconds: number, status: number, code?: string): void {
    const m = this.operation(service, action);
    m.latency.observe(seconds);
    if (code === undefined) m.ok.inc();
    else this.requests.inc({ service, action, status: `${Math.floor(status / 100)}xx`, code });
  }

  decision(outcome: AuthorizationOutcome): void {
    this.decisions[outcome].inc();
  }

  sigv4Failure(code: string): void {
    this.sigv4Failures.inc({ reason: code });
  }

  signIn(outcome: SignInOutcome): void {
    this.signIns[outcome].inc();
  }

  /** In a worker of `--workers N`: scraped, this app's metrics are the whole cluster's (cluster-metrics.ts). */
  private wholeCluster?: () => Promise<string>;

  /** Scrapes describe every worker of the cluster, not only this one (call once, in a worker). */
  describeCluster(): void {
    this.wholeCluster ??= clusterScrape(this.registry);
  }

  /** The text exposition format, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: this.wholeCluster ? await this.wholeCluster() : await this.registry.metrics() };
  }

  /** Every sample by metric name, as a scrape would give them (the whole cluster's in a worker). */
  async samples(): Promise<Map<string, MetricSample[]>> {
    const out = new Map<string, MetricSample[]>();
    if (this.wholeCluster) {
      for (const sample of parseExposition(await this.wholeCluster())) {
        const list = out.get(sample.name);
        if (list) list.push(sample);
        else out.set(sample.name, [sample]);
      }
      return out;
    }
    for (const metric of await this.registry.getMetricsAsJSON())
      out.set(
        metric.name,
        metric.values.map((v) => ({
          name: (v as { metricName?: string }).metricName ?? metric.name,
          labels: v.labels as Record<string, string>,
          value: v.value,
        })),
      );
    return out;
  }
}

export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of Prometheus' text format as prom-client writes it (`name{a="x",b="y"} value`,
 * label values escaped with backslashes), comments skipped.
 */
export function parseExposition(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const brace = line.indexOf('{');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    const labels: Record<string, string> = {};
    if (brace >= 0 && brace < space) {
      for (const m of line.slice(brace + 1, line.lastIndexOf('}', space)).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name, labels, value: Number(line.slice(space + 1)) });
  }
  return out;
}

/** Seconds since `start` (from performance.now()). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
