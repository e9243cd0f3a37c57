// Parley as an Apollo Federation v2 subgraph, against Apollo's own federation
// tooling: a gateway started with `--federation` (PARLEY_URL, PARLEY_TOKEN) is
// composed by @apollo/composition with a small CRM subgraph written here, which
// extends Contact with `crmTier`; @apollo/gateway serves the supergraph, forwarding
// the caller's Authorization header to Parley. Queries through it join both ways:
// Parley's conversations with the CRM's tiers (the CRM's `_entities`), and the CRM's
// VIP list with Parley's contacts (Parley's `_entities`, in the caller's tenant).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

import { authorization, endpoint } from './env.mjs';

const CRM = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  "A customer, as the CRM knows it (Parley's Contact, by its global ID)."
  type Contact @key(fields: "id") {
    id: ID!
    "The customer's tier in the CRM."
    crmTier: String!
  }

  type Query {
    "The contacts the CRM marks as VIPs."
    vipContacts: [Contact!]!
  }
`);

/** The CRM's tier of a contact: from the number in its global ID (`Contact:<n>`). */
function tierOf(id) {
  const [type, key] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  assert.equal(type, 'Contact', `${id} is a Contact ID`);
  return ['BRONZE', 'SILVER', 'GOLD'][Number(key) % 3];
}

/** POSTs `query` to `url`, with `auth` as the Authorization header when given. */
async function post(url, query, auth) {
  const headers = { 'content-type': 'application/json' };
  if (auth) headers.authorization = auth;
  const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query }) });
  assert.equal(response.status, 200, `${url}: HTTP ${response.status}`);
  return response.json();
}

/** `data` of a response that must have no errors. */
function data(body) {
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

let vips = []; // Parley contacts the CRM lists, found before it starts
let crm;
let gateway;
let crmUrl;
let gatewayUrl;
let composed;

before(async () => {
  const { _service } = data(await post(endpoint, '{ _service { sdl } }'));
  const contacts = data(await post(endpoint, '{ contacts(first: 3) { nodes { id firstName email } } }', authorization));
  vips = contacts.contacts.nodes;
  assert.equal(vips.length, 3, 'the demo tenant has contacts');

  crm = new ApolloServer({
    schema: buildSubgraphSchema({
      typeDefs: CRM,
      resolvers: {
        Query: { vipContacts: () => vips.map(({ id }) => ({ id })) },
        Contact: {
          __resolveReference: ({ id }) => ({ id }),
          crmTier: ({ id }) => tierOf(id),
        },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  ({ url: crmUrl } = await startStandaloneServer(crm, { listen: { host: '127.0.0.1', port: 0 } }));

  composed = composeServices([
    { name: 'parley', typeDefs: parse(_service.sdl), url: endpoint },
    { name: 'crm', typeDefs: CRM, url: crmUrl },
  ]);
  assert.equal(composed.errors, undefined, `composition: ${composed.errors?.map((e) => e.message).join('\n')}`);

  gateway = new ApolloServer({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) =>
        new RemoteGraphQLDataSource({
          url,
          willSendRequest({ request, context }) {
            if (context.authorization) request.http.headers.set('authorization', context.authorization);
          },
        }),
    }),
  });
  ({ url: gatewayUrl } = await startStandaloneServer(gateway, {
    listen: { host: '127.0.0.1', port: 0 },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  }));
});

after(async () => {
  await gateway?.stop();
  await crm?.stop();
});

test('composition: Parley\'s subgraph SDL composes with another subgraph', () => {
  const supergraph = composed.supergraphSdl;
  for (const type of ['Conversation', 'Ticket', 'Contact', 'Agent']) {
    const definition = supergraph.match(new RegExp(`type ${type} implements Node\\n([^{]*)\\{`));
    assert.ok(definition, `${type} is in the supergraph`);
    assert.match(definition[1], /@join__type\(graph: PARLEY, key: "id"\)/, `${type} is Parley's entity`);
  }
  assert.match(supergraph, /type Contact[^{]*@join__type\(graph: CRM, key: "id"\)/, 'the CRM extends Contact');
  assert.match(supergraph, /crmTier: String! @join__field\(graph: CRM\)/);
});

test('a query through the gateway joins Parley\'s conversations with the CRM\'s tiers', async () => {
  const fields = 'id subject requester { id firstName email }';
  const direct = data(await post(endpoint, `{ conversations(first: 5) { nodes { ${fields} } } }`, authorization));
  const joined = data(
    await post(
      gatewayUrl,
      '{ conversations(first: 5) { nodes { id subject requester { id firstName email crmTier } } } }',
      authorization,
    ),
  );
  const nodes = joined.conversations.nodes;
  assert.equal(nodes.length, 5);
  assert.ok(nodes.some((c) => c.requester), 'conversations with a requester');
  for (const [i, conversation] of nodes.entries()) {
    const { crmTier, ...parley } = conversation.requester ?? {};
    assert.deepEqual(
      { ...conversation, requester: conversation.requester && parley },
      direct.conversations.nodes[i],
      'Parley\'s part is what Parley answers directly',
    );
    if (conversation.requester) {
      assert.equal(crmTier, tierOf(conversation.requester.id), 'the CRM\'s part, joined by id');
    }
  }
});

test('the CRM\'s contacts are resolved by Parley\'s _entities with the caller\'s token', async () => {
  const joined = data(await post(gatewayUrl, '{ vipContacts { id crmTier firstName email } }', authorization));
  assert.deepEqual(
    joined.vipContacts,
    vips.map((contact) => ({ id: contact.id, crmTier: tierOf(contact.id), firstName: contact.firstName, email: contact.email })),
  );
});

test('without a token the gateway gets Parley\'s UNAUTHENTICATED, and no data', async () => {
  const body = await post(gatewayUrl, '{ conversations(first: 2) { nodes { id requester { crmTier } } } }');
  assert.equal(body.data?.conversations ?? null, null);
  assert.ok(
    body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
    JSON.stringify(body.errors),
  );
  const vipsOnly = await post(gatewayUrl, '{ vipContacts { id crmTier email } }');
  assert.ok(
    vipsOnly.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED'),
    `Parley's _entities refuses too: ${JSON.stringify(vipsOnly)}`,
  );
  assert.ok(!JSON.stringify(vipsOnly.data ?? null).includes('@'), 'no email leaks');
});
