/**
 * The expression language of the organization bench's in-process DynamoDB (bench-fake-dynamodb.ts):
 * the forms the coverage and lifecycle stores use, nothing more. Paths are top-level attribute
 * names or `#name` placeholders; an unsupported form throws.
 *   condition: attribute_exists(p) | attribute_not_exists(p) | value (= <> < <= > >=) value,
 *              combined with AND / OR / NOT and parentheses
 *   update:    SET p = value, ... | REMOVE p, ... | ADD p value, ...
 *   value:     p | :v | if_not_exists(p, value), optionally + or - another
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export const num = (v: AttributeValue | undefined, what: string): number => {
  if (v?.N === undefined) throw new Error(`fake DynamoDB: ${what} is not a number`);
  return Number(v.N);
};
export const same = (a: AttributeValue | undefined, b: AttributeValue | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

export interface Ctx {
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

/** Tokens: names, #names, :values, punctuation and comparators. */
const tokenize = (s: string): string[] => s.match(/<>|<=|>=|[=<>(),+-]|[#:]?[A-Za-z_][\w.]*/g) ?? [];

class Parser {
  private i = 0;
  constructor(
    private readonly t: string[],
    private readonly ctx: Ctx,
  ) {}
  peek = () => this.t[this.i];
  next = () => this.t[this.i++] ?? '';
  expect(tok: string) {
    const got = this.next();
    if (got.toUpperCase() !== tok) throw new Error(`fake DynamoDB: expected ${tok}, got ${got}`);
  }
  done = () => this.i >= this.t.length;
  name(tok = this.next()): string {
    if (tok.startsWith('#')) {
      const n = this.ctx.names[tok];
      if (!n) throw new Error(`fake DynamoDB: no ExpressionAttributeNames ${tok}`);
      return n;
    }
    if (!/^[A-Za-z_]\w*$/.test(tok)) throw new Error(`fake DynamoDB: unsupported path ${tok}`);
    return tok;
  }
  /** operand [+|- operand] where operand = path | :value | if_not_exists(path, operand). */
  value(item: Item): AttributeValue | undefined {
    const left = this.operand(item);
    const op = this.peek();
    if (op !== '+' && op !== '-') return left;
    this.next();
    const right = this.operand(item);
    const r = num(left, 'left operand') + (op === '+' ? 1 : -1) * num(right, 'right operand');
    return { N: String(r) };
  }
  private operand(item: Item): AttributeValue | undefined {
    const tok = this.next();
    if (tok.startsWith(':')) {
      const v = this.ctx.values[tok];
      if (!v) throw new Error(`fake DynamoDB: no ExpressionAttributeValues ${tok}`);
      return v;
    }
    if (tok === 'if_not_exists') {
      this.expect('(');
      const path = this.name();
      this.expect(',');
      const fallback = this.value(item);
      this.expect(')');
      return item[path] ?? fallback;
    }
    return item[this.name(tok)];
  }
  condition(item: Item): boolean {
    let r = this.and(item);
    while (this.peek()?.toUpperCase() === 'OR') {
      this.next();
      r = this.and(item) || r;
    }
    return r;
  }
  private and(item: Item): boolean {
    let r = this.not(item);
    while (this.peek()?.toUpperCase() === 'AND') {
      this.next();
      r = this.not(item) && r;
    }
    return r;
  }
  private not(item: Item): boolean {
    if (this.peek()?.toUpperCase() === 'NOT') {
      this.next();
      return !this.not(item);
    }
    return this.primary(item);
  }
  private primary(item: Item): boolean {
    const tok = this.peek() ?? '';
    if (tok === '(') {
      this.next();
      const r = this.condition(item);
      this.expect(')');
      return r;
    }
    if (tok === 'attribute_exists' || tok === 'attribute_not_exists') {
      this.next();
      this.expect('(');
      const exists = item[this.name()] !== undefined;
      this.expect(')');
      return tok === 'attribute_exists' ? exists : !exists;
    }
    const left = this.value(item);
    const op = this.next();
    const right = this.value(item);
    if (left === undefined || right === undefined) return op === '<>';
    if (op === '=') return same(left, right);
    if (op === '<>') return !same(left, right);
    const [a, b] = left.N !== undefined ? [Number(left.N), Number(right.N)] : [left.S ?? '', right.S ?? ''];
    if (op === '<') return a < b;
    if (op === '<=') return a <= b;
    if (op === '>') return a > b;
    if (op === '>=') return a >= b;
    throw new Error(`fake DynamoDB: unsupported comparator ${op}`);
  }
}

export const parser = (expr: string, ctx: Ctx) => new Parser(tokenize(expr), ctx);

/** Applies an UpdateExpression; returns the names it touched (for UPDATED_NEW). */
export const applyUpdate = (expr: string, ctx: Ctx, item: Item): string[] => {
  const p = parser(expr, ctx);
  const touched: string[] = [];
  const before = { ...item };
  while (!p.done()) {
    const clause = p.next().toUpperCase();
    do {
      if (clause === 'SET') {
        const path = p.name();
        p.expect('=');
        const v = p.value(before);
        if (v === undefined) throw new Error(`fake DynamoDB: SET ${path} to a missing value`);
        item[path] = v;
        touched.push(path);
      } else if (clause === 'REMOVE') delete item[p.name()];
      else if (clause === 'ADD') {
        const path = p.name();
        const v = p.value(before);
        item[path] = { N: String((item[path] ? num(item[path], path) : 0) + num(v, 'ADD value')) };
        touched.push(path);
      } else throw new Error(`fake DynamoDB: unsupported update clause ${clause}`);
    } while (p.peek() === ',' && p.next());
  }
  return touched;
};

export interface ExprInput {
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, AttributeValue>;
}
export const ctxOf = (input: Partial<ExprInput>): Ctx => ({
  names: input.ExpressionAttributeNames ?? {},
  values: input.ExpressionAttributeValues ?? {},
});
