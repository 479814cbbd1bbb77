// Import boundaries of iamd's source, checked by `npm run lint` (and so by `npm test`).
// Why each rule exists is in CONTRIBUTING.md ("Layers").
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders of src depend on each other in one direction only: a cycle means a layer is in the wrong place.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      comment: 'Modules import each other in one direction only at run time (a type-only import back is fine).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'policy-engine-is-pure',
      comment: 'src/policy is a library of its own: it imports nothing from the rest of iamd, and does no I/O.',
      severity: 'error',
      from: { path: '^src/policy/' },
      to: { pathNot: ['^src/policy/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'policy-engine-does-no-io',
      severity: 'error',
      from: { path: '^src/policy/', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'], pathNot: '^(node:)?(assert|util)$' },
    },
    {
      name: 'sigv4-is-pure',
      comment: 'src/sigv4 verifies signatures from bytes: it imports nothing from the rest of iamd.',
      severity: 'error',
      from: { path: '^src/sigv4/' },
      to: { pathNot: ['^src/sigv4/', '^node_modules/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'federation-sits-below-actions',
      comment:
        'src/federation (OIDC token and key verification, SAML assertions) is at the level of auth/authz: errors, domain, crypto and packages only; the handlers (src/sts, src/iam) pass it what they read from the store.',
      severity: 'error',
      from: { path: '^src/federation/' },
      to: { path: '^src/(store|actions|api|authz|auth|iam|sts|workloads|protect)/|^src/(app|cli|operations)\\.ts$' },
    },
    {
      name: 'audit-sits-below-actions',
      comment:
        'src/audit (the audit trail: records, chain, digests, verify) is at the level of auth/authz: the dispatch (src/actions) and the transports call it; it never imports them or the handlers (src/cloudtrail is the LookupEvents handler, above actions).',
      severity: 'error',
      from: { path: '^src/audit/' },
      to: { path: '^src/(actions|api|auth|iam|sts|workloads|protect|cloudtrail|cli-tools)/|^src/(app|cli|operations)\\.ts$' },
    },
    {
      name: 'transports-import-actions-never-the-reverse',
      comment: 'Only the transports (src/api), the composition root (src/app.ts) and the CLI know HTTP routes and pages.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/api/', '^src/app\\.ts$', '^src/cli'] },
      to: { path: '^src/api/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: 'specify',
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
