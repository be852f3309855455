/** The EventPublisher port on EventBridge. A 200 from PutEvents can still carry failed entries: those throw. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../core/commands/alerts';
import type { EventPublisher, PublishedEvent } from '../core/ports';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: PublishedEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const batch = events.slice(i, i + 10);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: batch.map((e) => ({
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
          })),
        }),
      );
      const failed = (out.Entries ?? [])
        .map((entry, j) => ({ entry, event: batch[j] }))
        .filter(({ entry }) => entry.ErrorCode);
      if ((out.FailedEntryCount ?? 0) > 0 || failed.length > 0) {
        throw new Error(
          `PutEvents failed for ${failed.map(({ entry, event }) => `${event.id} (${entry.ErrorCode}: ${entry.ErrorMessage})`).join(', ')}`,
        );
      }
    }
  }
}
