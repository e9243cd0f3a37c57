//! The vocabulary of the synthetic data: names, organizations, tags, and sentence templates.
//!
//! Templates may hold placeholders filled per conversation (see `Vars` in `generate.rs`):
//! `{first}` the contact's first name, `{agent}` the agent's first name, `{product}`,
//! `{app}`, `{order}`, `{plan}`, `{amount}`, `{days}`, `{error}`, `{org}`.
//! Every line a customer or agent says carries its sentiment, from -1 to 1, so that the
//! sentiment of a message follows from its text.

use entity::enums::Channel;

/// A sentence template and the sentiment it expresses.
pub(super) type Line = (&'static str, f64);

pub(super) const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Mia",
    "James",
    "Charlotte",
    "Lucas",
    "Harper",
    "Mateo",
    "Evelyn",
    "Henry",
    "Aria",
    "Leo",
    "Chloe",
    "Jack",
    "Maria",
    "David",
    "Sara",
    "Daniel",
    "Hannah",
    "Samuel",
    "Laura",
    "Jonas",
    "Lea",
    "Felix",
    "Julia",
    "Paul",
    "Camille",
    "Louis",
    "Ines",
    "Hugo",
    "Lucia",
    "Pablo",
    "Elena",
    "Diego",
    "Priya",
    "Arjun",
    "Mei",
    "Kenji",
    "Yuki",
    "Omar",
    "Fatima",
    "Amir",
    "Zara",
    "Tomas",
    "Anna",
    "Erik",
    "Freya",
    "Nils",
    "Ingrid",
    "Robert",
    "Mary",
    "Grace",
    "Victor",
    "Nora",
];

pub(super) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Martinez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Lee",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Torres",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Peterson",
    "Cooper",
    "Reed",
    "Bailey",
    "Bell",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Dubois",
    "Laurent",
    "Moreau",
    "Fernandez",
    "Romero",
    "Nakamura",
    "Tanaka",
    "Patel",
    "Khan",
    "Nguyen",
    "Kim",
    "Larsen",
    "Novak",
    "Rossi",
    "Costa",
    "Silva",
];

/// Organizations contacts work for: name and email domain (reserved `.example` TLD).
pub(super) const ORGANIZATIONS: &[(&str, &str)] = &[
    ("Rosemary Inc.", "rosemary.example"),
    ("Northwind Traders", "northwind.example"),
    ("Bluebird Logistics", "bluebird-logistics.example"),
    ("Cedar & Pine Interiors", "cedarpine.example"),
    ("Helios Energy", "helios-energy.example"),
    ("Granite Health", "granitehealth.example"),
    ("Lumen Labs", "lumenlabs.example"),
    ("Brightwave Media", "brightwave.example"),
    ("Copperleaf Bakery", "copperleaf.example"),
    ("Summit Outdoor Gear", "summit-gear.example"),
    ("Kestrel Analytics", "kestrel.example"),
    ("Harbor Dental", "harbordental.example"),
    ("Maple Street Books", "maplestreet.example"),
    ("Ironclad Security", "ironclad.example"),
    ("Verde Landscaping", "verde.example"),
    ("Quantum Fitness", "quantumfit.example"),
    ("Silverline Travel", "silverline.example"),
    ("Oakridge Law", "oakridgelaw.example"),
    ("Pixel Forge Studios", "pixelforge.example"),
    ("Tidewater Realty", "tidewater.example"),
    ("Evergreen Schools", "evergreen-schools.example"),
    ("Nimbus Cloud Services", "nimbuscloud.example"),
    ("Redwood Coffee", "redwoodcoffee.example"),
    ("Atlas Manufacturing", "atlas-mfg.example"),
];

/// Email domains of contacts who write as private persons.
pub(super) const PERSONAL_DOMAINS: &[&str] = &["mail.example", "inbox.example", "post.example"];

/// Job titles in ticket signatures ("Robert / CEO of Rosemary Inc.").
pub(super) const JOB_TITLES: &[&str] = &[
    "CEO",
    "Office Manager",
    "Head of Operations",
    "IT Administrator",
    "Marketing Lead",
    "Founder",
    "Finance Manager",
    "Customer Success Lead",
    "Project Manager",
    "Purchasing Manager",
];

/// Agents of the demo tenant; the first is the admin `ada@demo.parley.dev`.
pub(super) const DEMO_AGENTS: &[(&str, &str)] = &[
    ("Ada", "Admin"),
    ("Ben", "Baker"),
    ("Chloe", "Chen"),
    ("Diego", "Diaz"),
    ("Emma", "Evans"),
    ("Farah", "Fischer"),
    ("Gustav", "Gray"),
    ("Hana", "Hall"),
    ("Ivan", "Ito"),
    ("Julia", "Jones"),
    ("Kofi", "King"),
    ("Lena", "Lopez"),
];

