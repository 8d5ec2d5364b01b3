// Command-line parsing for every subcommand: node:util parseArgs in strict mode, with its
// errors turned into one-line usage errors that name the valid options.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Every subcommand takes --help (-h): print its usage on stdout and do nothing else. */
export const HELP = { help: { type: "boolean", short: "h" } } as const;

/** What parseArgs returns for these options. */
export type CommandLine<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;

export function parseCommandLine<const O extends Options>(
  command: string, args: string[], options: O, allowPositionals: boolean,
): CommandLine<O> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    throw usageError(command, args, options, error);
  }
}

function usageError(command: string, args: string[], options: Options, error: unknown): unknown {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const known = Object.keys(options).map((name) => `--${name}`).join(", ");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const token = tokens.find((t) => t.kind === "option" && !Object.hasOwn(options, t.name));
    if (token?.kind === "option") return new UsageError(`${command}: unknown option ${token.rawName} (options: ${known})`);
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    for (const token of tokens) {
      if (token.kind !== "option" || !Object.hasOwn(options, token.name)) continue;
      const type = options[token.name]!.type;
      if (type === "boolean" && token.inlineValue === true) return new UsageError(`${command}: ${token.rawName} takes no value`);
      if (type === "string" && (token.value === undefined || (token.inlineValue === false && token.value.startsWith("-")))) {
        return new UsageError(`${command}: ${token.rawName} needs a value`);
      }
    }
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const token = tokens.find((t) => t.kind === "positional");
    if (token?.kind === "positional") return new UsageError(`${command}: unexpected argument "${token.value}" (options: ${known})`);
  }
  return error;
}
