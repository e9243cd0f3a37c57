//! One conversation and everything attached to it: messages, tickets, tags, notes,
//! rating, custom attribute values and the activity log.

use entity::enums::{
    ActivityType, Channel, ConversationState, Direction, MessageRole, Modality, RatingStatus,
    RatingType, TicketPriority, TicketStatus, VoiceSessionStatus,
};
use entity::{
    activity, conversation, conversation_attribute_value, conversation_tag, message, note, rating,
    ticket, ticket_tag, voice_session,
};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::compose::{Body, Script, Vars, escape_html_into};
use super::text::{self, Topic};
use super::{
    AgentRef, Batch, ContactRef, Directory, HOUR, MINUTE, Progress, SECOND, mean, next, pick,
    pick_fresh, pick_ref, round2, weighted,
};
use crate::text::{language, sentiment_trend};

/// Generates one conversation and everything attached to it; [`ConversationWriter::write`]
/// runs the steps in the order their rows depend on each other.
pub(super) struct ConversationWriter<'a> {
    directory: &'a Directory,
    progress: &'a mut Progress,
    batch: &'a mut Batch,
    anchor: i64,
    id: i64,
    number: i64,
    created_at: i64,
    channel: Channel,
    direction: Direction,
    state: ConversationState,
    language: &'static str,
    script: Script,
    contact: &'a ContactRef,
    assignee: Option<&'a AgentRef>,
    /// Who answers: the assignee, or a teammate who replied without claiming.
    responder: &'a AgentRef,
    /// Index into `text::QUEUES`.
    queue: usize,
    vars: Vars<'a>,
    /// What the first customer message and the first ticket say, with its sentiments.
    request: String,
    request_sentiments: Vec<f64>,
    /// Whether the request already holds the case's detail.
    detail_told: bool,
    /// Time of the last message, once the messages are written.
    updated_at: i64,
    last_message_id: Option<i64>,
    /// The sentiments of the USER messages, oldest first, for the sentiment trend.
    customer_sentiments: Vec<f64>,
    last_customer_sentiment: f64,
    activities: Vec<activity::Model>,
}

