// syslog.send: RFC 5424 messages to loopback collectors over UDP (RFC 5426), TCP (RFC 6587 octet counting) and TLS (RFC 5425).
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities';
import { formatMessage, octetCounted, type SyslogFields } from '../activities/syslog-send/message';
import { validateChain } from '../dsl';
import type { Connection } from '../config/config';
import { connectionTypes } from '../config/config';
import hostile from './fixtures/hostile-values.json';
import rfc from './fixtures/vendor/syslog/rfc5424-examples.json';
import { startHarness, type Harness } from './helpers';

/** A received SYSLOG-MSG, read back by RFC 5424's ABNF (section 6). */
interface Parsed {
  pri: number;
  version: string;
  timestamp: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: Record<string, Record<string, string>>;
  /** MSG without its BOM; undefined when the message has none. */
  message?: string;
  bom: boolean;
}

const BOM = '\ufeff';

/** A strict reader of one SYSLOG-MSG: throws on anything RFC 5424 does not allow. */
function parse(text: string): Parsed {
  const head = /^<(\d{1,3})>(1) (\S+) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) /.exec(text);
  if (!head) throw new Error(`not an RFC 5424 header: ${JSON.stringify(text.slice(0, 80))}`);
  let i = head[0].length;
  const structuredData: Parsed['structuredData'] = {};
  if (text[i] === '-') i++;
  else {
    while (text[i] === '[') {
      i++;
      const id = /^[^= \]"]{1,32}/.exec(text.slice(i))?.[0];
      if (!id) throw new Error(`bad SD-ID at ${i}`);
      i += id.length;
      const params: Record<string, string> = {};
      while (text[i] === ' ') {
        i++;
        const name = /^[^= \]"]{1,32}/.exec(text.slice(i))?.[0];
        if (!name || text[i + name.length] !== '=' || text[i + name.length + 1] !== '"') throw new Error(`bad SD-PARAM at ${i}`);
        i += name.length + 2;
        let value = '';
        for (;;) {
          const c = text[i];
          if (c === undefined) throw new Error('unterminated PARAM-VALUE');
          if (c === '\\' && ['"', '\\', ']'].includes(text[i + 1])) {
            value += text[i + 1];
            i += 2;
            continue;
          }
          if (c === '"') break;
          if (c === ']') throw new Error(`unescaped "]" in PARAM-VALUE at ${i}`);
          value += c;
          i++;
        }
        i++;
        params[name] = value;
      }
      if (text[i] !== ']') throw new Error(`SD-ELEMENT not closed at ${i}`);
      i++;
      structuredData[id] = params;
    }
  }
  const rest = text.slice(i);
  if (rest !== '' && rest[0] !== ' ') throw new Error(`no SP before MSG at ${i}`);
  const msg = rest === '' ? undefined : rest.slice(1);
  const bom = msg?.startsWith(BOM) ?? false;
  return { pri: Number(head[1]), version: head[2], timestamp: head[3], hostname: head[4], appName: head[5], procId: head[6], msgId: head[7], structuredData, message: bom ? msg!.slice(1) : msg, bom };
}

/** Reads RFC 6587 octet-counted frames off a stream: `MSG-LEN SP SYSLOG-MSG`, nothing else. */
function frames(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = data.subarray(at, space).toString('ascii');
    if (!/^[1-9]\d*$/.test(len)) throw new Error(`not an octet count at ${at}: ${JSON.stringify(len)}`);
    out.push(data.subarray(space + 1, space + 1 + Number(len)));
    at = space + 1 + Number(len);
    if (at > data.length) throw new Error('frame shorter than its octet count');
  }
  return out;
}

describe('RFC 5424 messages (section 6.5 examples)', () => {
  it('reads every example of the RFC with the fields its text names', () => {
    for (const ex of rfc.examples) {
      const p = parse(ex.message);
      const f = ex.fields as Record<string, unknown>;
      expect(p.pri, `example ${ex.example}`).toBe((f.facility as number) * 8 + (f.severity as number));
      expect(p.timestamp).toBe(f.timestamp);
      expect(p.hostname).toBe(f.hostname);
      expect(p.appName).toBe(f.appName);
      expect(p.procId).toBe(f.procId ?? '-');
      expect(p.msgId).toBe(f.msgId ?? '-');
      expect(p.structuredData).toEqual(f.structuredData ?? {});
      expect(p.message).toBe(f.message);
    }
  });

  it('writes the examples whose MSG is UTF-8 (1, 3) or absent (4) byte for byte', () => {
    for (const ex of rfc.examples.filter((e) => e.example !== 2)) {
      expect(formatMessage(ex.fields as SyslogFields).bytes.toString('utf8'), `example ${ex.example}`).toBe(ex.message);
    }
  });

  it('escapes ", \\ and ] in PARAM-VALUE and cuts MSG only between characters', () => {
    const { bytes } = formatMessage({ facility: 1, severity: 5, structuredData: { 'x@32473': { v: 'a"b\\c]d' } }, message: 'm' });
    expect(bytes.toString('utf8')).toBe(`<13>1 - - - - - [x@32473 v="a\\"b\\\\c\\]d"] ${BOM}m`);
    const cut = formatMessage({ facility: 1, severity: 5, message: 'ééééé' }, 30);
    expect(cut.truncated).toBe(true);
    expect(cut.bytes.length).toBeLessThanOrEqual(30);
    expect(parse(cut.bytes.toString('utf8')).message).toMatch(/^é+$/);
    expect(octetCounted(Buffer.from('<13>1 - - - - -')).toString()).toBe('15 <13>1 - - - - -');
  });
});