/// The queues of every tenant.
/// The telephony and messaging flows of a tenant: name, channel, endpoint (`{tenant}`
/// stands for the tenant's id).
pub(super) const FLOWS: &[(&str, Channel, Option<&str>)] = &[
    ("Main support line", Channel::Phone, Some("+4534343434")),
    ("After-hours line", Channel::Phone, Some("+4534343435")),
    ("Website chat", Channel::WidgetChat, None),
    ("WhatsApp support", Channel::Whatsapp, Some("+4553535353")),
    (
        "Email intake",
        Channel::Email,
        Some("support@{tenant}.parley.dev"),
    ),
];

/// The steps a seeded call goes through before it reaches the team, then its queue.
pub(super) const CALL_PATH: &[&str] = &["greeting", "language selection", "main menu"];

pub(super) const QUEUES: &[&str] = &[
    "Billing",
    "Technical Support",
    "Sales",
    "Onboarding",
    "Escalations",
];

const BILLING: usize = 0;
const TECHNICAL: usize = 1;
const SALES: usize = 2;
const ONBOARDING: usize = 3;
const ESCALATIONS: usize = 4;

/// A tag of every tenant: name, whether it is still active, whether it is relevant.
pub(super) struct TagSpec {
    pub name: &'static str,
    pub active: bool,
    pub relevant: bool,
}

const fn tag(name: &'static str) -> TagSpec {
    TagSpec {
        name,
        active: true,
        relevant: true,
    }
}

const fn retired(name: &'static str) -> TagSpec {
    TagSpec {
        name,
        active: false,
        relevant: true,
    }
}

const fn noise(name: &'static str) -> TagSpec {
    TagSpec {
        name,
        active: true,
        relevant: false,
    }
}

pub(super) const TAGS: &[TagSpec] = &[
    tag("refund"),
    tag("billing"),
    tag("invoice"),
    tag("double-charge"),
    tag("payment-failed"),
    tag("login-issue"),
    tag("password-reset"),
    tag("two-factor"),
    tag("account-locked"),
    tag("shipping-delay"),
    tag("tracking"),
    tag("lost-package"),
    tag("address-change"),
    tag("bug"),
    tag("app-crash"),
    tag("performance"),
    tag("error-message"),
    tag("feature-request"),
    tag("feedback"),
    tag("integration"),
    tag("api"),
    tag("upgrade"),
    tag("downgrade"),
    tag("cancellation"),
    tag("pricing"),
    tag("trial"),
    tag("onboarding"),
    tag("setup"),
    tag("how-to"),
    tag("data-import"),
    tag("account-deletion"),
    tag("gdpr"),
    tag("data-export"),
    tag("damaged-item"),
    tag("return"),
    tag("wrong-item"),
    tag("complaint"),
    tag("urgent"),
    tag("vip"),
    retired("legacy-plan"),
    retired("beta-program"),
    retired("holiday-promo"),
    noise("spam"),
    noise("duplicate"),
    noise("auto-reply"),
    noise("misc"),
];

/// Tags that fit any topic, added now and then besides the topic's own.
pub(super) const GENERAL_TAGS: &[&str] = &[
    "urgent",
    "vip",
    "complaint",
    "feedback",
    "duplicate",
    "legacy-plan",
    "beta-program",
    "holiday-promo",
    "misc",
];

/// One kind of request, told consistently: its subject, how the customer puts it, what the
/// customer adds, how the agent first answers, and the answer that solves it.
pub(super) struct Case {
    pub subject: &'static str,
    pub problem: Line,
    pub detail: Line,
    pub reply: Line,
    pub resolution: Line,
}

/// What a conversation is about: where it is routed, how it is tagged, what is said.
pub(super) struct Topic {
    pub queue: usize,
    pub tags: &'static [&'static str],
    pub cases: &'static [Case],
}

const fn case(
    subject: &'static str,
    problem: Line,
    detail: Line,
    reply: Line,
    resolution: Line,
) -> Case {
    Case {
        subject,
        problem,
        detail,
        reply,
        resolution,
    }
}

/// Indexes into [`TOPICS`] that the phrasebooks' cases belong to.
const BILLING_TOPIC: usize = 0;
const LOGIN_TOPIC: usize = 1;
const SHIPPING_TOPIC: usize = 2;

