// The agent-inbox flow against a running gateway: list the open, unassigned
// conversations, open the first, watch its events, claim it, add a note, close it,
// and check that the subscription delivered exactly those three changes.
//
//   PARLEY_URL=http://127.0.0.1:8080 PARLEY_TOKEN='Bearer eyJ...' npm start
import { setTimeout as sleep } from 'node:timers/promises';

import { Parley } from './client';
import * as inbox from './inbox';

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
