// The one table from option names (as the library and the core's messages name them) to the
// flags a CLI user types. Apart from options.ts so that main can show an error without loading zod.

/** Options whose flag is not `--` plus the kebab-case name; everything else follows the rule. */
const FLAG_EXCEPTIONS: Record<string, string> = {
  c: '-C',
  output: '-o',
  concurrency: '-j',
  data: '<data>',
  logs: '<log...>',
};

/** The flag of an option, for messages: `targetShare` is `--target-share`. */
export function flagOf(option: string): string {
  return FLAG_EXCEPTIONS[option] ?? `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
