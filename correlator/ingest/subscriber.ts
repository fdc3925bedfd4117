// The correlator's MQTT session: a fixed client id with clean start off and a long session
// expiry, so the broker queues what agents publish while the correlator restarts; QoS 1
// subscriptions; and each message acknowledged only after the pipeline has stored its effects.

import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { redactUrl, type Logger } from '../../common/log.js';
import { subscriptionFor } from '../../protocol/topics.js';

export interface Subscriber {
  readonly client: MqttClient;
  /** Resolves once the first connection and subscription are established. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

export interface BrokerSettings {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  sessionExpiryS: number;
  protocolVersion: 4 | 5;
  tls?: { ca?: string; cert?: string; key?: string; servername?: string };
}

export function subscribe(
  config: { broker: BrokerSettings; sites: readonly string[] },
  handle: (topic: string, payload: Buffer) => Promise<void>,
  log: Logger,
  onConnection: (connected: boolean) => void = () => {},
): Subscriber {
  const b = config.broker;
  const tls = b.tls;
  const options: IClientOptions = {
    clientId: b.clientId,
    ...(b.username !== undefined ? { username: b.username } : {}),
    ...(b.password !== undefined ? { password: b.password } : {}),
    protocolVersion: b.protocolVersion,
    clean: false,
    ...(b.protocolVersion === 5 ? { properties: { sessionExpiryInterval: b.sessionExpiryS } } : {}),
    keepalive: 30,
    connectTimeout: 10_000,
    reconnectPeriod: 2_000,
    // A refused CONNACK (a password file being replaced, a broker still starting) is retried
    // like any other failure: mqtt.js would otherwise give up for good.
    reconnectOnConnackError: true,
    ...(tls?.ca ? { ca: readFileSync(tls.ca) } : {}),
    ...(tls?.cert ? { cert: readFileSync(tls.cert) } : {}),
    ...(tls?.key ? { key: readFileSync(tls.key) } : {}),
    ...(tls?.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: true,
  };
  const client = mqtt.connect(b.url, options);
  // Backpressure: mqtt.js waits for this callback before the PUBACK and the next message.
  client.handleMessage = (packet, done) => {
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    handle(packet.topic, payload).then(
      () => done(),
      (err: unknown) => {
        log.error('message processing failed', { topic: packet.topic.slice(0, 120), error: (err as Error).message });
        done();
      },
    );
  };
  const filters = config.sites.map((site) => subscriptionFor(site));
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => (resolveReady = r));
  client.on('connect', (connack) => {
    onConnection(true);
    log.info('connected to broker', { broker: redactUrl(b.url), resumed_session: connack.sessionPresent });
    // With a resumed session the broker already has our subscriptions; subscribing again is
    // harmless and covers a broker that lost them.
    client.subscribe(filters, { qos: 1 }, (err, granted) => {
      if (err) log.error('subscribe failed', { error: err.message });
      else if (granted?.some((g) => g.qos > 2)) log.error('broker refused a subscription', { filters: filters.join(',') });
      resolveReady();
    });
  });
  client.on('close', () => onConnection(false));
  client.on('error', (err) => log.warn('broker connection error', { broker: redactUrl(b.url), error: err.message }));
  return {
    client,
    ready,
    async stop() {
      await client.endAsync().catch(() => undefined);
    },
  };
}
