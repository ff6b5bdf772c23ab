import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrings, translator } from '../i18n/translate.ts';
import { flowLinks } from './flow-links.ts';

const t = translator(loadStrings('en').strings);

test('a message naming "My account is locked" links it to Unlock, and escapes the rest', () => {
  const html = flowLinks(t, `<b>Locked</b>? Use "${t('menu.unlock')}".`, ['reset', 'unlock']);
  assert.equal(html, `&lt;b&gt;Locked&lt;/b&gt;? Use &quot;<a href="/unlock">${t('menu.unlock')}</a>&quot;.`);
});

test('a hidden flow is not linked: its page does not exist', () => {
  assert.equal(flowLinks(t, t('menu.unlock'), ['reset']), t('menu.unlock'));
});
