/**
 * The local EventBridge stand-in: an HTTP endpoint that speaks the PutEvents API (AWS JSON 1.1), so the
 * handlers publish through the real @aws-sdk/client-eventbridge client. Each accepted entry is
 * appended, as one JSON object a line in EventBridge's own event shape, to the events file.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';

export interface LocalEventBus {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: number | string;
}

/** An event as the stand-in appends it (EventBridge's shape). */
export interface LocalEvent {
  id: string;
  'detail-type': string;
  source: string;
  detail: unknown;
}

/**
 * `onEvent` is told every event accepted, after it is appended: the local assembly's stand-in for the stack's rules that
 * invoke a function (the auditor on InventoryAuditRequested).
 */
export async function startLocalEventBus(options: { port?: number; eventsFile: string; onEvent?: (event: LocalEvent) => void }): Promise<LocalEventBus> {
  mkdirSync(path.dirname(options.eventsFile), { recursive: true });
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (target !== 'AWSEvents.PutEvents') {
        return reply(400, { __type: 'UnknownOperationException', message: `The stand-in serves PutEvents only, not ${target || 'this'}` });
      }
      let input: { Entries?: PutEventsEntry[] };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: PutEventsEntry[] };
      } catch {
        return reply(400, { __type: 'ValidationException', message: 'Body is not JSON' });
      }
      const entries = (input.Entries ?? []).map((e) => {
        if (!e.Source || !e.DetailType || !e.Detail) {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and Detail are required' };
        }
        let detail: unknown;
        try {
          detail = JSON.parse(e.Detail);
        } catch {
          return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
        }
        const id = randomUUID();
        const time = e.Time ? new Date(typeof e.Time === 'number' ? e.Time * 1000 : e.Time) : new Date();
        const event = {
          version: '0',
          id,
          'detail-type': e.DetailType,
          source: e.Source,
          account: '000000000000',
          time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: 'us-east-1',
          resources: e.Resources ?? [],
          'event-bus-name': e.EventBusName ?? 'default',
          detail,
        };
        appendFileSync(options.eventsFile, `${JSON.stringify(event)}\n`);
        options.onEvent?.(event);
        return { EventId: id };
      });
      reply(200, { FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries });
    });
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
