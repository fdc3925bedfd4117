import type { Message } from './schema.js';

/** Messages are UTF-8 JSON. Kept apart from decode.ts so an agent never loads the validators. */
export function encode(message: Message): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}
