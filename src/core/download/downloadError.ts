// The one error the downloader throws. Its message is for the user: what happened and what to do.
// Its code lets the caller react (offer "Resume" when a partial was kept, "Retry" on network
// errors) without parsing text.

export type DownloadErrorCode =
  /** The file name is not a plain .gguf name inside the models folder. Nothing was touched. */
  | 'badName'
  /** The URL is not https (or http to this machine), or its host is not allowed. */
  | 'badUrl'
  /** Another window or process is downloading the same file right now. */
  | 'locked'
  /** No connection, refused, cut, timed out or ended early. */
  | 'network'
  /** The connection stayed open but no bytes arrived for the stall timeout. */
  | 'stalled'
  /** The server answered with an error status (404, 401, 5xx, too many redirects...). */
  | 'http'
  /** The server sent something that is not a GGUF file (typically an HTML page). */
  | 'notGguf'
  /** The downloaded bytes do not have the expected SHA-256. */
  | 'hashMismatch'
  /** The body's length was not stated and no size and hash were known to check it: it stays `.incomplete`. */
  | 'unverified'
  /** The disk is full. */
  | 'diskFull'
  /** Another file-system error: permissions, read-only disk, a file in use... */
  | 'fileSystem'
  /** The caller's signal aborted the download. */
  | 'aborted';

export interface DownloadErrorDetails {
  /** HTTP status, for `http` errors. */
  status?: number;
  /** Bytes kept in the `.incomplete` file: a later call resumes from there. 0 when nothing was kept. */
  keptBytes?: number;
  cause?: unknown;
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  readonly status: number | undefined;
  /** Set by the downloader once the partial file is closed (only then is its size final). */
  keptBytes: number;

  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    details: DownloadErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.status = details.status;
    this.keptBytes = details.keptBytes ?? 0;
  }
}

/** What an HTTP status means for the user. */
export function httpStatusError(status: number, host: string): DownloadError {
  let message: string;
  if (status === 401 || status === 403) {
    message = `${host} refused the download (HTTP ${status}): the model may be gated and need you to accept its licence or sign in with a token on its page.`;
  } else if (status === 404 || status === 410) {
    message = `The model file was not found on ${host} (HTTP ${status}): it may have been renamed or removed. Pick another model or check the link.`;
  } else if (status === 429) {
    message = `${host} is limiting requests (HTTP 429). Wait a few minutes, then try again.`;
  } else if (status >= 500) {
    message = `${host} had a server error (HTTP ${status}). Try again later.`;
  } else {
    message = `${host} answered HTTP ${status} instead of sending the model file.`;
  }
  return new DownloadError('http', message, { status });
}

/** System error codes that mean "could not reach the server", with what to tell the user. */
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the server name could not be resolved (are you offline?)',
  EAI_AGAIN: 'the server name could not be resolved (are you offline?)',
  ENETUNREACH: 'the network is unreachable (are you offline?)',
  EHOSTUNREACH: 'the server is unreachable',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was cut',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the server certificate could not be verified (a proxy intercepting HTTPS?)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the server certificate could not be verified (a proxy intercepting HTTPS?)',
};

function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A fetch or body-read failure, as a `network` error. */
export function networkError(err: unknown, host: string, keptBytes: number): DownloadError {
  const code = errorCode(err);
  const what = (code && NETWORK_CODES[code]) ?? 'the connection failed';
  const resume = keptBytes > 0 ? ' The part already downloaded is kept: the next try resumes from there.' : '';
  return new DownloadError(
    'network',
    `Could not download from ${host}: ${what}. Check your internet connection or proxy, then try again.${resume}`,
    {
      keptBytes,
      cause: err,
    },
  );
}

/** A file-system failure on `path`, as `diskFull` or `fileSystem`. */
export function fileSystemError(err: unknown, path: string, keptBytes = 0): DownloadError {
  const code = errorCode(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DownloadError(
      'diskFull',
      `The disk is full: the model could not be written to ${path}. Free some space, then try again; the download resumes where it stopped.`,
      { keptBytes, cause: err },
    );
  }
  const what =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied (or the file is in use)'
      : code === 'EROFS'
        ? 'the disk is read-only'
        : code === 'EBUSY'
          ? 'the file is in use'
          : ((err as Error | undefined)?.message ?? String(err));
  return new DownloadError(
    'fileSystem',
    `Could not write the model file ${path}: ${what}. Check that no other program uses it and that the folder is writable, or choose another models folder.`,
    { keptBytes, cause: err },
  );
}

/** The `notGguf` error for a body starting with `head`, said in terms of what it probably is. */
export function notGgufError(head: Buffer, contentType: string | null, host: string): DownloadError {
  const text = head.toString('latin1', 0, Math.min(head.length, 64)).trimStart().toLowerCase();
  let message: string;
  if (text.startsWith('<') || contentType?.toLowerCase().includes('text/html')) {
    message =
      `${host} sent a web page instead of the model file: the model may need you to sign in or accept ` +
      `its licence, or the file has moved. Nothing was saved.`;
  } else if (text.startsWith('version https://git-lfs')) {
    message = `${host} sent a Git LFS pointer instead of the model file: use the "resolve" download link of the file. Nothing was saved.`;
  } else if (text.startsWith('{')) {
    message = `${host} sent a JSON message instead of the model file (an error from the server?). Nothing was saved.`;
  } else if (head.length < 4) {
    message = `${host} sent ${head.length} bytes instead of a model file. Nothing was saved.`;
  } else {
    message = `${host} sent a file that is not a GGUF model (it does not start with "GGUF"). Nothing was saved.`;
  }
  return new DownloadError('notGguf', message);
}
