// Starts GraphiQL with what the server wrote into #parley-config: the endpoints, and
// in demo mode the Authorization header and the example query. A file rather than an
// inline script, so that the page's Content-Security-Policy can allow only 'self'.
(() => {
  const config = JSON.parse(document.getElementById('parley-config').textContent);
  const url = new URL(config.endpoint, window.location.origin).toString();
  const wsUrl = new URL(config.subscriptionEndpoint, window.location.origin);
  wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  const props = {
    fetcher: GraphiQL.createFetcher({ url, subscriptionUrl: wsUrl.toString() }),
    defaultEditorToolsVisibility: true,
    shouldPersistHeaders: true,
  };
  if (config.query) props.defaultQuery = config.query;
  if (config.headers) props.defaultHeaders = JSON.stringify(config.headers, null, 2);
  ReactDOM.createRoot(document.getElementById('graphiql')).render(React.createElement(GraphiQL, props));
})();
