/**
 * A fixed piece of pure JavaScript work, timed in the benchmark's own process before each
 * case: how fast the machine is at that moment. On a shared machine the same build can run
 * a third slower from one minute to the next; this number says when that happened, so a
 * slow case can be told from a slow build.
 */

const RECORD = {
  uniqueCampusId: '1000042',
  firstName: 'Alexandra',
  lastName: 'Montgomery-Smith',
  mobileNumber: '5551234567',
  optedOut: false,
  customFields: { 'Entry Term': 'Fall 2027', Program: 'Computer Science', City: 'Springfield' },
};

/** Serialises and parses a contact-sized record 200,000 times; milliseconds taken (lower: faster machine). */
export function timeReferenceWork(rounds = 200_000): number {
  const started = performance.now();
  let letters = 0;
  for (let round = 0; round < rounds; round++) letters += (JSON.parse(JSON.stringify(RECORD)) as typeof RECORD).firstName.length;
  const elapsed = performance.now() - started;
  // Uses the result, so the work cannot be left out.
  if (letters !== rounds * RECORD.firstName.length) throw new Error('reference work miscounted');
  return elapsed;
}