pub(super) const TOPICS: &[Topic] = &[
    Topic {
        queue: BILLING,
        tags: &[
            "refund",
            "billing",
            "double-charge",
            "payment-failed",
            "invoice",
        ],
        cases: &[
            case(
                "I was charged twice for order {order}",
                (
                    "I was charged twice for order {order} and would like a refund for the duplicate payment.",
                    -0.6,
                ),
                ("Both charges show on my card statement.", -0.2),
                (
                    "I am sorry about the double charge. I can see both payments for order {order} and I am checking with our billing team.",
                    0.2,
                ),
                (
                    "I have refunded the duplicate payment of {amount}. It can take {days} business days to show on your statement.",
                    0.6,
                ),
            ),
            case(
                "Payment failed but money was taken",
                (
                    "My card was charged {amount}, but order {order} still shows as unpaid.",
                    -0.5,
                ),
                ("I paid with a Visa card ending in 4242.", 0.0),
                (
                    "Thanks for letting us know. I have asked our payments team to look into the transaction.",
                    0.1,
                ),
                (
                    "The payment went through after all: order {order} is now marked as paid and ready to ship.",
                    0.6,
                ),
            ),
            case(
                "Invoice for order {order}",
                (
                    "Could you send me an invoice for order {order}? Our accounting team needs it with our VAT number.",
                    0.0,
                ),
                (
                    "Our company address changed last month, please use the new one.",
                    0.0,
                ),
                (
                    "Of course! Could you send me your VAT number and the new billing address?",
                    0.3,
                ),
                (
                    "I have attached the invoice for order {order} with your VAT number and new address.",
                    0.5,
                ),
            ),
            case(
                "Still waiting for my refund",
                (
                    "I returned the {product} two weeks ago and I am still waiting for my refund of {amount}.",
                    -0.6,
                ),
                (
                    "The tracking shows you received the parcel on Monday.",
                    -0.1,
                ),
                (
                    "Sorry for the wait. The return arrived at our warehouse, and I am checking why the refund has not gone out.",
                    0.1,
                ),
                (
                    "I have issued your refund of {amount}. You will see it within {days} business days.",
                    0.6,
                ),
            ),
        ],
    },
    Topic {
        queue: TECHNICAL,
        tags: &[
            "login-issue",
            "password-reset",
            "two-factor",
            "account-locked",
        ],
        cases: &[
            case(
                "Cannot log in",
                (
                    "I cannot log in to {app} anymore. It says my password is wrong, but I just reset it.",
                    -0.6,
                ),
                ("The error says: {error}.", -0.3),
                (
                    "Sorry you are locked out. Which browser or device are you using?",
                    0.1,
                ),
                (
                    "There was a problem with your session. I have signed you out everywhere, so you can now log in with your new password.",
                    0.5,
                ),
            ),
            case(
                "Password reset email never arrives",
                (
                    "The password reset email never arrives. I checked my spam folder too.",
                    -0.5,
                ),
                ("I have tried three times today.", -0.3),
                (
                    "Thanks for reaching out. Could you confirm the email address on the account?",
                    0.1,
                ),
                (
                    "Our email provider had a delay today. I have sent a new reset link, it is valid for 24 hours.",
                    0.4,
                ),
            ),
            case(
                "Locked out of my account",
                (
                    "My account got locked after a few login attempts and now I cannot access our reports.",
                    -0.7,
                ),
                ("My colleagues can still log in without problems.", -0.1),
                (
                    "I can see several failed attempts on your account, so it was locked automatically for your security.",
                    0.1,
                ),
                (
                    "I have unlocked your account. You can log in again right away.",
                    0.6,
                ),
            ),
            case(
                "Two-factor codes are rejected",
                (
                    "The two-factor codes from my authenticator app are always rejected since I got a new phone.",
                    -0.5,
                ),
                ("I no longer have the old phone.", -0.2),
                (
                    "No problem, we can reset your two-factor setup. For security, please confirm the last four digits of the card on file.",
                    0.2,
                ),
                (
                    "I have reset your two-factor setup. You can scan a new QR code the next time you log in.",
                    0.6,
                ),
            ),
        ],
    },
    Topic {
        queue: SALES,
        tags: &[
            "shipping-delay",
            "tracking",
            "lost-package",
            "address-change",
        ],
        cases: &[
            case(
                "Where is my order {order}?",
                (
                    "My order {order} was supposed to arrive last week and it is still not here.",
                    -0.6,
                ),
                ("I need the {product} for a trip on Friday.", -0.2),
                (
                    "Sorry about the delay. I have contacted the carrier about order {order}.",
                    0.1,
                ),
                (
                    "Good news: the parcel is at your local depot and will be delivered tomorrow.",
                    0.7,
                ),
            ),
            case(
                "Tracking has not updated for days",
                (
                    "The tracking for order {order} has not updated in {days} days.",
                    -0.5,
                ),
                ("This is the second time this happens with my orders.", -0.6),
                (
                    "Thanks for your patience. The parcel left our warehouse and I am checking where it is now.",
                    0.2,
                ),
                (
                    "The carrier had a scanning problem. Your parcel is on its way and the tracking works again.",
                    0.5,
                ),
            ),
            case(
                "Package marked as delivered but not received",
                (
                    "The tracking says the package was delivered, but I never received the {product}.",
                    -0.8,
                ),
                (
                    "I already asked my neighbours, nobody has the package.",
                    -0.4,
                ),
                (
                    "I am sorry to hear that. I have opened an investigation with the carrier.",
                    0.1,
                ),
                (
                    "The carrier confirmed the package was lost, so I have sent a replacement by express shipping at no cost.",
                    0.6,
                ),
            ),
            case(
                "Change delivery address for {order}",
                (
                    "I just moved. Can I still change the delivery address for order {order}?",
                    0.0,
                ),
                ("The new address is in the same city.", 0.0),
                (
                    "Let me check. The order has not shipped yet, so I should be able to change it.",
                    0.3,
                ),
                (
                    "Done! I have updated the delivery address for order {order}.",
                    0.6,
                ),
            ),
        ],
    },
    Topic {
        queue: TECHNICAL,
        tags: &["bug", "app-crash", "performance", "error-message"],
        cases: &[
            case(
                "{app} keeps crashing",
                ("{app} crashes every time I open the reports page.", -0.7),
                ("I already cleared the cache and reinstalled the app.", -0.3),
                (
                    "Thanks for the report. Which version of {app} are you using?",
                    0.1,
                ),
                (
                    "Our engineers released a fix this morning. Please update {app} and the reports page will open again.",
                    0.5,
                ),
            ),
            case(
                "Error when exporting reports",
                ("When I export a report I get an error: {error}.", -0.5),
                ("This is blocking our weekly report to management.", -0.7),
                (
                    "Sorry for the trouble. I have reproduced the error and passed it to our engineers.",
                    0.2,
                ),
                (
                    "The export is fixed. Large reports are now split into several files automatically.",
                    0.5,
                ),
            ),
            case(
                "Everything is very slow today",
                (
                    "The dashboard has been extremely slow since this morning, pages take a minute to load.",
                    -0.6,
                ),
                ("It happens on both Chrome and Firefox.", -0.1),
                (
                    "We are seeing higher load than usual today and the team is working on it.",
                    0.0,
                ),
                (
                    "The performance issue has been resolved, pages should load quickly again.",
                    0.6,
                ),
            ),
            case(
                "Dashboard shows wrong numbers",
                (
                    "The numbers on the dashboard do not match the ones in the CSV export.",
                    -0.4,
                ),
                ("The difference is always about 2 percent.", -0.1),
                (
                    "Thanks for spotting this. Could you send me a screenshot of both numbers?",
                    0.2,
                ),
                (
                    "It was a rounding bug in the export, which is now fixed. Thanks for helping us find it!",
                    0.7,
                ),
            ),
        ],
    },
    Topic {
        queue: TECHNICAL,
        tags: &["feature-request", "feedback", "integration", "api"],
        cases: &[
            case(
                "Feature request: dark mode",
                (
                    "Would it be possible to add a dark mode to {app}? Our team works late shifts.",
                    0.2,
                ),
                ("Several people on my team asked for this.", 0.1),
                (
                    "Thanks for the suggestion! I have shared it with our product team.",
                    0.5,
                ),
                (
                    "Good news: dark mode is on our roadmap for next quarter. I will let you know when it ships.",
                    0.6,
                ),
            ),
            case(
                "Do you integrate with Salesforce?",
                (
                    "Do you have an integration with Salesforce? We would like to sync our contacts.",
                    0.1,
                ),
                ("We are on the {plan} plan.", 0.0),
                (
                    "Great question! Yes, we have a Salesforce integration.",
                    0.5,
                ),
                (
                    "Here is our guide to setting up the Salesforce integration. Let me know if you get stuck.",
                    0.4,
                ),
            ),
            case(
                "API rate limits",
                (
                    "We keep hitting the API rate limit when we sync orders. Can it be raised for our account?",
                    -0.3,
                ),
                ("We make about 50 requests per second at peak.", 0.0),
                (
                    "Thanks for the details. I am checking the limits on your account with our API team.",
                    0.2,
                ),
                (
                    "I have raised the API limit on your account to 100 requests per second.",
                    0.6,
                ),
            ),
            case(
                "Delete a user from the company settings",
                (
                    "Would it be possible to delete a user from the company settings page?",
                    0.1,
                ),
                ("Everything else works really well for us.", 0.6),
                (
                    "Thanks for asking! Only admins can remove users at the moment.",
                    0.2,
                ),
                (
                    "An admin can delete users under Settings, then Team. I have also passed your feedback on to the product team.",
                    0.4,
                ),
            ),
        ],
    },
    Topic {
        queue: SALES,
        tags: &["upgrade", "downgrade", "cancellation", "pricing", "trial"],
        cases: &[
            case(
                "Upgrade to the enterprise plan",
                (
                    "We would like to upgrade to the enterprise plan. How is the price calculated for the rest of the month?",
                    0.3,
                ),
                ("We have 12 users at the moment.", 0.0),
                (
                    "Happy to help! Upgrades are prorated, so you only pay the difference for the remaining days.",
                    0.5,
                ),
                (
                    "Your account is now on the enterprise plan. Enjoy the new features!",
                    0.7,
                ),
            ),
            case(
                "Cancel my subscription",
                (
                    "Please cancel my subscription at the end of the billing period.",
                    -0.3,
                ),
                ("The product is fine, we just do not use it enough.", -0.1),
                (
                    "Sorry to see you go. May I ask what made you decide to cancel?",
                    0.0,
                ),
                (
                    "Your subscription will end on the last day of this billing period and you will not be charged again.",
                    0.2,
                ),
            ),
            case(
                "Question about pricing",
                (
                    "Your pricing page says {amount} per month, but I was charged more.",
                    -0.5,
                ),
                ("We would pay yearly if there is a discount.", 0.2),
                (
                    "Thanks for asking. Let me check the plan and the seats on your account.",
                    0.2,
                ),
                (
                    "The difference comes from two extra seats added last month. I have removed them and refunded the difference.",
                    0.5,
                ),
            ),
            case(
                "Extend my trial",
                (
                    "Could you extend our trial by a week? We did not have time to test everything.",
                    0.1,
                ),
                ("Our budget is only approved next month.", 0.0),
                ("Sure, let me see what I can do.", 0.4),
                ("I have extended your trial by 7 days.", 0.6),
            ),
        ],
    },
    Topic {
        queue: ONBOARDING,
        tags: &["onboarding", "setup", "how-to", "data-import"],
        cases: &[
            case(
                "Help setting up our account",
                (
                    "We just signed up and I am not sure how to set up our workspace.",
                    0.0,
                ),
                ("We are moving over from another tool.", 0.1),
                (
                    "Welcome aboard! I will be your contact during onboarding.",
                    0.6,
                ),
                (
                    "Here is a checklist for your first week. Your workspace is ready once the first three steps are done.",
                    0.5,
                ),
            ),
            case(
                "How do I import our customers?",
                ("How do I import our customer list from a spreadsheet?", 0.0),
                ("We have around 3,000 customers in the spreadsheet.", 0.0),
                (
                    "Great to have you with us. You can import a CSV file from Settings, then Import.",
                    0.5,
                ),
                (
                    "I have checked your file: the import ran fine and all your customers are in.",
                    0.6,
                ),
            ),
            case(
                "Onboarding call",
                (
                    "Could we book an onboarding call for our team next week?",
                    0.3,
                ),
                ("Most of the team is in the Berlin office.", 0.0),
                ("Sure! Which days work best for your team?", 0.4),
                (
                    "I have booked the onboarding call and sent you the calendar invitation.",
                    0.6,
                ),
            ),
            case(
                "My team did not get the invitations",
                (
                    "I invited my colleagues, but they did not get the invitation email.",
                    -0.3,
                ),
                ("We would like to go live by the end of the month.", 0.1),
                (
                    "Let me check. Could you tell me one of the email addresses you invited?",
                    0.2,
                ),
                (
                    "I have resent the invitations. They should arrive within a few minutes.",
                    0.5,
                ),
            ),
        ],
    },
    Topic {
        queue: ESCALATIONS,
        tags: &["account-deletion", "gdpr", "data-export"],
        cases: &[
            case(
                "Delete my account and data",
                (
                    "Please delete my account and all personal data you hold about me.",
                    -0.2,
                ),
                ("The account is registered with this email address.", 0.0),
                (
                    "We have received your request. To protect your data, we need to confirm it comes from the account owner.",
                    0.1,
                ),
                ("Your account and personal data have been deleted.", 0.3),
            ),
            case(
                "GDPR data request",
                (
                    "Under the GDPR I would like a copy of all personal data you store about me.",
                    -0.1,
                ),
                ("Please confirm once it is done.", 0.0),
                (
                    "Thanks for your request. Our privacy team will handle it within 30 days.",
                    0.2,
                ),
                (
                    "Your data export is ready. You can download it from the link we sent by email.",
                    0.4,
                ),
            ),
            case(
                "Export all our data",
                (
                    "We are leaving the service and need an export of all our conversations.",
                    -0.2,
                ),
                ("We need it within the next 30 days.", -0.1),
                (
                    "Of course. The export can take a while for large accounts, I have started it now.",
                    0.2,
                ),
                (
                    "Your export is ready: you will find the download link in your inbox.",
                    0.4,
                ),
            ),
        ],
    },
    Topic {
        queue: BILLING,
        tags: &["damaged-item", "return", "wrong-item"],
        cases: &[
            case(
                "Damaged {product}",
                (
                    "The {product} arrived damaged: the box was crushed and it does not turn on.",
                    -0.7,
                ),
                ("I have photos of the damage.", -0.2),
                (
                    "I am so sorry the {product} arrived like that. Could you send us a photo of the damage?",
                    0.1,
                ),
                (
                    "A replacement {product} is on its way, and you do not need to send the damaged one back.",
                    0.7,
                ),
            ),
            case(
                "Return request for order {order}",
                (
                    "I would like to return the {product} from order {order}, it does not fit my needs.",
                    -0.2,
                ),
                ("I still have the original packaging.", 0.0),
                (
                    "No problem, I can help with the return. Is the {product} unused and in its original packaging?",
                    0.3,
                ),
                (
                    "I have sent you a prepaid return label. The refund is issued once we receive the item.",
                    0.5,
                ),
            ),
            case(
                "Received the wrong item",
                (
                    "I received the wrong item. I ordered the {product} but got something completely different.",
                    -0.6,
                ),
                ("It was meant to be a birthday present.", -0.4),
                (
                    "I am sorry about the mix-up! Could you send me a photo of the label on the parcel?",
                    0.1,
                ),
                (
                    "The right {product} ships today by express, and a return label for the wrong item is in your inbox.",
                    0.6,
                ),
            ),
        ],
    },
    Topic {
        queue: ESCALATIONS,
        tags: &["complaint", "urgent", "vip"],
        cases: &[
            case(
                "Very disappointed with your service",
                (
                    "This is the third time I contact you about the same problem and nobody has helped me.",
                    -0.9,
                ),
                ("I would like to speak to a manager.", -0.5),
                (
                    "I am truly sorry for the experience you had. I have taken over your case personally.",
                    0.2,
                ),
                (
                    "I have applied a credit of {amount} to your account as an apology, and the original problem is now fixed.",
                    0.5,
                ),
            ),
            case(
                "URGENT: service down for our whole team",
                (
                    "Our whole team cannot work, {app} has been down for an hour. This is urgent!",
                    -0.9,
                ),
                ("Every hour of downtime costs us money.", -0.7),
                (
                    "We are aware of the outage and our engineers are working on it right now.",
                    0.0,
                ),
                (
                    "The service has been restored. We will send a full incident report tomorrow.",
                    0.4,
                ),
            ),
            case(
                "Formal complaint",
                (
                    "I want to file a formal complaint about how my last request was handled.",
                    -0.7,
                ),
                ("We pay for the {plan} plan and expect better.", -0.6),
                (
                    "Thank you for telling us. I have forwarded your complaint to our support manager.",
                    0.1,
                ),
                (
                    "Our support manager reviewed your case and we have changed how such requests are handled. I am sorry again.",
                    0.3,
                ),
            ),
        ],
    },
];

