// Direct output for `router label`, which still prints as it goes (train, eval, estimate and route
// return a result that main prints; see rendered.ts): results on stdout (a table, or JSON with
// --json), notes and warnings on stderr so a pipe only ever sees the result.

export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n');
}

export function warn(text: string): void {
  note(`warning: ${text}`);
}
