/**
 * Enrollments on both databases: replacing is atomic (never a mix of old and new answers, not
 * even after a failure half-way), answers keep their order, removing cascades to the answers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDatabase } from '../testing/databases.ts';
import type { EnrollmentAnswer } from './enrollments.ts';

const answers = (prefix: string, n: number): EnrollmentAnswer[] =>
  Array.from({ length: n }, (_, i) => ({ question: `${prefix} question ${i}`, answerHash: `${prefix}-hash-${i}` }));

forEachDatabase('enrollments', (database) => {
  /** The answer rows as the database holds them, bypassing the repository. */
  async function storedAnswers(userGuid: string) {
    const { db } = await database.store();
    return db.selectFrom('enrollment_answers').selectAll().where('user_guid', '=', userGuid).execute();
  }

  test('an enrollment reads back with its answers in order', async () => {
    const { enrollments } = await database.store();
    await enrollments.save({
      userGuid: 'g-read',
      username: 'alice',
      email: 'alice@example.test',
      answers: answers('a', 3),
      now: 1_000,
    });
    assert.deepEqual(await enrollments.get('g-read'), {
      userGuid: 'g-read',
      username: 'alice',
      email: 'alice@example.test',
      mobile: null,
      answers: answers('a', 3),
      enrolledAt: 1_000,
      updatedAt: 1_000,
    });
    assert.equal(await enrollments.get('g-nobody'), null);
  });

  test('answers come back by position, whatever order the database holds them in', async () => {
    const { enrollments, db } = await database.store();
    await enrollments.save({ userGuid: 'g-order', username: 'amy', answers: [], now: 1_000 });
    const rows = [2, 0, 1].map((position) => ({
      user_guid: 'g-order',
      position,
      question: `q${position}`,
      answer_hash: `h${position}`,
    }));
    await db.insertInto('enrollment_answers').values(rows).execute();
    assert.deepEqual(
      (await enrollments.get('g-order'))?.answers.map((a) => a.question),
      ['q0', 'q1', 'q2'],
    );
  });

  test('enrolling again replaces every answer and keeps the first enrollment date', async () => {
    const { enrollments } = await database.store();
    await enrollments.save({ userGuid: 'g-again', username: 'bob', mobile: '+100', answers: answers('old', 3), now: 1_000 });
    await enrollments.save({ userGuid: 'g-again', username: 'bob2', email: 'b@x.test', answers: answers('new', 2), now: 2_000 });
    const enrollment = await enrollments.get('g-again');
    assert.deepEqual(enrollment?.answers, answers('new', 2));
    assert.equal(enrollment?.username, 'bob2');
    assert.equal(enrollment?.email, 'b@x.test');
    assert.equal(enrollment?.mobile, null, 'a detail left out of the new enrollment is cleared');
    assert.equal(enrollment?.enrolledAt, 1_000);
    assert.equal(enrollment?.updatedAt, 2_000);
    assert.equal((await storedAnswers('g-again')).length, 2);
  });

  test('a save that fails half-way leaves the previous enrollment whole', async () => {
    const { enrollments } = await database.store();
    await enrollments.save({ userGuid: 'g-atomic', username: 'carol', answers: answers('kept', 3), now: 1_000 });
    // The second answer breaks NOT NULL after the old answers were already deleted in the transaction.
    const bad = [...answers('lost', 1), { question: 'q', answerHash: null as unknown as string }];
    await assert.rejects(enrollments.save({ userGuid: 'g-atomic', username: 'mallory', answers: bad, now: 2_000 }));
    const enrollment = await enrollments.get('g-atomic');
    assert.equal(enrollment?.username, 'carol');
    assert.equal(enrollment?.updatedAt, 1_000);
    assert.deepEqual(enrollment?.answers, answers('kept', 3));
  });

  test('concurrent saves never mix their answers', async () => {
    const { enrollments } = await database.store();
    await Promise.all([
      enrollments.save({ userGuid: 'g-race', username: 'dave', answers: answers('x', 4), now: 1_000 }),
      enrollments.save({ userGuid: 'g-race', username: 'dave', answers: answers('y', 3), now: 1_001 }),
      enrollments.save({ userGuid: 'g-race', username: 'dave', answers: answers('z', 2), now: 1_002 }),
    ]);
    const got = (await enrollments.get('g-race'))?.answers ?? [];
    const winner = got[0]?.question.slice(0, 1) ?? '';
    assert.deepEqual(got, answers(winner, { x: 4, y: 3, z: 2 }[winner] ?? -1));
  });

  test('removing an enrollment removes its answers and counts once', async () => {
    const { enrollments } = await database.store();
    await enrollments.save({ userGuid: 'g-remove', username: 'erin', answers: answers('r', 2), now: 1_000 });
    const before = await enrollments.count();
    assert.equal(await enrollments.remove('g-remove'), true);
    assert.equal(await enrollments.remove('g-remove'), false);
    assert.equal(await enrollments.get('g-remove'), null);
    assert.deepEqual(await storedAnswers('g-remove'), [], 'answers cascade with the enrollment');
    assert.equal(await enrollments.count(), before - 1);
  });

  test('an enrollment without questions is still an enrollment', async () => {
    const { enrollments } = await database.store();
    await enrollments.save({ userGuid: 'g-none', username: 'frank', email: 'f@x.test', answers: [], now: 1_000 });
    assert.deepEqual((await enrollments.get('g-none'))?.answers, []);
  });

  test('coverage counts, per factor, the enrolled users that have answers, an e-mail address, a mobile number', async () => {
    const { enrollments } = await database.store();
    const before = await enrollments.coverage();
    await enrollments.save({ userGuid: 'g-cov-1', username: 'gina', email: 'g@x.test', mobile: '+15550100001', answers: answers('c', 3), now: 1_000 });
    await enrollments.save({ userGuid: 'g-cov-2', username: 'hank', email: 'h@x.test', answers: [], now: 1_000 });
    await enrollments.save({ userGuid: 'g-cov-3', username: 'ivy', answers: answers('d', 2), now: 1_000 });
    assert.deepEqual(await enrollments.coverage(), { questions: before.questions + 2, email: before.email + 2, mobile: before.mobile + 1 });
  });
});
