/**
 * The arrows allowed between the layers (README "Layout"). `npm run lint` fails on any other.
 * Bottom to top: kit (errors, log, config, i18n, security) · store, directory, notify ·
 * settings, audit, certificates, metrics, backup, jobs · flows · web · app.ts and the CLI.
 */
const tests = ['\\.test\\.ts$', '^src/testing/'];
const belowFlows =
  '^src/(config|directory|store|security|settings|notify|audit|i18n|certificates|metrics|backup|jobs|passwords)/|^src/(log|errors|runtime)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'nothing-up-to-web',
      severity: 'error',
      comment: 'Only the composition root and the CLI build on the web layer.',
      from: { path: '^src/', pathNot: ['^src/web/', '^src/cli/', '^src/app\\.ts$', ...tests] },
      to: { path: '^src/web/' },
    },
    {
      name: 'flows-not-web',
      severity: 'error',
      comment: 'Flows know nothing of HTTP: web calls flows, never the reverse.',
      from: { path: '^src/flows/' },
      to: { path: '^src/web/' },
    },
    {
      name: 'nothing-up-to-flows',
      severity: 'error',
      comment: 'Infrastructure serves the flows; it never calls them.',
      from: { path: belowFlows, pathNot: tests },
      to: { path: '^src/flows/' },
    },
    {
      name: 'directory-alone',
      severity: 'error',
      comment: 'The directory port talks to AD only: no storage, settings, senders, flows or pages.',
      from: { path: '^src/directory/', pathNot: tests },
      to: { path: '^src/(store|settings|notify|audit|flows|web)/' },
    },
    {
      name: 'store-below-flows',
      severity: 'error',
      comment: 'The store persists rows; it does not call the directory, settings, flows or pages.',
      from: { path: '^src/store/', pathNot: tests },
      to: { path: '^src/(directory|settings|notify|flows|web)/' },
    },
    {
      name: 'web-through-flows',
      severity: 'error',
      comment: 'Pages reach stored data and senders through flows only.',
      from: { path: '^src/web/', pathNot: tests },
      to: { path: '^src/(store|notify)/' },
    },
    {
      name: 'composition-root',
      severity: 'error',
      comment: 'Only the CLI (serve, demo) and the test harness assemble the application.',
      from: { path: '^src/', pathNot: ['^src/cli/', ...tests] },
      to: { path: '^src/app\\.ts$' },
    },
    { name: 'no-circular', severity: 'error', comment: 'A cycle makes two modules one; split out what both need.', from: {}, to: { circular: true } },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/static/' },
  },
};
