// GraphiQL at / in a real browser without the internet: Debian's Chromium driven by
// playwright-core, every request and websocket that does not go to the gateway
// refused (and the test failed if one was attempted). The page runs the prefilled
// example query and shows its data, holds the demo Authorization header in its
// headers editor, runs a subscription over graphql-ws that receives the note this test
// adds over HTTP, and opens its settings dialog; with no console error and no
// Content-Security-Policy violation on the way.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { authorization, endpoint, url } from './env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.PARLEY_ARTIFACTS ?? join(here, 'artifacts');
const gateway = new URL(url);

let browser;
let page;
/** Requests and websockets that did not go to the gateway (all refused). */
const outside = [];
/** Console errors, page errors and CSP violations. */
const problems = [];
/** What GraphiQL's websocket sent the gateway, and what it answered. */
const frames = { sent: [], received: [] };
/** The first conversation of the example query's result. */
let first;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({
    viewport: { width: 1400, height: 900 },
    serviceWorkers: 'block',
  });
  await context.route('**/*', (route) => {
    const requested = new URL(route.request().url());
    if (requested.origin === gateway.origin) return route.continue();
    outside.push(requested.href);
    return route.abort('blockedbyclient');
  });
  await context.routeWebSocket(/.*/, (socket) => {
    const requested = new URL(socket.url());
    if (requested.host !== gateway.host || requested.protocol !== 'ws:') {
      outside.push(requested.href);
      return socket.close();
    }
    const server = socket.connectToServer();
    socket.onMessage((message) => {
      frames.sent.push(JSON.parse(message));
      server.send(message);
    });
    server.onMessage((message) => {
      frames.received.push(JSON.parse(message));
      socket.send(message);
    });
  });
  page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  // Also from the DOM event, in case a violation is not logged (init scripts run
  // outside the page's CSP).
  await page.exposeFunction('reportViolation', (v) => problems.push(`CSP violation: ${v}`));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.reportViolation(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`),
    ),
  );
});

after(async () => browser?.close());

/** Keeps what the page shows now in the artifacts directory. */
async function screenshot(name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name) });
}

/** The text of one of GraphiQL's CodeMirror editors. */
function editorText(selector) {
  return page.locator(`${selector} .CodeMirror`).evaluate((element) => element.CodeMirror.getValue());
}

/** Replaces the query editor's text, as a paste would. */
async function typeQuery(text) {
  await page.locator('.graphiql-query-editor .CodeMirror').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

/** POSTs a GraphQL request to the gateway with the demo token. */
async function post(query, variables) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

test('GraphiQL loads from the gateway alone', async () => {
  const served = [];
  page.on('response', (r) => served.push(`${r.status()} ${r.url()}`));
  await page.goto(`${url}/`);
  await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
  const assets = served.filter((s) => s.includes('/graphiql/'));
  assert.ok(assets.length >= 6, `the page loaded its files from /graphiql/: ${served.join(', ')}`);
  assert.deepEqual(
    assets.filter((s) => !s.startsWith('200 ')),
    [],
    'every file the page loaded was there',
  );
});

test('the example query is prefilled, runs, and its data is shown', async () => {
  const editor = page.locator('.graphiql-query-editor');
  await assert.doesNotReject(editor.getByText('query Inbox').first().waitFor(), 'the example query is prefilled');

  const answered = page.waitForResponse(
    (r) => r.url() === endpoint && (r.request().postData() ?? '').includes('query Inbox'),
  );
  await page.locator('.graphiql-execute-button').click();
  const response = await answered;
  assert.equal(response.request().headers().authorization, authorization, 'the prefilled header is sent');
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  first = body.data.conversations.nodes[0];
  assert.ok(first, 'the inbox query returned conversations');

  const result = page.locator('.graphiql-response .result-window');
  try {
    await result.getByText(first.id).first().waitFor({ timeout: 15_000 });
  } finally {
    await screenshot('graphiql.png');
  }
  const shown = await result.innerText();
  assert.match(shown, /"totalCount": \d+/);
  assert.ok(shown.includes(first.subject), 'the first conversation subject is in the result pane');
});

test('the headers editor holds the Authorization header', async () => {
  await page.locator('.graphiql-editor-tools button[data-name="headers"]').click();
  const headers = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
  await page.locator(headers).getByText('"Authorization"').waitFor();
  assert.deepEqual(JSON.parse(await editorText(headers)), { Authorization: authorization });
});

test('a subscription run from GraphiQL receives the change a mutation makes', async () => {
  assert.ok(first, 'the example query ran first');
  await page.locator('.graphiql-tab-add').click();
  await typeQuery(
    `subscription Notes { conversationEvents(conversationId: "${first.id}", types: [NOTE_ADDED]) ` +
      '{ type conversation { id } note { body } } }',
  );
  // The tab takes the operation's name once GraphiQL has read the edit.
  await page.locator('.graphiql-tab-active', { hasText: 'Notes' }).waitFor();
  await page.locator('.graphiql-execute-button').click();

  // GraphiQL connects to /graphql/ws with the headers editor's header, and subscribes.
  const acknowledged = () => frames.received.some((f) => f.type === 'connection_ack');
  const subscribed = () => frames.sent.some((f) => f.type === 'subscribe' && f.payload.query.includes('Notes'));
  for (let i = 0; i < 100 && !(acknowledged() && subscribed()); i++) await sleep(100);
  assert.ok(acknowledged(), `the gateway accepted the websocket: ${JSON.stringify(frames)}`);
  assert.ok(subscribed(), `GraphiQL subscribed: ${JSON.stringify(frames.sent)}`);
  const init = frames.sent.find((f) => f.type === 'connection_init');
  assert.equal(init.payload?.Authorization, authorization, 'connection_init carries the header');

  // The gateway may take a moment to follow the feed after `subscribe`: add notes
  // until one is seen in the result pane.
  const result = page.locator('.graphiql-response .result-window');
  let body;
  for (let attempt = 0; attempt < 10; attempt++) {
    body = `Seen in GraphiQL ${randomUUID()}`;
    const data = await post(
      'mutation Note($input: AddNoteInput!) { addNote(input: $input) { note { id } userErrors { code } } }',
      { input: { conversationId: first.id, body } },
    );
    assert.deepEqual(data.addNote.userErrors, []);
    const seen = await result
      .getByText(body)
      .first()
      .waitFor({ timeout: 2_000 })
      .then(() => true, () => false);
    if (seen) break;
  }
  await screenshot('graphiql-subscription.png');
  const shown = await result.innerText();
  assert.ok(shown.includes(body), `the note's event is in the result pane: ${shown}`);
  assert.match(shown, /"type": "NOTE_ADDED"/);
  assert.ok(
    frames.received.some((f) => f.type === 'next' && f.payload.data?.conversationEvents?.note?.body === body),
    'the event came over the websocket',
  );
  await page.locator('.graphiql-execute-button').click(); // stops the subscription
});

test('the settings dialog opens within the Content-Security-Policy', async () => {
  await page.locator('.graphiql-sidebar button[aria-label="Open settings dialog"]').click();
  await page.getByRole('dialog').waitFor();
  // The scroll lock of the dialog is the inline style the policy allows by hash.
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).overflow), 'hidden');
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
});

test('nothing outside the gateway was asked for, and nothing went wrong', async () => {
  assert.deepEqual(outside, [], 'requests outside the gateway');
  assert.deepEqual(problems, [], 'console errors and CSP violations');
});
