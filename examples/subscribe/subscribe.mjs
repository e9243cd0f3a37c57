// Prints conversationEvents as they happen, using the graphql-ws client.
// Usage: node subscribe.mjs "Bearer <token>" [conversationId] [ws://127.0.0.1:8080/graphql/ws]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [authorization, conversationId, url = 'ws://127.0.0.1:8080/graphql/ws'] = process.argv.slice(2);
if (!authorization) {
  console.error('usage: node subscribe.mjs "Bearer <token>" [conversationId] [url]');
  process.exit(2);
}

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: authorization },
  retryAttempts: 0,
  on: { closed: (event) => event.code !== 1000 && console.error(`closed: ${event.code} ${event.reason}`) },
});

const query = `subscription Events($id: ID) {
  conversationEvents(conversationId: $id) {
    type occurredAt actor { name } conversation { number subject state }
  }
}`;

try {
  for await (const event of client.iterate({ query, variables: { id: conversationId ?? null } })) {
    console.log(JSON.stringify(event));
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : `closed: ${error.code} ${error.reason}`);
  process.exit(1);
}
