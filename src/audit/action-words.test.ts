import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStrings } from '../i18n/translate.ts';
import { ADMIN_ACTIONS, HELPDESK_ACTIONS, SELF_SERVICE_ACTIONS } from './recorder.ts';

test('every audit action has words for the console, the helpdesk and the exports', () => {
  const { strings } = loadStrings('en');
  const actions = [...SELF_SERVICE_ACTIONS, ...HELPDESK_ACTIONS, ...ADMIN_ACTIONS];
  assert.deepEqual(
    actions.filter((action) => !(`audit.action.${action}` in strings)),
    [],
    'add an audit.action.<name> text for each (the other languages follow from the completeness test)',
  );
});
