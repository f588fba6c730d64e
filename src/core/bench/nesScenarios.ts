// Scripted edit sequences for `alembic bench replay --nes`: a file, the one edit the user makes by
// hand, and the file as it should end once every suggested edit is taken. The suite's Qwen-
// vocabulary test model is scripted to answer each file's Sweep prompt with its final window, so
// the benchmark's mechanics (what is asked, evaluated, offered and accepted) are exact; on a real
// next-edit model the same sequences say whether it finds the edits and how fast.
//
// The files are short (under the Sweep window of 21 lines), so the window is the whole file
// wherever the cursor is.

export interface NesScenario {
  readonly name: string;
  readonly description: string;
  /** The path the model sees (workspace-relative). */
  readonly path: string;
  readonly languageId: string;
  readonly before: string;
  /** The user's edit: replace [start, end) on `line` (zero-based) with `text`. */
  readonly userEdit: { readonly line: number; readonly start: number; readonly end: number; readonly text: string };
  readonly after: string;
}

export const NES_SCENARIOS: readonly NesScenario[] = [
  {
    name: 'rename',
    description: 'a variable renamed in its declaration, propagated to its other uses',
    path: 'rename.js',
    languageId: 'javascript',
    before: [
      'function summarize(orders) {',
      '  let total = 0;',
      '  orders.forEach((order) => {',
      '    total += order.amount;',
      '  });',
      '  const average = total / orders.length;',
      '  return [total, average];',
      '}',
      '',
    ].join('\n'),
    userEdit: { line: 1, start: 6, end: 11, text: 'sum' },
    after: [
      'function summarize(orders) {',
      '  let sum = 0;',
      '  orders.forEach((order) => {',
      '    sum += order.amount;',
      '  });',
      '  const average = sum / orders.length;',
      '  return [sum, average];',
      '}',
      '',
    ].join('\n'),
  },
  {
    name: 'parameter',
    description: 'a parameter added to a function, then at each call site',
    path: 'area.js',
    languageId: 'javascript',
    before: [
      'function area(width, height) {',
      '  return width * height;',
      '}',
      '',
      'const kitchen = area(4, 3);',
      'const hall = area(2, 6);',
      'const garden = area(10, 8);',
      '',
    ].join('\n'),
    userEdit: { line: 0, start: 27, end: 27, text: ', unit' },
    after: [
      'function area(width, height, unit) {',
      '  return width * height;',
      '}',
      '',
      "const kitchen = area(4, 3, 'm');",
      "const hall = area(2, 6, 'm');",
      "const garden = area(10, 8, 'm');",
      '',
    ].join('\n'),
  },
];

/** The scripted model's answer to a scenario's Sweep prompt: the final window, then a line break. */
export function sweepAnswer(scenario: NesScenario): string {
  return `${scenario.after}\n`;
}

/** The file right after the user's edit. */
export function afterUserEdit(scenario: NesScenario): string {
  const lines = scenario.before.split('\n');
  const { line, start, end, text } = scenario.userEdit;
  lines[line] = `${lines[line]!.slice(0, start)}${text}${lines[line]!.slice(end)}`;
  return lines.join('\n');
}
