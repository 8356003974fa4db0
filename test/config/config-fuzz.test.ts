// Nothing in a config file may crash the exporter: whatever the text, the loader either returns a
// config or throws a ConfigError whose every problem names the file and a line inside it.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/index.js';

const opts = { defaultHeloName: 'probe.test' };

function check(text: string): void {
  try {
    const cfg = parseConfigText(text, 'fuzz.yml', opts);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(cfg.targets.length).toBeGreaterThan(0);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    const lines = text.split('\n').length;
    for (const p of e.problems) {
      expect(p.file).toBe('fuzz.yml');
      expect(p.line).not.toBeNull();
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lines + 1);
      expect(p.message.length).toBeGreaterThan(0);
    }
  }
}

const shipped = [
  readFileSync('config/ehlo-exporter.yml', 'utf8'),
  readFileSync('config/examples/fleet.yml', 'utf8'),
  readFileSync('test/fixtures/config/listing.yml', 'utf8'),
];

// Pieces that are meaningful to the schema, so mutations reach deep into it rather than only the YAML parser.
const fragments = [
  'groups:', '  - name: mx', '    targets:', '      - mx.example.com', '      - target: "[::1]:25"', '        name: x',
  'defaults:', '  timeout: 10s', '  schedule: "* * * * *"', '  tls: { ca_file: x.pem }', 'politeness: {max_concurrency: 0}',
  'probe_endpoint:', '  allow: ["10.0.0.0/8", 12]', 'storage: {retention: 0}', '  expect: { required_extensions: [A, a] }',
  '&a [*a]', '*nope', '? [1]: 2', '- - -', '{', ']', '"', "'", '\t', '---', '!!binary aGk=', '<<: *a', '~', 'null', '0x1F', '1e400',
];

describe('the loader never crashes', () => {
  it('on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 300 });
  });

  it('on lines of the schema shuffled, dropped and repeated', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...fragments), { maxLength: 25 }), (lines) => check(lines.join('\n'))),
      { numRuns: 300 },
    );
  });

  it('on mutations of the shipped configs', () => {
    const mutation = fc.record({
      file: fc.constantFrom(...shipped),
      at: fc.nat(),
      cut: fc.nat({ max: 20 }),
      insert: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...fragments.map((f) => `\n${f}\n`))),
    });
    fc.assert(
      fc.property(mutation, ({ file, at, cut, insert }) => {
        const i = at % (file.length + 1);
        check(file.slice(0, i) + insert + file.slice(i + cut));
      }),
      { numRuns: 300 },
    );
  });
});
