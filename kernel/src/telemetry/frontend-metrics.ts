// Prometheus series for what workbenches report, on the kernel's own registry (served at /metrics).
// Labels come from fixed sets only: the reports arrive on a public endpoint.
import { inject, injectable } from 'inversify';
import { Counter, Histogram } from 'prom-client';
import { HttpMetrics } from '../metrics/http-metrics.ts';
import type { FaroSummary } from './faro-payload.ts';

@injectable()
export class FrontendMetrics {
  private readonly reports: Counter<'outcome'>;
  private readonly exceptions: Counter;
  private readonly logs: Counter<'level'>;
  private readonly events: Counter;
  private readonly spans: Counter;
  private readonly vitals: Histogram<'name'>;

  constructor(@inject(HttpMetrics) metrics: HttpMetrics) {
    const registers = [metrics.registry];
    this.reports = new Counter({ name: 'penny_frontend_reports_total', help: 'Faro reports received from workbenches, by outcome', labelNames: ['outcome'] as const, registers });
    this.exceptions = new Counter({ name: 'penny_frontend_exceptions_total', help: 'Uncaught errors and rejections reported by workbenches', registers });
    this.logs = new Counter({ name: 'penny_frontend_logs_total', help: 'Console and explicit log lines reported by workbenches, by level', labelNames: ['level'] as const, registers });
    this.events = new Counter({ name: 'penny_frontend_events_total', help: 'Events (session, view, custom) reported by workbenches', registers });
    this.spans = new Counter({ name: 'penny_frontend_spans_total', help: 'Trace spans reported by workbenches', registers });
    // One histogram for every vital: CLS is unitless (0.1 good, 0.25 poor); the others are milliseconds.
    this.vitals = new Histogram({
      name: 'penny_frontend_web_vitals',
      help: 'Core web vitals reported by workbenches, by metric name (cls unitless, others ms)',
      labelNames: ['name'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 50, 100, 200, 500, 800, 1000, 1800, 2500, 4000, 8000, 16000],
      registers,
    });
  }

  record(summary: FaroSummary): void {
    this.reports.inc({ outcome: 'accepted' });
    if (summary.exceptions.length) this.exceptions.inc(summary.exceptions.length);
    for (const [level, count] of Object.entries(summary.logs)) this.logs.inc({ level }, count);
    if (summary.events) this.events.inc(summary.events);
    if (summary.spans) this.spans.inc(summary.spans);
    for (const vital of summary.vitals) this.vitals.observe({ name: vital.name }, vital.value);
  }

  rejected(): void {
    this.reports.inc({ outcome: 'rejected' });
  }
}
