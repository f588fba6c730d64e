// Progress reports for a download: throttled (a fast connection delivers thousands of chunks a
// second, and each report may repaint a notification), with a speed measured over the last few
// seconds so that it follows changes without jumping at every chunk.
import { formatBytes, formatDuration } from '../util/format';

export interface DownloadProgress {
  /** Bytes in the file so far, including those resumed from an earlier attempt. */
  receivedBytes: number;
  /** The whole file's size, when the server said. */
  totalBytes: number | null;
  /** Recent speed of this attempt (0 until it can be measured). */
  bytesPerSecond: number;
  /** Bytes that were already on disk when this attempt started (0 for a fresh download). */
  resumedFromBytes: number;
}

const DEFAULT_INTERVAL_MS = 100;
const RATE_WINDOW_MS = 3000;

export class ProgressMeter {
  private lastEmit = -Infinity;
  private readonly samples: { at: number; bytes: number }[] = [];

  constructor(
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
    private readonly totalBytes: number | null,
    private readonly resumedFromBytes: number,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.samples.push({ at: this.now(), bytes: resumedFromBytes });
  }

  /** Reports `receivedBytes` if the last report is at least the interval old. */
  update(receivedBytes: number): void {
    const at = this.now();
    this.sample(at, receivedBytes);
    if (at - this.lastEmit >= this.intervalMs) this.emit(at, receivedBytes);
  }

  /** The last report, sent whatever the interval. */
  finish(receivedBytes: number): void {
    const at = this.now();
    this.sample(at, receivedBytes);
    this.emit(at, receivedBytes);
  }

  private sample(at: number, bytes: number): void {
    const last = this.samples[this.samples.length - 1]!;
    // One sample per 100 ms is plenty for the rate and keeps the window short.
    if (at - last.at >= 100) this.samples.push({ at, bytes });
    else last.bytes = Math.max(last.bytes, bytes);
    while (this.samples.length > 2 && at - this.samples[1]!.at > RATE_WINDOW_MS) this.samples.shift();
  }

  private rate(at: number, bytes: number): number {
    const first = this.samples[0]!;
    const seconds = (at - first.at) / 1000;
    return seconds > 0.05 ? Math.max(0, (bytes - first.bytes) / seconds) : 0;
  }

  private emit(at: number, receivedBytes: number): void {
    this.lastEmit = at;
    if (!this.onProgress) return;
    const progress = {
      receivedBytes,
      totalBytes: this.totalBytes,
      bytesPerSecond: this.rate(at, receivedBytes),
      resumedFromBytes: this.resumedFromBytes,
    };
    try {
      this.onProgress(progress);
    } catch {
      // A failing progress listener must not break the download.
    }
  }
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** "1.2 GB of 4.4 GB (27%), 35.1 MB/s, 1 min 32 s left" */
export function formatProgress(p: DownloadProgress): string {
  const parts: string[] = [];
  if (p.totalBytes && p.totalBytes > 0) {
    const percent = Math.floor((100 * p.receivedBytes) / p.totalBytes);
    parts.push(`${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)} (${percent}%)`);
  } else {
    parts.push(formatBytes(p.receivedBytes));
  }
  if (p.bytesPerSecond > 0) {
    parts.push(formatRate(p.bytesPerSecond));
    if (p.totalBytes && p.totalBytes > p.receivedBytes) {
      parts.push(`${formatDuration((1000 * (p.totalBytes - p.receivedBytes)) / p.bytesPerSecond)} left`);
    }
  }
  return parts.join(', ');
}
