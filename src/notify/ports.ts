/** What the flows send through: the senders built from the settings implement these. */

/** Sends e-mail (src/notify/mailer.ts implements it over SMTP). */
export interface MailPort {
  send(message: { to: string[]; subject: string; text: string }): Promise<void>;
}

/** Sends text messages (src/notify/sms.ts implements it for Twilio and HTTP gateways). */
export interface SmsPort {
  send(message: { to: string; body: string }): Promise<void>;
}