pub(super) const PRODUCTS: &[&str] = &[
    "Aurora X2 headphones",
    "Nimbus smart thermostat",
    "Pulse fitness band",
    "Orbit desk lamp",
    "Atlas travel backpack",
    "Vega coffee grinder",
    "Terra standing desk",
    "Echo mini speaker",
    "Lumo baby monitor",
    "Drift electric kettle",
];

pub(super) const APPS: &[&str] = &[
    "the mobile app",
    "the web dashboard",
    "the iOS app",
    "the Android app",
    "the desktop app",
    "the browser extension",
];

pub(super) const PLANS: &[&str] = &["free", "pro", "enterprise"];

pub(super) const ERRORS: &[&str] = &[
    "Something went wrong (code 500)",
    "Session expired, please log in again",
    "Request timed out",
    "Invalid token",
    "Export failed: file too large",
];

pub(super) const CUSTOMER_GREETINGS: &[&str] = &[
    "Hi,",
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Hey,",
    "Hello support team,",
];

pub(super) const CUSTOMER_FOLLOW_UPS: &[Line] = &[
    ("I tried that, but it still does not work.", -0.4),
    ("Here is the information you asked for: order {order}.", 0.0),
    ("Any update on this? It has been a few days.", -0.5),
    ("Thanks, I will try that now.", 0.3),
    ("Sorry, I am not sure where to find that setting.", -0.1),
    ("Okay, I just sent the screenshot.", 0.0),
    (
        "That helped a bit, but I still see the same problem in {app}.",
        -0.2,
    ),
];

