/**
 * The published event contracts (docs/events/<detail-type>.schema.json), checked with a real JSON Schema validator (Ajv,
 * draft 2020-12): every test that publishes events goes through `validatingPublisher`, so the contract and the code
 * cannot drift apart without a test failing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { EventPublisher, PublishedEvent } from '../../functions/core/ports';

const DIR = path.join(__dirname, '..', '..', 'docs', 'events');
// strictRequired off: the catalog events' schemas say which of locationId and channelId a scope forbids with `not: {required}`.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const validators = new Map(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .map((f) => [f.replace('.schema.json', ''), ajv.compile(JSON.parse(readFileSync(path.join(DIR, f), 'utf8')))]),
);

/** The detail types that have a schema. */
export const EVENT_TYPES = [...validators.keys()].sort();

/** Why an event breaks its contract (none: it keeps it). */
export function contractErrors(event: PublishedEvent): string[] {
  const validate = validators.get(event.detailType);
  if (!validate) return [`no schema for ${event.detailType} in docs/events`];
  if (validate(event.detail)) return event.detail.eventId === event.id ? [] : ['detail.eventId is not the event id'];
  return (validate.errors ?? []).map((e) => `${event.detailType}${e.instancePath} ${e.message}`);
}

/** Publishes through `inner` after checking each event against its schema; an event that breaks it fails the publish (and the test). */
export function validatingPublisher(inner: EventPublisher, seen: Map<string, number> = validated): EventPublisher {
  return {
    publish: async (events) => {
      for (const e of events) {
        const errors = contractErrors(e);
        if (errors.length) throw new Error(`Event breaks its contract: ${errors.join('; ')}\n${JSON.stringify(e)}`);
        seen.set(e.detailType, (seen.get(e.detailType) ?? 0) + 1);
      }
      await inner.publish(events);
    },
  };
}

/** How many events of each type passed validation in this test file. */
export const validated = new Map<string, number>();
