// The agent-inbox flow against a running gateway: list the open, unassigned
// conversations, open the first, watch its events, claim it, add a note, close it,
// and check that the subscription delivered exactly those three changes. Then the
// assistant in the second: three questions answered in order as they stream, a run
// cancelled mid-answer, and suggested replies for tickets.
//
//   PARLEY_URL=http://127.0.0.1:8080 PARLEY_TOKEN='Bearer eyJ...' npm start
import { setTimeout as sleep } from 'node:timers/promises';

import * as assistant from './assistant';
import { Parley } from './client';
import { graphql } from './gql';
import * as inbox from './inbox';
import * as webhooks from './webhooks';

const EXPECTED = ['CLAIMED', 'NOTE_ADDED', 'CLOSED'] as const;
const TIMEOUT_MS = 15_000;

async function main(): Promise<void> {
  const url = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080';
  const token = process.env.PARLEY_TOKEN;
  if (!token) throw new Error('set PARLEY_TOKEN to "Bearer <token>" (serve --demo prints one)');
  const parley = new Parley(url, token.startsWith('Bearer ') ? token : `Bearer ${token}`);
  try {
    await run(parley);
  } finally {
    await parley.close();
  }
}

async function run(parley: Parley): Promise<void> {
  const me = await inbox.viewer(parley);
  console.log(`signed in as ${me.agent?.name} <${me.agent?.email}> in ${me.tenant.name}`);

  const open = await inbox.openConversations(parley, 10);
  console.log(`${open.totalCount} open, unassigned conversations; the first ${open.nodes.length}:`);
  for (const c of open.nodes) {
    const who = c.requester ? `${c.requester.firstName ?? ''} ${c.requester.lastName ?? ''}`.trim() : '?';
    console.log(`  #${c.number} [${c.channel}] ${c.subject ?? '(no subject)'} from ${who}, queue ${c.queue?.name ?? '-'}`);
  }
  const picked = open.nodes[0];
  if (!picked) throw new Error('no open, unassigned conversation to work on');
  const asking = open.nodes[1];
  if (!asking) throw new Error('no second open conversation to ask the assistant in');

  // Subscribe before changing anything, and collect in the background.
  const connected = parley.connected();
  const received = collect(inbox.events(parley, picked.id, [...EXPECTED]), EXPECTED.length);
  await connected;
  // graphql-transport-ws does not acknowledge a subscription: give the gateway a
  // moment to set it up before the changes it should see are made.
  await sleep(1000);

  const conversation = await inbox.conversation(parley, picked.id);
  console.log(`\n#${conversation.number} ${conversation.subject} (${conversation.state}), ${conversation.messages.totalCount} messages:`);
  for (const m of conversation.messages.nodes) {
    const author = m.author?.__typename === 'Agent' ? m.author.name : m.author?.email;
    console.log(`  ${m.role} ${author ?? ''}: ${oneLine(m.text ?? '')}`);
  }

  const claimed = await inbox.claim(parley, conversation.id);
  check(claimed.assignee?.id === me.agent?.id, `claimed by ${claimed.assignee?.name}`);
  console.log(`\nclaimed: assignee ${claimed.assignee?.name} at ${claimed.assignedAt}`);

  const note = await inbox.addNote(parley, conversation.id, 'Checked the order; replying after lunch.');
  console.log(`note ${note.id} by ${note.author?.name}: ${note.body}`);

  const topics = conversation.suggestedTopics.map((t) => `${t.tag.name} (${t.relevance})`);
  console.log(`suggested topics: ${topics.join(', ') || 'none'}`);

  const snoozed = await inbox.snooze(parley, conversation.id, new Date(Date.now() + 3_600_000));
  check(snoozed.state === 'PENDING' && snoozed.snoozedUntil != null, `snoozed: ${snoozed.state}`);
  const woken = await inbox.unsnooze(parley, conversation.id);
  check(woken.state === 'OPEN' && woken.snoozedUntil == null, `woken: ${woken.state}`);
  console.log(`snoozed until ${snoozed.snoozedUntil}, then woken`);

  const closed = await inbox.close(parley, conversation.id);
  check(closed.state === 'CLOSED', `state after close: ${closed.state}`);
  console.log(`closed at ${closed.closedAt}`);

  const events = await received;
  console.log('\nevents received over the subscription:');
  for (const e of events) console.log(`  ${e.type} by ${e.actor?.name} at ${e.occurredAt}`);
  check(
    JSON.stringify(events.map((e) => e.type)) === JSON.stringify(EXPECTED),
    `event types ${events.map((e) => e.type).join(', ')}`,
  );
  check(events[1]?.note?.id === note.id, 'the NOTE_ADDED event names the note');
  check(events[2]?.conversation?.state === 'CLOSED', 'the CLOSED event shows the closed conversation');
  console.log('\ninbox flow ok');

  await assistantFlow(parley, asking.id);
  console.log('\nassistant flow ok');

  await webhookFlow(parley, picked.id);
  console.log('\nwebhook flow ok');
}

