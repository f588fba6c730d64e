// Node's network and TLS error codes in plain words, with what to do about each.
import { ServerError } from './serverError';

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed, and this machine does not trust it",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the server's certificate chain ends in a self-signed certificate this machine does not trust",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate was issued by an authority this machine does not trust",
  UNABLE_TO_GET_ISSUER_CERT: "the server's certificate was issued by an authority this machine does not trust",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate was issued by an authority this machine does not trust",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet (check this machine's clock)",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another host name",
  CERT_REVOKED: "the server's certificate was revoked",
  EPROTO: 'the server did not answer in TLS (is it plain http?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the server did not answer in TLS (is it plain http?)',
  ERR_SSL_PACKET_LENGTH_TOO_LONG: 'the server did not answer in TLS (is it plain http?)',
};

/**
 * A ServerError for a failed connection or a reply cut short. `midReply`: the reply had begun
 * (a reset then means the server went away while answering).
 */
export function describeNetworkError(e: NodeJS.ErrnoException, url: URL, midReply = false): ServerError {
  const code = e.code ?? (/ssl|tls/i.test(e.message) ? 'EPROTO' : '');
  const host = url.host;
  const tlsReason = TLS_REASONS[code] ?? (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') ? e.message : '');
  if (tlsReason)
    return new ServerError(
      'tls',
      `The secure connection to ${host} failed: ${tlsReason} (${code}). Fix the certificate on the ` +
        `server, or add its CA to this machine's trusted certificates (or NODE_EXTRA_CA_CERTS).`,
      { cause: e },
    );
  switch (code) {
    case 'ECONNREFUSED':
      return new ServerError(
        'unreachable',
        `Nothing answers at ${host} (connection refused). Is the server running there, and is the address right?`,
        { cause: e },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ServerError(
        'unreachable',
        `The host ${url.hostname} was not found (${code}). Check the address, or the network and VPN.`,
        { cause: e },
      );
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
    case 'ENETDOWN':
    case 'ETIMEDOUT':
      return new ServerError(
        'unreachable',
        `${host} cannot be reached from this machine (${code}). Check the network, VPN or firewall.`,
        { cause: e },
      );
    default:
      if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|aborted|premature close/i.test(e.message))
        return new ServerError(
          'unreachable',
          midReply
            ? `${host} closed the connection in the middle of its answer: the server may have restarted or crashed.`
            : `${host} closed the connection before answering: the server may have restarted or crashed.`,
          { cause: e },
        );
      return new ServerError(
        'unreachable',
        `The connection to ${host} failed: ${e.message}${code ? ` (${code})` : ''}.`,
        {
          cause: e,
        },
      );
  }
}
