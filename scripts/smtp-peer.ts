// A real SMTP server on 127.0.0.1 that parses and records every message it accepts.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A message as the server got it: envelope, raw bytes and the parsed mail. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/** Starts the server; `refuse` may answer a message with an SMTP error code. */
export async function startSmtpPeer(options: { refuse?: (n: number) => { code: number; message: string } | undefined; users?: Record<string, string> } = {}) {
  const received: ReceivedMail[] = [];
  let count = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.users ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.users,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.users && options.users[auth.username ?? ''] === auth.password) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const refusal = options.refuse?.(++count);
        if (refusal) {
          const err = new Error(refusal.message) as Error & { responseCode: number };
          err.responseCode = refusal.code;
          callback(err);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            received.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            callback();
          })
          .catch(callback);
      });
    },
  });
  // A client that dies mid-session (a worker killed with SIGKILL) resets its connection: the server
  // reports it as an 'error' event, which must not end the process that hosts the peer.
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return { port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
