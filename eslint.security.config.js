// The security scan of `npm run gate`: eslint-plugin-security's rules only,
// written as SARIF (@microsoft/eslint-formatter-sarif) for the security gate.
// Rules that flag code execution or unsafe buffers are errors (high); the
// heuristic ones (object injection, non-literal fs paths) stay warnings (medium).
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';

const errors = [
  'detect-eval-with-expression',
  'detect-new-buffer',
  'detect-buffer-noassert',
  'detect-pseudoRandomBytes',
  'detect-disable-mustache-escape',
  'detect-no-csrf-before-method-override',
  'detect-bidi-characters',
];

export default [
  { ignores: ['build/', 'dist/', 'coverage/', 'reports/', '.tmp/', 'node_modules/', 'bench/data/', 'test/', 'bench/'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: { security },
    rules: Object.fromEntries(
      Object.keys(security.rules).map((r) => [`security/${r}`, errors.includes(r) ? 'error' : 'warn']),
    ),
  },
];
