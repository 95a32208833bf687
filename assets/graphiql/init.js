// Starts GraphiQL against this gateway's POST /graphql. The viewer's token goes in the Headers
// pane as {"Authorization": "Bearer <token>"}; GraphiQL keeps the headers in this browser's
// localStorage (shouldPersistHeaders), so it survives a reload. Kept out of the page so that
// the page's Content-Security-Policy can allow scripts from this origin only.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultHeaders: JSON.stringify({ Authorization: 'Bearer <paste an access token here>' }, null, 2),
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
      defaultQuery: '# Token: Headers pane below. Run: Ctrl-Enter.\n{\n  viewer {\n    user { nickname }\n    privileges\n    scopes\n  }\n}\n',
    })
  );
})();
