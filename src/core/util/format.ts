// Human-readable numbers for status texts, progress and the CLI.

/** Binary units written the way VS Code and most tools write them: "812 B", "5.9 MB", "3.1 GB" (1 GB =
 * 1024³ bytes). The one byte formatter of the code base, so a size reads the same in the CLI, VS Code,
 * the memory estimates and Engine Status. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  // 1023.5 and up would print as "1024": move to the next unit first.
  while (value >= 1023.5 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 99.95 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** One row of a Markdown table (the benchmarks' reports): `| a | b |`. */
export function tableRow(cells: readonly (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}
