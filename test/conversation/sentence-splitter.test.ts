import { describe, expect, it } from 'vitest';
import { SentenceSplitter } from '../../runtime/conversation/sentence-splitter';

function feed(text: string, chunk = 3): { pieces: string[]; rest: string | null } {
  const splitter = new SentenceSplitter();
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += chunk) pieces.push(...splitter.push(text.slice(i, i + chunk)));
  return { pieces, rest: splitter.flush() };
}

describe('SentenceSplitter', () => {
  it('emits each sentence as soon as it is complete', () => {
    const splitter = new SentenceSplitter();
    expect(splitter.push('Sure thing. Let me ')).toEqual(['Sure thing.']);
    expect(splitter.push('check that for you! One')).toEqual(['Let me check that for you!']);
    expect(splitter.flush()).toBe('One');
  });

  it('cuts after a sentence that ends in a number, at once', () => {
    const { pieces, rest } = feed('That comes to $45. It takes 2.5 hours, on Dec. 5. Anything else?');
    expect(pieces).toEqual(['That comes to $45.', 'It takes 2.5 hours, on Dec. 5.']);
    expect(rest).toBe('Anything else?');
  });

  it('does not cut at abbreviations, initials, times or decimals', () => {
    const { pieces, rest } = feed('Dr. Smith can see you at 9 a.m. tomorrow. It costs 49.99 dollars. Bye.');
    expect(pieces).toEqual(['Dr. Smith can see you at 9 a.m. tomorrow.', 'It costs 49.99 dollars.']);
    expect(rest).toBe('Bye.');
  });

  it('cuts a long clause at a comma, but not a short one', () => {
    const { pieces } = feed(
      'Yes, I have Tuesday, December 2 at 9:30 AM, Wednesday at 10 AM, and Thursday at noon available for you now. ',
    );
    expect(pieces[0]).toBe('Yes, I have Tuesday, December 2 at 9:30 AM, Wednesday at 10 AM,');
    expect(pieces.join(' ')).toBe(
      'Yes, I have Tuesday, December 2 at 9:30 AM, Wednesday at 10 AM, and Thursday at noon available for you now.',
    );
  });

  it('cuts an endless run-on at a space so speech never waits for the whole answer', () => {
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`).join(' ');
    const { pieces } = feed(words, 7);
    expect(pieces.length).toBeGreaterThan(0);
    expect(pieces.every((p) => p.length <= 250)).toBe(true);
  });
});
