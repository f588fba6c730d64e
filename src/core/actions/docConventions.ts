// How each language writes a doc comment, so "Add documentation" follows the file's convention.

export interface DocConvention {
  /** Name the prompt uses ("JSDoc", "a Python docstring"…). */
  name: string;
  /** Where the comment goes relative to the code. */
  placement: 'above' | 'insideFirstLine';
  example: string;
}

const JSDOC: DocConvention = {
  name: 'JSDoc',
  placement: 'above',
  example: '/**\n * Adds two numbers.\n * @param a The first number.\n * @returns The sum.\n */',
};

const CONVENTIONS: Record<string, DocConvention> = {
  javascript: JSDOC,
  javascriptreact: JSDOC,
  typescript: { ...JSDOC, name: 'TSDoc/JSDoc (no types in tags: TypeScript has them)' },
  typescriptreact: { ...JSDOC, name: 'TSDoc/JSDoc (no types in tags: TypeScript has them)' },
  python: {
    name: 'a PEP 257 docstring (Google style sections)',
    placement: 'insideFirstLine',
    example: '"""Add two numbers.\n\nArgs:\n    a: The first number.\n\nReturns:\n    The sum.\n"""',
  },
  go: {
    name: 'a GoDoc comment starting with the identifier name',
    placement: 'above',
    example: '// Add returns the sum of a and b.',
  },
  rust: {
    name: 'rustdoc (///) with # Examples when useful',
    placement: 'above',
    example: '/// Adds two numbers.\n///\n/// # Examples\n/// ```\n/// assert_eq!(add(1, 2), 3);\n/// ```',
  },
  java: {
    name: 'Javadoc',
    placement: 'above',
    example: '/**\n * Adds two numbers.\n * @param a the first number\n * @return the sum\n */',
  },
  kotlin: {
    name: 'KDoc',
    placement: 'above',
    example: '/**\n * Adds two numbers.\n * @param a the first number\n * @return the sum\n */',
  },
  csharp: {
    name: 'XML documentation comments (///)',
    placement: 'above',
    example:
      '/// <summary>Adds two numbers.</summary>\n/// <param name="a">The first number.</param>\n/// <returns>The sum.</returns>',
  },
  c: {
    name: 'Doxygen',
    placement: 'above',
    example: '/**\n * @brief Adds two numbers.\n * @param a The first number.\n * @return The sum.\n */',
  },
  cpp: {
    name: 'Doxygen',
    placement: 'above',
    example: '/**\n * @brief Adds two numbers.\n * @param a The first number.\n * @return The sum.\n */',
  },
  php: {
    name: 'PHPDoc',
    placement: 'above',
    example: '/**\n * Adds two numbers.\n * @param int $a The first number.\n * @return int The sum.\n */',
  },
  ruby: {
    name: 'YARD',
    placement: 'above',
    example: '# Adds two numbers.\n# @param a [Integer] the first number\n# @return [Integer] the sum',
  },
  swift: {
    name: 'Swift markup (///)',
    placement: 'above',
    example: '/// Adds two numbers.\n/// - Parameter a: The first number.\n/// - Returns: The sum.',
  },
  shellscript: {
    name: 'a comment block above the function',
    placement: 'above',
    example: '# Adds two numbers.\n# Arguments: $1 first number, $2 second number',
  },
  lua: {
    name: 'LuaDoc (---)',
    placement: 'above',
    example: '--- Adds two numbers.\n-- @param a the first number\n-- @return the sum',
  },
};

export function docConvention(languageId: string): DocConvention {
  return (
    CONVENTIONS[languageId] ?? {
      name: 'the usual documentation comment style of this language',
      placement: 'above',
      example: '',
    }
  );
}