/** A receiver registered as an endpoint gets a note's event, signed: the
 * `standardwebhooks` package verifies it; the delivery log shows it delivered. */
async function webhookFlow(parley: Parley, conversationId: string): Promise<void> {
  let secret = '';
  const hook = await webhooks.receiver(() => secret);
  try {
    const created = await webhooks.createEndpoint(parley, hook.url, ['NOTE_ADDED']);
    secret = created.secret;
    check(secret.startsWith('whsec_'), 'the endpoint has a signing secret');
    const note = await inbox.addNote(parley, conversationId, 'Sent to the CRM by webhook.');
    const deadline = Date.now() + TIMEOUT_MS;
    while (hook.received.length === 0 && Date.now() < deadline) await sleep(100);
    const post = hook.received[0];
    check(post?.event.type === 'NOTE_ADDED' && post.event.data.noteId === note.id, 'the post names the note');
    console.log(`\nwebhook ${post?.id} verified by standardwebhooks: ${JSON.stringify(post?.event)}`);
    let delivery;
    while (Date.now() < deadline) {
      const log = await webhooks.deliveries(parley, created.endpoint.id);
      delivery = log.deliveries.nodes.find((d) => d.id === post?.id);
      if (delivery?.status === 'DELIVERED') break;
      await sleep(100);
    }
    check(delivery?.status === 'DELIVERED', `delivery ${delivery?.status}`);
    console.log(`delivery log: ${delivery?.status} after ${delivery?.attemptCount} attempt, answered ${delivery?.attempts[0]?.statusCode}`);
    check(hook.received.length === 1, `${hook.received.length} posts`);
    await webhooks.deleteEndpoint(parley, created.endpoint.id);
  } finally {
    hook.close();
  }
}

const QUESTIONS = [
  'My account got locked after a few login attempts. Can you unlock it?',
  'I want to file a formal complaint about how my last request was handled.',
  'Where do penguins buy their sunglasses?',
] as const;

/** Ask with two questions queued behind, watch the three answers stream in order,
 * cancel a fourth run mid-answer, and get a suggested reply for a ticket. */
