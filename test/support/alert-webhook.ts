// An Alertmanager webhook receiver for tests: a plain HTTP server on 127.0.0.1:0 that keeps every
// alert of every POSTed notification, with the time it arrived, so a test can wait for one.
import { createServer, type Server } from 'node:http';
import { waitFor } from './wait-for.js';

export interface ReceivedAlert {
  alertname: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Date.now() when the notification carrying it arrived. */
  receivedAt: number;
}

export interface AlertWebhook {
  url: string;
  /** Every alert received so far, oldest first. */
  alerts(): ReceivedAlert[];
  /** The first alert named `alertname` with `status` that arrived at or after `since` (ms). */
  waitForAlert(alertname: string, status: 'firing' | 'resolved', since: number, timeoutMs: number): Promise<ReceivedAlert>;
  close(): Promise<void>;
}

// The body Alertmanager's webhook_config sends (version 4), reduced to what the tests read.
interface Notification {
  alerts?: { status?: unknown; labels?: Record<string, string>; annotations?: Record<string, string> }[];
}

export async function startAlertWebhook(): Promise<AlertWebhook> {
  const received: ReceivedAlert[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const receivedAt = Date.now();
      try {
        const notification = JSON.parse(body) as Notification;
        for (const a of notification.alerts ?? []) {
          const labels = a.labels ?? {};
          received.push({
            alertname: labels.alertname ?? '',
            status: a.status === 'resolved' ? 'resolved' : 'firing',
            labels,
            annotations: a.annotations ?? {},
            receivedAt,
          });
        }
        res.writeHead(200).end();
      } catch {
        // Alertmanager retries on errors; a body we cannot read is a test failure to see, not to retry.
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('webhook receiver has no address');
  return {
    url: `http://127.0.0.1:${address.port}/alerts`,
    alerts: () => [...received],
    async waitForAlert(alertname, status, since, timeoutMs) {
      try {
        return await waitFor(
          `${alertname} (${status}) at the webhook`,
          () => received.find((a) => a.alertname === alertname && a.status === status && a.receivedAt >= since),
          timeoutMs,
          100,
        );
      } catch (error) {
        const seen = received.map((a) => `${a.alertname}/${a.status}`).join(', ') || 'nothing';
        throw new Error(`${(error as Error).message}; received so far: ${seen}`);
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
