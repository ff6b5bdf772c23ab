/**
 * Prometheus metrics, one registry per portal: requests by route and status, audited events
 * (flow outcomes, verification failures, rate-limit and bot hits, deliveries) by category,
 * action and outcome, directory operation latency, process figures, and certificate days left.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditRecord, AuditRecorder } from '../audit/recorder.ts';
import { refusedRule } from '../passwords/refusals.ts';
import { offerToPrimary } from './cluster.ts';

export interface Metrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  events: Counter<'category' | 'action' | 'outcome' | 'factor'>;
  passwordRefusals: Counter<'rule'>;
  directory: Histogram<'operation' | 'outcome'>;
  certificateDaysLeft: Gauge<'certificate'>;
}

export function createMetrics(certificates: () => Promise<Record<string, number>>): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'latchkey_' });
  offerToPrimary(registry);
  return {
    registry,
    requests: new Counter({
      name: 'latchkey_http_requests_total',
      help: 'HTTP requests by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'latchkey_events_total',
      help: 'Audited events by category, action and outcome (flow outcomes, question-wrong/code-wrong, rate-limited, bot, code-sent, delivery-failed ...); factor-chosen/passed/failed by factor too.',
      labelNames: ['category', 'action', 'outcome', 'factor'],
      registers: [registry],
    }),
    passwordRefusals: new Counter({
      name: 'latchkey_password_refusals_total',
      help: "New passwords refused before reaching the directory, by Latchkey's rule or screening's verdict.",
      labelNames: ['rule'],
      registers: [registry],
    }),
    directory: new Histogram({
      name: 'latchkey_directory_operation_seconds',
      help: 'Directory operations of the service account by kind and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    certificateDaysLeft: new Gauge({
      name: 'latchkey_certificate_days_left',
      help: 'Days until the web and domain-controller certificates expire.',
      labelNames: ['certificate'],
      registers: [registry],
      // Every worker reads the same certificates: several workers' figures are one, not a sum.
      aggregator: 'min',
      async collect() {
        for (const [certificate, days] of Object.entries(await certificates())) this.set({ certificate }, days);
      },
    }),
  };
}

/** A recorder that also counts what it records (refused passwords by rule too). */
export function counted(recorder: AuditRecorder, category: string, metrics: Pick<Metrics, 'events' | 'passwordRefusals'>): AuditRecorder {
  return {
    async record(entry: AuditRecord) {
      await recorder.record(entry);
      metrics.events.inc({ category, action: entry.action, outcome: entry.outcome, ...(entry.factor ? { factor: entry.factor } : {}) });
      if (entry.action === 'password-refused') metrics.passwordRefusals.inc({ rule: refusedRule(entry.detail) });
    },
  };
}
