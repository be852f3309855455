/**
 * The EventPublisher port on EventBridge. A 200 from PutEvents can still carry failed entries: those throw. Every entry
 * the bus accepted is counted in EventsPublished, every one it did not (a failed entry, or the whole call refused) in
 * EventsFailed.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../core/commands/alerts';
import type { EventPublisher, MetricsSink, PublishedEvent } from '../core/ports';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
    private readonly metrics?: MetricsSink,
  ) {}

  async publish(events: PublishedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const out = await this.client
        .send(
          new PutEventsCommand({
            Entries: batch.map((e) => ({
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: e.detailType,
              Detail: JSON.stringify(e.detail),
            })),
          }),
        )
        .catch((err: unknown) => {
          this.metrics?.count('EventsFailed', batch.length);
          throw err;
        });
      const failed = (out.Entries ?? [])
        .map((entry, j) => ({ entry, event: batch[j] }))
        .filter(({ entry }) => entry.ErrorCode);
      const failedCount = Math.max(out.FailedEntryCount ?? 0, failed.length);
      if (batch.length > failedCount) this.metrics?.count('EventsPublished', batch.length - failedCount);
      if (failedCount > 0) {
        this.metrics?.count('EventsFailed', failedCount);
        throw new Error(
          `PutEvents failed for ${failed.map(({ entry, event }) => `${event.id} (${entry.ErrorCode}: ${entry.ErrorMessage})`).join(', ')}`,
        );
      }
    }
  }
}
