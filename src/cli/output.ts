// Where command output goes: results on stdout (a table, or JSON with --json), notes and
// warnings on stderr so a pipe only ever sees the result.

export function out(text: string): void {
  flushReads();
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

export function warn(text: string): void {
  note(`warning: ${text}`);
}

export function printJson(value: unknown): void {
  out(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2));
}

/** `demo@7` for a versioned artifact's path, so a user sees which version NAME meant. */
export function versionOf(path: string): string | undefined {
  const m = /([^\\/]+)[\\/]v(\d+)\.jsonl?$/.exec(path);
  return m ? `${m[1]}@${m[2]}` : undefined;
}

// Held until the result is printed, so a command that fails still prints one line: its error.
const reads: string[] = [];

/** Names the exact artifact a command read: "NAME" means the latest version, which another run may just have added. */
export function readNote(kind: string, path: string): void {
  const v = versionOf(path);
  const line = `read ${kind} ${v ? `${v} (${path})` : path}`;
  if (!reads.includes(line)) reads.push(line);
}

function flushReads(): void {
  for (const line of reads.splice(0)) note(line);
}
