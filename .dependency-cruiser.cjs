/** Import rules between the layers (README "Layout"); `npm run lint` fails on any arrow they forbid. */
const layer = (name) => `^src/${name}/`;
const notTest = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    { name: 'flows-not-web', severity: 'error', comment: 'Flows know nothing of HTTP: web calls flows, never the reverse.',
      from: { path: layer('flows') }, to: { path: layer('web') } },
    { name: 'directory-alone', severity: 'error', comment: 'The directory port talks to AD only: no storage, flows or pages.',
      from: { path: layer('directory') }, to: { path: [layer('store'), layer('flows'), layer('web'), layer('settings')] } },
    { name: 'store-below-flows', severity: 'error', comment: 'The store persists; it does not call flows or pages.',
      from: { path: layer('store') }, to: { path: [layer('flows'), layer('web'), layer('directory'), layer('settings')] } },
    { name: 'web-through-flows', severity: 'error', comment: 'Pages reach stored data through flows only.',
      from: { path: layer('web'), pathNot: notTest }, to: { path: layer('store') } },
    { name: 'composition-root', severity: 'error', comment: 'Only the CLI (serve, demo) and test harnesses assemble the application.',
      from: { pathNot: ['^src/cli/', '^src/testing/', notTest] }, to: { path: '^src/app\\.ts$' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/web/static/' },
  },
};
