/**
 * Enrollments: the contact details and security questions a user registered, with the answers
 * only as hashes (hashing happens before the store).
 */
import type { Kysely } from 'kysely';
import { deleted } from './rows.ts';
import type { Tables } from './schema.ts';

/** A security question and the hash of its answer. */
export interface EnrollmentAnswer {
  question: string;
  answerHash: string;
}

/** What a user enrolls with; `answers` keep their order. */
export interface EnrollmentInput {
  userGuid: string;
  username: string;
  email?: string | null;
  mobile?: string | null;
  answers: readonly EnrollmentAnswer[];
  now: number;
}

/** A stored enrollment. `enrolledAt` is the first enrollment, `updatedAt` the latest. */
export interface Enrollment {
  userGuid: string;
  username: string;
  email: string | null;
  mobile: string | null;
  answers: EnrollmentAnswer[];
  enrolledAt: number;
  updatedAt: number;
}

/** The enrollments repository. */
export interface Enrollments {
  /** Stores an enrollment, replacing the user's previous one (answers included) in one transaction. */
  save(input: EnrollmentInput): Promise<void>;
  /** The user's enrollment with answers in their order, or null when not enrolled. */
  get(userGuid: string): Promise<Enrollment | null>;
  /** Removes the enrollment and its answers; true when there was one. */
  remove(userGuid: string): Promise<boolean>;
  /** How many users are enrolled. */
  count(): Promise<number>;
  /** How many enrolled users have answers, an e-mail address, a mobile number: the dashboard's coverage per factor. */
  coverage(): Promise<{ questions: number; email: number; mobile: number }>;
}

/** Enrollments over `db`. */
export function createEnrollments(db: Kysely<Tables>): Enrollments {
  return {
    async save({ userGuid, username, email = null, mobile = null, answers, now }) {
      // One transaction: a reader (or a failure half-way) never sees old answers mixed with new.
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('enrollments')
          .values({ user_guid: userGuid, username, email, mobile, enrolled_at: now, updated_at: now })
          .onConflict((oc) =>
            oc.column('user_guid').doUpdateSet((eb) => ({
              username: eb.ref('excluded.username'),
              email: eb.ref('excluded.email'),
              mobile: eb.ref('excluded.mobile'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
        await trx.deleteFrom('enrollment_answers').where('user_guid', '=', userGuid).execute();
        if (answers.length === 0) return;
        await trx
          .insertInto('enrollment_answers')
          .values(answers.map((a, position) => ({ user_guid: userGuid, position, question: a.question, answer_hash: a.answerHash })))
          .execute();
      });
    },

    async get(userGuid) {
      // One statement, so the enrollment and its answers come from the same moment.
      const rows = await db
        .selectFrom('enrollments as e')
        .leftJoin('enrollment_answers as a', 'a.user_guid', 'e.user_guid')
        .select(['e.username', 'e.email', 'e.mobile', 'e.enrolled_at', 'e.updated_at', 'a.question', 'a.answer_hash'])
        .where('e.user_guid', '=', userGuid)
        .orderBy('a.position')
        .execute();
      const first = rows[0];
      if (!first) return null;
      const answers: EnrollmentAnswer[] = [];
      for (const row of rows) {
        // A left join gives one row of nulls for an enrollment without questions.
        if (row.question === null || row.answer_hash === null) continue;
        answers.push({ question: row.question, answerHash: row.answer_hash });
      }
      return {
        userGuid,
        username: first.username,
        email: first.email,
        mobile: first.mobile,
        answers,
        enrolledAt: first.enrolled_at,
        updatedAt: first.updated_at,
      };
    },

    async remove(userGuid) {
      // The answers go with it through ON DELETE CASCADE.
      return (await deleted(db.deleteFrom('enrollments').where('user_guid', '=', userGuid))) > 0;
    },

    async count() {
      const row = await db
        .selectFrom('enrollments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return row.n;
    },

    async coverage() {
      const row = await db
        .selectFrom('enrollments as e')
        .select((eb) => [
          eb.fn.count<number>('e.email').as('email'),
          eb.fn.count<number>('e.mobile').as('mobile'),
          eb
            .selectFrom('enrollment_answers')
            .select((inner) => inner.fn.count<number>('user_guid').distinct().as('n'))
            .as('questions'),
        ])
        .executeTakeFirstOrThrow();
      return { questions: Number(row.questions ?? 0), email: Number(row.email), mobile: Number(row.mobile) };
    },
  };
}
