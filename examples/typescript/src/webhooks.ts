// Webhooks from a client: register an endpoint (a receiver in this process), make a
// change, and check the post it receives with the `standardwebhooks` package, the
// Standard Webhooks reference verifier; then read the delivery log.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import type { Parley } from './client';
import { graphql } from './gql';
import { accepted } from './inbox';

export const CreateWebhookEndpointMutation = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      endpoint { id url eventTypes enabled }
      secret
      userErrors { field message code }
    }
  }
`);

export const DeleteWebhookEndpointMutation = graphql(`
  mutation DeleteWebhookEndpoint($input: DeleteWebhookEndpointInput!) {
    deleteWebhookEndpoint(input: $input) {
      deletedEndpointId
      userErrors { field message code }
    }
  }
`);

export const WebhookDeliveriesQuery = graphql(`
  query WebhookDeliveries($id: ID!) {
    node(id: $id) {
      __typename
      ... on WebhookEndpoint {
        lastSuccessAt
        deliveries(first: 10) {
          nodes { id eventType status attemptCount attempts { statusCode durationMs } }
        }
      }
    }
  }
`);

/** One post as the receiver got it. */
export interface Received {
  id: string;
  event: { type: string; timestamp: string; data: Record<string, string> };
}

/**
 * A receiver on 127.0.0.1 that verifies every post with `secret()` and keeps the
 * verified ones (a post that fails verification is answered 400 and kept out).
 */
export async function receiver(secret: () => string) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      try {
        const event = new Webhook(secret()).verify(body, headers) as Received['event'];
        received.push({ id: headers['webhook-id'] ?? '', event });
        response.writeHead(204).end();
      } catch (error) {
        console.error(`rejected a post: ${String(error)}`);
        response.writeHead(400).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/parley`, received, close: () => server.close() };
}

export async function createEndpoint(parley: Parley, url: string, eventTypes: ('NOTE_ADDED' | 'CLOSED')[]) {
  const { createWebhookEndpoint } = await parley.request(CreateWebhookEndpointMutation, {
    input: { url, eventTypes, description: 'example receiver' },
  });
  const endpoint = accepted('createWebhookEndpoint', createWebhookEndpoint, createWebhookEndpoint.endpoint);
  return { endpoint, secret: createWebhookEndpoint.secret ?? '' };
}

export async function deleteEndpoint(parley: Parley, id: string) {
  const { deleteWebhookEndpoint } = await parley.request(DeleteWebhookEndpointMutation, { input: { id } });
  return accepted('deleteWebhookEndpoint', deleteWebhookEndpoint, deleteWebhookEndpoint.deletedEndpointId);
}

export async function deliveries(parley: Parley, id: string) {
  const { node } = await parley.request(WebhookDeliveriesQuery, { id });
  if (node?.__typename !== 'WebhookEndpoint') throw new Error(`no webhook endpoint ${id}`);
  return node;
}
