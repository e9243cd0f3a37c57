// A minimal typed transport for Parley: queries and mutations over HTTP (fetch),
// subscriptions over graphql-transport-ws (graphql-ws). The documents come from
// GraphQL Code Generator, so results and variables are typed from schema.graphql.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

import type { TypedDocumentString } from './gql/graphql';

/** A GraphQL error as Parley sends it: every error carries `extensions.code`. */
export interface ParleyError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; requestId?: string };
}

/** A request the gateway answered with errors (protocol failures, not userErrors). */
export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ParleyError[],
  ) {
    const codes = errors.map((e) => `${e.extensions?.code ?? 'NO_CODE'}: ${e.message}`);
    super(`GraphQL request failed (HTTP ${status}): ${codes.join('; ')}`);
  }
}

export class Parley {
  private readonly ws: Client;

  /**
   * @param baseUrl the gateway, e.g. `http://127.0.0.1:8080`
   * @param authorization `Bearer <token>`
   */
  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
  ) {
    const wsUrl = new URL('/graphql/ws', baseUrl);
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.ws = createClient({
      url: wsUrl.toString(),
      webSocketImpl: WebSocket,
      // Browsers cannot set headers on a websocket: the token rides in connection_init.
      connectionParams: { Authorization: authorization },
      lazy: true,
      retryAttempts: 0,
    });
  }

  /** Runs a query or mutation; throws GraphQLRequestError when the answer has errors. */
  async request<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): Promise<TResult> {
    const response = await fetch(new URL('/graphql', this.baseUrl), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json',
        Authorization: this.authorization,
      },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
    const body = (await response.json()) as { data?: TResult | null; errors?: ParleyError[] };
    if (body.errors?.length || body.data == null) {
      throw new GraphQLRequestError(response.status, body.errors ?? []);
    }
    return body.data;
  }

  /** Subscribes; yields each event's data until the caller stops or the socket closes. */
  async *subscribe<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentString<TResult, TVariables>,
    variables: TVariables,
  ): AsyncGenerator<TResult> {
    for await (const event of this.ws.iterate<TResult>({ query: document.toString(), variables })) {
      if (event.errors?.length || event.data == null) {
        throw new GraphQLRequestError(101, (event.errors ?? []) as ParleyError[]);
      }
      yield event.data;
    }
  }

  /** Resolves once the websocket is open and the token accepted. */
  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const offConnected = this.ws.on('connected', () => {
        offConnected();
        offClosed();
        resolve();
      });
      const offClosed = this.ws.on('closed', (event) => {
        offConnected();
        offClosed();
        const { code, reason } = event as { code?: number; reason?: string };
        reject(new Error(`websocket closed: ${code} ${reason}`));
      });
    });
  }

  async close(): Promise<void> {
    await this.ws.dispose();
  }
}
