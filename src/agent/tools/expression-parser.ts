/** The expression is not valid arithmetic, or cannot be computed (division by zero, overflow). */
export class ExpressionError extends Error {
  /**
   * @param message what is wrong, with the position when it is a syntax error
   * @param kind `syntax`: not arithmetic; `math`: arithmetic that has no finite result
   */
  constructor(
    message: string,
    readonly kind: 'syntax' | 'math' = 'syntax',
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** Longest expression accepted: the calculator is for arithmetic, not for stress tests. */
export const MAX_EXPRESSION_LENGTH = 500;
/** Deepest nesting accepted, so a hostile input cannot overflow the stack. */
const MAX_DEPTH = 64;

type Token =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'op'; value: '+' | '-' | '*' | '/' | '%' | '^' | '(' | ')'; pos: number };

const NUMBER = /\d+(?:\.\d*)?|\.\d+/y;
const OPERATORS = new Set(['+', '-', '*', '/', '%', '^', '(', ')']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < source.length) {
    const char = source[pos];
    if (/\s/.test(char)) {
      pos += 1;
      continue;
    }
    if (OPERATORS.has(char)) {
      tokens.push({ kind: 'op', value: char as Extract<Token, { kind: 'op' }>['value'], pos });
      pos += 1;
      continue;
    }
    NUMBER.lastIndex = pos;
    const match = NUMBER.exec(source);
    if (!match) throw new ExpressionError(`Unexpected character "${char}" at position ${pos + 1}`);
    tokens.push({ kind: 'number', value: Number(match[0]), pos });
    pos += match[0].length;
  }
  return tokens;
}

/**
 * A recursive-descent parser that evaluates as it parses. Grammar, loosest binding first:
 *
 *     expression := term (("+" | "-") term)*
 *     term       := unary (("*" | "/" | "%") unary)*
 *     unary      := ("-" | "+") unary | power
 *     power      := primary ("^" unary)?          right-associative: 2^3^2 = 2^9
 *     primary    := number | "(" expression ")"
 *
 * so `-2^2` is -4, as in mathematics.
 */
class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): number {
    if (this.tokens.length === 0) throw new ExpressionError('The expression is empty');
    const value = this.expression();
    const extra = this.peek();
    if (extra) throw this.unexpected(extra);
    return value;
  }

  private expression(): number {
    let value = this.term();
    for (let op = this.peekOp('+', '-'); op; op = this.peekOp('+', '-')) {
      this.index += 1;
      const right = this.term();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  private term(): number {
    let value = this.unary();
    for (let op = this.peekOp('*', '/', '%'); op; op = this.peekOp('*', '/', '%')) {
      this.index += 1;
      const right = this.unary();
      if ((op === '/' || op === '%') && right === 0)
        throw new ExpressionError('Division by zero', 'math');
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  private unary(): number {
    const op = this.peekOp('+', '-');
    if (op) {
      this.index += 1;
      const operand = this.nested(() => this.unary());
      return op === '-' ? -operand : operand;
    }
    return this.power();
  }

  private power(): number {
    const base = this.primary();
    if (!this.peekOp('^')) return base;
    this.index += 1;
    const exponent = this.nested(() => this.unary());
    return base ** exponent;
  }

  private primary(): number {
    const token = this.peek();
    if (!token) throw new ExpressionError('The expression ends too early');
    if (token.kind === 'number') {
      this.index += 1;
      return token.value;
    }
    if (token.value !== '(') throw this.unexpected(token);
    this.index += 1;
    const value = this.nested(() => this.expression());
    const closing = this.peek();
    if (!closing || closing.kind !== 'op' || closing.value !== ')') {
      throw closing ? this.unexpected(closing) : new ExpressionError('Missing closing parenthesis');
    }
    this.index += 1;
    return value;
  }

  private nested(parse: () => number): number {
    this.depth += 1;
    if (this.depth > MAX_DEPTH) throw new ExpressionError('The expression is nested too deeply');
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private peekOp<T extends Extract<Token, { kind: 'op' }>['value']>(...ops: T[]): T | undefined {
    const token = this.peek();
    return token?.kind === 'op' && (ops as string[]).includes(token.value)
      ? (token.value as T)
      : undefined;
  }

  private unexpected(token: Token): ExpressionError {
    const text = token.kind === 'number' ? String(token.value) : token.value;
    return new ExpressionError(`Unexpected "${text}" at position ${token.pos + 1}`);
  }
}

/**
 * Evaluates an arithmetic expression: numbers with decimals, `+ - * / % ^`, parentheses and unary
 * minus. It never runs code (no `eval`, no `Function`): anything else is a syntax error.
 *
 * @throws ExpressionError on bad syntax, division by zero or a result that is not finite
 */
export function evaluateExpression(source: string): number {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`The expression is longer than ${MAX_EXPRESSION_LENGTH} characters`);
  }
  const value = new Parser(tokenize(source)).parse();
  if (!Number.isFinite(value)) {
    throw new ExpressionError('The result is not a finite number', 'math');
  }
  return value;
}

/**
 * Formats a result for people: at most 12 significant digits, so that 0.1 + 0.2 reads 0.3 and not
 * 0.30000000000000004, and no "-0".
 */
export function formatNumber(value: number): string {
  const rounded = Number(value.toPrecision(12));
  return Object.is(rounded, -0) ? '0' : String(rounded);
}