pub(super) const CUSTOMER_THANKS: &[Line] = &[
    ("That fixed it, thank you so much!", 0.9),
    (
        "Perfect, everything works now. Thanks for the quick help.",
        0.85,
    ),
    ("Great, thanks {agent}!", 0.8),
    ("Thanks, that answers my question.", 0.6),
    ("Got it, I appreciate your help.", 0.6),
];

pub(super) const CUSTOMER_FRUSTRATION: &[Line] = &[
    (
        "This is really frustrating, I have been waiting for days.",
        -0.8,
    ),
    (
        "I still cannot use {app} and this is costing us money.",
        -0.85,
    ),
    ("Honestly, I expected better support than this.", -0.7),
    ("If this is not solved soon I will have to cancel.", -0.9),
];

pub(super) const AGENT_GREETINGS: &[Line] = &[
    ("Hi {first},", 0.1),
    ("Hello {first},", 0.1),
    ("Hi {first}, thanks for reaching out.", 0.3),
    ("Thanks for contacting us, {first}.", 0.3),
];

/// What an agent says when the team starts the conversation.
pub(super) const AGENT_OUTREACH: &[Line] = &[
    (
        "I am reaching out about your recent order {order}: it looks like the delivery is delayed.",
        -0.1,
    ),
    (
        "We noticed a failed payment on your {plan} subscription and wanted to help you sort it out.",
        0.0,
    ),
    (
        "I am following up on the issue you reported with {app} last week.",
        0.2,
    ),
];

