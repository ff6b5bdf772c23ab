/**
 * Shedding load early and cheaply when the process is saturated. Under a flood every request
 * queues behind the others, and a person in the middle of a reset waits as long as the flood's
 * first steps; answering the excess at once with a plain "busy" page keeps the work the process
 * accepts within what it can do. The check runs before the session, the body and any database or
 * directory work, so a shed request costs little, and its answer is the same page for everyone
 * (no name is read: nothing to enumerate).
 *
 * What is shed: only while the process is under pressure, and only fresh requests from an
 * address that already made its allowance of them in the last minute or two. Fresh is every
 * request but the later steps of a flow already started (a path below a flow's page, such as
 * /reset/answer, with a flow cookie the portal signed): those are what a real person is in the
 * middle of, and the flows' failure limits bound them. A first step (/reset, /unlock, a sign-in)
 * is fresh even with a flow cookie, so keeping the cookie gets a flood nothing. A person starting
 * a reset makes two fresh requests (the form, then the name); a flood from thousands of addresses
 * makes that many per address over and over, and all beyond the allowance are shed. While busy,
 * fresh requests within their allowance are also shed once as many of them are being answered as
 * the process answered in the last two seconds (at least MIN_FRESH_IN_FLIGHT, at most
 * MAX_FRESH_IN_FLIGHT): a flood from more new addresses than the process can serve then waits in
 * no queue (what is admitted is answered within about two seconds, however fast or slow the
 * machine), and the person who arrives after the flood's addresses have been seen finds room.
 * Static files and the operators' endpoints are never shed.
 */
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './page-kit.ts';

/** Whether the process is saturated now. */
export interface Pressure {
  busy(): boolean;
  stop(): void;
}

/** The limits past which the process counts as saturated, over each sample. */
export interface PressureLimits {
  /** Mean event-loop delay, beyond the monitor's resolution. */
  maxDelayMs: number;
  /** Share of the sample the event loop was busy (0..1). */
  maxUtilization: number;
  sampleMs: number;
  /**
   * How long the pressure lasts after the last saturated sample. Shedding brings the load down
   * at once; without a hold the next sample would end the pressure, the flood would pour in
   * again for a whole sample, and the queue it leaves would delay everyone for seconds. A minute:
   * with 10 s, each lapse let a flood's known addresses in wholesale, the requests in flight
   * jumped past their bound, and a person arriving just after met the busy page (about half of
   * the minute-long floods of bench/flood-journey.ts had journeys fail; none with a minute).
   */
  holdMs: number;
}

export const DEFAULT_PRESSURE_LIMITS: PressureLimits = { maxDelayMs: 100, maxUtilization: 0.95, sampleMs: 500, holdMs: 60_000 };

const RESOLUTION_MS = 10;

/** Samples this process's event loop; busy while the last sample passed a limit. */
export function eventLoopPressure(limits: PressureLimits = DEFAULT_PRESSURE_LIMITS): Pressure {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let saturatedAt = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const meanDelayMs = Number.isNaN(delay.mean) ? 0 : delay.mean / 1e6 - RESOLUTION_MS;
    delay.reset();
    if (meanDelayMs > limits.maxDelayMs || utilization > limits.maxUtilization) saturatedAt = performance.now();
  }, limits.sampleMs);
  timer.unref();
  return {
    busy: () => performance.now() - saturatedAt < limits.holdMs,
    stop() {
      clearInterval(timer);
      delay.disable();
    },
  };
}

/** How many requests without a flow an address makes, counted over the last one to two windows. */
export class RecentRequests {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private rotatedAt: number;

  constructor(
    private readonly windowMs: number,
    /** Addresses kept per window; beyond it the window turns early, so memory stays bounded. */
    private readonly maxAddresses: number,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.rotatedAt = now();
  }

  /** Counts one request from `address`; returns its count, this one included. */
  count(address: string): number {
    const at = this.now();
    if (at - this.rotatedAt >= this.windowMs || this.current.size >= this.maxAddresses) {
      this.previous = at - this.rotatedAt >= 2 * this.windowMs ? new Map() : this.current;
      this.current = new Map();
      this.rotatedAt = at;
    }
    const mine = (this.current.get(address) ?? 0) + 1;
    this.current.set(address, mine);
    return mine + (this.previous.get(address) ?? 0);
  }
}