describe('syslog.send', () => {
  let dir: string;
  let h: Harness;
  let udp: dgram.Socket;
  let tcp: net.Server;
  let secure: tls.Server;
  const datagrams: Buffer[] = [];
  const streams: { transport: 'tcp' | 'tls'; data: Buffer }[] = [];
  const port = (s: { address(): unknown }) => (s.address() as net.AddressInfo).port;

  function collect(transport: 'tcp' | 'tls') {
    return (socket: net.Socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => streams.push({ transport, data: Buffer.concat(chunks) }));
    };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riposte-syslog-'));
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
    fs.writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=collector.test', '-keyout', 'server.key', '-out', 'server.csr');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'server.ext', '-out', 'server.pem');
    udp = dgram.createSocket('udp4');
    udp.on('message', (m) => datagrams.push(m));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    tcp = net.createServer(collect('tcp'));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const read = (f: string) => fs.readFileSync(path.join(dir, f));
    secure = tls.createServer({ key: read('server.key'), cert: read('server.pem') }, collect('tls'));
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    const connection = (c: Record<string, unknown>) => ({ type: 'syslog', host: '127.0.0.1', hostname: 'riposte.test', ...c }) as unknown as Connection;
    h = await startHarness((config) => {
      config.connections['siem-udp'] = connection({ transport: 'udp', port: port(udp) });
      config.connections['siem-tcp'] = connection({ transport: 'tcp', port: port(tcp) });
      config.connections['siem-tls'] = connection({ transport: 'tls', port: port(secure), tls: { verify: true, caFile: path.join(dir, 'ca.pem') } });
      config.connections['siem-untrusted'] = connection({ transport: 'tls', port: port(secure) });
      config.connections['siem-elsewhere'] = { ...connection({ transport: 'tcp', port: port(tcp) }), host: '127.0.0.2' } as Connection;
    });
  });

  afterAll(async () => {
    await h?.close();
    udp?.close();
    tcp?.close();
    secure?.close();
  });

  const chain = (connection: string, extra: Record<string, unknown> = {}) => ({
    name: `forward-${connection}`,
    steps: [
      {
        id: 'forward',
        action: 'syslog.send',
        connection,
        mode: 'each',
        with: {
          severity: 'warning',
          facility: 'local4',
          msgId: 'failed-logins',
          message: '{{result.count}} failed logins for {{result.user}}',
          structuredData: { 'riposte@32473': { user: '{{result.user}}', job: '{{job.name}}' } },
          ...extra,
        },
      },
    ],
  });
  const results = [
    { user: 'alice', count: 7 },
    { user: 'bob "the ]admin\\"', count: 3 },
  ];

  function expectForwarded(messages: Parsed[], connection: string) {
    expect(messages.map((m) => m.message).sort()).toEqual(['3 failed logins for bob "the ]admin\\"', '7 failed logins for alice']);
    for (const m of messages) {
      expect(m).toMatchObject({ pri: 20 * 8 + 4, version: '1', hostname: 'riposte.test', appName: 'riposte', procId: '-', msgId: 'failed-logins', bom: true });
      expect(Number.isNaN(Date.parse(m.timestamp))).toBe(false);
      expect(m.structuredData['riposte@32473'].job).toBe(`forward-${connection}`);
    }
    expect(messages.map((m) => m.structuredData['riposte@32473'].user).sort()).toEqual(['alice', 'bob "the ]admin\\"']);
  }

  it('sends one datagram per result over UDP', async () => {
    datagrams.length = 0;
    const report = await h.run(chain('siem-udp'), results);
    expect(report.status).toBe('completed');
    expect(datagrams).toHaveLength(2);
    expectForwarded(datagrams.map((d) => parse(d.toString('utf8'))), 'siem-udp');
    expect(report.steps.forward.outputs?.[0]).toMatchObject({ transport: 'udp', truncated: false });
  });

  it('sends one octet-counted frame per result over TCP and over TLS with the collector\'s CA', async () => {
    for (const transport of ['tcp', 'tls'] as const) {
      streams.length = 0;
      const report = await h.run(chain(`siem-${transport}`), results);
      expect(report.status, transport).toBe('completed');
      expect(streams.every((s) => s.transport === transport)).toBe(true);
      const all = streams.flatMap((s) => frames(s.data));
      expect(all).toHaveLength(2);
      expectForwarded(all.map((f) => parse(f.toString('utf8'))), `siem-${transport}`);
      const out = report.steps.forward.outputs?.[0] as { octets: number };
      expect(all.map((f) => f.length)).toContain(out.octets);
    }
  });

  it('fails without retrying when TLS cannot verify the collector or the network policy refuses it', async () => {
    const untrusted = await h.run(chain('siem-untrusted'), results.slice(0, 1));
    expect(untrusted.status).toBe('failed');
    expect(untrusted.steps.forward.error).toMatch(/TLS to tls:\/\/127\.0\.0\.1:\d+ failed: .*give the collector's CA as tls\.caFile/);
    const refused = await h.run(chain('siem-elsewhere'), results.slice(0, 1));
    expect(refused.status).toBe('failed');
    expect(refused.steps.forward.error).toContain('refused by the network policy; add "127.0.0.2" to network.allow');
  });

  it('refuses header fields outside printable US-ASCII, unknown SD-IDs and a connection of another type before anything runs', () => {
    const context = { connections: { ...connectionTypes(h.config), mail: { type: 'smtp' } } };
    const problems = (c: object) => {
      const v = validateChain(c, context);
      return v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems(chain('siem-tcp', { msgId: 'two words' }))).toEqual(['steps[0].with.msgId: msgId holds a space, a control character or a character outside US-ASCII; RFC 5424 allows printable US-ASCII (33-126) only']);
    expect(problems(chain('siem-tcp', { structuredData: { custom: { a: 'b' } } }))[0]).toContain('name@<private enterprise number>');
    expect(problems(chain('mail'))).toEqual(['steps[0].connection: connection "mail" is of type smtp; syslog.send needs one of type syslog']);
    expect(problems(chain('siem-tcp', { appName: 'x'.repeat(49) }))).toEqual(['steps[0].with.appName: appName is at most 48 characters (RFC 5424)']);
  });

  it('carries every hostile value as data: MSG and SD-PARAM values arrive intact in one frame, header fields are refused or kept', async () => {
    const send = createActivities({ config: h.config, store: h.store })['syslog.send'];
    const values = Object.entries(hostile).filter(([key]) => !key.startsWith('$')) as [string, unknown][];
    let n = 0;
    for (const [key, raw] of values) {
      const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
      streams.length = 0;
      // Rendered parameters as the workflow hands them over: the activity checks them and applies the defaults.
      const request = (params: Record<string, unknown>) => ({
        action: 'syslog.send' as const,
        stepId: 'forward',
        params: { message: value, structuredData: { 'riposte@32473': { v: value } }, ...params },
        connection: 'siem-tcp',
        idempotencyKey: `hostile/${n++}`,
        index: null,
        result: {},
        job: { name: 'hostile' },
        run: { id: 'hostile', startedAt: new Date().toISOString() },
      }) as unknown as Parameters<typeof send>[0];
      await send(request({}));
      await expect.poll(() => streams.length, { timeout: 5_000 }).toBe(1);
      const got = frames(streams[0].data);
      expect(got, key).toHaveLength(1);
      const m = parse(got[0].toString('utf8'));
      // A value too long for one message is cut at its end, never spread over a second frame.
      expect(value.startsWith(m.message ?? ''), key).toBe(true);
      expect(m.structuredData['riposte@32473'].v, key).toBe(value);
      // A header field is one token of printable US-ASCII: the value is sent as it is, or the step fails naming the field.
      streams.length = 0;
      const header = await send(request({ message: 'm', structuredData: undefined, msgId: value })).then(
        () => 'sent',
        (err: Error) => err.message,
      );
      if (header === 'sent') {
        await expect.poll(() => streams.length, { timeout: 5_000 }).toBe(1);
        expect(parse(frames(streams[0].data)[0].toString('utf8')).msgId, key).toBe(value);
      } else expect(header, key).toMatch(/steps\[0\]\.with\.msgId: msgId (holds a space|is at most 32|rendered empty)/);
    }
  });
});
