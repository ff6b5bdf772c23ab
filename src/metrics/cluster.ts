/**
 * /metrics when several worker processes serve the portal (`server.workers`): a scrape reaches
 * one worker, which asks the primary, which gathers every worker's registry with prom-client's
 * AggregatorRegistry and answers with their sum (counters and histograms added up, the process
 * figures summed or, where a sum means nothing, as prom-client aggregates them; certificate days
 * the lowest). So Prometheus sees one portal, whichever worker it reaches, with no worker label.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const REQUEST = 'latchkey:metrics-request';
const ANSWER = 'latchkey:metrics-answer';
/** prom-client waits 5 s for every worker; a little more for the round trip. */
const ANSWER_TIMEOUT_MS = 6_000;

interface MetricsMessage {
  type: string;
  id: number;
  text?: string;
  error?: string;
}

const isMessage = (message: unknown, type: string): message is MetricsMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In the primary: answers the workers' requests with the metrics of them all. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message, REQUEST)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, text }),
      (error: Error) => worker.isConnected() && worker.send({ type: ANSWER, id: message.id, error: error.message }),
    );
  });
}

let lastId = 0;

/**
 * The Prometheus text of this portal: this process's registry, or in a worker every worker's,
 * through the primary.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = ++lastId;
  return new Promise((resolve, reject) => {
    const done = (message: unknown) => {
      if (!isMessage(message, ANSWER) || message.id !== id) return;
      clearTimeout(timer);
      process.off('message', done);
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.text ?? '');
    };
    const timer = setTimeout(() => {
      process.off('message', done);
      reject(new Error('the primary process did not answer with the metrics'));
    }, ANSWER_TIMEOUT_MS);
    process.on('message', done);
    process.send!({ type: REQUEST, id });
  });
}

/** In a worker: lets the primary read `registry` (prom-client answers its requests). */
export function offerToPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry();
}
