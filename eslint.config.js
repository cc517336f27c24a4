// Lint is part of the test command: it machine-checks the determinism boundary, import cycles and
// unawaited promises.
import { dirname, relative, resolve } from 'node:path';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const root = import.meta.dirname;

/**
 * What workflow code may import as values: Temporal's workflow and common packages, other workflow
 * modules, and the pure modules listed here. Anything else (activities, clients, Node built-ins,
 * databases, HTTP) only as a type: workflow code is deterministic and bundled into Temporal's sandbox.
 */
const workflowValueImports = {
  packages: ['@temporalio/workflow', '@temporalio/common'],
  files: ['src/failures.ts', 'src/flagsmith/values.ts', 'src/canonical-json.ts'],
};

const workflowBoundary = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      notAllowed:
        'Workflow code may import {{what}} as a type only: it is deterministic and runs in Temporal\'s sandbox. Value imports allowed: workflows/**, {{allowed}}.',
    },
  },
  create(context) {
    const check = (node, typeOnly) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || typeOnly) return;
      if (!spec.startsWith('.')) {
        if (workflowValueImports.packages.some((p) => spec === p || spec.startsWith(`${p}/`))) return;
      } else {
        const target = relative(root, resolve(dirname(context.filename), spec)).replace(/\.js$/, '.ts');
        if (target.startsWith('workflows/') || workflowValueImports.files.includes(target)) return;
      }
      context.report({ node, messageId: 'notAllowed', data: { what: JSON.stringify(spec), allowed: [...workflowValueImports.packages, ...workflowValueImports.files].join(', ') } });
    };
    const allTypes = (node) => node.importKind === 'type' || node.exportKind === 'type' || (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, allTypes(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, allTypes(node)),
      ExportAllDeclaration: (node) => check(node, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, false),
    };
  },
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bin/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  // Lets import-x parse TypeScript modules (without it no-cycle sees no imports at all).
  importX.flatConfigs.typescript,
  {
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${root}/tsconfig.json` })] },
    rules: {
      // A cycle makes the load order decide what is defined; none is allowed, type imports included.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'undici', message: 'Use src/http.ts, the one HTTP module.', allowTypeImports: true }] },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Use src/http.ts, the one HTTP module.' }],
    },
  },
  {
    files: ['src/http.ts', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off', 'no-restricted-globals': 'off' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: an allow-list of value imports.
    files: ['workflows/**'],
    plugins: { flagops: { rules: { 'workflow-boundary': workflowBoundary } } },
    rules: { 'flagops/workflow-boundary': 'error' },
  },
);
