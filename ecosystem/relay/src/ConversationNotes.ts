// A conversation's notes, paginated backwards (last/before), and the mutations an
// agent runs on it. @appendEdge puts addNote's `noteEdge` into the connection;
// claim and close return the conversation, which Relay's store updates by id.
declare function graphql(strings: TemplateStringsArray): unknown;

export const notes = graphql`
  fragment ConversationNotes_conversation on Conversation
  @refetchable(queryName: "ConversationNotesPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }) {
    id
    notes(last: $count, before: $cursor) @connection(key: "ConversationNotes_notes") {
      __id
      edges {
        cursor
        node { id body createdAt author { id name } }
      }
    }
  }
`;

export const claim = graphql`
  mutation ConversationNotesClaimMutation($input: ClaimConversationInput!) {
    claimConversation(input: $input) {
      clientMutationId
      conversation { id state assignee { id name } }
      userErrors { field message code }
    }
  }
`;

export const addNote = graphql`
  mutation ConversationNotesAddNoteMutation($input: AddNoteInput!, $connections: [ID!]!) {
    addNote(input: $input) {
      noteEdge @appendEdge(connections: $connections) {
        cursor
        node { id body createdAt author { id name } }
      }
      userErrors { field message code }
    }
  }
`;

export const close = graphql`
  mutation ConversationNotesCloseMutation($input: CloseConversationInput!) {
    closeConversation(input: $input) {
      conversation { id state closedAt }
      userErrors { field message code }
    }
  }
`;

export const events = graphql`
  subscription ConversationNotesEventsSubscription($id: ID!) {
    conversationEvents(conversationId: $id) {
      id
      type
      conversation { id state assignee { id name } }
      note { id body }
    }
  }
`;
