// A synthetic customer-support dataset, so that every command can be tried offline without API
// keys or third-party data. Nothing here is measured: the texts come from templates and the
// per-model outcomes come from a simple difficulty model. The generator is written so that a
// router has something real to find (difficulty is visible in the text) but cannot be perfect
// (a hidden per-query component and per-model noise are not visible in the text).

import type { DatasetRow, MetaValue, ModelInfo, ModelOutcome } from './dataset.js';
import { mulberry32 } from '../random.js';

export interface DemoDataset {
  description: string;
  models: ModelInfo[];
  defaultPair: { weak: string; strong: string };
  rows: DatasetRow[];
}

export interface DemoSupportOptions {
  seed?: number;
  n?: number;
}

export const DEMO_SUPPORT_DEFAULTS = { seed: 7, n: 2400 } as const;

export type DemoDifficulty = 'easy' | 'medium' | 'hard';
export type DemoChannel = 'email' | 'chat';

// ---------------------------------------------------------------------------------------------
// Randomness. Hand-written rather than a dependency because it is a few lines, and the bundled
// file must be reproducible from its seed; Math.random cannot be seeded. The normal draws use
// Math.log/Math.cos, which V8 implements itself (an fdlibm port) rather than calling the
// platform's libm, so they give the same bits on every machine.

interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  normal(mean: number, sd: number): number;
}

