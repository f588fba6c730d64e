// Finds how a workspace writes its tests, so "Generate tests" proposes a file that fits: the
// framework (from the manifest's dependencies or config files) and where tests live and how they
// are named (from the existing test files). Pure: the adapter passes file paths and manifest text.

export interface TestConventions {
  framework: string;
  /** How to import or declare tests in that framework, for the prompt. */
  hint: string;
  /** Where the new test file goes, relative to the workspace. */
  testPath: string;
}

interface Detected {
  framework: string;
  hint: string;
}

const JS_FRAMEWORKS: [string, Detected][] = [
  ['vitest', { framework: 'Vitest', hint: "import { describe, it, expect } from 'vitest';" }],
  ['jest', { framework: 'Jest', hint: 'use describe/it/expect globals (Jest)' }],
  [
    'mocha',
    {
      framework: 'Mocha with node:assert',
      hint: "use describe/it (Mocha) and import assert from 'node:assert/strict'",
    },
  ],
  ['ava', { framework: 'AVA', hint: "import test from 'ava';" }],
];

/** The framework for a source file, from the manifest (package.json text) and the workspace files. */
export function detectTestFramework(languageId: string, files: readonly string[], packageJson?: string): Detected {
  if (['javascript', 'typescript', 'javascriptreact', 'typescriptreact'].includes(languageId)) {
    let deps: Record<string, unknown> = {};
    try {
      const manifest = JSON.parse(packageJson ?? '{}') as { dependencies?: object; devDependencies?: object };
      deps = { ...manifest.dependencies, ...manifest.devDependencies };
    } catch {
      // an unreadable manifest: fall back to the files
    }
    for (const [name, detected] of JS_FRAMEWORKS) {
      if (name in deps || files.some((f) => new RegExp(`(^|/)${name}\\.config\\.`).test(f))) return detected;
    }
    return {
      framework: "Node's test runner",
      hint: "import { describe, test } from 'node:test'; import assert from 'node:assert/strict';",
    };
  }
  if (languageId === 'python') {
    const pytest = files.some((f) => /(^|\/)(pytest\.ini|conftest\.py)$/.test(f)) || /pytest/.test(packageJson ?? '');
    return pytest || !files.some((f) => /unittest/.test(f))
      ? { framework: 'pytest', hint: 'plain test_ functions with assert (pytest)' }
      : { framework: 'unittest', hint: 'a unittest.TestCase subclass' };
  }
  if (languageId === 'go')
    return { framework: 'Go testing', hint: 'package-level func TestXxx(t *testing.T) in the same package' };
  if (languageId === 'rust')
    return { framework: 'Rust #[test]', hint: 'a #[cfg(test)] mod tests with #[test] functions' };
  if (languageId === 'java') return { framework: 'JUnit 5', hint: 'org.junit.jupiter.api.Test annotations' };
  return { framework: 'the usual test framework for this language', hint: '' };
}

/** Where the test file for `sourcePath` goes, following existing test files when there are any. */
export function testPathFor(sourcePath: string, languageId: string, files: readonly string[]): string {
  const slash = sourcePath.lastIndexOf('/');
  const dir = slash >= 0 ? sourcePath.slice(0, slash) : '';
  const file = sourcePath.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const stem = dot > 0 ? file.slice(0, dot) : file;
  const ext = dot > 0 ? file.slice(dot) : '';
  const join = (...parts: string[]) => parts.filter(Boolean).join('/');
  if (languageId === 'go') return join(dir, `${stem}_test.go`);
  if (languageId === 'python') {
    const inTests = files.some((f) => /(^|\/)tests?\/test_[^/]+\.py$/.test(f));
    return inTests
      ? join(
          files
            .find((f) => /(^|\/)tests?\/test_[^/]+\.py$/.test(f))!
            .replace(/test_[^/]+\.py$/, '')
            .replace(/\/$/, ''),
          `test_${stem}.py`,
        )
      : join(dir, `test_${stem}.py`);
  }
  if (languageId === 'rust') return sourcePath; // Rust unit tests live in the same file
  const suffix =
    files.some((f) => /\.spec\.[jt]sx?$/.test(f)) && !files.some((f) => /\.test\.[jt]sx?$/.test(f)) ? 'spec' : 'test';
  const testDirs = ['__tests__', 'test', 'tests'];
  const existingDir = testDirs.find((d) => files.some((f) => f.startsWith(`${d}/`) || f.includes(`/${d}/`)));
  if (existingDir === '__tests__') return join(dir, '__tests__', `${stem}.${suffix}${ext}`);
  if (existingDir) {
    const rel = dir.replace(/^src(\/|$)/, '');
    return join(existingDir, rel, `${stem}.${suffix}${ext}`);
  }
  return join(dir, `${stem}.${suffix}${ext}`);
}

export function testConventions(
  sourcePath: string,
  languageId: string,
  files: readonly string[],
  packageJson?: string,
): TestConventions {
  const detected = detectTestFramework(languageId, files, packageJson);
  return { ...detected, testPath: testPathFor(sourcePath, languageId, files) };
}
