/** Demo mode only: /dev/outbox shows what the portal sent, so a newcomer can walk a reset. */
import type { FastifyInstance } from 'fastify';

/** A message the demo captured instead of delivering. */
export interface CapturedMessage {
  kind: 'e-mail' | 'text message';
  to: string;
  subject: string;
  text: string;
  date: Date;
}

export interface Outbox {
  /** Newest first. */
  messages(): CapturedMessage[];
}

export async function demoRoutes(app: FastifyInstance, { outbox }: { outbox: Outbox }) {
  app.get('/dev/outbox', (_request, reply) => reply.view('outbox', { messages: outbox.messages() }));
}
