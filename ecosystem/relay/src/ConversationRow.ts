// One conversation: a fragment on a Node type, refetchable through `node(id:)`.
declare function graphql(strings: TemplateStringsArray): unknown;

export const conversationRow = graphql`
  fragment ConversationRow_conversation on Conversation
  @refetchable(queryName: "ConversationRowRefetchQuery") {
    id
    number
    subject
    state
    updatedAt
    assignee { id name }
    requester { id email }
    lastMessage { id text }
  }
`;
