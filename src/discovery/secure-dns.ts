// A DNS stub client that sees what node:dns hides: the AD bit of a validating resolver's answer
// (RFC 4035 §3.2.3, RFC 6840 §5.7) and whether a SERVFAIL was a DNSSEC failure. UDP first, TCP
// when the answer is truncated (RFC 7766 §5); every wait and buffer bounded; answers that do not
// echo our random ID and question are ignored as spoofs (RFC 5452 §9.1).
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

export type DnssecStatus = 'secure' | 'insecure' | 'bogus';

export type SecureDnsType = 'A' | 'AAAA' | 'TLSA' | 'MX' | 'CNAME' | 'TXT';

export interface SecureDnsRecord {
  /** Lower-case, without the trailing dot. */
  name: string;
  type: string;
  ttl: number;
  /** As dns-packet decodes it (address string, TLSA fields, …). */
  data: unknown;
}

export interface SecureDnsAnswer {
  /** "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", … */
  rcode: string;
  /** 'secure': the resolver set AD; 'bogus': it SERVFAILed and answered the same question with CD=1. */
  status: DnssecStatus;
  /** Records of the asked type at the end of the CNAME chain the resolver returned. */
  records: SecureDnsRecord[];
  /** The aliases followed, in order (empty when the name is not an alias). */
  cnames: string[];
  /** How long this answer may be cached: the records' smallest TTL, or the negative TTL (RFC 2308 §5); null if unknown. */
  ttl: number | null;
}

export interface SecureDnsClient {
  /** Rejects with a SecureDnsError when no server answered (timeout, connection refused, oversized answer). */
  query(name: string, type: SecureDnsType): Promise<SecureDnsAnswer>;
}

export class SecureDnsError extends Error {
  constructor(
    readonly code: 'ETIMEOUT' | 'ECONNECTION' | 'ETOOLARGE' | 'EFORMERR',
    message: string,
  ) {
    super(message);
    this.name = 'SecureDnsError';
  }
}

interface Server {
  host: string;
  port: number;
}

/** RFC 6891 §6.2.5: 1232 bytes avoids IP fragmentation (DNS flag day 2020). */
const UDP_PAYLOAD = 1232;
/** A TCP message has a 16-bit length: nothing larger can be a DNS answer. */
const MAX_ANSWER_BYTES = 65_535;

/**
 * `servers`: "127.0.0.1:5353", "[::1]:53", "192.0.2.1" (port 53); empty: the system's resolvers.
 * Throws on a malformed address (node:dns's parser names it).
 */
export function createSecureDnsClient(options: { servers: readonly string[]; timeoutMs: number }): SecureDnsClient {
  const resolver = new Resolver();
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  const servers = resolver.getServers().map(parseServer);
  const timeoutMs = Math.max(1, options.timeoutMs);
  return {
    async query(name, type) {
      const qname = name.toLowerCase().replace(/\.$/, '');
      const first = await ask(servers, qname, type, false, timeoutMs);
      // A validating resolver SERVFAILs bogus data (RFC 4035 §5.5); with CD=1 it hands the data
      // over unchecked, so an answer then means the failure was DNSSEC, not the zone's servers.
      const bogus = rcodeOf(first) === 'SERVFAIL' && ['NOERROR', 'NXDOMAIN'].includes(rcodeOf(await ask(servers, qname, type, true, timeoutMs)));
      return answerOf(first, qname, type, bogus);
    },
  };
}

/** node:dns's getServers() form: "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353". */
function parseServer(text: string): Server {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed !== null) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 53) };
  if (net.isIPv6(text)) return { host: text, port: 53 };
  const [host, port] = text.split(':');
  return { host: host!, port: Number(port ?? 53) };
}