/** Never shed: the hashed static files and the operators' endpoints. */
const NEVER_SHED = /^\/(static\/|healthz$|readyz$|metrics$)/;
/** A later step of a flow: a path below a page, such as /reset/answer (not /reset itself). */
const LATER_STEP = /^\/[^/?]+\/[^?]/;
/** Requests without a flow an address may make while the process is busy: a form and its first step. */
export const FRESH_ALLOWANCE = 2;
const WINDOW_MS = 60_000;
/** Addresses counted per window: about 5 MB each for the two windows kept; a flood from more turns the window early (the in-flight bound still holds). */
const MAX_ADDRESSES = 50_000;
/**
 * While busy, fresh requests being answered at once are bounded by how many the process answered
 * in the last IN_FLIGHT_SECONDS: room for the uniform delay's wait (0.4–0.9 s by default) and
 * about a second of work, so an admitted request is answered within about two seconds.
 */
export const IN_FLIGHT_SECONDS = 2;
/** The bound's floor, for a process that has hardly answered anything yet, and its ceiling. */
export const MIN_FRESH_IN_FLIGHT = 16;
export const MAX_FRESH_IN_FLIGHT = 256;

/** How many requests were answered in the last whole second. */
export class AnswerRate {
  private second = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  answered(): void {
    this.turn();
    this.current += 1;
  }

  lastSecond(): number {
    this.turn();
    return this.previous;
  }

  private turn(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.second) return;
    this.previous = second === this.second + 1 ? this.current : 0;
    this.current = 0;
    this.second = second;
  }
}
/** What the busy page asks browsers and clients to wait, in seconds. */
export const RETRY_AFTER_SECONDS = 60;

export interface SheddingOptions {
  pressure: Pressure;
  /** Whether the request carries a flow cookie the portal signed. */
  inFlow(request: FastifyRequest): boolean;
  /** The busy page's HTML, the same for everyone. */
  page(): Promise<string>;
  now?: () => number;
}

/** An onRequest hook answering 503 with the busy page when the request is to be shed. */
export function sheddingGuard({ pressure, inFlow, page, now }: SheddingOptions) {
  const recent = new RecentRequests(WINDOW_MS, MAX_ADDRESSES, now);
  const rate = new AnswerRate(now);
  const inFlightBound = () => Math.min(MAX_FRESH_IN_FLIGHT, Math.max(MIN_FRESH_IN_FLIGHT, rate.lastSecond() * IN_FLIGHT_SECONDS));
  let html: Promise<string> | undefined;
  let freshInFlight = 0;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (NEVER_SHED.test(request.url) || (LATER_STEP.test(request.url) && inFlow(request))) return;
    // Counted whether busy or not, so that a flood is known by the time the pressure shows.
    const made = recent.count(request.ip);
    if (!pressure.busy() || (made <= FRESH_ALLOWANCE && freshInFlight < inFlightBound())) {
      freshInFlight += 1;
      reply.raw.once('close', () => {
        freshInFlight -= 1;
        rate.answered();
      });
      return;
    }
    // Rendered once: the same bytes for every shed request (a failed render is tried again).
    html ??= page().catch((error: unknown) => {
      html = undefined;
      throw error;
    });
    return reply
      .code(503)
      .header('retry-after', String(RETRY_AFTER_SECONDS))
      .type('text/html; charset=utf-8')
      .send(await html);
  };
}

/**
 * Sheds `app`'s pages under `pressure` (default: this process's event loop, watched until the
 * server closes), answering with `page`. Register after the cookies are parsed and before the
 * session is looked up.
 */
export function shedUnderPressure(app: FastifyInstance, pressure: Pressure | undefined, page: () => Promise<string>): void {
  const watched = pressure ?? eventLoopPressure();
  app.addHook('onClose', async () => watched.stop());
  const inFlow = (request: FastifyRequest) => request.cookies[SESSION_COOKIE] !== undefined && request.unsignCookie(request.cookies[SESSION_COOKIE]).valid;
  app.addHook('onRequest', sheddingGuard({ pressure: watched, inFlow, page }));
}
