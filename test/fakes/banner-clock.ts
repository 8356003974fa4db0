// Greetings as real MTAs write them at a given moment: the date and time formats of Exchange, Exim,
// Sendmail, Zoho, ISO 8601 and unix time, and session ids like Gmail's. The banner label tests
// render one server's greeting at two moments and expect one label.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const two = (n: number): string => String(n).padStart(2, '0');

/** The wall clock at `unixSeconds` in a zone `offsetMinutes` east of UTC, read through a UTC Date. */
function wall(unixSeconds: number, offsetMinutes: number): Date {
  return new Date((unixSeconds + offsetMinutes * 60) * 1000);
}

/** "-0700", "+0000"; colon: "-07:00". */
function offsetText(offsetMinutes: number, colon = false): string {
  const a = Math.abs(offsetMinutes);
  return `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(a / 60))}${colon ? ':' : ''}${two(a % 60)}`;
}

export type DateFormat =
  | 'rfc5322' // Exchange: "Fri, 5 Aug 2016 16:24:41 -0700"
  | 'rfc5322-padded' // Exim: "Wed, 02 Dec 2026 13:24:04 +0000"
  | 'sendmail' // "; Wed, 2 Dec 2026 13:24:04 +0000 (UTC)"
  | 'iso8601' // "2026-12-02T13:24:04Z"
  | 'iso8601-offset' // "2026-12-02T13:24:04.123+01:00"
  | 'iso8601-space' // "2026-12-02 13:24:04"
  | 'iso8601-basic' // "20261202T132404Z"
  | 'ctime' // "Wed Dec  2 13:24:04 2026"
  | 'us-long' // Zoho: "April 18, 2024 6:40:27 AM PDT"
  | 'numeric' // "02.12.2026 13:24:04"
  | 'unix' // "1764681844"
  | 'unix-ms'; // "1764681844123"

export const DATE_FORMATS: readonly DateFormat[] = [
  'rfc5322',
  'rfc5322-padded',
  'sendmail',
  'iso8601',
  'iso8601-offset',
  'iso8601-space',
  'iso8601-basic',
  'ctime',
  'us-long',
  'numeric',
  'unix',
  'unix-ms',
];

/** `unixSeconds` (whole seconds; milliseconds for the formats that print them) in `format`. */
export function formatDate(format: DateFormat, unixSeconds: number, offsetMinutes = 0): string {
  const d = wall(unixSeconds, offsetMinutes);
  const [y, mo, day, wd] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), DAYS[d.getUTCDay()]!];
  const hms = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  const ms = String(Math.floor((unixSeconds * 1000) % 1000)).padStart(3, '0');
  switch (format) {
    case 'rfc5322':
      return `${wd}, ${day} ${MONTHS[mo]} ${y} ${hms} ${offsetText(offsetMinutes)}`;
    case 'rfc5322-padded':
      return `${wd}, ${two(day)} ${MONTHS[mo]} ${y} ${hms} ${offsetText(offsetMinutes)}`;
    case 'sendmail':
      return `; ${wd}, ${day} ${MONTHS[mo]} ${y} ${hms} ${offsetText(offsetMinutes)} (UTC)`;
    case 'iso8601':
      return `${new Date(Math.floor(unixSeconds) * 1000).toISOString().slice(0, 19)}Z`;
    case 'iso8601-offset':
      return `${y}-${two(mo + 1)}-${two(day)}T${hms}.${ms}${offsetText(offsetMinutes, true)}`;
    case 'iso8601-space':
      return `${y}-${two(mo + 1)}-${two(day)} ${hms}`;
    case 'iso8601-basic':
      return `${y}${two(mo + 1)}${two(day)}T${hms.replaceAll(':', '')}Z`;
    case 'ctime':
      return `${wd} ${MONTHS[mo]} ${String(day).padStart(2, ' ')} ${hms} ${y}`;
    case 'us-long': {
      const h = d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12;
      return `${LONG_MONTHS[mo]} ${day}, ${y} ${h}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'} PDT`;
    }
    case 'numeric':
      return `${two(day)}.${two(mo + 1)}.${y} ${hms}`;
    case 'unix':
      return String(Math.floor(unixSeconds));
    case 'unix-ms':
      return String(Math.floor(unixSeconds * 1000));
  }
}

/** A session id in the shape Gmail printed in 2011 ("r61si735760yhm.1"), different for every `session`. */
export function gmailSessionId(session: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const pick = (n: number) => letters[n % 26]!;
  return `${pick(session * 7)}${10 + (session % 89)}si${String(100000 + ((session * 7919) % 900000))}${pick(session)}${pick(session * 3)}${pick(session * 5)}.${1 + (session % 9)}`;
}
