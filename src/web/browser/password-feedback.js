/**
 * Live feedback while a new password is typed, on top of a page that works without it: each rule
 * of the list ticked (met, not met, or checked only when the form is sent), a strength estimate
 * (zxcvbn-ts with the common and English dictionaries and the account's own words), whether the
 * two entries match, a show/hide button per password field, and the breached check.
 *
 * The breached check is k-anonymous: the page hashes the password with SHA-1 itself, asks the
 * portal for every breached hash that starts with the same five hex digits, and compares the rest
 * here. Neither the password nor its hash leaves the browser.
 *
 * Every text comes from the page (data-t-* attributes the server renders from the strings), so
 * the admin's wording and translations apply. No inline script, no eval: runs under
 * `script-src 'self'`.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common';
// English: the common words, first names and word sequences. Its last names (470 KB) and
// Wikipedia words (270 KB, mostly the common words again) are left out to keep the script
// near 0.9 MB; the account's own names come from the page (user inputs) instead.
import commonWords from '@zxcvbn-ts/language-en/dist/commonWords.json.mjs';
import firstnames from '@zxcvbn-ts/language-en/dist/firstnames.json.mjs';
import wordSequences from '@zxcvbn-ts/language-en/dist/wordSequences.json.mjs';

/** Screen readers hear a summary once typing pauses, not at every key. */
const ANNOUNCE_AFTER_MS = 1000;
/** The breached check waits until typing stops, so that a range is asked for once per pause. */
const BREACH_CHECK_AFTER_MS = 400;

let estimator;
/** zxcvbn, built at first use: unpacking its dictionaries takes a moment the page load need not wait for. */
const zxcvbn = () => {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, 'commonWords-en': commonWords, 'firstnames-en': firstnames, ...wordSequences },
    graphs: adjacencyGraphs,
  });
  return estimator;
};

/** Fills `{name}` placeholders as the server's translator does. */
const fill = (text, params) => text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));

/** The character classes of AD's complexity rule (and of a composition rule's list). */
const CLASSES = {
  upper: (c) => /\p{Lu}/u.test(c),
  lower: (c) => /\p{Ll}/u.test(c),
  digit: (c) => /[0-9]/.test(c),
  symbol: (c) => !/[\p{L}0-9]/u.test(c),
  /** Letters of scripts without case (AD counts them as a group of their own). */
  other: (c) => /\p{L}/u.test(c) && !/[\p{Lu}\p{Ll}]/u.test(c),
};

const hasClass = (password, name) => [...password].some(CLASSES[name] ?? (() => true));

/** The longest run of one character repeated. */
function longestRepeat(password) {
  const chars = [...password];
  let best = 0;
  let run = 0;
  chars.forEach((c, i) => {
    run = i > 0 && c === chars[i - 1] ? run + 1 : 1;
    best = Math.max(best, run);
  });
  return best;
}

/** The longest run of characters each one up (abcd, 1234) or each one down (4321) from the last. */
function longestSequence(password) {
  const points = [...password.toLowerCase()].map((c) => c.codePointAt(0));
  let best = Math.min(points.length, 1);
  let run = 1;
  let step = 0;
  for (let i = 1; i < points.length; i++) {
    const d = points[i] - points[i - 1];
    run = (d === 1 || d === -1) && d === step ? run + 1 : d === 1 || d === -1 ? 2 : 1;
    step = d;
    best = Math.max(best, run);
  }
  return best;
}

const containsWord = (password, words) => words.some((word) => password.toLowerCase().includes(word));

/**
 * Each rule the page can check: true (met), false (not met) or undefined (only the server can
 * tell: banned words, history, and the breached check until it has answered).
 */
