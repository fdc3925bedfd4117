// A subscriber that stands in for the correlator's ingest when a test only needs to know what
// arrived: a persistent MQTT 5 session (clean start off, session expiry), QoS 1, and per agent
// the order in which sequence numbers first arrived, with redeliveries counted apart (the
// correlator drops those by sequence number).

import mqtt, { type MqttClient } from 'mqtt';

export interface AgentArrivals {
  /** Sequence numbers in order of first arrival. */
  first: number[];
  seen: Set<number>;
  /** Arrivals of a number already seen. */
  duplicates: number;
  /** Arrivals of a new number below the highest seen: would be dropped as a redelivery. */
  outOfOrder: number;
  max: number;
  /** The last metrics payload of this agent, parsed. */
  last?: { samples: Array<{ m: string; fields: Record<string, number> }> };
  lastSpool: Array<{ seq: number; messages: number; dropped: number }>;
}

export interface SequenceChecker {
  client: MqttClient;
  agents: Map<string, AgentArrivals>;
  of(agent: string): AgentArrivals;
  stop(): Promise<void>;
}

export async function startSequenceChecker(url: string, filter = 'wardwatch/v1/+/+/metrics', clientId = 'sequence-checker'): Promise<SequenceChecker> {
  const agents = new Map<string, AgentArrivals>();
  const of = (agent: string): AgentArrivals => {
    let a = agents.get(agent);
    if (!a) agents.set(agent, (a = { first: [], seen: new Set(), duplicates: 0, outOfOrder: 0, max: 0, lastSpool: [] }));
    return a;
  };
  const client = await mqtt.connectAsync(url, {
    clientId,
    protocolVersion: 5,
    clean: false,
    properties: { sessionExpiryInterval: 3600 },
    reconnectPeriod: 300,
    connectTimeout: 5_000,
  });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    const agent = topic.split('/')[3] ?? '?';
    const msg = JSON.parse(payload.toString()) as { seq: number; samples: Array<{ m: string; fields: Record<string, number> }> };
    const a = of(agent);
    if (a.seen.has(msg.seq)) {
      a.duplicates++;
      return;
    }
    if (msg.seq < a.max) a.outOfOrder++;
    a.seen.add(msg.seq);
    a.first.push(msg.seq);
    a.max = Math.max(a.max, msg.seq);
    a.last = msg;
    const own = msg.samples.find((s) => s.m === 'agent');
    if (own && own.fields.spool_messages !== undefined) a.lastSpool.push({ seq: msg.seq, messages: own.fields.spool_messages, dropped: own.fields.spool_dropped ?? 0 });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, agents, of, stop: () => client.endAsync().then(() => undefined) };
}