impl<'a> ConversationWriter<'a> {
    /// Draws what the conversation is: channel, state, language, case, people, queue.
    pub(super) fn new(
        directory: &'a Directory,
        progress: &'a mut Progress,
        batch: &'a mut Batch,
        id: i64,
        number: i64,
        created_at: i64,
        anchor: i64,
    ) -> Self {
        let rng = &mut progress.rng;
        let channel = weighted(rng, CHANNELS);
        let direction = if rng.random_bool(0.1) {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let state = weighted(
            rng,
            &[
                (ConversationState::Open, 40),
                (ConversationState::Pending, 20),
                (ConversationState::Closed, 40),
            ],
        );
        let language = weighted(rng, &[("en", 80), ("de", 8), ("fr", 6), ("es", 6)]);
        let script = Script::new(rng, language);
        let contact = pick_ref(rng, &directory.contacts);
        // An outbound conversation was started by an agent, so it always has one.
        let assignee = (direction == Direction::Outbound || rng.random_bool(0.85))
            .then(|| pick_ref(rng, &directory.agents));
        let responder = assignee.unwrap_or_else(|| pick_ref(rng, &directory.agents));
        let queue = if rng.random_bool(0.85) {
            script.topic.queue
        } else {
            rng.random_range(0..text::QUEUES.len())
        };
        let vars = Vars {
            first: &contact.first_name,
            agent: &responder.first_name,
            org: contact.organization.unwrap_or("your company"),
            product: pick(rng, text::PRODUCTS),
            app: pick(rng, text::APPS),
            plan: pick(rng, text::PLANS),
            error: pick(rng, text::ERRORS),
            order: format!("#{}", rng.random_range(100_000..1_000_000)),
            amount: format!(
                "${}.{:02}",
                rng.random_range(9..500),
                rng.random_range(0..100)
            ),
            days: rng.random_range(3..11).to_string(),
        };
        let case = script.case;
        let mut request = vars.fill(case.problem.0);
        let mut request_sentiments = vec![case.problem.1];
        // The detail comes with the request or in the customer's next message.
        let detail_told = rng.random_bool(0.5);
        if detail_told {
            request.push(' ');
            vars.fill_into(&mut request, case.detail.0);
            request_sentiments.push(case.detail.1);
        }
        Self {
            directory,
            progress,
            batch,
            anchor,
            id,
            number,
            created_at,
            channel,
            direction,
            state,
            language,
            script,
            contact,
            assignee,
            responder,
            queue,
            vars,
            request,
            request_sentiments,
            detail_told,
            updated_at: created_at,
            last_message_id: None,
            customer_sentiments: Vec::new(),
            last_customer_sentiment: case.problem.1,
            activities: Vec::new(),
        }
    }

    pub(super) fn write(mut self) {
        self.messages();
        let (assigned_at, queued_at, transferred) = self.assignment();
        self.tickets();
        self.tags();
        self.notes();
        self.rating();
        self.attributes();
        self.conversation(assigned_at, queued_at, transferred);
    }

    fn assignee_id(&self) -> Option<i64> {
        self.assignee.map(|a| a.id)
    }

    /// Time between creation and the last message.
    fn span(&self) -> i64 {
        self.updated_at - self.created_at
    }

    /// Appends an activity entry; set its detail fields on the returned row.
    fn log(
        &mut self,
        kind: ActivityType,
        occurred_at: i64,
        actor: Option<i64>,
    ) -> &mut activity::Model {
        let index = self.activities.len();
        self.activities.push(activity::Model {
            id: 0,
            tenant_id: self.directory.tenant_id.clone(),
            conversation_id: Some(self.id),
            kind,
            actor_id: actor,
            occurred_at,
            agent_id: None,
            from_agent_id: None,
            from_queue_id: None,
            to_queue_id: None,
            tag_id: None,
            message_id: None,
            note_id: None,
            rating_id: None,
            ticket_id: None,
            other_conversation_id: None,
            webhook_endpoint_id: None,
        });
        &mut self.activities[index]
    }

    /// The messages, alternating between the customer and the team.
    fn messages(&mut self) {
        let rng = &mut self.progress.rng;
        let state = self.state;
        let customer_first = self.direction == Direction::Inbound;
        // The state says who spoke last: the customer while OPEN, the team while PENDING.
        let mut count = 1 + (0..11).filter(|_| rng.random_bool(0.45)).count() as i64;
        let customer_last = (count % 2 == 1) == customer_first;
        let wanted_customer_last = match state {
            ConversationState::Open => Some(true),
            ConversationState::Pending => Some(false),
            ConversationState::Closed => None,
        };
        if wanted_customer_last.is_some_and(|wanted| wanted != customer_last) {
            count = if count < 12 { count + 1 } else { count - 1 };
        }
        let times = message_times(rng, self.channel, self.created_at, count, self.anchor);

        let email = self.channel == Channel::Email;
        let modality = if self.channel == Channel::Phone {
            Modality::Voice
        } else {
            Modality::Text
        };
        let assistant_first =
            customer_first && self.channel == Channel::WidgetChat && rng.random_bool(0.4);
        // The team turn that answers the request (after the outreach or the assistant).
        let first_reply_turn = usize::from(!customer_first || assistant_first);
        let team_turns = (0..count)
            .filter(|i| (i % 2 == 0) != customer_first)
            .count();
        let (script, case, vars) = (&self.script, self.script.case, &self.vars);
        let mut team_turn = 0;
        let (mut last_follow_up, mut last_agent_follow_up) = (None, None);
        for (i, created_at) in (0..count).zip(times) {
            let last = i == count - 1;
            let customer = (i % 2 == 0) == customer_first;
            let mut body = Body::new(email);
            let role;
            if customer {
                role = MessageRole::User;
                if i == i64::from(!customer_first) {
                    body.push(vars, pick(rng, script.greetings), None);
                    body.push_raw(&self.request, &self.request_sentiments);
                } else if last && state == ConversationState::Closed {
                    body.line(vars, pick(rng, script.thanks));
                } else if last && rng.random_bool(0.5) {
                    body.line(vars, pick(rng, script.frustration));
                } else if !self.detail_told {
                    self.detail_told = true;
                    body.line(vars, case.detail);
                } else {
                    let line = pick_fresh(rng, script.follow_ups, &mut last_follow_up);
                    body.line(vars, line);
                }
                self.last_customer_sentiment = body.sentiment();
            } else {
                let turn = team_turn;
                team_turn += 1;
                if assistant_first && turn == 0 {
                    role = MessageRole::Assistant;
                    body.line(vars, pick(rng, text::ASSISTANT_LINES));
                } else {
                    role = MessageRole::Agent;
                    if i == 0 || turn == first_reply_turn {
                        body.line(vars, pick(rng, script.agent_greetings));
                    } else if email || script.translated {
                        // Later emails open with the plain greeting.
                        body.line(vars, script.agent_greetings[0]);
                    }
                    let line = if i == 0 {
                        pick(rng, script.outreach)
                    } else if turn == team_turns - 1 && state != ConversationState::Open {
                        case.resolution
                    } else if turn == first_reply_turn {
                        case.reply
                    } else {
                        pick_fresh(rng, script.agent_follow_ups, &mut last_agent_follow_up)
                    };
                    body.line(vars, line);
                    if last && state == ConversationState::Closed && rng.random_bool(0.6) {
                        body.line(vars, pick(rng, script.closings));
                    }
                    if email {
                        body.signoff(pick(rng, text::AGENT_SIGNOFFS), vars.agent);
                    }
                }
            }
            let noise = rng.random_range(-0.05..0.05);
            // Scored only in a language the model reads, as written messages are.
            let sentiment = language::sentiment_reads(Some(self.language))
                .then(|| round2((body.sentiment() + noise).clamp(-1.0, 1.0)));
            if customer {
                self.customer_sentiments.extend(sentiment);
            }
            let id = next(&mut self.progress.ids.message);
            self.last_message_id = Some(id);
            self.updated_at = created_at;
            let (text, html) = body.finish();
            self.batch.messages.push(message::Model {
                id,
                tenant_id: self.directory.tenant_id.clone(),
                conversation_id: self.id,
                direction: if customer {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                role,
                author_agent_id: (role == MessageRole::Agent).then_some(self.responder.id),
                author_contact_id: customer.then_some(self.contact.id),
                text,
                html,
                external_id: external_message_id(self.channel, self.number, i),
                language: Some(self.language.to_owned()),
                modality,
                sentiment,
                created_at,
                anonymized_at: None,
                language_confidence: None,
                rating: None,
                metadata: None,
            });
        }
    }

    /// Creation, claim and sometimes a transfer; returns (assigned_at, queued_at, transferred).
    fn assignment(&mut self) -> (Option<i64>, i64, bool) {
        let assignee_id = self.assignee_id();
        let creator = (self.direction == Direction::Outbound)
            .then_some(assignee_id)
            .flatten();
        self.log(ActivityType::ConversationCreated, self.created_at, creator);
        let rng = &mut self.progress.rng;
        let delay = rng.random_range(30 * SECOND..HOUR).min(self.span() / 2);
        let assigned_at = assignee_id.map(|_| self.created_at + delay);
        if let Some(at) = assigned_at {
            self.log(ActivityType::Claimed, at, assignee_id).agent_id = assignee_id;
        }
        let rng = &mut self.progress.rng;
        if assignee_id.is_none() || !rng.random_bool(0.05) {
            return (assigned_at, self.created_at, false);
        }
        let queues = &self.directory.queue_ids;
        let from = self.queue;
        self.queue = (from + rng.random_range(1..queues.len())) % queues.len();
        let (from_id, to_id) = (queues[from], queues[self.queue]);
        let queued_at = self.created_at + self.span() / 3;
        let entry = self.log(ActivityType::Transferred, queued_at, assignee_id);
        entry.from_queue_id = Some(from_id);
        entry.to_queue_id = Some(to_id);
        (assigned_at, queued_at, true)
    }

    /// Tickets: the request first, sometimes a second one about another case of the topic.
    fn tickets(&mut self) {
        let count = weighted(&mut self.progress.rng, &[(0, 20), (1, 60), (2, 20)]);
        for j in 0..count {
            let (body, sentiment) = if j == 0 {
                (self.request.clone(), mean(&self.request_sentiments))
            } else {
                let (line, sentiment) = self.script.other.problem;
                (self.vars.fill(line), sentiment)
            };
            let jitter = self.progress.rng.random_range(0..30 * SECOND);
            let created_at = self.created_at + j * MINUTE + jitter;
            let id = self.ticket(body, sentiment, created_at);
            self.log(ActivityType::TicketCreated, created_at, None)
                .ticket_id = Some(id);
        }
    }

    fn ticket(&mut self, body: String, sentiment: f64, created_at: i64) -> i64 {
        let rng = &mut self.progress.rng;
        let (vars, contact) = (&self.vars, self.contact);
        let source = if self.channel == Channel::Email {
            pick(rng, text::TICKET_SOURCES)
        } else {
            source_of(self.channel)
        };
        let salutation = if self.script.translated {
            pick(rng, self.script.greetings).to_owned()
        } else {
            format!("{} {}.", pick(rng, &["Hey", "Hi", "Hello"]), vars.agent)
        };
        let closing = pick(rng, text::TICKET_CLOSINGS);
        let signature = match contact.organization {
            Some(org) => format!("{}\n{} of {org}", vars.first, contact.title),
            None => vars.first.to_owned(),
        };
        // Like a real inbound email: greeting, request, sign-off and signature.
        let original_text = format!("{salutation}\n{body}\n{closing}\n{signature}\n");
        let original_html = (source == "email").then(|| {
            let mut html = String::new();
            for line in original_text.lines() {
                html.push_str("<p>");
                escape_html_into(&mut html, line);
                html.push_str("</p>");
            }
            html
        });
        let status = match self.state {
            ConversationState::Open => {
                weighted(rng, &[(TicketStatus::New, 40), (TicketStatus::Open, 60)])
            }
            ConversationState::Pending => weighted(
                rng,
                &[(TicketStatus::Pending, 70), (TicketStatus::OnHold, 30)],
            ),
            ConversationState::Closed => weighted(
                rng,
                &[(TicketStatus::Solved, 60), (TicketStatus::Closed, 40)],
            ),
        };
        let priority = weighted(
            rng,
            &[
                (TicketPriority::Low, 20),
                (TicketPriority::Normal, 50),
                (TicketPriority::High, 20),
                (TicketPriority::Urgent, 10),
            ],
        );
        let sla_hours = match priority {
            TicketPriority::Urgent => 4,
            TicketPriority::High => 24,
            TicketPriority::Normal => 72,
            TicketPriority::Low => 168,
        };
        let solved = matches!(status, TicketStatus::Solved | TicketStatus::Closed);
        let escalated = matches!(priority, TicketPriority::High | TicketPriority::Urgent)
            && rng.random_bool(0.3);
        let tags = weighted(rng, &[(0, 20), (1, 35), (2, 30), (3, 15)]);
        let tags = choose_tags(rng, self.script.topic, tags);

        let progress = &mut *self.progress;
        progress.last_ticket_number += 1;
        let number = progress.last_ticket_number;
        let id = next(&mut progress.ids.ticket);
        let rng = &mut progress.rng;
        self.batch.tickets.push(ticket::Model {
            id,
            tenant_id: self.directory.tenant_id.clone(),
            number,
            external_id: Some(format!("tkt-{number}")),
            conversation_id: Some(self.id),
            source: Some(source.to_owned()),
            sender: contact.email.clone(),
            original_text,
            original_html,
            cleanest_body: Some(body),
            status,
            priority,
            sla_due_at: rng
                .random_bool(0.75)
                .then_some(created_at + sla_hours * HOUR),
            ai_resolved: solved && rng.random_bool(0.15),
            escalation_reason: escalated.then(|| pick(rng, text::ESCALATION_REASONS).to_owned()),
            unread: rng.random_bool(0.3),
            created_at,
            updated_at: created_at.max(self.updated_at),
            anonymous_traits: None,
        });
        for (k, tag) in tags.into_iter().enumerate() {
            progress.tag_links[tag].0 += 1;
            // The first tag is what the ticket is mainly about.
            let salience = if k == 0 {
                rng.random_range(0.5..1.0)
            } else {
                rng.random_range(0.1..0.6)
            };
            let tag_sentiment = (sentiment + rng.random_range(-0.2..0.2)).clamp(-1.0, 1.0);
            self.batch.ticket_tags.push(ticket_tag::Model {
                tenant_id: self.directory.tenant_id.clone(),
                ticket_id: id,
                tag_id: self.directory.tag_ids[tag],
                salience: round2(salience),
                sentiment: round2(tag_sentiment),
                created_at,
            });
        }
        id
    }

    fn tags(&mut self) {
        let rng = &mut self.progress.rng;
        let count = weighted(rng, &[(0, 10), (1, 30), (2, 30), (3, 20), (4, 10)]);
        for tag in choose_tags(rng, self.script.topic, count) {
            self.progress.tag_links[tag].1 += 1;
            let tag_id = self.directory.tag_ids[tag];
            let delay = self.progress.rng.random_range(MINUTE..30 * MINUTE);
            let at = self.created_at + delay.min(self.span());
            self.batch.conversation_tags.push(conversation_tag::Model {
                tenant_id: self.directory.tenant_id.clone(),
                conversation_id: self.id,
                tag_id,
                created_at: at,
            });
            self.log(ActivityType::Tagged, at, self.assignee_id())
                .tag_id = Some(tag_id);
        }
    }

    fn notes(&mut self) {
        let count = weighted(&mut self.progress.rng, &[(0, 55), (1, 35), (2, 10)]);
        let author = self.assignee.unwrap_or(self.responder).id;
        let span = self.span();
        for _ in 0..count {
            let rng = &mut self.progress.rng;
            let at = self.created_at + rng.random_range(0..=span);
            let body = self.vars.fill(pick(rng, text::NOTES));
            let id = next(&mut self.progress.ids.note);
            self.batch.notes.push(note::Model {
                id,
                tenant_id: self.directory.tenant_id.clone(),
                conversation_id: self.id,
                author_id: Some(author),
                body,
                created_at: at,
                anonymized_at: None,
            });
            self.log(ActivityType::NoteAdded, at, Some(author)).note_id = Some(id);
        }
    }

    /// Offered to most closed conversations once they end; submitted by about two in three.
    fn rating(&mut self) {
        let rng = &mut self.progress.rng;
        let closed = self.state == ConversationState::Closed;
        if !rng.random_bool(if closed { 0.45 } else { 0.05 }) {
            return;
        }
        let rating_type = if rng.random_bool(0.7) {
            RatingType::Csat
        } else {
            RatingType::ThumbsUpOrDown
        };
        let submitted = closed && rng.random_bool(0.65);
        // The score follows how the customer sounded last.
        let happy = self.last_customer_sentiment > 0.0;
        let score = submitted.then(|| match (rating_type, happy) {
            (RatingType::Csat, true) => weighted(rng, &[(5, 60), (4, 35), (3, 5)]),
            (RatingType::Csat, false) => weighted(rng, &[(1, 45), (2, 40), (3, 15)]),
            (RatingType::ThumbsUpOrDown, true) => weighted(rng, &[(1, 90), (0, 10)]),
            (RatingType::ThumbsUpOrDown, false) => weighted(rng, &[(0, 80), (1, 20)]),
        });
        let comment = (submitted && rng.random_bool(0.4)).then(|| {
            let comments = if happy {
                text::POSITIVE_RATING_COMMENTS
            } else {
                text::NEGATIVE_RATING_COMMENTS
            };
            self.vars.fill(pick(rng, comments))
        });
        let offered_at = self.updated_at;
        let submitted_at = submitted
            .then(|| (offered_at + rng.random_range(MINUTE..2 * HOUR)).min(self.anchor - SECOND));
        let id = next(&mut self.progress.ids.rating);
        self.batch.ratings.push(rating::Model {
            id,
            tenant_id: self.directory.tenant_id.clone(),
            conversation_id: self.id,
            rating_type,
            status: if submitted {
                RatingStatus::Submitted
            } else {
                RatingStatus::Offered
            },
            score,
            comment,
            agent_id: self.assignee_id(),
            contact_id: Some(self.contact.id),
            language: Some(self.language.to_owned()),
            offered_at,
            submitted_at,
        });
        self.log(ActivityType::RatingOffered, offered_at, None)
            .rating_id = Some(id);
        if let Some(at) = submitted_at {
            self.log(ActivityType::RatingSubmitted, at, None).rating_id = Some(id);
        }
    }

    /// Custom attribute values for about 30% of conversations: an order id, a plan, or both.
    fn attributes(&mut self) {
        let span = self.span();
        let rng = &mut self.progress.rng;
        if !rng.random_bool(0.3) {
            return;
        }
        let at = self.created_at + rng.random_range(0..=span);
        let with_order = rng.random_bool(0.7);
        let with_plan = !with_order || rng.random_bool(0.5);
        let value = |definition_id, text, values| conversation_attribute_value::Model {
            tenant_id: self.directory.tenant_id.clone(),
            conversation_id: self.id,
            definition_id,
            text,
            values,
            updated_at: at,
        };
        if with_order {
            let order = format!("ORD-{}", self.vars.order.trim_start_matches('#'));
            let row = value(
                self.directory.order_definition,
                Some(order),
                "[]".to_owned(),
            );
            self.batch.attribute_values.push(row);
        }
        if with_plan {
            let plan = format!(r#"["{}"]"#, self.vars.plan);
            let row = value(self.directory.plan_definition, None, plan);
            self.batch.attribute_values.push(row);
        }
        self.log(ActivityType::AttributesChanged, at, self.assignee_id());
    }

    /// The conversation row itself, and the activity log in the order things happened.
    /// The call behind a PHONE conversation: its status follows the conversation's
    /// state, its path the flow's menu and then the queue it reached; drawn from
    /// nothing random, so the rest of the data is as it was without calls.
    fn voice_session(&mut self, closed_at: Option<i64>) {
        if self.channel != Channel::Phone {
            return;
        }
        let status = match self.state {
            ConversationState::Open => VoiceSessionStatus::InProgress,
            ConversationState::Pending => VoiceSessionStatus::Pending,
            ConversationState::Closed => VoiceSessionStatus::Completed,
        };
        let queue = text::QUEUES[self.queue];
        let path: Vec<&str> = match status {
            VoiceSessionStatus::Pending => Vec::new(),
            _ => text::CALL_PATH.iter().copied().chain([queue]).collect(),
        };
        let properties = serde_json::json!({ "language": self.language, "queue": queue });
        self.batch.voice_sessions.push(voice_session::Model {
            conversation_id: self.id,
            tenant_id: self.directory.tenant_id.clone(),
            connection_code: format!("CALL-{:06}", self.number),
            status,
            session_properties: properties.to_string(),
            path_taken: serde_json::to_string(&path).unwrap_or_else(|_| "[]".into()),
            started_at: (status != VoiceSessionStatus::Pending).then_some(self.created_at),
            ended_at: closed_at,
            updated_at: self.updated_at,
        });
    }

    fn conversation(mut self, assigned_at: Option<i64>, queued_at: i64, transferred: bool) {
        let closed_at = (self.state == ConversationState::Closed).then_some(self.updated_at);
        self.voice_session(closed_at);
        if let Some(at) = closed_at {
            self.log(ActivityType::Closed, at, self.assignee_id());
        }
        let rng = &mut self.progress.rng;
        // A few conversations are side conversations of a recent one.
        let parent_id = (self.number > 1 && rng.random_bool(0.03))
            .then(|| self.id - rng.random_range(1..=(self.number - 1).min(500)));
        self.batch.conversations.push(conversation::Model {
            id: self.id,
            tenant_id: self.directory.tenant_id.clone(),
            number: self.number,
            external_id: Some(format!("ext-{}", self.number)),
            channel: self.channel,
            direction: self.direction,
            state: self.state,
            subject: Some(self.vars.fill(self.script.case.subject)),
            language: Some(self.language.to_owned()),
            requester_id: Some(self.contact.id),
            assignee_id: self.assignee_id(),
            assigned_at,
            queue_id: Some(self.directory.queue_ids[self.queue]),
            queued_at: Some(queued_at),
            parent_id,
            last_message_id: self.last_message_id,
            sentiment_trend: sentiment_trend(&self.customer_sentiments),
            // One version per change since creation.
            version: 1
                + i64::from(assigned_at.is_some())
                + i64::from(transferred)
                + i64::from(self.state != ConversationState::Open),
            created_at: self.created_at,
            updated_at: self.updated_at,
            state_updated_at: match self.state {
                ConversationState::Open => self.created_at,
                ConversationState::Pending | ConversationState::Closed => self.updated_at,
            },
            closed_at,
            anonymized_at: None,
            source: Some(source_of(self.channel).to_owned()),
            metadata: None,
            merged_into_id: None,
            snoozed_until: None,
        });
        // Ids follow the order in which things happened.
        self.activities.sort_by_key(|a| a.occurred_at);
        for mut entry in self.activities {
            entry.id = next(&mut self.progress.ids.activity);
            self.batch.activities.push(entry);
        }
    }
}

/// Up to `count` distinct tags (indexes into `text::TAGS`): the topic's, sometimes a general one.
fn choose_tags(rng: &mut ChaCha8Rng, topic: &Topic, count: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(count);
    for k in 0..count {
        let name = if k > 0 && rng.random_bool(0.15) {
            pick(rng, text::GENERAL_TAGS)
        } else {
            pick(rng, topic.tags)
        };
        if let Some(index) = text::TAGS.iter().position(|t| t.name == name)
            && !chosen.contains(&index)
        {
            chosen.push(index);
        }
    }
    chosen
}

const CHANNELS: &[(Channel, u32)] = &[
    (Channel::Email, 35),
    (Channel::WidgetChat, 25),
    (Channel::Messenger, 8),
    (Channel::Whatsapp, 10),
    (Channel::Phone, 10),
    (Channel::Sms, 5),
    (Channel::Api, 4),
    (Channel::Other, 3),
];

/// The times of `count` messages starting at `start`, paced like the channel, all before `anchor`.
fn message_times(
    rng: &mut ChaCha8Rng,
    channel: Channel,
    start: i64,
    count: i64,
    anchor: i64,
) -> Vec<i64> {
    let (min_gap, max_gap) = match channel {
        Channel::Phone => (10 * SECOND, 2 * MINUTE),
        Channel::WidgetChat | Channel::Messenger | Channel::Whatsapp | Channel::Sms => {
            (20 * SECOND, 15 * MINUTE)
        }
        Channel::Email | Channel::Api | Channel::Other => (10 * MINUTE, 20 * HOUR),
    };
    let gaps: Vec<i64> = (1..count)
        .map(|_| rng.random_range(min_gap..max_gap))
        .collect();
    let total: i64 = gaps.iter().sum();
    let room = anchor - MINUTE - start;
    let mut times = Vec::with_capacity(count as usize);
    let mut at = start;
    times.push(at);
    for gap in gaps {
        // Squeeze a late conversation's pace so that it ends before the anchor.
        at += if total > room {
            i64::try_from(i128::from(gap) * i128::from(room.max(0)) / i128::from(total))
                .unwrap_or(0)
        } else {
            gap
        };
        times.push(at);
    }
    times
}

fn source_of(channel: Channel) -> &'static str {
    match channel {
        Channel::Email => "email",
        Channel::WidgetChat => "chat",
        Channel::Messenger => "messenger",
        Channel::Whatsapp => "whatsapp",
        Channel::Phone => "phone",
        Channel::Sms => "sms",
        Channel::Api => "api",
        Channel::Other => "other",
    }
}

/// Providers that give messages ids of their own.
fn external_message_id(channel: Channel, number: i64, index: i64) -> Option<String> {
    match channel {
        Channel::Email => Some(format!("<msg-{number}-{index}@mail.parley.dev>")),
        Channel::Messenger | Channel::Whatsapp | Channel::Sms | Channel::Api => {
            Some(format!("msg-{number}-{index}"))
        }
        Channel::WidgetChat | Channel::Phone | Channel::Other => None,
    }
}