const CHECKS = {
  'min-length': (rule, password) => password.length >= Number(rule.dataset.min),
  'max-length': (rule, password) => password.length <= Number(rule.dataset.max),
  'no-name': (_rule, password, facts) => !containsWord(password, facts.words),
  'no-repeats': (rule, password) => longestRepeat(password) <= Number(rule.dataset.max),
  'no-sequences': (rule, password) => longestSequence(password) <= Number(rule.dataset.max),
  complexity: (rule, password, facts) =>
    Object.keys(CLASSES).filter((name) => hasClass(password, name)).length >= Number(rule.dataset.categories || 3) && !containsWord(password, facts.words),
  composition: (rule, password) => (rule.dataset.classes || '').split(',').every((name) => !name || hasClass(password, name)),
  'not-breached': (_rule, _password, facts) => (facts.breaches === undefined ? undefined : facts.breaches === 0),
};

/** Creates an element with attributes and text. */
function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.textContent = text;
  return node;
}

/** Adds (or removes) `id` among the ids that describe `input`. */
function describe(input, id, on) {
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
  if (on) ids.add(id);
  else ids.delete(id);
  if (ids.size) input.setAttribute('aria-describedby', [...ids].join(' '));
  else input.removeAttribute('aria-describedby');
}

/** The breached entries under a prefix, asked for once per prefix while the page is open. */
const ranges = new Map();

async function rangeOf(url) {
  const answer = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/plain' } });
  if (!answer.ok) throw new Error(`range check answered ${answer.status}`);
  return (await answer.text()).split(/\r?\n/).flatMap((line) => {
    const match = /^([0-9A-Fa-f]+):(\d+)$/.exec(line.trim());
    return match ? [{ suffix: match[1].toUpperCase(), count: Number(match[2]) }] : [];
  });
}

/**
 * How many known breaches `password` appeared in (0: none), or undefined when that cannot be
 * told: no SubtleCrypto (a page not served over HTTPS), the check failed, or the portal keeps no
 * breached list (an empty range: a real list has entries under every prefix).
 */
async function breachCount(password, rangeBase) {
  if (!globalThis.crypto?.subtle) return undefined;
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(password));
  const hash = [...new Uint8Array(digest)]
    .map((byte) => byte.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  const prefix = hash.slice(0, 5);
  if (!ranges.has(prefix)) {
    const asked = rangeOf(rangeBase + prefix);
    ranges.set(prefix, asked);
    asked.catch(() => ranges.delete(prefix));
  }
  const entries = await ranges.get(prefix).catch(() => null);
  if (!entries?.length) return undefined;
  // An index may keep fewer than the 35 remaining digits: a kept suffix matches as a prefix.
  return entries.find((entry) => hash.slice(5).startsWith(entry.suffix))?.count ?? 0;
}

/** The field's block (label, hint, input), after which feedback for it goes. */
const blockOf = (input) => input.closest('.field') ?? input;

/** A show/hide button after each password field of the form. */
function addRevealButtons(form, texts) {
  const inputs = [...form.querySelectorAll('input[type="password"]')];
  for (const input of inputs) {
    const button = element('button', { type: 'button', class: 'reveal', 'aria-pressed': 'false', 'aria-controls': input.id }, texts.show);
    button.addEventListener('click', () => {
      const shown = button.getAttribute('aria-pressed') !== 'true';
      button.setAttribute('aria-pressed', String(shown));
      input.type = shown ? 'text' : 'password';
    });
    input.after(button);
  }
  // What is sent is never kept by the browser as ordinary text.
  form.addEventListener('submit', () => {
    for (const input of inputs) input.type = 'password';
  });
}

/** Marks each rule of the list, with a visible sign and words for screen readers. */
function markRules(rules, password, facts, texts) {
  let met = 0;
  let known = 0;
  for (const rule of rules) {
    const check = CHECKS[rule.dataset.rule];
    const verdict = password && check ? check(rule, password, facts) : undefined;
    const state = !password ? '' : verdict === undefined ? 'unknown' : verdict ? 'met' : 'unmet';
    rule.dataset.state = state;
    rule.querySelector('.rule-mark').textContent = { met: '✓', unmet: '✗', unknown: '…' }[state] ?? '';
    rule.querySelector('.rule-state').textContent = state ? ` (${texts[state]})` : '';
    if (verdict !== undefined) known++;
    if (verdict) met++;
  }
  return { met, known };
}

