// The assistant from a client: ask in a conversation and watch the answer stream,
// queue questions behind a run, cancel one, and get a suggested reply for a ticket.
import { graphql } from './gql';
import type { Parley } from './client';
import { UserErrors } from './inbox';

export const AskAssistantMutation = graphql(`
  mutation AskAssistant($input: AskAssistantInput!) {
    askAssistant(input: $input) {
      run { id status content }
      queuedMessage { id content }
      userErrors { field message code }
    }
  }
`);

export const EnqueueAssistantMessageMutation = graphql(`
  mutation EnqueueAssistantMessage($input: EnqueueAssistantMessageInput!) {
    enqueueAssistantMessage(input: $input) {
      queuedMessage { id content createdAt }
      userErrors { field message code }
    }
  }
`);

export const CancelAssistantRunMutation = graphql(`
  mutation CancelAssistantRun($input: CancelAssistantRunInput!) {
    cancelAssistantRun(input: $input) {
      run { id status text answer { id text } }
      userErrors { field message code }
    }
  }
`);

export const AssistantRunsQuery = graphql(`
  query AssistantRuns($id: ID!) {
    conversation(id: $id) {
      assistantQueue { id content }
      assistantRuns(last: 10) { id status content text confidence escalationReason provider answer { id role text metadata } }
    }
  }
`);

export const AssistantRunEventsSubscription = graphql(`
  subscription AssistantRunEvents($id: ID!) {
    assistantRunEvents(conversationId: $id) {
      type
      delta
      run { id status content text error }
    }
  }
`);

export const SuggestReplyQuery = graphql(`
  query SuggestReply($ticketId: ID!) {
    suggestReply(ticketId: $ticketId) {
      text
      confidence
      escalationReason
      provider
      sources { similarity conversation { id number } question { text } answer { text } }
    }
  }
`);

function refused(mutation: string, errors: UserErrors['errors']): void {
  if (errors.length > 0) throw new UserErrors(mutation, errors);
}

/** Asks in a conversation: the run that started, or the queued question. */
export async function ask(parley: Parley, conversationId: string, content: string) {
  const { askAssistant } = await parley.request(AskAssistantMutation, {
    input: { conversationId, content, sessionId: 'example', uiContext: { screen: 'inbox' } },
  });
  refused('askAssistant', askAssistant.userErrors);
  return askAssistant;
}

export async function enqueue(parley: Parley, conversationId: string, content: string) {
  const { enqueueAssistantMessage } = await parley.request(EnqueueAssistantMessageMutation, {
    input: { conversationId, content },
  });
  refused('enqueueAssistantMessage', enqueueAssistantMessage.userErrors);
  return enqueueAssistantMessage.queuedMessage;
}

export async function cancel(parley: Parley, runId: string) {
  const { cancelAssistantRun } = await parley.request(CancelAssistantRunMutation, {
    input: { runId },
  });
  refused('cancelAssistantRun', cancelAssistantRun.userErrors);
  return cancelAssistantRun.run;
}

export async function runs(parley: Parley, id: string) {
  const found = (await parley.request(AssistantRunsQuery, { id })).conversation;
  if (!found) throw new Error(`conversation ${id} not found`);
  return found;
}

export async function suggestReply(parley: Parley, ticketId: string) {
  return (await parley.request(SuggestReplyQuery, { ticketId })).suggestReply;
}

/** The conversation's run events, as the runs write. */
export async function* runEvents(parley: Parley, id: string) {
  for await (const event of parley.subscribe(AssistantRunEventsSubscription, { id })) {
    yield event.assistantRunEvents;
  }
}