pub(super) const AGENT_FOLLOW_UPS: &[Line] = &[
    (
        "Thanks for the details, I am checking this with our team now.",
        0.3,
    ),
    ("Could you send me a screenshot of what you see?", 0.1),
    (
        "I have escalated this to our specialists and will update you as soon as I hear back.",
        0.2,
    ),
    ("Sorry for the wait, {first}. I am still on it.", 0.1),
];

pub(super) const AGENT_CLOSINGS: &[Line] = &[
    ("Is there anything else I can help you with?", 0.4),
    (
        "I will close this conversation for now, just reply if you need anything else.",
        0.3,
    ),
    ("Have a great day!", 0.5),
];

pub(super) const AGENT_SIGNOFFS: &[&str] =
    &["Best regards,", "Kind regards,", "Cheers,", "Thanks,"];

pub(super) const ASSISTANT_LINES: &[Line] = &[
    (
        "Hi! I am the virtual assistant. I can help with orders, billing and account questions.",
        0.3,
    ),
    (
        "I found an article in our help center that might help. Did that answer your question?",
        0.2,
    ),
    (
        "Let me connect you with a member of our team, it usually takes a few minutes.",
        0.1,
    ),
];

/// Closing words before a signature in the ticket's original text ("Best, / Robert").
pub(super) const TICKET_CLOSINGS: &[&str] =
    &["Best,", "Thanks,", "Regards,", "Cheers,", "Thank you,"];