async function assistantFlow(parley: Parley, id: string): Promise<void> {
  // The lazy websocket closes once the inbox's subscription ended: let it, then open anew.
  await sleep(500);
  const connected = parley.connected();
  const stream = assistant.runEvents(parley, id);
  const ended = until(stream, (e) => e.type !== 'STARTED' && e.type !== 'CHUNK', QUESTIONS.length);
  await connected;
  await sleep(1000);

  // Queued first, so that the run the question starts is followed by both.
  for (const question of QUESTIONS.slice(1)) await assistant.enqueue(parley, id, question);
  const asked = await assistant.ask(parley, id, QUESTIONS[0]);
  check(asked.run?.status === 'RUNNING', `askAssistant started a run: ${asked.run?.status}`);
  console.log(`\nasked the assistant in conversation ${id}; run ${asked.run?.id} is RUNNING`);

  const events = await ended;
  const finished = events.filter((e) => e.type === 'COMPLETED');
  check(
    JSON.stringify(finished.map((e) => e.run.content)) === JSON.stringify(QUESTIONS),
    `answered in order: ${finished.map((e) => e.run.content).join(' | ')}`,
  );
  const first = events.filter((e) => e.run.id === finished[0]?.run.id);
  const streamed = first.filter((e) => e.type === 'CHUNK').map((e) => e.delta ?? '').join('');
  check(streamed === finished[0]?.run.text, 'the chunks make up the answer');
  console.log(`streamed in ${first.filter((e) => e.type === 'CHUNK').length} chunks: ${oneLine(streamed)}`);
  for (const e of finished.slice(1)) console.log(`then: ${oneLine(e.run.content, 40)} -> ${oneLine(e.run.text, 60)}`);

  // A run stopped mid-answer keeps what it wrote.
  const watching = parley.subscribe(assistant.AssistantRunEventsSubscription, { id });
  const firstChunk = until(
    (async function* () {
      for await (const e of watching) yield e.assistantRunEvents;
    })(),
    (e) => e.type === 'CHUNK',
    1,
  );
  await sleep(1000);
  const again = await assistant.ask(parley, id, QUESTIONS[1]);
  const runId = again.run?.id;
  if (!runId) throw new Error('the fourth question did not start a run');
  await firstChunk;
  const cancelled = await assistant.cancel(parley, runId);
  check(cancelled?.status === 'CANCELLED', `cancelled: ${cancelled?.status}`);
  check((cancelled?.answer?.text ?? '') === cancelled?.text, 'the partial answer is kept');
  console.log(`cancelled run ${runId} after: ${oneLine(cancelled?.text ?? '')}`);

  const state = await assistant.runs(parley, id);
  check(state.assistantQueue.length === 0, 'the queue is empty');
  check(state.assistantRuns.length === 4, `${state.assistantRuns.length} runs`);
  const answered = state.assistantRuns.find((r) => r.content === QUESTIONS[0]);
  check(answered?.answer?.role === 'ASSISTANT', 'the answer is an ASSISTANT message');

  const tickets = await parley.request(TicketsQuery, {});
  let drafted = 0;
  for (const ticket of tickets.tickets.nodes) {
    const reply = await assistant.suggestReply(parley, ticket.id);
    check(reply.text != null || reply.escalationReason != null, 'a draft or a reason');
    if (reply.text != null) drafted += 1;
  }
  check(drafted > 0, 'some ticket got a suggested reply');
  console.log(`suggested replies for ${drafted} of ${tickets.tickets.nodes.length} tickets`);
}

const TicketsQuery = graphql(`
  query RecentTickets {
    tickets(first: 10) { nodes { id number } }
  }
`);

/** The events of `stream` until `count` of them matched `done`, or an error after TIMEOUT_MS. */
async function until<T>(stream: AsyncGenerator<T>, done: (e: T) => boolean, count: number): Promise<T[]> {
  const events: T[] = [];
  let matched = 0;
  const timer = setTimeout(() => void stream.return(undefined), TIMEOUT_MS);
  try {
    for await (const event of stream) {
      events.push(event);
      if (done(event)) matched += 1;
      if (matched === count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (matched < count) throw new Error(`only ${matched} of ${count} awaited events in ${TIMEOUT_MS} ms`);
  return events;
}

/** The first `count` events of `stream`, or an error after TIMEOUT_MS. */
async function collect<T>(stream: AsyncGenerator<T>, count: number): Promise<T[]> {
  const events: T[] = [];
  const timer = setTimeout(() => void stream.return(undefined), TIMEOUT_MS);
  try {
    for await (const event of stream) {
      events.push(event);
      if (events.length === count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (events.length < count) throw new Error(`only ${events.length} of ${count} events in ${TIMEOUT_MS} ms`);
  return events;
}

function oneLine(text: string, max = 80): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`unexpected: ${what}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
