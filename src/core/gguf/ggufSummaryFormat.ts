// Human-readable rendering of a GGUF summary, shared by `alembic inspect` and the extension's
// status view: one aligned "label  value" line per fact, then the warnings. Token texts are shown
// JSON-quoted so a newline or control character inside one cannot break the layout.
import { formatBytes } from '../util/format';
import type { GgufSummary } from './ggufCheck';
import type { SpecialToken } from './ggufSpecialTokens';

/** 1234 -> "1.23K", 1_543_714_304 -> "1.54B": three significant digits, trailing zeros dropped. */
export function formatParameterCount(count: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, unit] of units) {
    if (count >= scale) return `${trimZeros((count / scale).toPrecision(3))}${unit}`;
  }
  return String(count);
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function token(t: SpecialToken | null): string {
  return t ? `${JSON.stringify(t.text)} (${t.id})` : 'none';
}

function optionalNumber(value: number | null, unit = ''): string {
  return value === null ? 'unknown' : `${value.toLocaleString('en-US')}${unit}`;
}

function fimLine(s: GgufSummary): string {
  if (!s.fim || !s.fimTokenIds) return 'no';
  const ids = s.fimTokenIds;
  const core =
    `${token({ text: s.fim.prefix, id: ids.prefix })} ` +
    `${token({ text: s.fim.suffix, id: ids.suffix })} ` +
    `${token({ text: s.fim.middle, id: ids.middle })}`;
  const source =
    s.fimSource === 'metadata'
      ? 'from metadata'
      : s.fimSource === 'token-texts'
        ? 'found by token text'
        : 'metadata and token text';
  return `yes: ${core} (${source})`;
}

/** A multi-line, aligned description of a model for people. */
export function formatGgufSummary(s: GgufSummary): string {
  const rows: [string, string][] = [
    ['Name', s.name],
    ['File', `${s.path} (${formatBytes(s.fileSizeBytes)}, GGUF v${s.ggufVersion})`],
    ['Architecture', s.architecture],
    ['Parameters', `${formatParameterCount(s.parameterCount)} in ${s.tensorCount} tensors`],
    ['Quantization', s.quantization],
    ['Context length', optionalNumber(s.contextLength, ' tokens')],
    ['Layers', optionalNumber(s.blockCount)],
    ['Embedding size', optionalNumber(s.embeddingLength)],
    ['Tokenizer', `${s.tokenizerModel ?? 'unknown'}, ${s.vocabSize.toLocaleString('en-US')} tokens`],
    ['BOS / EOS', `${token(s.bosToken)} / ${token(s.eosToken)}`],
  ];
  if (s.eotToken) rows.push(['End of turn', token(s.eotToken)]);
  rows.push(['Fill-in-middle', fimLine(s)]);
  rows.push([
    'Chat template',
    s.hasChatTemplate
      ? `yes (${(s.chatTemplate ?? '').length.toLocaleString('en-US')}${s.chatTemplateTruncated ? '+' : ''} characters)`
      : 'no',
  ]);
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  const lines = rows.map(([label, value]) => `${label.padEnd(width)}${value}`);
  if (s.warnings.length > 0) {
    lines.push('Warnings');
    for (const warning of s.warnings) lines.push(`  - ${warning}`);
  }
  return lines.join('\n');
}
