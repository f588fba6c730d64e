// The chat answer both server backends build from their streams (src/core/remote/streamedAnswer.ts):
// reasoning in its own field and reasoning inside <think>…</think> both end up in the thought, the
// pieces reach the caller in order, and Stop or a timeout keep what was written.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ServerError } from '../../src/core/remote/serverError';
import { chatStreamFailure, StreamedAnswer } from '../../src/core/remote/streamedAnswer';

describe('streamed chat answer', () => {
  test('reasoning sent apart and reasoning inside think tags both become the thought; the text is the rest', () => {
    const chunks: string[] = [];
    const answer = new StreamedAnswer(performance.now() - 5, (c) => chunks.push(`${c.segment}:${c.text}`));
    answer.addThought('weighing options');
    answer.addContent('<thi');
    answer.addContent('nk>more thought</think>The answer');
    answer.addContent(undefined);
    answer.addContent(' is 42.');
    const { text, thought } = answer.end();
    assert.equal(text, 'The answer is 42.');
    assert.equal(thought, 'weighing options\nmore thought');
    assert.equal(chunks[0], 'thought:weighing options');
    assert.equal(
      chunks
        .filter((c) => c.startsWith('text:'))
        .map((c) => c.slice(5))
        .join(''),
      'The answer is 42.',
    );
    assert.ok(answer.timeToFirstTokenMs > 0, 'the first piece was timed');
  });

  test('an answer with no pieces has no first-token time and empty text', () => {
    const answer = new StreamedAnswer(performance.now(), undefined);
    assert.deepEqual(answer.end(), { text: '', thought: '' });
    assert.equal(answer.timeToFirstTokenMs, 0);
  });

  test('Stop and a timeout end the answer with what was written; any other failure is thrown', () => {
    assert.equal(chatStreamFailure(new ServerError('aborted', 'stopped')), 'abort');
    assert.equal(chatStreamFailure(new ServerError('timeout', 'too slow')), 'timeout');
    assert.throws(() => chatStreamFailure(new ServerError('unreachable', 'gone')), /gone/);
    assert.throws(() => chatStreamFailure(new TypeError('a bug')), TypeError);
  });
});