pub(super) const TICKET_SOURCES: &[&str] = &["email", "zendesk", "freshdesk", "web-form"];

pub(super) const ESCALATION_REASONS: &[&str] = &[
    "Customer threatened to cancel",
    "Needs investigation by engineering",
    "Refund above the agent limit",
    "Legal or compliance request",
    "Repeated contact about the same issue",
];

pub(super) const NOTES: &[&str] = &[
    "Customer is on the {plan} plan, renewal is coming up next month.",
    "Checked the payment logs: the charge went through on our side.",
    "Escalated to engineering, they are looking at the error logs.",
    "VIP customer from {org}, please keep response times short.",
    "Spoke to the customer by phone, they were happy with the proposed solution.",
    "Possible duplicate of an earlier conversation with the same customer.",
    "Waiting for the carrier's answer about order {order}.",
    "Do not offer another discount, one was already applied this quarter.",
];

pub(super) const POSITIVE_RATING_COMMENTS: &[&str] = &[
    "Quick and friendly help, thank you!",
    "{agent} was great, problem solved in minutes.",
    "Very helpful, thanks.",
];

pub(super) const NEGATIVE_RATING_COMMENTS: &[&str] = &[
    "Took far too long to get an answer.",
    "My problem is still not solved.",
    "I had to explain everything twice.",
];

/// What conversations in a language other than English say; each case belongs to a topic
/// of [`TOPICS`], which gives its tags and queue.
pub(super) struct Phrasebook {
    pub language: &'static str,
    pub cases: &'static [(usize, Case)],
    pub greetings: &'static [&'static str],
    pub follow_ups: &'static [Line],
    pub thanks: &'static [Line],
    pub frustration: &'static [Line],
    pub agent_greetings: &'static [Line],
    pub outreach: &'static [Line],
    pub agent_follow_ups: &'static [Line],
    pub closings: &'static [Line],
}

