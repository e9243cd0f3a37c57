// Relay's GraphQL server specification, point by point, on schema.graphql (the
// fragments in relay/ are compiled by relay-compiler separately), and object
// identification on the live gateway.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import {
  buildSchema,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
} from 'graphql';

import { authorization, endpoint } from './env.mjs';

const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));
const objects = Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__'));
const typeString = (type) => String(type);

test('Node: the interface, node(id:) and nodes(ids:)', () => {
  const node = schema.getType('Node');
  assert.ok(node, 'interface Node');
  assert.equal(typeString(node.getFields().id.type), 'ID!');
  const query = schema.getQueryType().getFields();
  assert.equal(typeString(query.node.type), 'Node');
  assert.deepEqual(query.node.args.map((a) => [a.name, typeString(a.type)]), [['id', 'ID!']]);
  assert.equal(typeString(query.nodes.type), '[Node]!');
  assert.deepEqual(query.nodes.args.map((a) => [a.name, typeString(a.type)]), [['ids', '[ID!]!']]);
});

test('every object with an id is a Node', () => {
  // Tenant's id is its slug (the tokens' `tenant` claim), not a global ID, and no
  // query fetches a tenant by it; it is reached through `viewer` only.
  const exceptions = new Set(['Tenant']);
  const nodes = new Set(schema.getPossibleTypes(schema.getType('Node')).map((t) => t.name));
  const missing = objects
    .filter((t) => 'id' in t.getFields() && !nodes.has(t.name) && !exceptions.has(t.name))
    .map((t) => t.name);
  assert.deepEqual(missing, []);
  assert.ok(nodes.size >= 10, `${nodes.size} Node types`);
});

test('connections: edges, cursors, PageInfo and pagination arguments', () => {
  const pageInfo = schema.getType('PageInfo').getFields();
  assert.deepEqual(
    ['hasNextPage', 'hasPreviousPage', 'startCursor', 'endCursor'].map((f) => typeString(pageInfo[f]?.type)),
    ['Boolean!', 'Boolean!', 'String', 'String'],
  );
  const connections = objects.filter((t) => t.name.endsWith('Connection'));
  assert.ok(connections.length >= 10, `${connections.length} connection types`);
  for (const connection of connections) {
    const fields = connection.getFields();
    assert.equal(typeString(fields.pageInfo?.type), 'PageInfo!', `${connection.name}.pageInfo`);
    const edgesType = getNullableType(fields.edges?.type);
    assert.ok(isListType(edgesType), `${connection.name}.edges is a list`);
    const edge = getNamedType(edgesType);
    assert.ok(edge.name.endsWith('Edge'), `${connection.name}.edges is of an Edge type`);
    const edgeFields = edge.getFields();
    assert.equal(typeString(edgeFields.cursor?.type), 'String!', `${edge.name}.cursor`);
    assert.ok(edgeFields.node, `${edge.name}.node`);
    assert.ok(!isListType(getNullableType(edgeFields.node.type)), `${edge.name}.node is one object`);
  }
  for (const type of objects) {
    for (const field of Object.values(type.getFields())) {
      if (!getNamedType(field.type).name.endsWith('Connection')) continue;
      const args = Object.fromEntries(field.args.map((a) => [a.name, typeString(a.type)]));
      const where = `${type.name}.${field.name}`;
      assert.ok(args.first === 'Int' && args.after === 'String', `${where} pages forward with first/after`);
      if ('last' in args || 'before' in args) {
        assert.ok(args.last === 'Int' && args.before === 'String', `${where} pages backward with last/before`);
      }
    }
  }
});

test('mutations take one input and echo clientMutationId', () => {
  const mutations = Object.values(schema.getMutationType().getFields());
  assert.ok(mutations.length >= 20, `${mutations.length} mutations`);
  for (const mutation of mutations) {
    assert.deepEqual(mutation.args.map((a) => a.name), ['input'], `${mutation.name} has one argument, input`);
    const input = mutation.args[0].type;
    assert.ok(isNonNullType(input) && isInputObjectType(input.ofType), `${mutation.name}(input: ...!)`);
    assert.equal(typeString(input.ofType.getFields().clientMutationId?.type), 'String', `${input} clientMutationId`);
    const payload = getNullableType(mutation.type);
    assert.ok(payload.name.endsWith('Payload'), `${mutation.name} returns a Payload`);
    assert.equal(typeString(payload.getFields().clientMutationId?.type), 'String', `${payload}.clientMutationId`);
    assert.equal(typeString(payload.getFields().userErrors?.type), '[UserError!]!', `${payload}.userErrors`);
  }
});

test('node(id:) refetches what a list returned, for every kind it meets', async () => {
  const post = async (query, variables = {}) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    assert.equal(body.errors, undefined, JSON.stringify(body.errors));
    return body.data;
  };
  const listed = await post(`{
    conversations(first: 2) { nodes { id __typename number
      messages(first: 1) { nodes { id __typename } }
      tickets(first: 1) { nodes { id __typename } }
      assignee { id __typename } requester { id __typename } queue { id __typename } } }
    tags(first: 2) { nodes { id __typename } }
  }`);
  const ids = new Map();
  const walk = (value) => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value && typeof value === 'object') {
      if (value.id && value.__typename) ids.set(value.id, value.__typename);
      Object.values(value).forEach(walk);
    }
  };
  walk(listed);
  assert.ok(new Set(ids.values()).size >= 5, `kinds met: ${[...new Set(ids.values())]}`);
  const { nodes } = await post('query($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }', { ids: [...ids.keys()] });
  assert.deepEqual(
    nodes.map((n) => [n.id, n.__typename]),
    [...ids.entries()],
  );
  const [first] = listed.conversations.nodes;
  const { node } = await post('query($id: ID!) { node(id: $id) { id ... on Conversation { number } } }', { id: first.id });
  assert.deepEqual(node, { id: first.id, number: first.number });
});
