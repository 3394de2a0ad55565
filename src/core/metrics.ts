/** Prometheus metrics (prom-client), one registry per app so that tests can run several. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'kineo_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'kineo_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5], registers: [this.registry],
  });
  readonly tasksCreated = new Counter({ name: 'kineo_tasks_created_total', help: 'Tasks created', labelNames: ['api', 'provider'] as const, registers: [this.registry] });
  readonly tasksFinished = new Counter({ name: 'kineo_tasks_finished_total', help: 'Tasks finished', labelNames: ['provider', 'status'] as const, registers: [this.registry] });
  readonly taskDuration = new Histogram({
    name: 'kineo_task_run_seconds', help: 'Time a worker spent on a task', labelNames: ['provider'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64], registers: [this.registry],
  });
  readonly queued = new Gauge({ name: 'kineo_tasks_queued', help: 'Tasks waiting for a worker', registers: [this.registry] });
  readonly running = new Gauge({ name: 'kineo_tasks_running', help: 'Tasks a worker is running', registers: [this.registry] });
  readonly webhookAttempts = new Counter({ name: 'kineo_webhook_attempts_total', help: 'Webhook delivery attempts', labelNames: ['result'] as const, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'kineo_' });
  }
}
