// Topic layout: wardwatch/v1/<site>/<agentId>/<kind>. The agent id and site are part of the
// topic so the broker's ACL can confine each agent to its own subtree (pattern %u), and a
// correlator can subscribe to exactly the sites it serves.

import { TOPIC_ROOT } from './version.js';

export const MESSAGE_KINDS = ['metrics', 'state', 'events'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Agent ids and site names: lowercase ASCII, digits, dot, dash, underscore. */
export const NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,62}$';
const NAME = new RegExp(NAME_PATTERN);

export function isValidName(name: string): boolean {
  return NAME.test(name);
}

export function topicFor(kind: MessageKind, site: string, agentId: string): string {
  return `${TOPIC_ROOT}/${site}/${agentId}/${kind}`;
}

/** Subscription filter for every message of the given sites ('+' for all sites). */
export function subscriptionFor(site: string): string {
  return `${TOPIC_ROOT}/${site}/+/+`;
}

export interface TopicParts {
  site: string;
  agentId: string;
  kind: MessageKind;
}

export function parseTopic(topic: string): TopicParts | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const [, , site, agentId, kind] = parts as [string, string, string, string, string];
  if (!NAME.test(site) || !NAME.test(agentId)) return undefined;
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) return undefined;
  return { site, agentId, kind: kind as MessageKind };
}
