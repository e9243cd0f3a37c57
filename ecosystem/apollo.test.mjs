// Apollo Client's normalized cache against the live gateway, in Node: the inbox
// flow (list, open, claim, note, close, subscribe) updates every cached view of a
// conversation from the mutation payloads alone, without refetching anything.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { buildSchema, isInterfaceType, isUnionType } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { authorization, endpoint, url } from './env.mjs';

const VIEWER = gql`query Viewer { viewer { agent { id name } } }`;
const INBOX = gql`
  query Inbox {
    conversations(first: 5, filter: { states: [OPEN], unassigned: true }) {
      totalCount
      nodes { id number subject state assignee { id name } }
    }
  }
`;
const CONVERSATION = gql`
  query Conversation($id: ID!) {
    conversation(id: $id) {
      id number subject state closedAt
      assignee { id name }
      notes(first: 50) { totalCount nodes { id body author { id name } } }
    }
  }
`;
const CLAIM = gql`
  mutation Claim($id: ID!) {
    claimConversation(input: { conversationId: $id }) {
      conversation { id state updatedAt assignee { id name } }
      userErrors { code message }
    }
  }
`;
const ADD_NOTE = gql`
  mutation AddNote($id: ID!, $body: String!) {
    addNote(input: { conversationId: $id, body: $body }) {
      note { id body author { id name } }
      noteEdge { cursor node { id } }
      userErrors { code message }
    }
  }
`;
const CLOSE = gql`
  mutation Close($id: ID!) {
    closeConversation(input: { conversationId: $id }) {
      conversation { id state closedAt updatedAt }
      userErrors { code message }
    }
  }
`;
// Only what no mutation returns, so the cache assertions below prove the payloads did it.
const EVENTS = gql`
  subscription Events($id: ID!) {
    conversationEvents(conversationId: $id, types: [CLAIMED, NOTE_ADDED, CLOSED]) { id type occurredAt }
  }
`;

/** Interfaces and unions of schema.graphql with their members, as Apollo wants them. */
function possibleTypes() {
  const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
  const map = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type) || isUnionType(type)) {
      map[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
    }
  }
  return map;
}

let requests = 0;
let client;
let ws;

before(() => {
  const http = new HttpLink({
    uri: endpoint,
    headers: { authorization },
    fetch: (input, init) => {
      requests += 1;
      return fetch(input, init);
    },
  });
  ws = createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: { Authorization: authorization },
    retryAttempts: 0,
  });
  const link = ApolloLink.split(
    ({ query }) => getMainDefinition(query).operation === 'subscription',
    new GraphQLWsLink(ws),
    http,
  );
  client = new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes: possibleTypes() }) });
});

after(async () => {
  client?.stop();
  await ws?.dispose();
});

test('mutation payloads update the normalized cache without refetching', async () => {
  const { data: me } = await client.query({ query: VIEWER });
  const { data: inbox } = await client.query({ query: INBOX });
  const picked = inbox.conversations.nodes[0];
  assert.ok(picked, 'an open, unassigned conversation to work on');
  const variables = { id: picked.id };
  const { data: opened } = await client.query({ query: CONVERSATION, variables });
  assert.equal(opened.conversation.assignee, null);
  const notesBefore = opened.conversation.notes.totalCount;

  // Subscribe first; the events arrive while the mutations below run.
  const events = [];
  const subscription = client.subscribe({ query: EVENTS, variables }).subscribe({
    next: ({ data }) => data && events.push(data.conversationEvents.type),
  });
  await new Promise((resolve) => ws.on('connected', resolve));
  await sleep(1000); // graphql-transport-ws does not acknowledge a subscription

  const cached = () => client.readQuery({ query: CONVERSATION, variables }).conversation;
  const cachedInboxRow = () =>
    client.readQuery({ query: INBOX }).conversations.nodes.find((c) => c.id === picked.id);
  const start = requests;

  const claim = await client.mutate({ mutation: CLAIM, variables });
  assert.deepEqual(claim.data.claimConversation.userErrors, []);
  assert.equal(cached().assignee?.id, me.viewer.agent.id, 'the open conversation shows the claim');
  assert.equal(cachedInboxRow().assignee?.id, me.viewer.agent.id, 'so does the inbox list');

  const body = `Apollo cache check ${Date.now()}`;
  const added = await client.mutate({
    mutation: ADD_NOTE,
    variables: { ...variables, body },
    // A new object in a list is the one thing normalization cannot place by itself:
    // the payload's note goes into the cached connection, no refetch needed.
    update(cache, { data }) {
      const note = data?.addNote.note;
      if (!note) return;
      cache.modify({
        id: cache.identify({ __typename: 'Conversation', id: picked.id }),
        fields: {
          notes(existing, { toReference }) {
            return { ...existing, totalCount: existing.totalCount + 1, nodes: [...existing.nodes, toReference(note)] };
          },
        },
      });
    },
  });
  assert.deepEqual(added.data.addNote.userErrors, []);
  const note = added.data.addNote.note;
  assert.equal(cached().notes.totalCount, notesBefore + 1);
  assert.deepEqual(cached().notes.nodes.at(-1), note, 'the note is in the cached list');

  const closed = await client.mutate({ mutation: CLOSE, variables });
  assert.deepEqual(closed.data.closeConversation.userErrors, []);
  assert.equal(cached().state, 'CLOSED');
  assert.ok(cached().closedAt);
  assert.equal(cachedInboxRow().state, 'CLOSED', 'the inbox row is the same cached object');

  // Reading the views again is served from the cache: three mutations, no other request.
  const again = await client.query({ query: CONVERSATION, variables, fetchPolicy: 'cache-first' });
  assert.equal(again.data.conversation.state, 'CLOSED');
  assert.equal(requests - start, 3, 'only the three mutations went to the server');

  // And the cache agrees with the server.
  const fresh = await client.query({ query: CONVERSATION, variables, fetchPolicy: 'network-only' });
  const server = fresh.data.conversation;
  assert.equal(server.state, 'CLOSED');
  assert.equal(server.assignee.id, me.viewer.agent.id);
  assert.equal(server.notes.totalCount, notesBefore + 1);
  assert.deepEqual(
    server.notes.nodes.map((n) => n.id).sort(),
    [...opened.conversation.notes.nodes.map((n) => n.id), note.id].sort(),
  );

  for (let i = 0; i < 100 && events.length < 3; i += 1) await sleep(100);
  subscription.unsubscribe();
  assert.deepEqual(events, ['CLAIMED', 'NOTE_ADDED', 'CLOSED'], 'the subscription saw the three changes');
});

test('every cached object is normalized by __typename and id', () => {
  // Objects of types that implement Node must be stored under `Type:id`, never
  // inline: that is what lets one payload update every view.
  const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
  const nodeTypes = new Set(schema.getPossibleTypes(schema.getType('Node')).map((t) => t.name));
  const store = client.cache.extract();
  const inline = [];
  const walk = (value, where) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`));
    if (value && typeof value === 'object') {
      if (nodeTypes.has(value.__typename)) inline.push(where);
      for (const [key, v] of Object.entries(value)) walk(v, `${where}.${key}`);
    }
  };
  for (const [key, entity] of Object.entries(store)) {
    for (const [field, value] of Object.entries(entity)) walk(value, `${key}.${field}`);
  }
  assert.deepEqual(inline, []);
  const conversations = Object.keys(store).filter((k) => k.startsWith('Conversation:'));
  assert.ok(conversations.length >= 1, 'conversations are stored by id');
});