pub(super) const PHRASEBOOKS: &[Phrasebook] = &[
    Phrasebook {
        language: "de",
        cases: &[
            (
                SHIPPING_TOPIC,
                case(
                    "Bestellung {order} ist nicht angekommen",
                    (
                        "Meine Bestellung {order} ist immer noch nicht angekommen.",
                        -0.5,
                    ),
                    ("Ich brauche sie dringend bis Freitag.", -0.3),
                    (
                        "Vielen Dank für Ihre Nachricht. Ich habe beim Versanddienstleister nachgefragt.",
                        0.3,
                    ),
                    ("Ihr Paket liegt im Depot und wird morgen zugestellt.", 0.6),
                ),
            ),
            (
                LOGIN_TOPIC,
                case(
                    "Ich kann mich nicht einloggen",
                    (
                        "Ich kann mich seit gestern nicht mehr in mein Konto einloggen.",
                        -0.6,
                    ),
                    ("Die Fehlermeldung lautet: Passwort falsch.", -0.3),
                    ("Das tut mir leid. Welchen Browser verwenden Sie?", 0.1),
                    (
                        "Ich habe Ihr Konto entsperrt. Sie können sich jetzt wieder anmelden.",
                        0.6,
                    ),
                ),
            ),
            (
                BILLING_TOPIC,
                case(
                    "Rechnung für Bestellung {order}",
                    (
                        "Können Sie mir bitte die Rechnung für Bestellung {order} schicken?",
                        0.0,
                    ),
                    ("Wir brauchen sie für unsere Buchhaltung.", 0.0),
                    (
                        "Gerne! Bitte nennen Sie mir noch Ihre Umsatzsteuer-ID.",
                        0.3,
                    ),
                    ("Ich habe Ihnen die Rechnung per E-Mail geschickt.", 0.5),
                ),
            ),
        ],
        greetings: &["Hallo,", "Guten Tag,", "Hallo zusammen,"],
        follow_ups: &[
            (
                "Ich habe es noch einmal versucht, leider ohne Erfolg.",
                -0.4,
            ),
            ("Gibt es schon etwas Neues?", -0.3),
        ],
        thanks: &[
            ("Vielen Dank, jetzt funktioniert alles!", 0.9),
            ("Danke für die schnelle Hilfe.", 0.8),
        ],
        frustration: &[(
            "Das ist wirklich ärgerlich, ich warte schon seit Tagen.",
            -0.8,
        )],
        agent_greetings: &[("Hallo {first},", 0.1), ("Guten Tag {first},", 0.1)],
        outreach: &[("Wir melden uns wegen Ihrer Bestellung {order}.", 0.0)],
        agent_follow_ups: &[
            (
                "Ich bin noch dran und melde mich, sobald ich mehr weiß.",
                0.2,
            ),
            ("Können Sie mir bitte einen Screenshot schicken?", 0.1),
        ],
        closings: &[("Kann ich sonst noch etwas für Sie tun?", 0.4)],
    },
    Phrasebook {
        language: "fr",
        cases: &[
            (
                SHIPPING_TOPIC,
                case(
                    "Commande {order} non reçue",
                    ("Ma commande {order} n'est toujours pas arrivée.", -0.5),
                    ("J'en ai besoin avant vendredi.", -0.3),
                    (
                        "Merci pour votre message. J'ai contacté le transporteur.",
                        0.3,
                    ),
                    ("Votre colis est au dépôt et sera livré demain.", 0.6),
                ),
            ),
            (
                LOGIN_TOPIC,
                case(
                    "Impossible de me connecter",
                    (
                        "Je n'arrive plus à me connecter à mon compte depuis hier.",
                        -0.6,
                    ),
                    ("Le message dit que mon mot de passe est incorrect.", -0.3),
                    ("Je suis désolé. Quel navigateur utilisez-vous ?", 0.1),
                    (
                        "J'ai débloqué votre compte, vous pouvez vous reconnecter.",
                        0.6,
                    ),
                ),
            ),
            (
                BILLING_TOPIC,
                case(
                    "Facture de la commande {order}",
                    (
                        "Pourriez-vous m'envoyer la facture de la commande {order} ?",
                        0.0,
                    ),
                    ("C'est pour notre comptabilité.", 0.0),
                    (
                        "Avec plaisir ! Pouvez-vous me donner votre numéro de TVA ?",
                        0.3,
                    ),
                    ("Je vous ai envoyé la facture par e-mail.", 0.5),
                ),
            ),
        ],
        greetings: &["Bonjour,", "Bonsoir,", "Bonjour à toute l'équipe,"],
        follow_ups: &[
            ("J'ai réessayé, mais cela ne fonctionne toujours pas.", -0.4),
            ("Avez-vous des nouvelles ?", -0.3),
        ],
        thanks: &[
            ("Merci beaucoup, tout fonctionne maintenant !", 0.9),
            ("Merci pour votre aide rapide.", 0.8),
        ],
        frustration: &[(
            "C'est vraiment frustrant, j'attends depuis des jours.",
            -0.8,
        )],
        agent_greetings: &[("Bonjour {first},", 0.1)],
        outreach: &[(
            "Nous vous contactons au sujet de votre commande {order}.",
            0.0,
        )],
        agent_follow_ups: &[
            (
                "Je m'en occupe toujours et je reviens vers vous dès que possible.",
                0.2,
            ),
            ("Pourriez-vous m'envoyer une capture d'écran ?", 0.1),
        ],
        closings: &[("Puis-je vous aider pour autre chose ?", 0.4)],
    },
    Phrasebook {
        language: "es",
        cases: &[
            (
                SHIPPING_TOPIC,
                case(
                    "Pedido {order} no recibido",
                    ("Mi pedido {order} todavía no ha llegado.", -0.5),
                    ("Lo necesito antes del viernes.", -0.3),
                    (
                        "Gracias por su mensaje. He contactado con la empresa de transporte.",
                        0.3,
                    ),
                    ("Su paquete está en el almacén y se entregará mañana.", 0.6),
                ),
            ),
            (
                LOGIN_TOPIC,
                case(
                    "No puedo iniciar sesión",
                    ("No puedo iniciar sesión en mi cuenta desde ayer.", -0.6),
                    ("Dice que mi contraseña es incorrecta.", -0.3),
                    ("Lo siento. ¿Qué navegador utiliza?", 0.1),
                    ("He desbloqueado su cuenta, ya puede iniciar sesión.", 0.6),
                ),
            ),
            (
                BILLING_TOPIC,
                case(
                    "Factura del pedido {order}",
                    ("¿Me pueden enviar la factura del pedido {order}?", 0.0),
                    ("La necesitamos para contabilidad.", 0.0),
                    ("¡Claro! ¿Me indica su número de IVA?", 0.3),
                    ("Le he enviado la factura por correo electrónico.", 0.5),
                ),
            ),
        ],
        greetings: &["Hola,", "Buenos días,", "Hola equipo,"],
        follow_ups: &[
            ("Lo intenté de nuevo, pero sigue sin funcionar.", -0.4),
            ("¿Hay alguna novedad?", -0.3),
        ],
        thanks: &[
            ("¡Muchas gracias, ya funciona todo!", 0.9),
            ("Gracias por la ayuda tan rápida.", 0.8),
        ],
        frustration: &[("Es muy frustrante, llevo días esperando.", -0.8)],
        agent_greetings: &[("Hola {first},", 0.1)],
        outreach: &[("Le escribimos por su pedido {order}.", 0.0)],
        agent_follow_ups: &[
            (
                "Sigo trabajando en ello y le escribo en cuanto sepa más.",
                0.2,
            ),
            ("¿Podría enviarme una captura de pantalla?", 0.1),
        ],
        closings: &[("¿Puedo ayudarle con algo más?", 0.4)],
    },
];
