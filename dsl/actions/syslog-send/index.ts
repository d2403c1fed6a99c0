// syslog.send: its definition (policy, parameter schema, own checks), from which the catalogue, validation, JSON Schema and docs derive.
import { defineAction } from '../define';
import { syslogConnection, syslogSendParams } from './params';
import { policy } from './policy';

export * from './params';
export type { SyslogSendOutput as Output } from './params';
export { policy } from './policy';

/** syslog.send, defined once. */
export const definition = defineAction({
  policy,
  params: syslogSendParams,
  connectionTypes: [{ type: 'syslog', schema: syslogConnection }],
  docs: {
    notes: [
      'Feeds another SIEM or a log collector: one RFC 5424 message per execution. Over TCP and TLS each message is framed by octet counting (RFC 6587 section 3.4.1, RFC 5425 section 4.3), so no value can end a frame early; over UDP each message is one datagram (RFC 5426).',
      'The connection (`"type": "syslog"`: `host`, `port`, `transport` `udp`, `tcp` or `tls` (the default), `tls.caFile`, `hostname`, `maxMessageBytes`) says where it goes, through the network policy. Tokens fill the message, the header fields and the structured-data values; header fields that render outside printable US-ASCII or too long fail the step (ActionInputError).',
    ],
    outputs: {
      transport: 'udp, tcp or tls, as the connection says',
      octets: 'octets of the SYSLOG-MSG sent',
      truncated: 'true when the message text was cut to fit `maxMessageBytes`',
    },
    example: {
      id: 'forward',
      action: 'syslog.send',
      connection: 'siem',
      mode: 'each',
      with: {
        severity: 'warning',
        msgId: 'failed-logins',
        message: '{{result.count}} failed logins for {{result.user}} from {{result.src_ip}}',
        structuredData: { 'riposte@32473': { user: '{{result.user}}', src: '{{result.src_ip}}', run: '{{run.id}}' } },
      },
    },
  },
});
