// A small Dockerfile reader for tests: instructions with line continuations joined, global ARG defaults
// substituted into FROM, stages, exec-form (JSON) arguments, COPY flags; and a .dockerignore matcher.
// Enough for the Dockerfile we ship; no Docker engine is needed.

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let buffer = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const trimmed = raw.trim();
    if (buffer === '' && (trimmed === '' || trimmed.startsWith('#'))) continue;
    if (buffer !== '' && trimmed.startsWith('#')) continue; // comment lines inside a continuation
    if (buffer === '') start = i + 1;
    if (trimmed.endsWith('\\')) {
      buffer += trimmed.slice(0, -1) + ' ';
      continue;
    }
    buffer += trimmed;
    const m = /^(\S+)\s*(.*)$/s.exec(buffer);
    if (m) out.push({ keyword: (m[1] ?? '').toUpperCase(), args: (m[2] ?? '').replace(/\s+/g, ' ').trim(), line: start });
    buffer = '';
  }
  return out;
}

export function stagesOf(instructions: readonly Instruction[]): Stage[] {
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value] = ins.args.split('=', 2);
      if (name && value !== undefined) globals.set(name.trim(), value.trim());
      continue;
    }
    if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = (parts[0] ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => globals.get(a ?? b ?? '') ?? whole);
      const asIndex = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ image, name: asIndex >= 0 ? (parts[asIndex + 1] ?? null) : null, instructions: [] });
      continue;
    }
    stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

/** Exec form (`["node", "x"]`) as an array; shell form is refused, since it hides the real command. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new Error(`not an exec-form array: ${args}`);
  return parsed;
}

export interface CopySpec {
  from: string | null;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): CopySpec {
  const tokens = args.startsWith('[') ? execForm(args) : args.split(/\s+/);
  let from: string | null = null;
  const rest: string[] = [];
  for (const t of tokens) {
    if (t.startsWith('--from=')) from = t.slice('--from='.length);
    else if (!t.startsWith('--')) rest.push(t);
  }
  const dest = rest.pop() ?? '';
  return { from, sources: rest, dest };
}

/** Whether the build context keeps `path` under .dockerignore rules (last matching pattern wins). */
export function includedByDockerignore(patterns: readonly string[], path: string): boolean {
  let included = true;
  const candidates = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  for (const rawPattern of patterns) {
    const line = rawPattern.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = new RegExp(`^${globToRegExp(pattern)}$`);
    // A pattern that matches a directory applies to everything in it.
    if (candidates.some((c) => re.test(c))) included = negate;
  }
  return included;
}

function globToRegExp(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    if (glob.startsWith('**/', i)) {
      re += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      re += '.*';
      i += 1;
    } else {
      const c = glob[i] ?? '';
      re += c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return re;
}
