/**
 * The parser half of the DynamoDB expression model (see expressions.ts): tokens, the condition and
 * update grammars, and a cache per expression text. It knows nothing of items; what it cannot parse
 * is a ValidationException, as DynamoDB answers.
 */
export type Item = Record<string, unknown>;

export class ValidationException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

export type PathStep = string | number;
export type Operand =
  | { kind: 'path'; path: PathStep[] }
  | { kind: 'value'; name: string }
  | { kind: 'call'; name: string; args: Operand[] }
  | { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand };
export type Condition =
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'between'; value: Operand; low: Operand; high: Operand }
  | { kind: 'in'; value: Operand; options: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'call'; name: string; args: Operand[] };

interface Token {
  kind: 'word' | 'name' | 'value' | 'number' | 'punct';
  text: string;
}

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([A-Za-z_][A-Za-z0-9_]*)|([0-9]+)|(<>|<=|>=|[=<>(),.[\]+-]))/y;
  let index = 0;
  while (index < expression.length) {
    if (/^\s*$/.test(expression.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(expression);
    if (!match) throw new ValidationException(`Cannot parse expression at "${expression.slice(index)}"`);
    index = pattern.lastIndex;
    if (match[1]) tokens.push({ kind: 'name', text: match[1] });
    else if (match[2]) tokens.push({ kind: 'value', text: match[2] });
    else if (match[3]) tokens.push({ kind: 'word', text: match[3] });
    else if (match[4]) tokens.push({ kind: 'number', text: match[4] });
    else tokens.push({ kind: 'punct', text: match[5]! });
  }
  return tokens;
}

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }
  done(): boolean {
    return this.index >= this.tokens.length;
  }
  next(): Token {
    const token = this.tokens[this.index++];
    if (!token) throw new ValidationException('Unexpected end of expression');
    return token;
  }
  isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }
  isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'punct' && token.text === text;
  }
  expectPunct(text: string): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) throw new ValidationException(`Expected "${text}", found "${token.text}"`);
  }
  expectWord(word: string): void {
    const token = this.next();
    if (token.kind !== 'word' || token.text.toUpperCase() !== word)
      throw new ValidationException(`Expected ${word}, found "${token.text}"`);
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.isWord('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.isWord('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.negation() };
    }
    return left;
  }

  private negation(): Condition {
    if (this.isWord('NOT')) {
      this.next();
      return { kind: 'not', inner: this.negation() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isPunct('(')) {
      this.next();
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    const token = this.peek();
    if (token?.kind === 'word' && this.isPunct('(', 1) && token.text !== 'size') {
      const name = this.next().text;
      if (!['attribute_exists', 'attribute_not_exists', 'begins_with', 'contains'].includes(name))
        throw new ValidationException(`Unknown condition function ${name}`);
      return { kind: 'call', name, args: this.arguments() };
    }
    const left = this.operand();
    if (this.isWord('BETWEEN')) {
      this.next();
      const low = this.operand();
      this.expectWord('AND');
      return { kind: 'between', value: left, low, high: this.operand() };
    }
    if (this.isWord('IN')) {
      this.next();
      return { kind: 'in', value: left, options: this.arguments() };
    }
    const op = this.next();
    if (op.kind !== 'punct' || !['=', '<>', '<', '<=', '>', '>='].includes(op.text))
      throw new ValidationException(`Expected a comparator, found "${op.text}"`);
    return { kind: 'compare', op: op.text, left, right: this.operand() };
  }

  arguments(): Operand[] {
    this.expectPunct('(');
    const args = [this.operand()];
    while (this.isPunct(',')) {
      this.next();
      args.push(this.operand());
    }
    this.expectPunct(')');
    return args;
  }

  operand(): Operand {
    const token = this.peek();
    if (!token) throw new ValidationException('Unexpected end of expression');
    if (token.kind === 'value') {
      this.next();
      return { kind: 'value', name: token.text };
    }
    if (token.kind === 'word' && this.isPunct('(', 1)) {
      const name = this.next().text;
      if (!['size', 'if_not_exists', 'list_append'].includes(name)) throw new ValidationException(`Unknown function ${name}`);
      return { kind: 'call', name, args: this.arguments() };
    }
    return { kind: 'path', path: this.path() };
  }

  path(): PathStep[] {
    const steps: PathStep[] = [];
    const element = () => {
      const token = this.next();
      if (token.kind !== 'word' && token.kind !== 'name') throw new ValidationException(`Expected an attribute, found "${token.text}"`);
      steps.push(token.text);
    };
    element();
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        element();
      } else if (this.isPunct('[')) {
        this.next();
        const index = this.next();
        if (index.kind !== 'number') throw new ValidationException('Expected a list index');
        steps.push(Number(index.text));
        this.expectPunct(']');
      } else return steps;
    }
  }

  /** A SET value: an operand, or two joined by + or -. */
  setValue(): Operand {
    const left = this.operand();
    if (this.isPunct('+') || this.isPunct('-')) {
      const op = this.next().text as '+' | '-';
      return { kind: 'arith', op, left, right: this.operand() };
    }
    return left;
  }
}

const conditionCache = new Map<string, Condition>();

export function parseCondition(expression: string): Condition {
  let parsed = conditionCache.get(expression);
  if (!parsed) {
    const parser = new Parser(tokenize(expression));
    parsed = parser.condition();
    if (!parser.done()) throw new ValidationException(`Unexpected "${parser.peek()!.text}" in condition`);
    conditionCache.set(expression, parsed);
  }
  return parsed;
}

export interface ExpressionContext {
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** The attribute names used, for the IAM model of attribute-limited grants. */
export interface UpdateAction {
  kind: 'SET' | 'REMOVE' | 'ADD' | 'DELETE';
  path: PathStep[];
  value?: Operand;
}

const updateCache = new Map<string, UpdateAction[]>();

export function parseUpdate(expression: string): UpdateAction[] {
  let parsed = updateCache.get(expression);
  if (parsed) return parsed;
  const parser = new Parser(tokenize(expression));
  const actions: UpdateAction[] = [];
  const clause = (): UpdateAction['kind'] | undefined => {
    for (const kind of ['SET', 'REMOVE', 'ADD', 'DELETE'] as const) if (parser.isWord(kind)) return kind;
    return undefined;
  };
  while (!parser.done()) {
    const kind = clause();
    if (!kind) throw new ValidationException(`Expected SET, REMOVE, ADD or DELETE, found "${parser.peek()!.text}"`);
    parser.next();
    for (;;) {
      const path = parser.path();
      if (kind === 'SET') {
        parser.expectPunct('=');
        actions.push({ kind, path, value: parser.setValue() });
      } else if (kind === 'REMOVE') {
        actions.push({ kind, path });
      } else {
        actions.push({ kind, path, value: parser.operand() });
      }
      if (!parser.isPunct(',')) break;
      parser.next();
    }
  }
  updateCache.set(expression, actions);
  parsed = actions;
  return parsed;
}
