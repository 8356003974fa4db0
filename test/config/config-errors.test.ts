// Every class of config mistake, each paired with the exact text a person sees: file, line, path,
// problem. Matching on the text is deliberate here — the message is the product of this module.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, parseConfigText } from '../../src/config/index.js';

const FILE = 'bad.yml';

function failure(text: string): { code: string; lines: string[] } {
  try {
    parseConfigText(text, FILE, { defaultHeloName: 'probe.test' });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { code: e.code, lines: e.problems.map(formatProblem) };
  }
  throw new Error('expected the config to be rejected');
}

/** A valid file with `extra` spliced in; line 1 is `groups:`. */
const ok = (extra = ''): string => `groups:\n  - name: mx\n    targets: [mx1.example.com]\n${extra}`;

interface Case {
  name: string;
  text: string;
  code?: string;
  lines: string[];
}

const cases: Case[] = [
  // domains and dns (issue 10)
  {
    name: 'a domain that is not a mail domain',
    text: 'groups:\n  - name: d\n    domains: [example.com:25, localhost]\n',
    lines: [
      'bad.yml:3: groups[0].domains[0]: "example.com:25" is not a mail domain such as example.com (a port goes in "port", an address in "targets")',
      'bad.yml:3: groups[0].domains[1]: "localhost" is not a mail domain such as example.com (a port goes in "port", an address in "targets")',
    ],
  },
  {
    name: 'a domain watched twice',
    text: 'groups:\n  - name: a\n    domains: [example.com]\n  - name: b\n    domains: [Example.COM.]\n',
    lines: ['bad.yml:5: groups[1].domains[0]: duplicate domain example.com (first at groups[0].domains[0], line 3); watch a domain in one group only'],
  },
  {
    name: 'a domain with an unknown key and a bad port',
    text: 'groups:\n  - name: d\n    domains:\n      - domain: example.com\n        port: 0\n        schedule: "* * * * *"\n',
    lines: [
      'bad.yml:5: groups[0].domains[0].port: must be 1–65535, got 0',
      'bad.yml:6: groups[0].domains[0]: "schedule" is not allowed here: a schedule belongs to the group (every target of a group is probed in the same rounds); put this target in a group of its own',
    ],
  },
  {
    name: 'dns servers that are not addresses, and refresh under min_refresh',
    text: 'dns:\n  servers: [127.0.0.1:5353, "[::1]:53", resolver.example.com]\n  refresh: 10s\n  min_refresh: 1m\n' + ok(),
    lines: [
      'bad.yml:2: dns.servers[2]: "resolver.example.com" is not an IP address (with an optional port, e.g. 127.0.0.1:5353 or [::1]:53)',
      'bad.yml:3: dns.refresh: refresh (10s) must not be shorter than min_refresh (1m)',
    ],
  },
  // policy (issue 11)
  {
    name: 'policy keys of the wrong type, a fetch timeout over 5m, a CA file that is no CA, a typo',
    text:
      'policy:\n  mta_sts: "yes"\n  fetch_timeout: 10m\n  ca_file: /dev/null\n' +
      'groups:\n  - name: d\n    policy: { dane: 1 }\n    domains:\n      - { domain: example.com, policy: { mta_st: false } }\n',
    lines: [
      'bad.yml:2: policy.mta_sts: expected true or false, got string "yes"',
      'bad.yml:3: policy.fetch_timeout: must be at most 5m, got "10m"',
      'bad.yml:4: policy.ca_file: cannot use CA file "/dev/null": is a character device; only a regular file can be read',
      'bad.yml:7: groups[0].policy.dane: expected true or false, got number 1',
      'bad.yml:9: groups[0].domains[0].policy: unknown key "mta_st"; did you mean "mta_sts"? Allowed keys: mta_sts, dane, ca_file, fetch_timeout',
    ],
  },
  {
    name: 'all_addresses on an address',
    text: 'groups:\n  - name: mx\n    targets:\n      - target: 192.0.2.1\n        all_addresses: true\n',
    lines: ['bad.yml:5: groups[0].targets[0].all_addresses: all_addresses needs a host name, but 192.0.2.1 is an address'],
  },
  // YAML syntax
  {
    name: 'an unterminated flow sequence',
    text: 'groups:\n  - name: mx\n    targets: [a, b\n',
    code: 'ERR_CONFIG_YAML',
    lines: [
      'bad.yml:4: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  },
  {
    name: 'a key given twice',
    text: 'storage:\n  retention: 1d\n  retention: 2d\n' + ok(),
    code: 'ERR_CONFIG_YAML',
    lines: ['bad.yml:3: YAML syntax error: duplicate key retention: a key may appear only once in a mapping'],
  },
  {
    name: 'two documents',
    text: ok() + '---\ngroups: []\n',
    code: 'ERR_CONFIG_YAML',
    lines: ['bad.yml:4: YAML syntax error: the file holds more than one YAML document (a second "---"); keep everything in one'],
  },
  {
    name: 'an unknown tag',
    text: 'storage:\n  retention: !days 30\n' + ok(),
    code: 'ERR_CONFIG_YAML',
    lines: ['bad.yml:2: YAML syntax error: Unresolved tag: !days'],
  },
  {
    name: 'a tab as indentation',
    text: 'groups:\n\t- name: mx\n',
    code: 'ERR_CONFIG_YAML',
    lines: ['bad.yml:2: YAML syntax error: Tabs are not allowed as indentation'],
  },
  // The document's shape
  { name: 'an empty file', text: '', lines: ['bad.yml:1: the file is empty; it needs at least "groups"'] },
  {
    name: 'a file of comments only',
    text: '# nothing yet\n',
    lines: ['bad.yml:1: the file is empty; it needs at least "groups"'],
  },
  {
    name: 'a list at the top level',
    text: '- name: mx\n',
    lines: [
      'bad.yml:1: the top level must be a mapping with "groups" and optional "defaults", "politeness", "probe_endpoint", "storage", "dns", "policy"',
    ],
  },
  // Wrong types
  {
    name: 'a string where an integer belongs',
    text: 'politeness:\n  max_concurrency: ten\n' + ok(),
    lines: ['bad.yml:2: politeness.max_concurrency: expected an integer, got string "ten"'],
  },
  {
    name: 'a fraction where an integer belongs',
    text: 'probe_endpoint:\n  total_per_minute: 1.5\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.total_per_minute: expected an integer, got number 1.5'],
  },
  {
    name: 'a quoted "yes" for a boolean',
    text: 'defaults:\n  implicit_tls: "yes"\n' + ok(),
    lines: ['bad.yml:2: defaults.implicit_tls: expected true or false, got string "yes"'],
  },
  {
    name: 'a mapping where the group list belongs',
    text: 'groups:\n  mx:\n    targets: [a]\n',
    lines: ['bad.yml:2: groups: expected a list, got a mapping'],
  },
  {
    name: 'a list where a mapping belongs',
    text: 'defaults:\n  tls: [TLSv1.2]\n' + ok(),
    lines: ['bad.yml:2: defaults.tls: expected a mapping, got a list'],
  },
  {
    name: 'an empty value for a duration',
    text: 'defaults:\n  timeout:\n' + ok(),
    lines: ['bad.yml:2: defaults.timeout: expected a duration such as "10s", "1m30s" or "1h", got nothing'],
  },
  {
    name: 'a number as a target name',
    text: 'groups:\n  - name: mx\n    targets:\n      - target: mx1.example.com\n        name: 42\n',
    lines: ['bad.yml:5: groups[0].targets[0].name: expected a string, got number 42'],
  },
  {
    name: 'a list where a target belongs',
    text: 'groups:\n  - name: mx\n    targets:\n      - [a.example, 25]\n',
    lines: ['bad.yml:4: groups[0].targets[0]: expected a target string such as mx.example.com:25, or a mapping with "target"'],
  },
  {
    name: 'an empty target entry',
    text: 'groups:\n  - name: mx\n    targets:\n      -\n      - a.example\n',
    lines: ['bad.yml:4: groups[0].targets[0]: expected a string, got nothing'],
  },
  {
    name: 'an empty group entry',
    text: 'groups:\n  -\n  - name: mx\n    targets: [a.example]\n',
    lines: ['bad.yml:2: groups[0]: expected a mapping with "name" and "targets" or "domains", got nothing'],
  },
  // Unknown keys
  {
    name: 'a typo in a group key',
    text: 'groups:\n  - name: mx\n    shedule: "* * * * *"\n    targets: [a.example]\n',
    lines: [
      'bad.yml:3: groups[0]: unknown key "shedule"; did you mean "schedule"? Allowed keys: name, targets, domains, dns, policy, schedule, timeout, helo_name, starttls, implicit_tls, tls, expect',
    ],
  },
  {
    name: 'camelCase for snake_case',
    text: 'politeness:\n  maxConcurrency: 4\n' + ok(),
    lines: [
      'bad.yml:2: politeness: unknown key "maxConcurrency"; did you mean "max_concurrency"? Allowed keys: max_concurrency, min_gap, backoff_initial, backoff_max',
    ],
  },
  {
    name: 'a key unlike any allowed one',
    text: 'scrape_configs: []\n' + ok(),
    lines: [
      'bad.yml:1: unknown key "scrape_configs"; allowed keys: defaults, politeness, probe_endpoint, storage, dns, policy, groups',
    ],
  },
  {
    name: 'a key named like an Object.prototype member',
    text: 'groups:\n  - name: mx\n    targets:\n      - target: a.example\n        constructor: 1\n',
    lines: [
      'bad.yml:5: groups[0].targets[0]: unknown key "constructor"; allowed keys: target, name, all_addresses, timeout, helo_name, starttls, implicit_tls, tls, expect',
    ],
  },
  {
    name: 'a schedule on a target',
    text: 'groups:\n  - name: mx\n    targets:\n      - target: a.example\n        schedule: "* * * * *"\n',
    lines: [
      'bad.yml:5: groups[0].targets[0]: "schedule" is not allowed here: a schedule belongs to the group (every target of a group is probed in the same rounds); put this target in a group of its own',
    ],
  },
  // Missing keys
  {
    name: 'no groups',
    text: 'storage:\n  retention: 7d\n',
    lines: ['bad.yml:1: missing required key "groups"'],
  },
  {
    name: 'a group without a name',
    text: 'groups:\n  - targets: [a.example]\n',
    lines: ['bad.yml:2: groups[0]: missing required key "name"'],
  },
  {
    name: 'a group without targets',
    text: 'groups:\n  - name: mx\n',
    lines: ['bad.yml:2: groups[0]: missing required key "targets"'],
  },
  {
    name: 'a long-form target without `target`',
    text: 'groups:\n  - name: mx\n    targets:\n      - name: mx1\n',
    lines: ['bad.yml:4: groups[0].targets[0]: missing required key "target"'],
  },
  // Empty collections
  { name: 'empty groups', text: 'groups: []\n', lines: ['bad.yml:1: groups: at least one group is required'] },
  {
    name: 'a group with an empty target list',
    text: 'groups:\n  - name: mx\n    targets: []\n',
    lines: ['bad.yml:3: groups[0].targets: a group needs at least one target'],
  },
  // Cron
  {
    name: 'a seconds field out of range',
    text: ok('    schedule: "61 * * * * *"\n'),
    lines: ['bad.yml:4: groups[0].schedule: invalid cron expression "61 * * * * *": bad second field "61"'],
  },
  {
    name: 'a cron expression with too few fields',
    text: 'defaults:\n  schedule: "*/5 * *"\n' + ok(),
    lines: [
      'bad.yml:2: defaults.schedule: invalid cron expression "*/5 * *": expected 5 or 6 fields but got 3 (seconds minutes hours day-of-month month day-of-week; seconds optional)',
    ],
  },
  {
    name: 'an impossible day of month',
    text: ok('    schedule: "0 0 31 2 *"\n'),
    lines: ['bad.yml:4: groups[0].schedule: invalid cron expression "0 0 31 2 *": bad dayOfMonth field "31"'],
  },
  // Durations
  {
    name: 'a number without a unit',
    text: 'defaults:\n  timeout: 10\n' + ok(),
    lines: ['bad.yml:2: defaults.timeout: expected a duration such as "10s", "1m30s" or "1h", got number 10 (add a unit, e.g. "10s")'],
  },
  {
    name: 'a duration in words',
    text: 'defaults:\n  timeout: 10 seconds\n' + ok(),
    lines: [
      'bad.yml:2: defaults.timeout: expected a duration such as "10s", "1m30s" or "1h" (units y, w, d, h, m, s, ms, largest first), got "10 seconds"',
    ],
  },
  {
    name: 'units in the wrong order',
    text: 'storage:\n  retention: 30m1h\n' + ok(),
    lines: [
      'bad.yml:2: storage.retention: expected a duration such as "10s", "1m30s" or "1h" (units y, w, d, h, m, s, ms, largest first), got "30m1h"',
    ],
  },
  {
    name: 'a zero timeout',
    text: ok('    timeout: 0s\n'),
    lines: ['bad.yml:4: groups[0].timeout: must be longer than 0s'],
  },
  {
    name: 'a bare zero timeout',
    text: 'defaults:\n  timeout: 0\n' + ok(),
    lines: ['bad.yml:2: defaults.timeout: must be longer than 0s'],
  },
  // Enums
  {
    name: 'a STARTTLS mode that does not exist',
    text: 'defaults:\n  starttls: maybe\n' + ok(),
    lines: ['bad.yml:2: defaults.starttls: must be one of auto, never, required; got "maybe"'],
  },
  {
    name: 'a TLS version that does not exist',
    text: 'defaults:\n  tls:\n    min_version: TLSv1.4\n' + ok(),
    lines: ['bad.yml:3: defaults.tls.min_version: must be one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3; got "TLSv1.4"'],
  },
  {
    name: 'an expectation value other than required',
    text: ok('    expect: { starttls: optional }\n'),
    lines: ['bad.yml:4: groups[0].expect.starttls: must be one of required; got "optional"'],
  },
  // The /probe allowlist
  {
    name: 'a prefix too long for IPv4',
    text: 'probe_endpoint:\n  allow: ["10.0.0.0/33"]\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.allow[0]: "10.0.0.0/33" is not a valid CIDR block: the prefix length must be 0–32 for IPv4'],
  },
  {
    name: 'a CIDR block on a non-address',
    text: 'probe_endpoint:\n  allow:\n    - ::1/128\n    - 300.1.1.1/8\n' + ok(),
    lines: ['bad.yml:4: probe_endpoint.allow[1]: "300.1.1.1/8" is not a valid CIDR block: "300.1.1.1" is not an IP address'],
  },
  {
    name: 'a prefix too long for IPv6',
    text: 'probe_endpoint:\n  allow: ["2001:db8::/129"]\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.allow[0]: "2001:db8::/129" is not a valid CIDR block: the prefix length must be 0–128 for IPv6'],
  },
  {
    name: 'an allow entry that is no host name',
    text: 'probe_endpoint:\n  allow: ["mail server"]\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.allow[0]: "mail server" is neither an IP address, a CIDR block, a host name nor "*.domain"'],
  },
  {
    name: 'a wildcard with nothing after "*."',
    text: 'probe_endpoint:\n  allow: ["*.example.com", "*."]\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.allow[1]: "*." is not a valid wildcard: "*." must be followed by a host name'],
  },
  // Ports and target strings (parsed by src/probe/target-address.ts, shared with `probe` and /probe)
  {
    name: 'a port out of range (short form)',
    text: 'groups:\n  - name: mx\n    targets:\n      - mx1.example.com:70000\n',
    lines: ['bad.yml:4: groups[0].targets[0]: port must be 1–65535, got 70000'],
  },
  {
    name: 'port zero (long form)',
    text: 'groups:\n  - name: mx\n    targets:\n      - target: "mx1.example.com:0"\n',
    lines: ['bad.yml:4: groups[0].targets[0].target: port must be 1–65535, got 0'],
  },
  {
    name: 'a port that is a service name',
    text: 'groups:\n  - name: mx\n    targets: ["mx1.example.com:smtp"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: port must be a number 1–65535, got "smtp"'],
  },
  {
    name: 'IPv6 without brackets',
    text: 'groups:\n  - name: mx\n    targets: ["2001:db8::25"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target "2001:db8::25": write IPv6 addresses in brackets, e.g. [2001:db8::1]:25'],
  },
  {
    name: 'an unclosed bracket',
    text: 'groups:\n  - name: mx\n    targets: ["[2001:db8::25:25"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target "[2001:db8::25:25": "[" without a closing "]"'],
  },
  {
    name: 'brackets around a non-IPv6 address',
    text: 'groups:\n  - name: mx\n    targets: ["[192.0.2.1]:25"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target "[192.0.2.1]:25": "192.0.2.1" is not an IPv6 address'],
  },
  {
    name: 'an empty label in a host name',
    text: 'groups:\n  - name: mx\n    targets: ["mx1..example.com"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target "mx1..example.com": "mx1..example.com" is not a valid host name or IP address'],
  },
  {
    name: 'an IPv4 address out of range',
    text: 'groups:\n  - name: mx\n    targets: ["192.0.2.256:25"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target "192.0.2.256:25": "192.0.2.256" is not a canonical IPv4 address; write four decimal numbers such as 192.0.2.1'],
  },
  {
    name: 'a target with no host',
    text: 'groups:\n  - name: mx\n    targets: [":25"]\n',
    lines: ['bad.yml:3: groups[0].targets[0]: target ":25": "" is not a valid host name or IP address'],
  },
  // Duplicates
  {
    name: 'the same target in two groups without names',
    text: 'groups:\n  - name: a\n    targets: [mx1.example.com]\n  - name: b\n    targets: ["mx1.example.com:25"]\n',
    lines: [
      'bad.yml:5: groups[1].targets[0]: duplicate target name "mx1.example.com:25" (first at groups[0].targets[0], line 3); names must be unique, set "name" to tell them apart',
    ],
  },
  {
    name: 'the same host:port twice in one group under different names',
    text: 'groups:\n  - name: mx\n    targets:\n      - MX1.example.com\n      - target: mx1.example.com:25\n        name: again\n',
    lines: ['bad.yml:5: groups[0].targets[1]: duplicate target mx1.example.com:25 in group "mx" (first at groups[0].targets[0], line 4)'],
  },
  {
    name: 'two targets given the same name',
    text: 'groups:\n  - name: mx\n    targets:\n      - { target: a.example, name: mx }\n      - { target: b.example, name: mx }\n',
    lines: [
      'bad.yml:5: groups[0].targets[1]: duplicate target name "mx" (first at groups[0].targets[0], line 4); names must be unique, set "name" to tell them apart',
    ],
  },
  {
    name: 'two groups with one name',
    text: 'groups:\n  - name: mx\n    targets: [a.example]\n  - name: mx\n    targets: [b.example]\n',
    lines: ['bad.yml:4: groups[1].name: duplicate group name "mx" (first at groups[0], line 2)'],
  },
  // Impossible values
  {
    name: 'max_concurrency below 1',
    text: 'politeness:\n  max_concurrency: 0\n' + ok(),
    lines: ['bad.yml:2: politeness.max_concurrency: must be at least 1, got 0'],
  },
  {
    name: 'backoff_max shorter than backoff_initial',
    text: 'politeness:\n  backoff_initial: 10m\n  backoff_max: 5m\n' + ok(),
    lines: ['bad.yml:3: politeness.backoff_max: backoff_max (5m) must not be shorter than backoff_initial (10m)'],
  },
  {
    name: 'backoff_initial longer than the default backoff_max',
    text: 'politeness:\n  backoff_initial: 2h\n' + ok(),
    lines: ['bad.yml:2: politeness.backoff_initial: backoff_max (1h) must not be shorter than backoff_initial (2h)'],
  },
  {
    name: 'a negative size expectation',
    text: ok('    expect: { min_size_bytes: -1 }\n'),
    lines: ['bad.yml:4: groups[0].expect.min_size_bytes: must be at least 1, got -1'],
  },
  {
    name: 'an extension keyword outside the RFC grammar',
    text: ok('    expect: { required_extensions: [PIPELINING, "8BIT MIME"] }\n'),
    lines: ['bad.yml:4: groups[0].expect.required_extensions[1]: "8BIT MIME" is not an EHLO keyword (up to 64 letters, digits and "-", e.g. PIPELINING)'],
  },
  {
    name: 'an extension both required and forbidden in one group',
    text: ok('    expect: { required_extensions: [VRFY], forbidden_extensions: [vrfy] }\n'),
    lines: ['bad.yml:4: groups[0].expect: "VRFY" is both in required_extensions and forbidden_extensions (after merging with the levels above)'],
  },
  {
    name: 'an extension forbidden by a target but required by its group',
    text:
      'groups:\n  - name: mx\n    expect: { required_extensions: [CHUNKING] }\n    targets:\n' +
      '      - target: a.example\n        expect: { forbidden_extensions: [CHUNKING] }\n',
    lines: [
      'bad.yml:6: groups[0].targets[0].expect: "CHUNKING" is both in required_extensions and forbidden_extensions (after merging with the levels above)',
    ],
  },
  {
    name: 'a HELO name with a space',
    text: 'defaults:\n  helo_name: probe host\n' + ok(),
    lines: ['bad.yml:2: defaults.helo_name: "probe host" is not a domain name or an address literal such as [192.0.2.1]'],
  },
  {
    name: 'an IP address as TLS server name',
    text: ok('    tls: { server_name: 192.0.2.1 }\n'),
    lines: ['bad.yml:4: groups[0].tls.server_name: "192.0.2.1" is not a host name'],
  },
  {
    name: 'a CA file that does not exist',
    text: 'defaults:\n  tls:\n    ca_file: /nonexistent/ehlo-exporter-test/ca.pem\n' + ok(),
    lines: ['bad.yml:3: defaults.tls.ca_file: cannot use CA file "/nonexistent/ehlo-exporter-test/ca.pem": no such file'],
  },
  {
    name: 'a CA file that is a directory',
    text: 'defaults:\n  tls:\n    ca_file: /\n' + ok(),
    lines: ['bad.yml:3: defaults.tls.ca_file: cannot use CA file "/": is a directory'],
  },
  {
    name: 'control characters in group and target names',
    text: 'groups:\n  - name: "mx\\nX"\n    targets:\n      - { target: mx1.example.com, name: "a\\u0000b" }\n',
    lines: [
      'bad.yml:2: groups[0].name: must not contain control characters (newline, tab, NUL, …), got "mx\\nX"',
      'bad.yml:4: groups[0].targets[0].name: must not contain control characters (newline, tab, NUL, …), got "a\\u0000b"',
    ],
  },
  // Bounds (issue 15): Node clamps a timer past ~24.8 days to 1 ms, and 2^53 is not exact.
  {
    name: 'a timeout past its bound',
    text: 'defaults:\n  timeout: 25d\n' + ok(),
    lines: ['bad.yml:2: defaults.timeout: must be at most 5m, got "25d"'],
  },
  {
    name: 'gaps and back-offs past a day',
    text: 'politeness:\n  min_gap: 2d\n  backoff_initial: 1y\n  backoff_max: 25h\n' + ok(),
    lines: [
      'bad.yml:2: politeness.min_gap: must be at most 1d, got "2d"',
      'bad.yml:3: politeness.backoff_initial: must be at most 1d, got "1y"',
      'bad.yml:4: politeness.backoff_max: must be at most 1d, got "25h"',
    ],
  },
  {
    name: 'DNS timers past their bounds',
    text: 'dns:\n  timeout: 10m\n  refresh: 25d\n  min_refresh: 2d\n  keep_last_good: 1y\n' + ok(),
    lines: [
      'bad.yml:2: dns.timeout: must be at most 5m, got "10m"',
      'bad.yml:3: dns.refresh: must be at most 1d, got "25d"',
      'bad.yml:4: dns.min_refresh: must be at most 1d, got "2d"',
      'bad.yml:5: dns.keep_last_good: must be at most 1d, got "1y"',
    ],
  },
  {
    name: 'a negative duration',
    text: 'defaults:\n  timeout: -5s\n' + ok(),
    lines: ['bad.yml:2: defaults.timeout: must not be negative, got "-5s"'],
  },
  {
    name: 'a duration too large to count',
    text: 'storage:\n  retention: 99999999999999999999y\n' + ok(),
    lines: ['bad.yml:2: storage.retention: is too large, got "99999999999999999999y"'],
  },
  {
    name: 'an integer past 2^53',
    text: 'probe_endpoint:\n  per_target_per_minute: 9007199254740993\n' + ok(),
    lines: ['bad.yml:2: probe_endpoint.per_target_per_minute: is too large, got 9007199254740993'],
  },
  {
    name: 'nesting deep enough to exhaust the parser',
    text: ok('storage: ' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n'),
    code: 'ERR_CONFIG_YAML',
    lines: ['bad.yml:4: YAML syntax error: the document is nested too deeply to read; a config needs only a few levels of lists and mappings'],
  },
];

