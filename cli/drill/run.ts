// Runs a drill: simulated agents publish the fault over real MQTT to the broker the
// correlator listens on, the drill keeps it up until the response chain shows (incident,
// ticket, notification) or time runs out, optionally holds it longer (to see escalation),
// then recovers and waits for the incident to resolve. Progress goes to stderr.

import mqtt, { type MqttClient } from 'mqtt';
import type { ApiOptions } from '../shared/api-client.js';
import { DrillAgents, phaseTiming, type Outgoing, type Scenario } from './scenario.js';
import { observe, type Chain } from './watch.js';

export interface DrillRun {
  scenario: Scenario;
  drillId: string;
  broker: { url: string; username?: string; password?: string; protocolVersion: 4 | 5 };
  api: ApiOptions;
  page: boolean;
  waitMs: number;
  holdMs: number;
  progress: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function publish(client: MqttClient, messages: Outgoing[]): Promise<void> {
  for (const m of messages) await client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain });
}

export async function runDrill(run: DrillRun): Promise<Chain> {
  const { scenario } = run;
  const client = await mqtt.connectAsync(run.broker.url, {
    clientId: `wardwatch-drill-${run.drillId}`.slice(0, 64),
    protocolVersion: run.broker.protocolVersion,
    ...(run.broker.username ? { username: run.broker.username } : {}),
    ...(run.broker.password ? { password: run.broker.password } : {}),
    connectTimeout: 10_000,
    reconnectPeriod: 0,
  });
  const agents = new DrillAgents(scenario, run.drillId, run.page, Date.now());
  const chain: Chain = { injectedAt: Date.now(), notifications: [], escalations: [], runbooks: [] };
  let sent = 0;
  try {
    await publish(client, scenario.agents.map((a) => agents.birth(a.id, Date.now())));
    run.progress(`drill ${run.drillId}: ${scenario.agents.length} simulated agent(s) up; injecting "${scenario.title}"`);
    chain.injectedAt = Date.now();
    const fault = phaseTiming(scenario.fault);
    const deadline = chain.injectedAt + run.waitMs;
    let round = 0;
    let holdUntil = Infinity;
    for (;;) {
      const now = Date.now();
      for (const s of scenario.fault.send) {
        const out = agents.build(s, now);
        await publish(client, out);
        sent += out.length;
      }
      round++;
      await observe(run.api, run.drillId, chain).catch(() => undefined);
      const seen = chain.ticket && chain.notifications.length > 0;
      if (seen && holdUntil === Infinity) holdUntil = Date.now() + run.holdMs;
      run.progress(`  fault round ${round}: ${sent} messages sent · ${chain.incident ? `${chain.incident.ref} ${chain.incident.priority}` : 'no incident yet'}${chain.ticket ? ` · ${chain.ticket.ref}` : ''} · ${chain.notifications.length} notification(s) · ${chain.escalations.length} escalation(s)`);
      const elapsed = Date.now() - chain.injectedAt;
      if (elapsed >= fault.forMs && Date.now() >= holdUntil) break;
      if (Date.now() >= deadline) break;
      await sleep(fault.everyMs);
    }
    // Recovery: agents that went away come back, then the recovery messages.
    const recover = phaseTiming(scenario.recover);
    const gone = new Set(scenario.fault.send.filter((s) => s.offline).map((s) => s.agent));
    await publish(client, [...gone].map((a) => agents.birth(a, Date.now())));
    chain.clearedAt = Date.now();
    run.progress(`drill ${run.drillId}: fault cleared; waiting for the incident to resolve`);
    const until = Date.now() + Math.max(recover.forMs, run.waitMs);
    // Agents that came back keep reporting like a live host (an empty metrics message is enough):
    // one that only announced itself would be silent for three of its intervals and count as
    // offline again before the incident could resolve.
    const reporting = new Set(scenario.recover.send.filter((s) => s.metrics).map((s) => s.agent));
    const heartbeats = [...gone].filter((a) => !reporting.has(a));
    for (let r = 1; ; r++) {
      for (const a of heartbeats) await publish(client, agents.build({ agent: a, metrics: [] }, Date.now()));
      for (const s of scenario.recover.send) await publish(client, agents.build(s, Date.now()));
      await observe(run.api, run.drillId, chain).catch(() => undefined);
      const done = !chain.incident || chain.incident.state === 'resolved';
      if ((done && Date.now() - chain.clearedAt >= recover.forMs) || Date.now() >= until) break;
      if (r % 3 === 0) run.progress(`  recovery: ${chain.incident?.state ?? 'no incident'}`);
      await sleep(recover.everyMs);
    }
    // The simulated agents are retired, not shut down: a shutdown counts as offline and would
    // open a new drill incident; a retired agent is forgotten.
    await publish(client, scenario.agents.map((a) => agents.retired(a.id, Date.now())));
    await observe(run.api, run.drillId, chain).catch(() => undefined);
  } finally {
    await client.endAsync().catch(() => undefined);
  }
  return chain;
}
