// GraphiQL at / in a real browser: Debian's Chromium driven by playwright-core
// loads the page, runs the prefilled example query and sees its data in the result
// pane. CI has no internet, so the CDN assets the page names are answered from the
// same packages installed by npm (their versions must match the page's).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { url } from './env.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.PARLEY_ARTIFACTS ?? join(here, 'artifacts');
const require = createRequire(import.meta.url);
const CDN = /^https:\/\/(unpkg\.com|cdn\.jsdelivr\.net\/npm)\/((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/;
const TYPES = { js: 'application/javascript', css: 'text/css', map: 'application/json' };

let browser;
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
});
after(async () => browser?.close());

/** The file a CDN URL names, from node_modules, after checking the version. */
function fromNodeModules(requestUrl) {
  const [, , name, version, path] = requestUrl.match(CDN) ?? [];
  if (!name) return { error: `not a CDN asset: ${requestUrl}` };
  const manifest = require.resolve(`${name}/package.json`);
  const installed = JSON.parse(readFileSync(manifest, 'utf8')).version;
  if (installed !== version) {
    return { error: `${requestUrl}: the page wants ${name}@${version}, ecosystem/package.json has ${installed}` };
  }
  const file = join(dirname(manifest), path.split('?')[0]);
  return { body: readFileSync(file), contentType: TYPES[file.split('.').pop()] ?? 'application/octet-stream' };
}

test('GraphiQL runs the example query and shows its data', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`));
  const served = [];
  await page.route(/^https?:\/\//, async (route) => {
    const requested = route.request().url();
    if (requested.startsWith(url)) return route.continue();
    const asset = fromNodeModules(requested);
    if (asset.error) {
      problems.push(asset.error);
      return route.abort();
    }
    served.push(requested);
    return route.fulfill({ status: 200, body: asset.body, contentType: asset.contentType });
  });

  await page.goto(`${url}/`);
  await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
  const editor = page.locator('.graphiql-query-editor');
  await assert.doesNotReject(editor.getByText('query Inbox').first().waitFor(), 'the example query is prefilled');

  const answered = page.waitForResponse(
    (r) => r.url() === `${url}/graphql` && (r.request().postData() ?? '').includes('query Inbox'),
  );
  await page.locator('.graphiql-execute-button').click();
  const response = await answered;
  assert.ok(response.request().headers().authorization?.startsWith('Bearer '), 'the prefilled header is sent');
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  const first = body.data.conversations.nodes[0];
  assert.ok(first, 'the inbox query returned conversations');

  // The result pane shows the data the gateway returned (kept as a screenshot either way).
  const result = page.locator('.graphiql-response .result-window');
  try {
    await result.getByText(first.id).first().waitFor({ timeout: 15_000 });
  } finally {
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'graphiql.png') });
  }
  const shown = await result.innerText();
  assert.match(shown, /"totalCount": \d+/);
  assert.ok(shown.includes(first.subject), 'the first conversation subject is in the result pane');
  assert.ok(served.length >= 4, `CDN assets answered from node_modules: ${served.join(', ')}`);
  assert.deepEqual(problems, []);
  await page.close();
});
