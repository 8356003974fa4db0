// The bench's reading of Prometheus's answers about its own scrapes: answers shaped as
// /api/v1/query returns them for a range selector (Prometheus 2.42), and the ways they go wrong.
import { describe, expect, it } from 'vitest';
import { matrixSamples, scrapeFigures, type Sample } from './prometheus-answer.js';

const Q = 'scrape_duration_seconds{job="ehlo-exporter"}[60s]';
const matrix = (...series: Array<Array<[number, string]>>) => ({
  status: 'success',
  data: { resultType: 'matrix', result: series.map((values) => ({ metric: { __name__: 'scrape_duration_seconds', job: 'ehlo-exporter', instance: '127.0.0.1:9525' }, values })) },
});
const at = (...vs: number[]): Sample[] => vs.map((v, i) => ({ t: 1_764_700_000 + 15 * i, v }));

describe('matrixSamples', () => {
  it('returns every sample of every series, in time order, as numbers', () => {
    const answer = matrix([[1_764_700_015.5, '0.25'], [1_764_700_000.5, '0.5']], [[1_764_700_007.5, '1e-3']]);
    expect(matrixSamples(Q, answer)).toEqual([
      { t: 1_764_700_000.5, v: 0.5 },
      { t: 1_764_700_007.5, v: 0.001 },
      { t: 1_764_700_015.5, v: 0.25 },
    ]);
  });

  it('an empty matrix (no scrape in the window) is no samples', () => {
    expect(matrixSamples(Q, matrix())).toEqual([]);
  });

  it.each([
    ['an error answer, with its message', { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }, /status error \(parse error at char 5\)/],
    ['a vector (the range selector missing)', { status: 'success', data: { resultType: 'vector', result: [] } }, /expected a matrix/],
    ['a sample that is not [time, "value"]', matrix([[1_764_700_000, 0.5 as unknown as string]]), /a sample that is not \[time, "value"\]: \[1764700000,0.5\]/],
    ['a value that is not a number', matrix([[1_764_700_000, 'fast']]), /a value that is not a number: fast/],
    ['not an object', null, /not a JSON object/],
  ])('rejects %s, naming the query', (_what, answer, message) => {
    expect(() => matrixSamples(Q, answer)).toThrow(message);
    expect(() => matrixSamples(Q, answer)).toThrow(`Prometheus answer to ${Q}`);
  });
});

describe('scrapeFigures', () => {
  it('takes percentiles of the durations and answer times, counts up == 0 as failed, and keeps the largest samples and body', () => {
    const durations = at(0.3, 0.1, 0.2, 0.9, 0.4);
    const answers = [0.05, 0.02, 0.4, 0.03, 0.04];
    const figures = scrapeFigures(at(1, 1, 0, 1, 1), durations, at(28_000, 28_010, 28_020, 27_990, 28_000), at(2.1e7, 2.2e7, 2.0e7, 2.1e7, 2.1e7), answers);
    expect(figures).toEqual({
      scrapes: 5,
      failed: 1,
      durationP50Seconds: 0.3,
      durationP99Seconds: 0.9,
      durationMaxSeconds: 0.9,
      answerP50Seconds: 0.04,
      answerP99Seconds: 0.4,
      samples: 28_020,
      bodyBytes: 2.2e7,
    });
  });

  it('says NaN, not 0, for what Prometheus did not report', () => {
    const figures = scrapeFigures([], [], [], [], []);
    expect(figures.scrapes).toBe(0);
    expect(figures.durationP99Seconds).toBeNaN();
    expect(figures.answerP99Seconds).toBeNaN();
    expect(figures.samples).toBeNaN();
    expect(figures.bodyBytes).toBeNaN();
  });
});
