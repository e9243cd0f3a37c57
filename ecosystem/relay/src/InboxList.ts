// An inbox list as a Relay app writes it: a paginated, refetchable fragment on
// Query. relay-compiler checks `conversations` against the connection spec
// (first/after, edges { cursor node }, pageInfo) and @refetchable against Node.
declare function graphql(strings: TemplateStringsArray): unknown;

export const inboxList = graphql`
  fragment InboxList_query on Query
  @refetchable(queryName: "InboxListPaginationQuery")
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 20 }
    cursor: { type: "String" }
    filter: { type: "ConversationFilter", defaultValue: { states: [OPEN] } }
  ) {
    conversations(first: $count, after: $cursor, filter: $filter)
    @connection(key: "InboxList_conversations") {
      totalCount
      edges {
        node {
          id
          ...ConversationRow_conversation
        }
      }
    }
  }
`;

export const inboxQuery = graphql`
  query InboxListQuery {
    viewer { agent { id name } }
    ...InboxList_query
  }
`;
