// Opens the agent's MQTT client. For mqtt:// and mqtts:// the agent builds the TCP or TLS
// stream itself and uses mqtt.js's client class directly: importing the package entry point
// pulls in its WebSocket and proxy support too, about 5 MB of resident memory on every
// workstation for transports an agent on a hospital LAN does not use. ws:// and wss:// still
// go through the full package.

import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { IClientOptions, MqttClient } from 'mqtt';

export interface StreamOptions {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

export async function connectClient(url: string, options: IClientOptions & StreamOptions): Promise<MqttClient> {
  const u = new URL(url);
  const secure = u.protocol === 'mqtts:' || u.protocol === 'ssl:';
  if (u.protocol === 'ws:' || u.protocol === 'wss:') {
    const mqtt = (await import('mqtt')).default;
    return mqtt.connect(url, options);
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || (secure ? 8883 : 1883));
  const mod = (await import('mqtt/lib/client')) as unknown as { default: { default?: unknown } | unknown };
  const Client = ((mod.default as { default?: unknown }).default ?? mod.default) as new (builder: () => NodeJS.ReadWriteStream, opts: IClientOptions) => MqttClient;
  const builder = () =>
    secure
      ? tlsConnect({
          host,
          port,
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.cert ? { cert: options.cert } : {}),
          ...(options.key ? { key: options.key } : {}),
          servername: options.servername ?? host,
          rejectUnauthorized: true,
        })
      : netConnect({ host, port });
  return new Client(builder, { ...options, host, port });
}