/** Wires one password form's feedback from its carrier element (src/web/views/_password-feedback.eta). */
function enhance(carrier) {
  // data-t-rules-met="…" arrives as dataset.tRulesMet: kept as texts.rulesMet.
  const texts = Object.fromEntries(
    Object.entries(carrier.dataset).flatMap(([key, value]) => (/^t[A-Z]/.test(key) ? [[key[1].toLowerCase() + key.slice(2), value]] : [])),
  );
  const input = document.getElementById(carrier.dataset.field);
  const confirm = document.getElementById(carrier.dataset.confirm);
  const form = input?.form;
  if (!input || !form) return;
  const list = document.querySelector('[data-live-rules]');
  const rules = list ? [...list.querySelectorAll('li[data-rule]')] : [];
  for (const rule of rules) {
    rule.prepend(element('span', { class: 'rule-mark', 'aria-hidden': 'true' }));
    rule.append(element('span', { class: 'rule-state visually-hidden' }));
    // Not judged yet: the mark's place replaces the bullet from the start, so nothing shifts.
    rule.dataset.state = '';
  }
  const words = (list?.querySelector('[data-rule="no-name"]')?.dataset.words || '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);

  const strength = element('div', { class: 'strength', hidden: '' });
  const meter = element('meter', { min: '0', max: '4', low: '2', high: '3', optimum: '4', value: '0', 'aria-hidden': 'true' });
  const strengthText = element('span', { class: 'strength-text' });
  strength.append(meter, strengthText);
  const breach = element('p', { class: 'breach-warning', id: `${input.id}-breach`, hidden: '' });
  blockOf(input).after(strength, breach);
  const match = confirm && element('p', { class: 'match', id: `${confirm.id}-match`, hidden: '' });
  if (match) blockOf(confirm).after(match);
  const status = element('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  form.append(status);
  addRevealButtons(form, texts);

  const facts = { words, breaches: undefined };
  let announceTimer;
  let breachTimer;

  const render = () => {
    const password = input.value;
    const { met, known } = markRules(rules, password, facts, texts);
    const summary = [];
    if (known) summary.push(fill(texts.rulesMet, { met, total: known }));

    strength.hidden = !password;
    if (password) {
      const { score } = zxcvbn().check(password, words);
      meter.value = score;
      strength.dataset.score = String(score);
      strengthText.textContent = fill(texts.strength, { label: texts[`strength${score}`] });
      summary.push(strengthText.textContent);
    }

    const found = password && facts.breaches > 0;
    breach.hidden = !found;
    breach.textContent = found ? fill(texts.breached, { count: new Intl.NumberFormat(document.documentElement.lang || undefined).format(facts.breaches) }) : '';
    describe(input, breach.id, found);
    if (found) summary.push(breach.textContent);

    if (match) {
      const compared = confirm.value !== '';
      const same = confirm.value === password;
      match.hidden = !compared;
      match.dataset.state = same ? 'met' : 'unmet';
      match.textContent = compared ? `${same ? '✓' : '✗'} ${same ? texts.match : texts.mismatch}` : '';
      describe(confirm, match.id, compared);
      if (compared) summary.push(same ? texts.match : texts.mismatch);
    }

    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => {
      status.textContent = summary.join(' ');
    }, ANNOUNCE_AFTER_MS);
  };

  const typed = () => {
    facts.breaches = undefined;
    clearTimeout(breachTimer);
    const password = input.value;
    if (password) {
      breachTimer = setTimeout(async () => {
        const count = await breachCount(password, carrier.dataset.range);
        // A later keystroke has made this answer stale.
        if (input.value !== password) return;
        facts.breaches = count;
        render();
      }, BREACH_CHECK_AFTER_MS);
    }
    render();
  };
  input.addEventListener('input', typed);
  confirm?.addEventListener('input', render);
  // Typed before the script had loaded: looked at at once.
  if (input.value) typed();
  else if (confirm?.value) render();
}

for (const carrier of document.querySelectorAll('[data-password-feedback]')) enhance(carrier);
