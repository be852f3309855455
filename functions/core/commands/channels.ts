/** Sales channels: each sells from a set of locations (availability per channel, allocation of cart lines, catalog events). */
import type { Deps } from '../deps';
import { notFound } from '../errors';
import { runCommand } from '../run-command';
import type { Channel, PutChannelBody } from '../schemas';
import type { ChannelRecord } from '../records';

const view = ({ channelId, name, locationIds, createdAt, updatedAt }: ChannelRecord): Channel => ({ channelId, name, locationIds, createdAt, updatedAt });

/**
 * Creates or replaces a channel. Its locations must exist (404 otherwise); inactive ones may be named and count once
 * they sell. A change of its locations can move variants in or out of stock on the channel: the stream judges it.
 */
export async function putChannel(deps: Deps, channelId: string, body: PutChannelBody): Promise<Channel> {
  return runCommand(deps, async () => {
    const [current, locations] = await Promise.all([deps.store.getChannel(channelId), deps.store.listLocations()]);
    const known = new Set(locations.map((l) => l.locationId));
    for (const id of body.locationIds) if (!known.has(id)) throw notFound(`Location ${id}`);
    const now = deps.clock.now().toISOString();
    const next: ChannelRecord = {
      entity: 'Channel',
      channelId,
      name: body.name,
      locationIds: [...body.locationIds].sort(),
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      version: current?.version ?? 0,
    };
    return { change: { levels: [], records: [{ op: 'put', record: next, expect: { version: next.version } }] }, result: view(next) };
  });
}

export async function getChannel(deps: Deps, channelId: string): Promise<Channel> {
  return view(await requireChannel(deps, channelId));
}

/** The channel, or 404. */
export async function requireChannel(deps: Deps, channelId: string): Promise<ChannelRecord> {
  const found = await deps.store.getChannel(channelId);
  if (!found) throw notFound(`Channel ${channelId}`);
  return found;
}

export async function listChannels(deps: Deps): Promise<{ channels: Channel[] }> {
  return { channels: (await deps.store.listChannels()).map(view).sort((a, b) => a.channelId.localeCompare(b.channelId)) };
}