describe('every class of config mistake has its exact message', () => {
  it.each(cases)('$name', ({ text, code, lines }) => {
    const got = failure(text);
    expect(got.lines).toEqual(lines);
    expect(got.code).toBe(code ?? 'ERR_CONFIG_INVALID');
  });
});

describe('collecting problems', () => {
  it('reports every problem in one pass, in line order', () => {
    const text = [
      'defaults:', //                               1
      '  timeout: soon', //                         2
      'politeness:', //                             3
      '  max_concurrency: 0', //                    4
      'groups:', //                                 5
      '  - name: mx', //                            6
      '    targets:', //                            7
      '      - a.example:99999', //                 8
      '      - target: b.example', //               9
      '        startls: required', //              10
      '  - name: mx', //                           11
      '    targets: [c.example]', //               12
      '',
    ].join('\n');
    expect(failure(text).lines).toEqual([
      'bad.yml:2: defaults.timeout: expected a duration such as "10s", "1m30s" or "1h" (units y, w, d, h, m, s, ms, largest first), got "soon"',
      'bad.yml:4: politeness.max_concurrency: must be at least 1, got 0',
      'bad.yml:8: groups[0].targets[0]: port must be 1–65535, got 99999',
      'bad.yml:10: groups[0].targets[1]: unknown key "startls"; did you mean "starttls"? Allowed keys: target, name, all_addresses, timeout, helo_name, starttls, implicit_tls, tls, expect',
      'bad.yml:11: groups[1].name: duplicate group name "mx" (first at groups[0], line 6)',
    ]);
  });

  it('reproduces the promtool-style line from the design note', () => {
    const text = [
      '# line 1',
      'groups:',
      '  - name: mx',
      '    targets: [a.example]',
      '  - name: submission',
      '    targets:',
      '      - b.example:587',
      '      - c.example:587',
      '      - d.example:587',
      '      - e.example:70000',
      '',
    ].join('\n');
    try {
      parseConfigText(text, 'config/ehlo-exporter.yml', { defaultHeloName: 'probe.test' });
      expect.unreachable('the config should be rejected');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const err = e as ConfigError;
      expect(err.problems).toEqual([
        { file: 'config/ehlo-exporter.yml', line: 10, path: 'groups[1].targets[3]', message: 'port must be 1–65535, got 70000' },
      ]);
      expect(err.message).toContain('config/ehlo-exporter.yml:10: groups[1].targets[3]: port must be 1–65535, got 70000');
    }
  });

  it('does not over-validate: a timeout longer than the schedule interval is fine', () => {
    const cfg = parseConfigText(ok('    schedule: "*/30 * * * * *"\n    timeout: 5m\n'), FILE, { defaultHeloName: 'probe.test' });
    expect(cfg.targets[0]?.probe.timeout_seconds).toBe(300);
  });
});
