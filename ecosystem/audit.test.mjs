// The GraphQL over HTTP audit suite of graphql-http against the live gateway, one
// test per audit. Every MUST has to pass; a SHOULD or MAY may only fail when it is
// listed below with its reason (the README repeats the list), and a listed one that
// passes again fails the run, so the list stays true.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { serverAudits } from 'graphql-http';

import { authorization, endpoint } from './env.mjs';

/** Audits the gateway does not meet on purpose: id -> why. */
const NOT_MET = {};

// The audits cannot set headers themselves; every request gets the demo token, as
// a real client's would (most audits only ask for `__typename`, which needs none).
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
};

for (const audit of serverAudits({ url: endpoint, fetchFn })) {
  const level = audit.name.split(' ')[0];
  test(`${audit.id} ${audit.name}`, async () => {
    const result = await audit.fn();
    const reason = result.status === 'ok' ? null : result.reason;
    if (audit.id in NOT_MET) {
      assert.notEqual(reason, null, `${audit.id} passes now: remove it from NOT_MET and the README`);
      assert.notEqual(level, 'MUST', 'a MUST cannot be waived');
      return;
    }
    if (reason !== null) {
      const body = await result.response.text().catch(() => '');
      assert.fail(`${level} not met: ${reason}\nHTTP ${result.response.status} ${body.slice(0, 500)}`);
    }
  });
}
