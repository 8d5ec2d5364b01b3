// The constants of the ABI as the module defines them, read from its AssemblyScript source:
// assembly/abi.ts (every line an `export const NAME: TYPE = EXPRESSION;`, a comment or blank).
// Expressions are evaluated exactly (as bigints) from integer literals, earlier
// constants, + - * << >> & | ~, parentheses and `<type>` casts. Comment lines come along, for
// the generated C header.

export type IntegerType = "i32" | "u32" | "i64" | "u64" | "usize";

export type AbiLine =
  | { readonly kind: "constant"; readonly name: string; readonly type: IntegerType; readonly value: bigint; readonly comment: string }
  | { readonly kind: "comment"; readonly text: string }
  | { readonly kind: "blank" };

const WIDTHS: Record<IntegerType, { bits: number; signed: boolean }> = {
  i32: { bits: 32, signed: true }, u32: { bits: 32, signed: false },
  i64: { bits: 64, signed: true }, u64: { bits: 64, signed: false }, usize: { bits: 32, signed: false },
};
const CONSTANT = /^export const ([A-Z][A-Z0-9_]*): (\w+) = (.+?);\s*(?:\/\/\s?(.*))?$/;

type Constant = Extract<AbiLine, { kind: "constant" }>;

function constant(match: RegExpExecArray, values: Map<string, bigint>, where: string): Constant {
  const [, name, type, expression, comment] = match as unknown as [string, string, string, string, string | undefined];
  const width = WIDTHS[type as IntegerType];
  if (width === undefined) throw new Error(`${where}: ${name} has type ${type}, not an integer type`);
  const exact = evaluate(expression, values, where);
  const value = width.signed ? BigInt.asIntN(width.bits, exact) : BigInt.asUintN(width.bits, exact);
  if (value !== exact) throw new Error(`${where}: ${name} = ${exact} does not fit ${type}`);
  const known = values.get(name);
  if (known !== undefined && known !== value) throw new Error(`${where}: ${name} = ${value}, but ${known} elsewhere`);
  values.set(name, value);
  return { kind: "constant", name, type: type as IntegerType, value, comment: comment?.trim() ?? "" };
}

/** assembly/abi.ts, line by line; `values` collects the constants by name. */
export function parseAbiSource(source: string, values = new Map<string, bigint>()): AbiLine[] {
  return source.split("\n").map((raw, index): AbiLine => {
    const line = raw.trim();
    const where = `assembly/abi.ts:${index + 1}`;
    if (line === "") return { kind: "blank" };
    if (line.startsWith("//")) return { kind: "comment", text: line.replace(/^\/\/\s?/, "") };
    const match = CONSTANT.exec(line);
    if (match === null) throw new Error(`${where}: not a constant the ABI generator reads: ${line}`);
    return constant(match, values, where);
  });
}

/** Every ABI constant of assembly/abi.ts, by name. */
export function abiConstants(abiSource: string): Map<string, bigint> {
  const values = new Map<string, bigint>();
  parseAbiSource(abiSource, values);
  return values;
}

const TOKEN = /\s*(0x[0-9a-f_]+|0b[01_]+|[0-9][0-9_]*|[A-Za-z_][A-Za-z0-9_]*|<<|>>|<\w+>|[-+*&|~()])/iy;
const BINARY: Record<string, { precedence: number; apply(a: bigint, b: bigint): bigint }> = {
  "|": { precedence: 1, apply: (a, b) => a | b },
  "&": { precedence: 2, apply: (a, b) => a & b },
  "<<": { precedence: 3, apply: (a, b) => a << b },
  ">>": { precedence: 3, apply: (a, b) => a >> b },
  "+": { precedence: 4, apply: (a, b) => a + b },
  "-": { precedence: 4, apply: (a, b) => a - b },
  "*": { precedence: 5, apply: (a, b) => a * b },
};

function evaluate(expression: string, names: ReadonlyMap<string, bigint>, where: string): bigint {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const match = TOKEN.exec(expression);
    if (match === null) throw new Error(`${where}: cannot read the expression "${expression}"`);
    if (!/^<\w+>$/.test(match[1]!)) tokens.push(match[1]!); // casts change no value here
  }
  let at = 0;
  const fail = (): never => {
    throw new Error(`${where}: cannot evaluate the expression "${expression}"`);
  };
  const unary = (): bigint => {
    const token = tokens[at++] ?? fail();
    if (token === "-") return -unary();
    if (token === "~") return ~unary();
    if (token === "(") {
      const value = binary(0);
      if (tokens[at++] !== ")") fail();
      return value;
    }
    if (/^[0-9]/.test(token)) return BigInt(token.replaceAll("_", ""));
    return names.get(token) ?? fail();
  };
  const binary = (minimum: number): bigint => {
    let left = unary();
    for (;;) {
      const operator = BINARY[tokens[at] ?? ""];
      if (operator === undefined || operator.precedence < minimum) return left;
      at++;
      left = operator.apply(left, binary(operator.precedence + 1));
    }
  };
  const value = binary(0);
  if (at !== tokens.length) fail();
  return value;
}
