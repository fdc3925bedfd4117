/** The wire protocol version carried in every payload (`v`) and in every topic (`v1`). */
export const PROTOCOL_VERSION = 1;
/** The first topic levels; everything Wardwatch publishes lives under them. */
export const TOPIC_ROOT = `wardwatch/v${PROTOCOL_VERSION}`;