/** Each server in turn, one UDP attempt each (then TCP if truncated); the first answer wins. */
async function ask(servers: readonly Server[], qname: string, type: SecureDnsType, checkingDisabled: boolean, timeoutMs: number): Promise<dnsPacket.DecodedPacket> {
  let lastError: unknown = new SecureDnsError('ECONNECTION', 'no DNS server to ask');
  for (const server of servers) {
    const id = randomInt(0x10000);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      // RFC 6840 §5.7: AD=1 in the query asks for the AD bit without the whole DO answer being required.
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA | (checkingDisabled ? dnsPacket.CHECKING_DISABLED : 0),
      questions: [{ type, name: qname }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD, flags: dnsPacket.DNSSEC_OK } as dnsPacket.Answer],
    });
    const matches = (packet: dnsPacket.DecodedPacket) => isAnswerTo(packet, id, qname, type);
    try {
      const udp = await overUdp(server, query, matches, timeoutMs);
      return udp.flag_tc ? await overTcp(server, query, matches, timeoutMs) : udp;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

function isAnswerTo(packet: dnsPacket.DecodedPacket, id: number, qname: string, type: string): boolean {
  const question = packet.questions?.[0];
  return packet.type === 'response' && packet.id === id && question !== undefined && question.name.toLowerCase().replace(/\.$/, '') === qname && question.type === type;
}

function decode(bytes: Buffer): dnsPacket.DecodedPacket | null {
  try {
    return dnsPacket.decode(bytes);
  } catch {
    return null;
  }
}

const where = (server: Server) => (net.isIPv6(server.host) ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`);

function overUdp(server: Server, query: Buffer, matches: (p: dnsPacket.DecodedPacket) => boolean, timeoutMs: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    // Port 0: the kernel picks a random ephemeral source port per socket (RFC 5452 §4.5).
    const socket = dgram.createSocket({ type: net.isIPv6(server.host) ? 'udp6' : 'udp4', recvBufferSize: MAX_ANSWER_BYTES });
    const done = (err: Error | null, packet?: dnsPacket.DecodedPacket) => {
      clearTimeout(timer);
      socket.close();
      if (err === null) resolve(packet!);
      else reject(err);
    };
    const timer = setTimeout(() => done(new SecureDnsError('ETIMEOUT', `no answer from ${where(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(new SecureDnsError('ECONNECTION', `${where(server)}: ${err.message}`)));
    socket.on('message', (bytes, from) => {
      // Anything else (another sender, another ID or question, garbage) is a spoof or a late answer: keep waiting.
      if (from.port !== server.port || from.address !== server.host || bytes.length > MAX_ANSWER_BYTES) return;
      const packet = decode(bytes);
      if (packet !== null && matches(packet)) done(null, packet);
    });
    socket.send(query, server.port, server.host);
  });
}

function overTcp(server: Server, query: Buffer, matches: (p: dnsPacket.DecodedPacket) => boolean, timeoutMs: number): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    const done = (err: Error | null, packet?: dnsPacket.DecodedPacket) => {
      clearTimeout(timer);
      socket.destroy();
      if (err === null) resolve(packet!);
      else reject(err);
    };
    const timer = setTimeout(() => done(new SecureDnsError('ETIMEOUT', `no answer over TCP from ${where(server)} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => done(new SecureDnsError('ECONNECTION', `${where(server)} (TCP): ${err.message}`)));
    socket.on('close', () => done(new SecureDnsError('ECONNECTION', `${where(server)} closed the TCP connection before answering`)));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      // RFC 1035 §4.2.2: a two-byte length, then the message; at most 2 + 65,535 bytes are ever held.
      received = Buffer.concat([received, chunk.subarray(0, 2 + MAX_ANSWER_BYTES - received.length)]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const packet = decode(received.subarray(2, 2 + received.readUInt16BE(0)));
      if (packet !== null && matches(packet)) done(null, packet);
      else done(new SecureDnsError('EFORMERR', `${where(server)} (TCP) sent an answer that is not one to our question`));
    });
  });
}

function rcodeOf(packet: dnsPacket.DecodedPacket): string {
  return (packet as { rcode?: string }).rcode ?? 'UNKNOWN';
}

/** Follows the CNAME chain in the answer section (bounded by its size) to the records asked for. */
function answerOf(packet: dnsPacket.DecodedPacket, qname: string, type: SecureDnsType, bogus: boolean): SecureDnsAnswer {
  const lower = (name: string) => name.toLowerCase().replace(/\.$/, '');
  const answers = (packet.answers ?? []).flatMap((a) => (a.type === 'OPT' ? [] : [{ name: lower(a.name), type: a.type, ttl: a.ttl ?? 0, data: a.data as unknown }]));
  const cnames: string[] = [];
  let owner = qname;
  for (;;) {
    const alias = type === 'CNAME' ? undefined : answers.find((a) => a.name === owner && a.type === 'CNAME');
    if (alias === undefined || cnames.length >= answers.length) break;
    owner = lower(String(alias.data));
    if (cnames.includes(owner)) break;
    cnames.push(owner);
  }
  const records = answers.filter((a) => a.name === owner && a.type === type);
  const soa = (packet.authorities ?? []).find((a): a is dnsPacket.SoaAnswer => a.type === 'SOA');
  const negativeTtl = soa === undefined ? null : Math.min(soa.ttl ?? 0, soa.data.minimum ?? 0);
  return {
    rcode: rcodeOf(packet),
    status: bogus ? 'bogus' : packet.flag_ad ? 'secure' : 'insecure',
    records,
    cnames,
    ttl: records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : negativeTtl,
  };
}