function seeded(seed: number): Rng {
  const next = mulberry32(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from no items');
      return items[Math.floor(next() * items.length)]!;
    },
    chance: (p) => next() < p,
    normal: (mean, sd) => {
      // Box-Muller; 1 - u keeps log() away from 0.
      const u = 1 - next();
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Models. Prices are in the range of real small / mid / frontier models so that cost reports on
// the demo look plausible, but the names make it impossible to mistake them for real models.

interface SimModel {
  id: string;
  inputPerMTok: number;
  outputPerMTok: number;
  /** Difficulty at which this model fails half the time; higher = more capable. */
  failMidpoint: number;
  /** Mean grade of a successful answer to a trivial ticket. Equal for all three models, so easy
   *  tickets mostly tie (the premise of routing); they differ in gradeSlope and failMidpoint. */
  topGrade: number;
  /** How fast the graded score of a successful answer drops with difficulty. */
  gradeSlope: number;
  /** Answer length relative to the medium model: bigger models explain more. */
  verbosity: number;
  /** Only the weak model reports a confidence: cascades ask the cheap model whether to escalate. */
  reportsConfidence: boolean;
  /** Time to first token and per output token, in ms. */
  firstTokenMs: number;
  perTokenMs: number;
}

const SIM_MODELS: readonly SimModel[] = [
  { id: 'sim-small', inputPerMTok: 0.15, outputPerMTok: 0.6, failMidpoint: 0.6, topGrade: 0.93, gradeSlope: 0.1, verbosity: 0.8, reportsConfidence: true, firstTokenMs: 220, perTokenMs: 7 },
  { id: 'sim-medium', inputPerMTok: 0.8, outputPerMTok: 4.0, failMidpoint: 0.75, topGrade: 0.93, gradeSlope: 0.08, verbosity: 1.0, reportsConfidence: false, firstTokenMs: 380, perTokenMs: 14 },
  { id: 'sim-large', inputPerMTok: 3.0, outputPerMTok: 15.0, failMidpoint: 0.98, topGrade: 0.93, gradeSlope: 0.06, verbosity: 1.15, reportsConfidence: false, firstTokenMs: 650, perTokenMs: 24 },
];

/** Tokens every call pays for the (unseen) support-agent system prompt. */
const SYSTEM_PROMPT_TOKENS = 150;
/** Steepness of the failure curve: how sharply each model goes from "fine" to "out of its depth". */
const FAIL_STEEPNESS = 8;
/** Spread of the part of difficulty that the text does not reveal; it is what keeps routing imperfect. */
const HIDDEN_DIFFICULTY_SD = 0.12;

// ---------------------------------------------------------------------------------------------
// Slot values. Names and products are invented; the company is a fictional shop ("Pinecrest")
// that also sells a SaaS back office with an API, which is what lets one dataset span
// "where is my parcel" to "why does your webhook signature fail".

const FIRST_NAMES = [
  'Maria', 'James', 'Aisha', 'Chen', 'Lukas', 'Sofia', 'Mateo', 'Priya', 'Olu', 'Hannah', 'Yuki', 'Omar',
  'Elena', 'Tom', 'Fatima', 'Jonas', 'Grace', 'Diego', 'Ingrid', 'Kwame', 'Leila', 'Pavel', 'Nina', 'Sam',
] as const;
const LAST_NAMES = [
  'Garcia', 'Smith', 'Okafor', 'Wang', 'Becker', 'Rossi', 'Fernandez', 'Patel', 'Adeyemi', 'Novak', 'Tanaka',
  'Haddad', 'Ivanova', 'Brennan', 'Lindqvist', 'Mensah', 'Dubois', 'Kowalski', 'Nguyen', 'Moreau',
] as const;
const EMAIL_DOMAINS = ['gmail.com', 'outlook.com', 'proton.me', 'yahoo.com', 'fastmail.com'] as const;
const COMPANIES = ['Northbeam Labs', 'Koru Logistics', 'Tidewater Health', 'Blue Fern Studio', 'Arcadia Retail', 'Helix Freight', 'Maple & Oak Legal', 'Quanta Print'] as const;
const PRODUCTS = [
  'Aurora desk lamp', 'TrailRunner 2 shoes', 'ceramic pour-over set', 'wool throw blanket', 'Nimbus backpack',
  'bamboo cutting board', 'Orbit wireless earbuds', 'standing desk frame', 'linen duvet cover', 'cast-iron skillet',
  'kids rain jacket', 'Lumen smart bulb 4-pack', 'espresso grinder', 'yoga mat', 'leather card wallet',
] as const;
const PLANS = ['Starter', 'Team', 'Business', 'Enterprise'] as const;
const ADDONS = ['Advanced Analytics', 'Priority Support', 'Audit Log', 'Data Residency'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;
const COUNTRIES = ['Canada', 'Germany', 'Australia', 'Brazil', 'Japan', 'Ireland', 'Mexico', 'Norway', 'South Africa', 'India'] as const;
const CITIES = ['Leeds', 'Austin', 'Lyon', 'Porto', 'Toronto', 'Melbourne', 'Denver', 'Rotterdam', 'Cork', 'Seattle'] as const;
const CARRIERS = ['UPS', 'DHL', 'FedEx', 'USPS', 'Royal Mail'] as const;
const LANGS = ['Node', 'Python', 'Go'] as const;
const ENDPOINTS = ['/v2/orders', '/v2/customers', '/v2/invoices', '/v2/inventory/items', '/v2/refunds', '/v2/subscriptions'] as const;
// Status and error code go together, as a real API returns them; a mismatched pair would be a
// tell-tale sign of generated text.
interface ApiError {
  status: string;
  code: string;
}
const AUTH_ERRORS: readonly ApiError[] = [
  { status: '401 Unauthorized', code: 'invalid_api_key' },
  { status: '401 Unauthorized', code: 'ERR_TOKEN_EXPIRED' },
  { status: '403 Forbidden', code: 'scope_missing: orders:write' },
];
const API_ERRORS: readonly ApiError[] = [
  ...AUTH_ERRORS,
  { status: '409 Conflict', code: 'idempotency_key_reused' },
  { status: '422 Unprocessable Entity', code: 'E1042 cursor_invalid' },
  { status: '429 Too Many Requests', code: 'rate_limit_exceeded' },
  { status: '500 Internal Server Error', code: 'internal_error' },
  { status: '502 Bad Gateway', code: 'upstream_timeout' },
];
const SIGNATURE_ERRORS = ['ERR_SIGNATURE_MISMATCH', 'signature_timestamp_out_of_tolerance', 'No signatures found matching the expected signature for payload'] as const;
const BIG_SEAT_COUNTS = [150, 250, 400, 800, 1200] as const;
const WEBHOOK_EVENTS = ['order.created', 'order.updated', 'refund.succeeded', 'invoice.paid', 'subscription.renewed', 'inventory.low'] as const;

type Lang = (typeof LANGS)[number];

interface Slots {
  first: string;
  last: string;
  email: string;
  newEmail: string;
  company: string;
  order: string;
  order2: string;
  tracking: string;
  product: string;
  product2: string;
  plan: string;
  planTo: string;
  addon: string;
  seats: number;
  amount: string;
  amount2: string;
  pct: number;
  days: number;
  years: number;
  inv1: string;
  inv2: string;
  inv3: string;
  date: string;
  date2: string;
  month: string;
  year: number;
  country: string;
  city: string;
  carrier: string;
  lang: Lang;
  sdkVersion: string;
  endpoint: string;
  apiError: ApiError;
  authError: ApiError;
  signatureError: string;
  bigSeats: number;
  event: string;
  line: number;
}

function money(rng: Rng, min: number, max: number): string {
  const cents = rng.int(min * 100, max * 100);
  // Thousands separators by hand: toLocaleString depends on the ICU build.
  const dollars = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+$)/g, ',');
  return `$${dollars}.${String(cents % 100).padStart(2, '0')}`;
}

/** "a lamp", "an espresso grinder". */
function a(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function dateText(rng: Rng): string {
  return `${rng.pick(MONTHS)} ${rng.int(1, 28)}`;
}

/** Two distinct items, for "downgraded from X to Y" and similar. */
function pickTwo<T>(rng: Rng, items: readonly T[]): [T, T] {
  const a = rng.pick(items);
  let b = rng.pick(items);
  while (b === a) b = rng.pick(items);
  return [a, b];
}

function makeSlots(rng: Rng): Slots {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  // plan is always the cheaper of the two, so "downgrade from planTo to plan" reads right.
  const [planA, planB] = pickTwo(rng, PLANS);
  const [plan, planTo] = PLANS.indexOf(planA) < PLANS.indexOf(planB) ? [planA, planB] : [planB, planA];
  const [product, product2] = pickTwo(rng, PRODUCTS);
  const invYear = rng.int(2023, 2025);
  const invBase = rng.int(100, 9800);
  const year = rng.int(2019, 2023);
  return {
    first,
    last,
    email: `${first.toLowerCase()}.${last.toLowerCase()}@${rng.pick(EMAIL_DOMAINS)}`,
    newEmail: `${first.toLowerCase()}${rng.int(1, 99)}@${rng.pick(EMAIL_DOMAINS)}`,
    company: rng.pick(COMPANIES),
    order: `PC-${rng.int(1000000, 9999999)}`,
    order2: `PC-${rng.int(1000000, 9999999)}`,
    tracking: `1Z${rng.int(100000, 999999)}${rng.int(1000, 9999)}`,
    product,
    product2,
    plan,
    planTo,
    addon: rng.pick(ADDONS),
    seats: rng.pick([5, 8, 12, 20, 25, 40, 60, 150, 300]),
    amount: money(rng, 19, 2400),
    amount2: money(rng, 19, 2400),
    pct: rng.pick([12, 18, 22, 25, 30, 35, 40]),
    days: rng.int(33, 75),
    years: rng.int(2, 9),
    inv1: `INV-${invYear}-${String(invBase).padStart(5, '0')}`,
    inv2: `INV-${invYear}-${String(invBase + rng.int(40, 90)).padStart(5, '0')}`,
    inv3: `INV-${invYear}-${String(invBase + rng.int(100, 190)).padStart(5, '0')}`,
    date: dateText(rng),
    date2: dateText(rng),
    month: rng.pick(MONTHS),
    year,
    country: rng.pick(COUNTRIES),
    city: rng.pick(CITIES),
    carrier: rng.pick(CARRIERS),
    lang: rng.pick(LANGS),
    sdkVersion: `${rng.int(2, 4)}.${rng.int(0, 12)}.${rng.int(0, 9)}`,
    endpoint: rng.pick(ENDPOINTS),
    apiError: rng.pick(API_ERRORS),
    authError: rng.pick(AUTH_ERRORS),
    signatureError: rng.pick(SIGNATURE_ERRORS),
    bigSeats: rng.pick(BIG_SEAT_COUNTS),
    event: rng.pick(WEBHOOK_EVENTS),
    line: rng.int(12, 240),
  };
}

// Real tickets about API failures paste the trace; including one makes those queries long and
// full of tokens that only technical categories have, which is part of the signal.
function stackTrace(s: Slots, error: ApiError): string {
  switch (s.lang) {
    case 'Node':
      return [
        `Error: Request failed with status code ${error.status.split(' ')[0]} (${error.code})`,
        `    at PinecrestClient.request (node_modules/@pinecrest/sdk/dist/client.js:${s.line}:11)`,
        `    at async syncOrders (src/jobs/sync-orders.ts:42:18)`,
      ].join('\n');
    case 'Python':
      return [
        'Traceback (most recent call last):',
        `  File "sync_orders.py", line ${s.line}, in run`,
        `    page = client.get("${s.endpoint}", cursor=cursor)`,
        `pinecrest.errors.ApiError: ${error.status}: ${error.code}`,
      ].join('\n');
    case 'Go':
      return [
        `panic: pinecrest: ${error.status}: ${error.code}`,
        'goroutine 1 [running]:',
        `main.syncOrders(...)\n\t/app/cmd/sync/main.go:${s.line} +0x1a4`,
      ].join('\n');
  }
}

function signatureSnippet(s: Slots): string {
  return s.lang === 'Python'
    ? 'expected = hmac.new(secret.encode(), request.data, hashlib.sha256).hexdigest()\nif not hmac.compare_digest(expected, request.headers["Pinecrest-Signature"]): abort(400)'
    : "const expected = crypto.createHmac('sha256', secret).update(JSON.stringify(req.body)).digest('hex');\nif (expected !== req.headers['pinecrest-signature']) return res.status(400).end();";
}

// ---------------------------------------------------------------------------------------------
// Categories. Each has a base difficulty; a core request (some cores harder than others); and
// complications, each of which makes the ticket harder and longer. Difficulty therefore shows in
// the words, the category and the length, as it does in real support queues.

interface Piece {
  text: (s: Slots) => string;
  /** Added to the category's base difficulty. */
  d: number;
}

const p = (text: (s: Slots) => string, d = 0): Piece => ({ text, d });

interface Category {
  id: string;
  /** Share of the queue; support traffic is dominated by easy tickets. */
  weight: number;
  base: number;
  cores: Piece[];
  complications: Piece[];
}

const CATEGORIES: readonly Category[] = [
  {
    id: 'order-status',
    weight: 0.15,
    base: 0.1,
    cores: [
      p((s) => `Where is my order ${s.order}? I placed it on ${s.date} and it still says processing.`),
      p((s) => `Can you tell me the status of order ${s.order}?`),
      p((s) => `My order ${s.order} (${s.product}) hasn't arrived yet. Any update?`),
      p((s) => `I ordered ${a(s.product)} on ${s.date}. Has it shipped yet? Order number ${s.order}.`),
      p((s) => `When will order ${s.order} be delivered?`),
      p((s) => `Tracking number ${s.tracking} hasn't updated since ${s.date}. Is my parcel lost?`, 0.08),
    ],
    complications: [
      p(() => `The tracking page says delivered but nothing is at my door, and my neighbours didn't get it either.`, 0.2),
      p((s) => `It's a gift for ${s.date2}, so if it won't make it I need to know whether I can cancel and buy it in a store instead.`, 0.14),
      p((s) => `I also moved last week, so the address on the order is wrong now. Can you redirect it with ${s.carrier}?`, 0.18),
      p((s) => `Part of the order (the ${s.product2}) arrived but the rest didn't, and I was charged for everything.`, 0.2),
    ],
  },
  {
    id: 'password-reset',
    weight: 0.12,
    base: 0.07,
    cores: [
      p(() => `I forgot my password, how do I reset it?`),
      p((s) => `The password reset email never arrives. My login is ${s.email}.`),
      p(() => `How do I change my password?`),
      p((s) => `I'm locked out after too many login attempts. Can you unlock ${s.email}?`),
      p(() => `The reset link says it has expired. Can you send me a new one?`),
    ],
    complications: [
      p(() => `I also no longer have the phone I used for two-factor authentication.`, 0.25),
      p((s) => `Our company (${s.company}) uses SSO through Okta and I think my account was created as a local one by mistake.`, 0.3),
      p(() => `The account email is an old work address I can't access anymore.`, 0.22),
    ],
  },
  {
    id: 'shipping-times',
    weight: 0.11,
    base: 0.08,
    cores: [
      p((s) => `How long does shipping to ${s.country} usually take?`),
      p((s) => `Do you offer express delivery? I need ${a(s.product)} by ${s.date}.`),
      p(() => `What are your shipping times for standard delivery?`),
      p((s) => `Do you ship to ${s.country}, and how much does it cost?`),
      p((s) => `If I order today, when will it arrive in ${s.city}?`),
      p(() => `What are your customer support opening hours on weekends?`, -0.03),
    ],
    complications: [
      p((s) => `I'd need it shipped to a P.O. box. Is that possible with ${s.carrier}?`, 0.1),
      p(() => `Will I have to pay import duties on top, and who handles customs?`, 0.16),
      p((s) => `It's a business order of ${s.seats} units, so would freight shipping change the timeline?`, 0.18),
    ],
  },
  {
    id: 'change-email',
    weight: 0.09,
    base: 0.12,
    cores: [
      p((s) => `How do I change the email on my account from ${s.email} to ${s.newEmail}?`),
      p((s) => `Please update my account email to ${s.newEmail}.`),
      p(() => `I want to use a different email address for receipts.`),
      p((s) => `Can I change my login email? The old one is ${s.email}.`),
    ],
    complications: [
      p((s) => `The old address is the owner of our whole team workspace, so I'm worried the other ${s.seats} members will lose access.`, 0.22),
      p(() => `Invoices for the last few months went to the old address and our accounting needs copies.`, 0.12),
      p(() => `The new address is already attached to a separate trial account I made by mistake. Can the two be merged?`, 0.28),
    ],
  },
  {
    id: 'plan-change',
    weight: 0.1,
    base: 0.36,
    cores: [
      p((s) => `I'd like to upgrade from ${s.plan} to ${s.planTo}. Will I be charged the full price today or is it prorated?`),
      p((s) => `How do I downgrade from ${s.planTo} to ${s.plan} at the end of my billing cycle?`, -0.06),
      p((s) => `We need ${s.seats} more seats on our ${s.plan} plan. What happens to our bill?`),
      p((s) => `Can I switch from monthly to annual billing on the ${s.plan} plan and keep my current discount?`, 0.04),
    ],
    complications: [
      p((s) => `We're on a legacy price from ${s.year} and I don't want to lose it by changing.`, 0.15),
      p((s) => `Some features we use today (audit logs, SAML) might not exist on ${s.plan}. What happens to that data?`, 0.2),
      p(() => `Our procurement team needs a quote in EUR with our VAT ID before anything changes.`, 0.14),
    ],
  },
  {
    id: 'return-request',
    weight: 0.11,
    base: 0.32,
    cores: [
      p((s) => `I'd like to return the ${s.product} from order ${s.order}. How do I do that?`, -0.06),
      p((s) => `The ${s.product} I received is the wrong size. Can I exchange it?`),
      p((s) => `How do I get a return label for order ${s.order}?`, -0.08),
      p((s) => `The ${s.product} arrived damaged. What are my options?`, 0.04),
    ],
    complications: [
      p((s) => `It's been ${s.days} days since delivery, so a bit over your 30-day window.`, 0.2),
      p(() => `I paid partly with a gift card and partly by credit card, so I'm not sure how the refund gets split.`, 0.18),
      p(() => `I threw away the original packaging.`, 0.08),
    ],
  },
  {
    id: 'billing-dispute',
    weight: 0.06,
    base: 0.7,
    cores: [
      p((s) => `I'm disputing charges on invoices ${s.inv1}, ${s.inv2} and ${s.inv3}. We downgraded to ${s.plan} on ${s.date}, but we were billed for ${s.planTo} for three more cycles, and ${s.inv2} also shows ${s.seats} seats although we removed most users. Please itemise what we were charged for and refund the difference.`),
      p((s) => `Our card was charged ${s.amount} on ${s.date} and again ${s.amount2} on ${s.date2}. Looking at ${s.inv1} and ${s.inv2}, the proration credit from our mid-cycle downgrade seems to have been applied twice on one and not at all on the other. Can you reconcile the two?`),
      p((s) => `Finance flagged that our last three invoices (${s.inv1}, ${s.inv2}, ${s.inv3}) don't match our contract: sales tax was charged although we provided a valid VAT ID, and overage fees appear for months when we were under our quota.`, 0.04),
    ],
    complications: [
      p(() => `Our bank has already opened a chargeback on one of them, and I don't want the account suspended while that's pending.`, 0.12),
      p(() => `We also need corrected invoices reissued for our auditors, referencing the original invoice numbers.`, 0.08),
      p(() => `One of the invoices was paid in EUR and the others in USD, so please explain the exchange rate you used.`, 0.1),
    ],
  },
  {
    id: 'api-error',
    weight: 0.06,
    base: 0.72,
    cores: [
      p((s) => `Our integration started failing on ${s.date} with ${s.apiError.status} from ${s.endpoint}. Nothing changed on our side. Stack trace:\n${stackTrace(s, s.apiError)}\nWe're on the ${s.lang} SDK ${s.sdkVersion}. What's wrong?`),
      p((s) => `Calling ${s.endpoint} with the ${s.lang} SDK returns ${s.apiError.code} intermittently, roughly 1 in 20 requests. Retrying with the same idempotency key sometimes creates duplicate records.\n${stackTrace(s, s.apiError)}`, 0.06),
      p((s) => `After rotating our API key, requests to ${s.endpoint} fail with ${s.authError.status} but only from our production cluster; staging works.\n${stackTrace(s, s.authError)}\nDo you cache keys on your side?`),
    ],
    complications: [
      p(() => `We paginate with the cursor from the previous response and occasionally get the same page twice.`, 0.1),
      p(() => `This runs behind a corporate proxy that re-signs TLS, in case that matters.`, 0.12),
      p((s) => `We need a fix before our release on ${s.date2}.`, 0.03),
    ],
  },
  {
    id: 'gdpr-request',
    weight: 0.04,
    base: 0.66,
    cores: [
      p((s) => `Under Article 15 GDPR I request a copy of all personal data you hold about me (${s.email}), including data you received from third parties, the purposes of processing, and how long you keep it.`, -0.06),
      p(() => `I want my account and all associated data deleted under Article 17. I understand you may need to keep invoices for tax purposes, so please specify exactly what you will keep, on what legal basis, and for how long.`),
      p((s) => `We are a ${s.plan} customer and act as data controller; you are our processor. One of our end users has requested erasure. How do we propagate that to your backups and sub-processors, and can you confirm completion within the one-month deadline?`, 0.08),
    ],
    complications: [
      p(() => `I also object to processing for marketing and profiling under Article 21.`, 0.1),
      p(() => `Please also tell me whether my data was transferred outside the EEA and under which safeguards (SCCs?).`, 0.12),
      p(() => `My lawyer is copied on this message.`, 0.06),
      p((s) => `Our DPA with you was signed in ${s.year} and refers to a sub-processor list that has changed since.`, 0.14),
    ],
  },
  {
    id: 'refund-exception',
    weight: 0.06,
    base: 0.6,
    cores: [
      p((s) => `I know your policy says no refunds after 30 days, but I was charged ${s.amount} for the annual ${s.planTo} plan on ${s.date} while I was in hospital and haven't used it once. Can an exception be made, or at least a partial refund for the unused months?`),
      p((s) => `I returned the ${s.product} (order ${s.order}) weeks ago and the carrier confirms delivery to your warehouse, but I was only refunded half the amount, the gift card portion hasn't been restored, and the replacement you sent is also defective.`, 0.08),
      p((s) => `We cancelled on ${s.date} but the auto-renewal of ${s.amount} went through the same day. Your agent promised a refund by email, but it was never processed and now the ticket is closed.`),
    ],
    complications: [
      p(() => `I'd prefer a refund to the original card rather than store credit, but that card has since been replaced.`, 0.1),
      p(() => `If this can't be resolved I'll have to file a chargeback, which I'd rather avoid.`, 0.08),
      p((s) => `The order was split across two shipments (the second is ${s.order2}) and only one was returned.`, 0.12),
    ],
  },
  {
    id: 'webhook-debugging',
    weight: 0.04,
    base: 0.76,
    cores: [
      p((s) => `Our webhook endpoint for ${s.event} stopped receiving events on ${s.date}. Your dashboard shows the deliveries as succeeded with a 200, but our logs show nothing. We verify the signature with the secret from settings:\n${signatureSnippet(s)}\nCould the signature format have changed?`),
      p((s) => `We get ${s.event} webhooks out of order (order.updated arrives before order.created about 5% of the time) and some are delivered two or three times. How should we make our handler idempotent, and do you guarantee ordering?`),
      p((s) => `Signature verification fails for every webhook since we moved behind a load balancer; the body seems to be re-encoded on the way. Error: ${s.signatureError}.`, -0.04),
    ],
    complications: [
      p(() => `Our endpoint sometimes takes 12 seconds to respond because it does the processing inline.`, 0.1),
      p((s) => `Retries from your side seem to stop after 3 attempts, so we've lost some ${s.event} events. Can they be replayed?`, 0.12),
    ],
  },
  {
    id: 'contract-negotiation',
    weight: 0.06,
    base: 0.68,
    cores: [
      p((s) => `We're evaluating an enterprise agreement for ${s.bigSeats} seats at ${s.company}. Our legal team has redlines on the liability cap and the auto-renewal clause, and we'd need a 3-year price lock with a ramp (40% of seats in year one). Who should we talk to, and what discount is realistic?`),
      p((s) => `Our renewal is on ${s.date} and the quote went up ${s.pct}% compared to last year. A competitor offered a lower price. Before we decide, can you explain the increase and whether there's room to match it, given we also want to add ${s.addon}?`, -0.04),
      p((s) => `We need an MSA amendment: EU data residency, a 99.95% uptime SLA with service credits, and termination for convenience. Is this possible on the ${s.planTo} plan or only on a custom contract?`, 0.04),
    ],
    complications: [
      p((s) => `Our fiscal year ends in ${s.month}, so the timing of invoicing matters a lot to us.`, 0.08),
      p((s) => `We'd also want to co-term the ${s.seats}-seat subsidiary account that's currently on a separate contract.`, 0.12),
    ],
  },
];

// Sentences that add length without adding difficulty, so that length alone is not a perfect
// proxy for difficulty. Some only make sense before the request, some only after.
interface Filler {
  text: (s: Slots) => string;
  at: 'start' | 'end' | 'either';
}
const FILLERS: readonly Filler[] = [
  { text: (s) => `I've been a customer for ${s.years} years.`, at: 'either' },
  { text: () => `This is the second time I'm writing about this.`, at: 'start' },
  { text: () => `Sorry if this is the wrong place to ask.`, at: 'start' },
  { text: () => `I'm writing from my phone, sorry for any typos.`, at: 'start' },
  { text: () => `I tried the help center but couldn't find an answer.`, at: 'either' },
  { text: () => `Any help is appreciated.`, at: 'end' },
  { text: () => `Thanks in advance!`, at: 'end' },
];
const GREETINGS: readonly ((s: Slots) => string)[] = [() => 'Hi,', () => 'Hello support team,', () => 'Dear Sir or Madam,', () => 'Hi there,', () => 'Good morning,'];
const SIGN_OFFS: readonly ((s: Slots) => string)[] = [
  (s) => `Thanks,\n${s.first}`,
  (s) => `Best regards,\n${s.first} ${s.last}`,
  (s) => `Kind regards,\n${s.first} ${s.last}\n${s.company}`,
  (s) => `Cheers,\n${s.first}`,
];

// ---------------------------------------------------------------------------------------------
// Generation.

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
// Rounding by multiplying then dividing gives exact decimals (0.7, not 0.7000000000000001).
const roundTo = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

function pickCategory(rng: Rng): Category {
  const total = CATEGORIES.reduce((sum, c) => sum + c.weight, 0);
  let u = rng.next() * total;
  for (const c of CATEGORIES) {
    u -= c.weight;
    if (u < 0) return c;
  }
  // Rounding can leave u a hair above 0 after the last weight: that is the last category.
  return CATEGORIES[CATEGORIES.length - 1]!;
}

/** k distinct items, in random order. */
function sample<T>(rng: Rng, items: readonly T[], k: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < k && pool.length > 0) out.push(pool.splice(Math.floor(rng.next() * pool.length), 1)[0]!);
  return out;
}

function difficultyLabel(d: number): DemoDifficulty {
  return d < 0.33 ? 'easy' : d < 0.6 ? 'medium' : 'hard';
}

interface Ticket {
  query: string;
  category: string;
  channel: DemoChannel;
  /** The difficulty a reader of the text could infer: category, core request, complications. */
  visibleDifficulty: number;
}

function makeTicket(rng: Rng): Ticket {
  const category = pickCategory(rng);
  const s = makeSlots(rng);
  const core = rng.pick(category.cores);
  const nComplications = rng.pick([0, 0, 0, 1, 1, 2]);
  const complications = sample(rng, category.complications, nComplications);
  // Long, technical or legal matters tend to arrive by email; quick questions by chat.
  const channel: DemoChannel = rng.chance(0.25 + 0.55 * category.base) ? 'email' : 'chat';
  const fillers = sample(rng, FILLERS, rng.pick(channel === 'email' ? [0, 1, 1, 2] : [0, 0, 0, 1]));

  const sentences = [core.text(s), ...complications.map((c) => c.text(s))];
  for (const f of fillers) {
    const atStart = f.at === 'start' || (f.at === 'either' && rng.chance(0.5));
    if (atStart) sentences.unshift(f.text(s));
    else sentences.push(f.text(s));
  }
  let body = sentences.join(' ');
  let query: string;
  if (channel === 'email') {
    query = `${rng.pick(GREETINGS)(s)}\n\n${body}\n\n${rng.pick(SIGN_OFFS)(s)}`;
  } else {
    // Chat messages are terser and often lowercase.
    if (rng.chance(0.35)) body = body.charAt(0).toLowerCase() + body.slice(1);
    query = rng.chance(0.3) ? `hi, ${body}` : body;
  }

  const visibleDifficulty = clamp01(
    category.base + core.d + complications.reduce((sum, c) => sum + c.d, 0) + rng.normal(0, 0.04),
  );
  return { query, category: category.id, channel, visibleDifficulty };
}

function simulateOutcome(
  rng: Rng,
  model: SimModel,
  ticket: Ticket,
  trueDifficulty: number,
  judgeHarshness: number,
  inputTokens: number,
): ModelOutcome {
  // Each model either handles the ticket or is out of its depth; a judge grades the first kind
  // high (a little lower as tickets get harder) and the second kind low. Two modes rather than
  // one smooth score so that "strong wins" mostly means "weak failed", not grading noise.
  const pFail = sigmoid(FAIL_STEEPNESS * (trueDifficulty - model.failMidpoint));
  const failed = rng.chance(pFail);
  const grade = failed
    ? rng.normal(0.3, 0.12)
    : judgeHarshness + rng.normal(model.topGrade - model.gradeSlope * trueDifficulty, 0.015);
  // A 1-10 judge grade normalised to [0,1].
  const quality = roundTo(clamp01(grade), 1);

  const expectedOutput = (70 + 380 * ticket.visibleDifficulty) * model.verbosity;
  const outputTokens = Math.max(20, Math.round(expectedOutput * Math.exp(rng.normal(0, 0.25))));
  const cost = roundTo((inputTokens * model.inputPerMTok + outputTokens * model.outputPerMTok) / 1e6, 8);
  const latencyMs = Math.round(
    (model.firstTokenMs + 0.05 * inputTokens + model.perTokenMs * outputTokens) * Math.exp(rng.normal(0, 0.15)),
  );
  const outcome: ModelOutcome = { quality, inputTokens, outputTokens, cost, latencyMs };

  if (model.reportsConfidence) {
    // Confidence tracks how likely the model is to be out of its depth (so it falls on hard
    // tickets) but knows only a little about whether this particular answer failed: useful for a
    // cascade, yet far from an oracle.
    const confidence = 0.93 - 0.55 * pFail + (failed ? -0.08 : 0.03) + rng.normal(0, 0.1);
    outcome.confidence = roundTo(clamp01(confidence), 2);
  }
  return outcome;
}

function descriptionFor(seed: number, n: number): string {
  return (
    `Synthetic customer-support queries for a fictional shop and SaaS company, ${n} rows, generated by ` +
    `src/data/demo-support.ts (generateDemoSupport, seed ${seed}) from templates with slot filling. ` +
    `sim-small, sim-medium and sim-large are not real models: their qualities (1-10 judge grades normalised ` +
    `to [0,1]), token counts, costs, latencies and confidences are simulated from a difficulty model, not ` +
    `measured from any model's answers. Use it to try the toolkit offline, not to draw conclusions about real models.`
  );
}

export function generateDemoSupport(options: DemoSupportOptions = {}): DemoDataset {
  const seed = options.seed ?? DEMO_SUPPORT_DEFAULTS.seed;
  const n = options.n ?? DEMO_SUPPORT_DEFAULTS.n;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);

  const rng = seeded(seed);
  const rows: DatasetRow[] = [];
  // Rows are drawn one after another from one stream, so a smaller n gives a prefix of a larger n.
  for (let i = 0; i < n; i++) {
    const ticket = makeTicket(rng);
    // The part of difficulty no text feature can see (an ambiguous ask, a rare edge case);
    // shared by all models, so they tend to fail on the same tickets.
    const trueDifficulty = ticket.visibleDifficulty + rng.normal(0, HIDDEN_DIFFICULTY_SD);
    // A judge grading one ticket tends to be equally strict with every answer to it; sharing
    // this term makes good answers tie often, as they do with 1-10 grades.
    const judgeHarshness = rng.normal(0, 0.07);
    const inputTokens = SYSTEM_PROMPT_TOKENS + Math.ceil(ticket.query.length / 4);
    const models: Record<string, ModelOutcome> = {};
    for (const m of SIM_MODELS) models[m.id] = simulateOutcome(rng, m, ticket, trueDifficulty, judgeHarshness, inputTokens);
    const meta: Record<string, MetaValue> = {
      category: ticket.category,
      difficulty: difficultyLabel(ticket.visibleDifficulty),
      channel: ticket.channel,
    };
    rows.push({ id: `sup-${String(i + 1).padStart(5, '0')}`, query: ticket.query, models, meta });
  }

  return {
    description: descriptionFor(seed, n),
    models: SIM_MODELS.map((m) => ({ id: m.id, price: { inputPerMTok: m.inputPerMTok, outputPerMTok: m.outputPerMTok } })),
    defaultPair: { weak: 'sim-small', strong: 'sim-large' },
    rows,
  };
}
