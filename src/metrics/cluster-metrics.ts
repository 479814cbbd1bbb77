// `iamd serve --workers N`: /metrics describes every worker, whichever one the scrape reached. That
// worker asks the primary, which gathers each worker's registry with prom-client's
// AggregatorRegistry (counters and histograms summed; Node's own gauges as prom-client aggregates
// each of them: heap and handles summed, version first…) and answers with the whole.
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const SCRAPE = 'iamd:metrics-scrape';
const SCRAPED = 'iamd:metrics-scraped';
/** prom-client's own wait for the workers is 5 s: the asking worker gives up a little after. */
const SCRAPE_TIMEOUT_MS = 7_000;

interface ScrapeMessage {
  type: typeof SCRAPE;
  id: number;
}
type ScrapedMessage = { type: typeof SCRAPED; id: number; body: string } | { type: typeof SCRAPED; id: number; error: string };

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In the primary: answers each worker's scrape with the metrics of all of them. */
export function gatherWorkersMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<ScrapeMessage>(message, SCRAPE)) return;
    const reply = (answer: ScrapedMessage) => {
      if (worker.isConnected()) worker.send(answer);
    };
    aggregator.clusterMetrics().then(
      (body) => reply({ type: SCRAPED, id: message.id, body }),
      (error: unknown) => reply({ type: SCRAPED, id: message.id, error: String(error) }),
    );
  });
}

/**
 * In a worker: lends `registry` to the primary's gatherings, and returns the scrape of the whole
 * cluster (which rejects if the primary does not answer in time).
 */
export function clusterScrape(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // Constructed in a worker, an AggregatorRegistry makes the worker answer the primary's requests.
  new AggregatorRegistry();
  let nextId = 0;
  const waiting = new Map<number, { resolve: (body: string) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: unknown) => {
    if (!isMessage<ScrapedMessage>(message, SCRAPED)) return;
    const request = waiting.get(message.id);
    if (!request) return;
    waiting.delete(message.id);
    clearTimeout(request.timer);
    if ('error' in message) request.reject(new Error(`the workers' metrics could not be gathered: ${message.error}`));
    else request.resolve(message.body);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the workers' metrics could not be gathered: the primary did not answer"));
      }, SCRAPE_TIMEOUT_MS);
      waiting.set(id, { resolve, reject, timer });
      process.send?.({ type: SCRAPE, id } satisfies ScrapeMessage);
    });
}
