/**
 * Static files: kept by browsers for a year under a URL that changes with their contents, while
 * pages are never kept; the bundles sent compressed to browsers that accept it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { portalFixture } from '../testing/portal.ts';
import { webClient } from '../testing/web-client.ts';
import { IMMUTABLE, staticAssets } from './assets.ts';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), 'static');
const fixture = portalFixture();
const scratch = mkdtempSync(join(tmpdir(), 'latchkey-assets-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const hashOf = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 16);

test('pages name the style sheet and the icon by the hash of their contents, and are never cached', async () => {
  const page = await webClient(fixture.portal.app.server).get('/');
  assert.equal(page.headers['cache-control'], 'no-store');
  assert.ok(page.body.includes(`href="/static/latchkey.${hashOf(join(STATIC, 'latchkey.css'))}.css"`), 'the style sheet');
  assert.ok(page.body.includes(`href="/static/favicon.${hashOf(join(STATIC, 'favicon.svg'))}.svg"`), 'the icon');
  assert.doesNotMatch(page.body, /"\/static\/[a-z-]+\.(css|svg|js)"/, 'no plain static URL left in a template');
});

test('every static file is served at its hashed URL for a year; its plain URL redirects there, uncached', async () => {
  const server = fixture.portal.app.server;
  const files = readdirSync(STATIC).filter((name) => !/\.(br|gz)$/.test(name));
  assert.ok(files.includes('audit-columns.js'));
  for (const name of files) {
    const plain = await server.inject({ url: `/static/${name}` });
    assert.equal(plain.statusCode, 302, name);
    assert.equal(plain.headers['cache-control'], 'no-store', name);
    const location = String(plain.headers.location);
    assert.equal(location, `/static/${name.replace(/(\.[a-z]+)$/, `.${hashOf(join(STATIC, name))}$1`)}`);
    const served = await server.inject({ url: location });
    assert.equal(served.statusCode, 200, name);
    assert.equal(served.headers['cache-control'], IMMUTABLE, name);
    assert.equal(served.headers['x-content-type-options'], 'nosniff', name);
    assert.deepEqual(served.rawPayload, readFileSync(join(STATIC, name)), name);
  }
  assert.equal((await server.inject({ url: '/static/latchkey.0123456789abcdef.css' })).statusCode, 404, 'an old hash');
  assert.equal((await server.inject({ url: '/static/..%2F..%2Fpackage.json' })).statusCode, 404, 'no way out of the folder');
});

test('a bundle goes compressed to a browser that accepts it (brotli first, then gzip), the same bytes once decoded; to others as it is', async () => {
  const server = fixture.portal.app.server;
  const name = 'password-feedback.bundle.js';
  const original = readFileSync(join(STATIC, name));
  const url = `/static/password-feedback.bundle.${hashOf(join(STATIC, name))}.js`;
  const fetch = (acceptEncoding?: string) => server.inject({ url, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });

  const brotli = await fetch('gzip, deflate, br, zstd');
  assert.equal(brotli.statusCode, 200);
  assert.equal(brotli.headers['content-encoding'], 'br');
  assert.match(String(brotli.headers.vary), /accept-encoding/i);
  assert.match(String(brotli.headers['content-type']), /^application\/javascript/);
  assert.equal(brotli.headers['cache-control'], IMMUTABLE);
  assert.ok(brotli.rawPayload.length < original.length / 2, `${brotli.rawPayload.length} bytes for ${original.length}`);
  assert.deepEqual(brotliDecompressSync(brotli.rawPayload), original);

  for (const accepted of ['gzip', 'br;q=0, gzip;q=0.8']) {
    const gzip = await fetch(accepted);
    assert.equal(gzip.headers['content-encoding'], 'gzip', accepted);
    assert.deepEqual(gunzipSync(gzip.rawPayload), original, accepted);
  }
  for (const accepted of [undefined, 'identity', 'br;q=0']) {
    const plain = await fetch(accepted);
    assert.equal(plain.headers['content-encoding'], undefined, String(accepted));
    assert.match(String(plain.headers.vary), /accept-encoding/i, 'a shared cache must not hand this to a browser that takes brotli');
    assert.deepEqual(plain.rawPayload, original, String(accepted));
  }
  for (const sibling of [`${name}.br`, `${name}.gz`, `password-feedback.bundle.${hashOf(join(STATIC, name))}.js.br`]) {
    assert.equal((await server.inject({ url: `/static/${sibling}` })).statusCode, 404, `${sibling} has no URL of its own`);
  }
  assert.doesNotMatch((await webClient(server).get('/')).body, /\.(br|gz)"/);
});

test('a compressed sibling that is not its file compressed (an older build) stops the start, saying how to fix it', async () => {
  const folder = mkdtempSync(join(scratch, 'siblings-'));
  writeFileSync(join(folder, 'app.bundle.js'), 'console.log("now")');
  writeFileSync(join(folder, 'app.bundle.js.gz'), gzipSync('console.log("now")'));
  writeFileSync(join(folder, 'app.bundle.js.br'), brotliCompressSync('console.log("before")'));
  await assert.rejects(staticAssets(Fastify(), folder), /app\.bundle\.js\.br is not app\.bundle\.js compressed .*build-browser\.mjs/);
  writeFileSync(join(folder, 'app.bundle.js.br'), brotliCompressSync('console.log("now")'));
  const app = Fastify();
  const assets = await staticAssets(app, folder);
  assert.equal((await app.inject({ url: assets.url('app.bundle.js'), headers: { 'accept-encoding': 'br' } })).headers['content-encoding'], 'br');
  assert.throws(() => assets.url('app.bundle.js.br'), /no static file/);
  await app.close();
});

test('a changed file gets a new URL at the next start; the old URL is gone', async () => {
  writeFileSync(join(scratch, 'site.css'), 'body { color: black }');
  const first = Fastify();
  const before = (await staticAssets(first, scratch)).url('site.css');
  writeFileSync(join(scratch, 'site.css'), 'body { color: navy }');
  const second = Fastify();
  const assets = await staticAssets(second, scratch);
  const now = assets.url('site.css');
  assert.match(before, /^\/static\/site\.[0-9a-f]{16}\.css$/);
  assert.notEqual(now, before);
  assert.equal((await second.inject({ url: now })).body, 'body { color: navy }');
  assert.equal((await second.inject({ url: before })).statusCode, 404);
  assert.throws(() => assets.url('missing.css'), /no static file missing\.css/, 'a template naming a missing file fails loudly');
  await Promise.all([first.close(), second.close()]);
});
