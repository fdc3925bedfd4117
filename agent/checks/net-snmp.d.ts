// The part of net-snmp (3.x, plain JavaScript, no types of its own) that the SNMP check and
// the trap receiver use, as its README documents it.

declare module 'net-snmp' {
  import type { Socket, SocketType } from 'node:dgram';

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export type TableRows = Record<string, Record<string, unknown>>;

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    idBitsSize?: 16 | 32;
    context?: string;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export interface Session {
    get(oids: string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    subtree(oid: string, maxRepetitions: number, feed: (varbinds: Varbind[]) => boolean | void, done: (error: Error | null) => void): void;
    tableColumns(oid: string, columns: number[], maxRepetitions: number, callback: (error: Error | null, table: TableRows) => void): void;
    close(): void;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'close', listener: () => void): this;
  }

  export interface Notification {
    pdu: {
      type: number;
      varbinds: Varbind[];
      enterprise?: string;
      agentAddr?: string;
      generic?: number;
      specific?: number;
      upTime?: number;
      community?: string;
      user?: string;
    };
    rinfo: { address: string; family: string; port: number; size: number };
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: User): void;
  }

  export interface Receiver {
    getAuthorizer(): Authorizer;
    close(callback?: (socket: unknown) => void): void;
  }

  export interface ReceiverOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    includeAuthentication?: boolean;
    engineID?: string;
    dgramModule?: { createSocket(type: SocketType): Socket };
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session;
  export function createReceiver(options: ReceiverOptions, callback: (error: (Error & { rinfo?: Notification['rinfo'] }) | null, notification: Notification | null) => void): Receiver;
  export function isVarbindError(varbind: Varbind): boolean;

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: Record<'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512', number>;
  export const PrivProtocols: Record<'des' | 'aes' | 'aes256b' | 'aes256r', number>;
  export const PduType: Record<string, number>;
  export const ObjectType: Record<string, number>;

  const snmp: {
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    createReceiver: typeof createReceiver;
    isVarbindError: typeof isVarbindError;
    Version1: number;
    Version2c: number;
    Version3: number;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    PduType: typeof PduType;
    ObjectType: typeof ObjectType;
  };
  export default snmp;
}
